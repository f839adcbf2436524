/**
 * The prediction cache: soft predictions of a model set for an image, in the format of
 * shared/noise/probs.ts (K class-major uint8 planes at the IMAGE's H×W, round(255·p)), deflated into
 * `prediction.data` (rows: store/prediction-repo.ts). One row per (image, model set); a re-run replaces it. Readers (the "show model"
 * overlay, the label-noise scan, smart editor tools) never re-run inference.
 *
 * Stable API (other domains import it): `readPrediction`, `writePrediction`, `deflateProbs`.
 */
import { promisify } from 'node:util';
import { deflate, deflateSync, inflateSync, constants } from 'node:zlib';
import type { ProjectStore } from '../store/project-store';

/** `prediction.encoding` of rows written here. */
export const PROBS_ENCODING = 'u8planes+deflate';

export interface CachedPrediction {
  width: number;
  height: number;
  classes: number;
  /** classes × height × width bytes, class-major (see shared/noise/probs.ts). */
  probs: Uint8Array;
  /** Execution provider that produced it ('cpu', 'cuda', …). */
  provider: string;
  createdAt: string;
  /** Content hash of the image the prediction is of. */
  imageSha256: string;
}

export interface PredictionRow {
  imageId: number;
  modelSetId: number;
  imageSha256: string;
  width: number;
  height: number;
  classes: number;
  provider: string;
}

// Level 1: the planes are mostly runs of 0 and 255, which compress ~20× even at the fastest level;
// higher levels cost several times the CPU for a few percent.
const LEVEL = { level: 1, strategy: constants.Z_DEFAULT_STRATEGY };
const deflateAsync = promisify(deflate);

/** Deflates probability planes off the main thread (libuv's thread pool). */
export async function deflateProbs(probs: Uint8Array): Promise<Uint8Array> {
  const out = await deflateAsync(probs, LEVEL);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function checkShape(row: PredictionRow, n: number, what: string): void {
  if (!Number.isInteger(row.width) || !Number.isInteger(row.height) || row.width < 1 || row.height < 1) {
    throw new Error(`prediction for image ${row.imageId}: bad size ${row.width}x${row.height}`);
  }
  if (!Number.isInteger(row.classes) || row.classes < 2 || row.classes > 255) {
    throw new Error(`prediction for image ${row.imageId}: bad class count ${row.classes}`);
  }
  const want = row.classes * row.width * row.height;
  if (n !== want) {
    throw new Error(`prediction for image ${row.imageId}: ${what} has ${n} values, expected K*H*W = ${row.classes}*${row.height}*${row.width} = ${want}`);
  }
}

/**
 * Stores (replaces) the cached prediction of (image, model set). Give the raw planes (`probs`,
 * deflated here, synchronously) or planes already deflated with `deflateProbs` (`deflated`, with the
 * raw length for the check). One statement: callers put it in their own transaction with the rest of
 * an item's output.
 */
export function writePrediction(
  store: ProjectStore,
  row: PredictionRow,
  data: { probs: Uint8Array } | { deflated: Uint8Array; rawLength: number },
): void {
  let blob: Uint8Array;
  if ('probs' in data) {
    checkShape(row, data.probs.length, 'probs');
    const out = deflateSync(data.probs, LEVEL);
    blob = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } else {
    checkShape(row, data.rawLength, 'probs');
    blob = data.deflated;
  }
  store.predictions.upsert({ ...row, encoding: PROBS_ENCODING, data: blob, createdAt: new Date().toISOString() });
}

/** The cached prediction of (image, model set), inflated; null when there is none. */
export function readPrediction(store: ProjectStore, imageId: number, modelSetId: number): CachedPrediction | null {
  const r = store.predictions.get(imageId, modelSetId);
  if (!r) return null;
  if (r.encoding !== PROBS_ENCODING) {
    throw new Error(`prediction of image ${imageId} by model set ${modelSetId} has encoding "${r.encoding}"; this version reads "${PROBS_ENCODING}"`);
  }
  const raw = inflateSync(r.data);
  const probs = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  const want = r.classes * r.width * r.height;
  if (probs.length !== want) {
    throw new Error(`prediction of image ${imageId} by model set ${modelSetId} is corrupt: ${probs.length} bytes, expected ${r.classes}*${r.height}*${r.width} = ${want}`);
  }
  return { width: r.width, height: r.height, classes: r.classes, probs, provider: r.provider, createdAt: r.createdAt, imageSha256: r.imageSha256 };
}

/** Number of cached predictions per model set id. */
export function predictionCounts(store: ProjectStore): Map<number, number> {
  return store.predictions.counts();
}
