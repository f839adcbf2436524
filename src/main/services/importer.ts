/**
 * Dataset import: scan (format module) → validate every item (image decodes, mask builds, sizes
 * match, values in the schema, landmarks parse) → write in batches, one transaction per batch.
 *
 * - Nothing is written before validation when onProblem is 'abort' (and a dry run writes nothing at
 *   all). Images are verified by a full decode at reduced scale; thumbnails are made on first view.
 *   With 'skip', bad items are left out and reported; good items are written
 *   batch by batch as they are validated (the outcome is the same as validating everything first).
 * - Resume: an item whose image path is already in the project with the same content and a head
 *   revision counts as already imported (its mask files are not even decoded); an image added earlier
 *   without labels (same path, same content) gets the import revision. A kill loses at most the batch in
 *   flight (its transaction rolls back); re-running the import finishes the rest.
 * - Validated results are kept in memory between the two passes of 'abort' runs up to CACHE_BYTES, and
 *   recomputed beyond that.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { ParselError } from '../../shared/api/errors';
import type {
  ImportFormatId,
  ImportPlanReport,
  ImportProblem,
  ImportProblemKind,
  ImportRunReport,
} from '../../shared/api/methods-import';
import { MANIFEST_FILE } from '../../shared/api/methods-export';
import type { LabelSchema } from '../../shared/api/types';
import { ManifestError, parseManifest } from '../../shared/dataset/manifest';
import { encodeMask } from '../../shared/mask/codec';
import type { DatasetFormat, PlanItem, ScanResult } from '../formats/dataset';
import { findJunk, parseLandmarks } from '../formats/dataset';
import { ItemProblem, maskFile, upscaleNearest, type BuildContext } from '../formats/masks';
import { buildMaskOffThread } from './mask-pool';
import { detectFormat, getFormat } from '../formats/registry';
import type { ProjectStore } from '../store/project-store';
import type { EventBus } from './backend';
import sharp from '../sharp';
import { isBmp } from '../formats/bmp';
import { MAX_IMAGE_PIXELS, decodeFailureReason, probeAndThumb } from './image-io';
import type { ProjectPaths } from './paths';
import { mapLimit } from '../../shared/limiter';

const BATCH = 64;
/** Items in flight at once (file reads, hashing and decodes overlap); the memory their decodes hold is
 *  bounded by the decode budget (formats/decode-budget.ts: declared bytes), not by this count. */
const CONCURRENCY = 4;
const CACHE_BYTES = 512 * 1024 * 1024;
export const IMPORT_AUTHOR = 'import';

export interface ImportOptions {
  path: string;
  format?: ImportFormatId;
  celebaOrder?: string;
  helenThreshold: boolean;
  ignoreValue?: number;
}

interface Prepared {
  item: PlanItem;
  /** The item's split: the format's own, else the one its Parsel manifest records for this exact file. */
  split: string | null;
  /** Whether the mask holds the dataset's ignore value (the project takes that value when it has none). */
  hasIgnore: boolean;
  stored: string;
  sha256: string;
  width: number;
  height: number;
  mask: { width: number; height: number; encoding: string; data: Uint8Array };
  landmarks: { source: string; points: [number, number][] } | null;
  /** Existing image (added earlier without labels) that gets the revision. */
  imageId: number | null;
}

type Outcome = { kind: 'ok'; p: Prepared } | { kind: 'bad'; problems: ImportProblem[] } | { kind: 'already' };

interface Session {
  dir: string;
  format: DatasetFormat;
  schema: LabelSchema;
  scan: ScanResult;
  build: BuildContext;
  /** Problems per item key found by the scan. */
  scanItemProblems: Map<string, ImportProblem[]>;
  /** Dataset-level problems found before the scan (an unreadable manifest, an ignore value clash). */
  ownProblems: ImportProblem[];
  skipped: { file: string; reason: string }[];
  manifest: DatasetManifest | null;
  /** The mask value read as ignore, or null. */
  ignoreValue: number | null;
  /** Set on the project's schema with the first mask that holds it (the project has no ignore value). */
  adoptIgnore: number | null;
}

/** What the import takes from a Parsel export manifest in the dataset folder. */
interface DatasetManifest {
  path: string;
  ignoreIndex: number | null;
  /** Relative image file path ('/'-separated) → its split and SHA-256 as exported. */
  files: Map<string, { split: string | null; sha256: string }>;
}

/**
 * Read `parsel-manifest.json` when the dataset folder has one: the export's ignore value and the split
 * of every image file it wrote (formats without splits — FaceSynthetics, COCO — keep them there).
 */
async function readDatasetManifest(dir: string, problems: ImportProblem[]): Promise<DatasetManifest | null> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) return null;
    // A manifest lists every file with its hash: about 0.5 kB per image, so larger than list files.
    if (st.size > MAX_MANIFEST_BYTES) {
      problems.push({ kind: 'too-large', file: path, message: `${path} is ${st.size} bytes; manifests over 1 GiB are refused` });
      return null;
    }
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    problems.push({ kind: 'unreadable', file: path, message: `cannot read ${path} (${code ?? (err as Error).message})` });
    return null;
  }
  try {
    const m = parseManifest(JSON.parse(text) as unknown, path);
    const out = m.outputSchema as { ignoreIndex?: unknown } | undefined;
    const ignore = out && typeof out.ignoreIndex === 'number' && Number.isInteger(out.ignoreIndex) && out.ignoreIndex >= 0 && out.ignoreIndex <= 255 ? out.ignoreIndex : null;
    const sha = new Map(m.files.map((f) => [f.path, f.sha256]));
    const files = new Map<string, { split: string | null; sha256: string }>();
    for (const it of m.items) {
      const split = it.split === NO_SPLIT ? null : it.split;
      for (const f of it.files) {
        const h = sha.get(f);
        if (h) files.set(f, { split, sha256: h });
      }
    }
    return { path, ignoreIndex: ignore, files };
  } catch (err) {
    const why = err instanceof ManifestError ? err.message : `${path}: ${(err as Error).message}`;
    problems.push({ kind: 'bad-list', file: path, message: `${why} (a file named ${MANIFEST_FILE} must be a Parsel export manifest)` });
    return null;
  }
}

const MAX_MANIFEST_BYTES = 1024 * 1024 * 1024;

/** The split an export records for images without one (shared/dataset/subset.ts NO_VALUE). */
const NO_SPLIT = 'none';

function relPath(dir: string, file: string): string {
  return relative(dir, file).split(sep).join('/');
}

function countKinds(problems: ImportProblem[]): Partial<Record<ImportProblemKind, number>> {
  const c: Partial<Record<ImportProblemKind, number>> = {};
  for (const p of problems) c[p.kind] = (c[p.kind] ?? 0) + 1;
  return c;
}

/** Scan the folder with the chosen (or detected) format; refuses schema mismatches and empty datasets. */
async function open(store: ProjectStore, opts: ImportOptions): Promise<Session> {
  const dir = resolve(opts.path);
  let st;
  try {
    st = await fs.stat(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new ParselError('INVALID_INPUT', `${dir}: symbolic link loop`, { path: dir });
    throw new ParselError('NOT_FOUND', `folder not found: ${dir}`, { path: dir });
  }
  if (!st.isDirectory()) throw new ParselError('INVALID_INPUT', `not a folder: ${dir}`, { path: dir });
  let formatId = opts.format;
  if (!formatId) {
    const d = await detectFormat(dir);
    if (!d.best) {
      throw new ParselError(
        'INVALID_INPUT',
        `cannot tell the dataset format of ${dir}: ${d.candidates.map((c) => `${c.format}: ${c.reason}`).join('; ')}. Pick one with --format.`,
        { path: dir },
      );
    }
    formatId = d.best;
  }
  const format = getFormat(formatId);
  const schema = store.schema();
  const ownProblems: ImportProblem[] = [];
  const manifest = await readDatasetManifest(dir, ownProblems);
  const skipped = await findJunk(dir);
  if (manifest) skipped.push({ file: manifest.path, reason: 'Parsel export manifest (read for splits and the ignore value)' });
  const declared = opts.ignoreValue ?? manifest?.ignoreIndex ?? null;
  checkIgnore(schema, declared, opts.ignoreValue !== undefined ? 'ignoreValue' : manifest?.path ?? '');
  const scanOpts = {
    schema,
    celebaOrder: opts.celebaOrder,
    helenThreshold: opts.helenThreshold,
    ignoreValue: declared,
    manifestFiles: new Set(manifest?.files.keys() ?? []),
  };
  const ds = format.datasetSchemaId(scanOpts);
  if (ds !== null && ds !== schema.id) {
    throw new ParselError(
      'INVALID_INPUT',
      `${format.title} masks are in schema ${ds}, but this project uses ${schema.id}; remapping on import is not supported: create a project with schema ${ds} for this dataset`,
      { datasetSchemaId: ds, projectSchemaId: schema.id },
    );
  }
  const scan = await format.scan(dir, scanOpts);
  skipped.push(...(scan.skipped ?? []));
  if (scan.items.length === 0) {
    const why = scan.problems.length ? ` (${scan.problems.slice(0, 5).map((p) => p.message).join('; ')})` : '';
    throw new ParselError('INVALID_INPUT', `no images found in ${dir} for format ${format.id}: the folder is empty or has a different shape${why}`, {
      path: dir,
      problems: scan.problems,
    });
  }
  // The value read as ignore: the project's own, else the dataset's (option, manifest, colour label map).
  const found = declared ?? scan.ignoreValue ?? null;
  if (found !== declared) checkIgnore(schema, found, `${dir} (label map)`);
  const ignoreValue = schema.ignoreIndex ?? found;
  const buildSchema: LabelSchema = ignoreValue === schema.ignoreIndex ? schema : { ...schema, ignoreIndex: ignoreValue };
  const scanItemProblems = new Map<string, ImportProblem[]>();
  for (const p of scan.problems) {
    if (p.item === undefined) continue;
    let l = scanItemProblems.get(p.item);
    if (!l) scanItemProblems.set(p.item, (l = []));
    l.push(p);
  }
  return {
    dir,
    format,
    schema,
    scan,
    scanItemProblems,
    ownProblems,
    skipped,
    manifest,
    ignoreValue,
    adoptIgnore: schema.ignoreIndex === null ? ignoreValue : null,
    build: { schema: buildSchema, paintOrder: scan.paintOrder, colorMap: scan.colorMap, helenThreshold: opts.helenThreshold },
  };
}

/** A dataset ignore value must be the project's own (when it has one) and no class of its schema. */
function checkIgnore(schema: LabelSchema, value: number | null, from: string): void {
  if (value === null) return;
  if (schema.ignoreIndex !== null && schema.ignoreIndex !== value) {
    throw new ParselError(
      'INVALID_INPUT',
      `the dataset marks ignore pixels with ${value} (${from}), but this project's schema ${schema.id} uses ${schema.ignoreIndex}; remapping on import is not supported`,
      { ignoreValue: value, projectIgnoreIndex: schema.ignoreIndex },
    );
  }
  const c = schema.classes.find((k) => k.index === value);
  if (c) {
    throw new ParselError('INVALID_INPUT', `the dataset marks ignore pixels with ${value} (${from}), which is class "${c.name}" in this project's schema ${schema.id}`, {
      ignoreValue: value,
    });
  }
}

/**
 * Width and height from a JPEG's SOF or a PNG's IHDR without a sharp pipeline (whose setup costs
 * about as much as the reduced decode itself); null for other formats or odd files (sharp then reads
 * the header, and the decode below checks the rest in every case).
 */
function headerSize(b: Buffer): { width: number; height: number } | null {
  if (b.length > 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('latin1', 12, 16) === 'IHDR') {
    return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  }
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const m = b[i + 1];
    if (m === 0xff) {
      i++;
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      i += 2;
      continue;
    }
    if (m === 0xda || m === 0xd9) return null;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    i += 2 + b.readUInt16BE(i + 2);
  }
  return null;
}

/**
 * Prove that the image decodes completely and return its size, without making a thumbnail: a decode
 * at reduced scale (JPEG shrink-on-load still reads every entropy-coded block, so a truncated or
 * corrupt file fails) costs about a fifth of image-io's probe + WebP thumbnail. Thumbnails of imported
 * images are made on first view by the media source (the cache is disposable and rebuilt on demand).
 * BMP goes through image-io (libvips reads no BMP).
 */
async function verifyImage(buf: Buffer, file: string): Promise<{ width: number; height: number }> {
  if (isBmp(buf)) return (await probeAndThumb(buf, file)).info;
  const opts = { failOn: 'error' as const, limitInputPixels: MAX_IMAGE_PIXELS, sequentialRead: true };
  let meta: { width?: number; height?: number } | null = headerSize(buf);
  try {
    meta ??= await sharp(buf, opts).metadata();
  } catch (err) {
    throw new Error(decodeFailureReason(err, buf));
  }
  if (!meta.width || !meta.height) throw new Error('image has no dimensions');
  if (meta.width * meta.height > MAX_IMAGE_PIXELS) {
    throw new Error(`image is ${meta.width}×${meta.height}, larger than ${Math.sqrt(MAX_IMAGE_PIXELS)}² pixels`);
  }
  try {
    await sharp(buf, opts).resize(64, 64, { fit: 'inside' }).raw().toBuffer();
  } catch (err) {
    throw new Error(decodeFailureReason(err, buf));
  }
  return { width: meta.width, height: meta.height };
}

function imageProblem(err: unknown, file: string, key: string): ImportProblem {
  const msg = (err instanceof Error ? err.message : String(err)).replace(/^Input buffer /, '').replace(/^Vips\w+: /i, '').replace(/\s+/g, ' ').trim();
  const kind: ImportProblemKind = /larger than|pixel limit/.test(msg) ? 'too-large' : /ENOENT/.test(msg) ? 'missing-file' : 'undecodable';
  return { kind, file, item: key, message: msg.startsWith(file) ? msg : `${file}: ${msg}` };
}

/** Validate one item completely. Duplicate checks across items happen afterwards, in order. */
async function prepare(s: Session, store: ProjectStore, paths: ProjectPaths, item: PlanItem): Promise<Outcome> {
  const scanProblems = s.scanItemProblems.get(item.key);
  if (scanProblems) return { kind: 'bad', problems: scanProblems };
  const problems: ImportProblem[] = [];
  const stored = paths.toStored(item.image);
  const existing = store.imageByPath(stored);
  let buf: Buffer;
  try {
    buf = await fs.readFile(item.image);
  } catch (err) {
    return { kind: 'bad', problems: [imageProblem(err, item.image, item.key)] };
  }
  const sha256 = createHash('sha256').update(buf).digest('hex');
  if (existing) {
    if (existing.sha256 !== sha256) {
      return {
        kind: 'bad',
        problems: [{ kind: 'changed', file: item.image, item: item.key, message: `${item.image}: a different file was imported under this path before (content changed)` }],
      };
    }
    if (existing.headRevisionId !== null) return { kind: 'already' };
  }
  const [probe, mask, landmarks] = await Promise.all([
    verifyImage(buf, item.image).catch((err: unknown) => {
      problems.push(imageProblem(err, item.image, item.key));
      return null;
    }),
    // CelebAMask-HQ without part files (an all-background image its Parsel manifest lists): sized below.
    (item.mask.kind === 'parts' && item.mask.parts.length === 0 ? Promise.resolve(null) : buildMaskOffThread(item.mask, s.build)).catch((err: unknown) => {
      if (err instanceof ItemProblem) problems.push({ ...err.problem, file: err.problem.file || maskFile(item.mask), item: item.key });
      else problems.push({ kind: 'undecodable', file: maskFile(item.mask), item: item.key, message: `${maskFile(item.mask)}: ${(err as Error).message}` });
      return null;
    }),
    item.landmarks
      ? fs.readFile(item.landmarks.path, 'utf8').then(
          (t) => {
            try {
              return { source: item.landmarks!.source, points: parseLandmarks(t, item.landmarks!) };
            } catch (err) {
              problems.push({ kind: 'bad-landmarks', file: item.landmarks!.path, item: item.key, message: `${item.landmarks!.path}: ${(err as Error).message}` });
              return null;
            }
          },
          (err: unknown) => {
            problems.push({ kind: 'unreadable', file: item.landmarks!.path, item: item.key, message: `${item.landmarks!.path}: cannot read (${(err as NodeJS.ErrnoException).code})` });
            return null;
          },
        )
      : Promise.resolve(null),
  ]);
  let m = mask;
  if (probe && item.mask.kind === 'parts' && item.mask.parts.length === 0) {
    const bg = s.schema.classes.find((c) => c.name === 'background')?.index ?? 0;
    m = { width: probe.width, height: probe.height, data: new Uint8Array(probe.width * probe.height).fill(bg) };
  }
  if (probe && m && (m.width !== probe.width || m.height !== probe.height)) {
    const k = probe.width / m.width;
    const scalable = s.format.id === 'celebamask-hq' && Number.isInteger(k) && k > 1 && probe.height === m.height * k;
    if (scalable) m = upscaleNearest(m, k);
    else {
      problems.push({
        kind: 'size-mismatch',
        file: maskFile(item.mask),
        item: item.key,
        message: `${maskFile(item.mask)}: mask is ${m.width}×${m.height} but image ${item.image} is ${probe.width}×${probe.height}`,
      });
    }
  }
  if (problems.length > 0 || !probe || !m) return { kind: 'bad', problems };
  let split = item.split;
  if (split === null && s.manifest) {
    const rec = s.manifest.files.get(relPath(s.dir, item.image));
    if (rec && rec.sha256 === sha256) split = rec.split;
  }
  const ignore = s.ignoreValue;
  return {
    kind: 'ok',
    p: {
      item,
      split,
      hasIgnore: ignore !== null && m.data.includes(ignore),
      stored,
      sha256,
      width: probe.width,
      height: probe.height,
      mask: encodeMask(m.data, m.width, m.height),
      landmarks,
      imageId: existing ? existing.id : null,
    },
  };
}

function duplicate(p: Prepared, dupOf: string): Outcome {
  return { kind: 'bad', problems: [{ kind: 'duplicate', file: p.item.image, item: p.item.key, message: `${p.item.image}: same content as ${dupOf}` }] };
}

function changed(p: Prepared): Outcome {
  return {
    kind: 'bad',
    problems: [{ kind: 'changed', file: p.item.image, item: p.item.key, message: `${p.item.image}: a different file was imported under this path before (content changed)` }],
  };
}

/**
 * Duplicate content: within the run (first wins) or already in the project at another path. A first
 * look for the report (and dry runs); writeBatch decides again inside its transaction.
 */
function resolveDuplicates(store: ProjectStore, outcomes: Outcome[], seen: Map<string, string>): void {
  const ok = outcomes.filter((o): o is Extract<Outcome, { kind: 'ok' }> => o.kind === 'ok' && o.p.imageId === null);
  const inProject = store.findByHashes(ok.map((o) => o.p.sha256));
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i];
    if (o.kind !== 'ok' || o.p.imageId !== null) continue;
    const dupOf = inProject.get(o.p.sha256) ?? seen.get(o.p.sha256);
    if (dupOf === o.p.stored && inProject.has(o.p.sha256)) {
      // This very file, written by another process since prepare() looked: not a duplicate of itself.
      const now = store.imageByPath(o.p.stored);
      if (now && now.headRevisionId !== null) outcomes[i] = { kind: 'already' };
      else if (now) outcomes[i] = { kind: 'ok', p: { ...o.p, imageId: now.id } };
    } else if (dupOf !== undefined) outcomes[i] = duplicate(o.p, dupOf);
    else seen.set(o.p.sha256, o.p.stored);
  }
}

/**
 * Write a batch in one transaction. What each item does is decided again inside it (another process may
 * have imported or added the same files since validation): its path imported already → `already`; added
 * without labels → the revision goes onto that image; same content at another path → duplicate. Returns
 * each item's final outcome.
 */
function writeBatch(store: ProjectStore, source: string, batch: Prepared[], s: Session): Outcome[] {
  if (batch.length === 0) return [];
  const adopt = s.adoptIgnore !== null && batch.some((p) => p.hasIgnore) ? s.adoptIgnore : null;
  const now = new Date().toISOString();
  const outcomes = store.transaction(() => {
    let adopted = false;
    return batch.map((p0): Outcome => {
      const existing = store.imageByPath(p0.stored);
      if (existing && existing.sha256 !== p0.sha256) return changed(p0);
      if (existing && existing.headRevisionId !== null) return { kind: 'already' };
      if (!existing) {
        const dupOf = store.pathByHash(p0.sha256);
        if (dupOf !== null) return duplicate(p0, dupOf);
      }
      const p: Prepared = { ...p0, imageId: existing ? existing.id : null };
      if (adopt !== null && p.hasIgnore && !adopted) {
        store.setIgnoreIndex(adopt);
        adopted = true;
      }
      // An image added earlier without labels takes the dataset's split (when it has none).
      if (p.imageId !== null && p.split !== null) store.setSplitIfNone(p.imageId, p.split, source);
      const imageId =
        p.imageId ?? store.insertImages([{ path: p.stored, sha256: p.sha256, width: p.width, height: p.height, split: p.split, source }])[0];
      store.saveRevision({
        imageId,
        parentId: null,
        kind: 'import',
        author: IMPORT_AUTHOR,
        note: `imported from ${source}: ${p.item.key}`,
        width: p.mask.width,
        height: p.mask.height,
        encoding: p.mask.encoding,
        mask: p.mask.data,
      });
      if (p.landmarks) store.setLandmarks(imageId, p.landmarks.source, p.landmarks.points, now);
      return { kind: 'ok', p };
    });
  });
  if (adopt !== null && outcomes.some((o) => o.kind === 'ok' && o.p.hasIgnore)) s.adoptIgnore = null;
  return outcomes;
}

function baseReport(s: Session): ImportPlanReport {
  const bySplit: Record<string, number> = {};
  for (const it of s.scan.items) {
    const split = it.split ?? s.manifest?.files.get(relPath(s.dir, it.image))?.split ?? 'none';
    bySplit[split] = (bySplit[split] ?? 0) + 1;
  }
  return {
    path: s.dir,
    format: s.format.id,
    schemaId: s.schema.id,
    paintOrder: s.scan.paintOrder?.id ?? null,
    items: s.scan.items.length,
    importable: 0,
    alreadyImported: 0,
    badItems: 0,
    bySplit,
    withLandmarks: s.scan.items.filter((i) => i.landmarks).length,
    problems: [...s.ownProblems, ...s.scan.problems.filter((p) => p.item === undefined)],
    problemCounts: {},
    skippedFiles: s.skipped,
    manifest: s.manifest?.path ?? null,
    ignoreValue: s.ignoreValue,
  };
}

export interface RunControl {
  jobId: string;
  cancelled: () => boolean;
}

/**
 * Validate everything (dry run when `write` is null). With `write`, import per its onProblem policy.
 */
export async function runImport(
  store: ProjectStore,
  paths: ProjectPaths,
  bus: EventBus,
  opts: ImportOptions,
  write: { onProblem: 'skip' | 'abort'; control: RunControl } | null,
): Promise<ImportRunReport> {
  const jobId = write?.control.jobId ?? randomUUID();
  const emit = (phase: string, done: number, total: number, message?: string) =>
    bus.emit('job:progress', { jobId, kind: 'import', done, total, phase, ...(message ? { message } : {}) });
  emit('scanning', 0, 0, opts.path);
  const s = await open(store, opts);
  const items = s.scan.items;
  const total = items.length;
  const report: ImportRunReport = { ...baseReport(s), jobId, status: 'done', imported: 0, skipped: 0 };
  const seen = new Map<string, string>();
  const cache = new Map<number, Prepared>();
  let cacheBytes = 0;
  let lastEmit = 0;
  const tick = (phase: string, done: number) => {
    const now = Date.now();
    if (now - lastEmit > 100 || done === total) {
      lastEmit = now;
      emit(phase, done, total);
    }
  };
  const record = (o: Outcome) => {
    if (o.kind === 'bad') {
      report.badItems++;
      report.problems.push(...o.problems);
    } else if (o.kind === 'already') report.alreadyImported++;
    else report.importable++;
  };
  const finish = () => {
    report.problemCounts = countKinds(report.problems);
    return report;
  };

  const streaming = write !== null && write.onProblem === 'skip';
  // Pass 1: validate (and, when streaming, write each batch's good items).
  for (let start = 0; start < total; start += BATCH) {
    if (write?.control.cancelled()) {
      report.status = 'cancelled';
      emit('cancelled', start, total);
      return finish();
    }
    const chunk = items.slice(start, start + BATCH);
    const outcomes = await mapLimit(chunk, CONCURRENCY, (it) => prepare(s, store, paths, it));
    resolveDuplicates(store, outcomes, seen);
    if (streaming) {
      const at = outcomes.flatMap((o, k) => (o.kind === 'ok' ? [k] : []));
      const written = writeBatch(store, s.format.id, at.map((k) => (outcomes[k] as Extract<Outcome, { kind: 'ok' }>).p), s);
      at.forEach((k, j) => (outcomes[k] = written[j]));
      const n = written.filter((o) => o.kind === 'ok').length;
      report.imported += n;
      report.skipped += outcomes.filter((o) => o.kind === 'bad').length;
      if (n > 0) bus.emit('project:changed', { reason: 'images-added' });
    }
    outcomes.forEach(record);
    if (!streaming && write) {
      outcomes.forEach((o, k) => {
        if (o.kind !== 'ok') return;
        const bytes = o.p.mask.data.byteLength + 512;
        if (cacheBytes + bytes <= CACHE_BYTES) {
          cache.set(start + k, o.p);
          cacheBytes += bytes;
        }
      });
    }
    tick(streaming ? 'importing' : 'validating', Math.min(start + BATCH, total));
  }
  if (!write || streaming) {
    emit('done', total, total);
    return finish();
  }
  if (report.problems.length > 0) {
    report.status = 'aborted';
    emit('aborted', total, total, `${report.problems.length} problems: nothing imported`);
    return finish();
  }
  // Pass 2 ('abort' policy, no problems): write, recomputing what did not fit the cache.
  const seen2 = new Map<string, string>();
  for (let start = 0; start < total; start += BATCH) {
    if (write.control.cancelled()) {
      report.status = 'cancelled';
      emit('cancelled', start, total);
      return finish();
    }
    const idx = Array.from({ length: Math.min(BATCH, total - start) }, (_, k) => start + k);
    const outcomes = await mapLimit(idx, CONCURRENCY, async (i): Promise<Outcome> => {
      const c = cache.get(i);
      return c ? { kind: 'ok', p: c } : prepare(s, store, paths, items[i]);
    });
    resolveDuplicates(store, outcomes, seen2);
    const bad = outcomes.filter((o) => o.kind === 'bad');
    if (bad.length > 0) {
      // The files changed between validation and writing: stop here, report, keep what is written.
      for (const o of bad) if (o.kind === 'bad') report.problems.push(...o.problems);
      report.status = 'aborted';
      emit('aborted', start, total, 'files changed during the import');
      return finish();
    }
    const good = outcomes.filter((o): o is Extract<Outcome, { kind: 'ok' }> => o.kind === 'ok').map((o) => o.p);
    const written = writeBatch(store, s.format.id, good, s);
    for (const i of idx) cache.delete(i);
    const n = written.filter((o) => o.kind === 'ok').length;
    report.imported += n;
    if (n > 0) bus.emit('project:changed', { reason: 'images-added' });
    // Imported by another process since validation: counted as already imported, not twice.
    const already = written.filter((o) => o.kind === 'already').length;
    report.importable -= already;
    report.alreadyImported += already;
    const late = written.filter((o) => o.kind === 'bad');
    if (late.length > 0) {
      for (const o of late) if (o.kind === 'bad') report.problems.push(...o.problems);
      report.badItems += late.length;
      report.importable -= late.length;
      report.status = 'aborted';
      emit('aborted', start, total, 'files changed during the import');
      return finish();
    }
    tick('importing', Math.min(start + BATCH, total));
  }
  emit('done', total, total);
  return finish();
}
