/**
 * Public types of the inference engine (see index.ts for the entry points).
 */
import type { DetectorCard, ModelCard } from '../../shared/models/card';

/** A face box in image pixels: [x0, y0, x1, y1], x1/y1 exclusive. */
export type Box = [number, number, number, number];

/** A model of a set: the ONNX file and its card (validated against the graph at create). */
export interface ModelSpec {
  path: string;
  card: ModelCard;
}

/** A face detector: the ONNX file and its detector card (validated against the graph at create). */
export interface DetectorSpec {
  path: string;
  card: DetectorCard;
}

export type TtaMode = 'none' | 'flip';

/** Execution provider names as onnxruntime-node spells them. */
export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu' | (string & {});

export interface EngineOptions {
  /**
   * One model, or several (a model set / self-ensemble): probabilities are averaged. All models of a
   * set must share the label schema, `expects`, input size and resize rule.
   */
  models: ModelSpec[];
  /** 'flip': also run the mirrored image and average, with left/right classes swapped back. */
  tta?: TtaMode;
  /**
   * Schema id the predictions must be in, when the models label another (shared/models/prob-remap.ts):
   * their probabilities are mapped onto it. Default: the models' own schema.
   */
  targetSchema?: string;
  /**
   * Face detector for face-crop models: an item (or predict call) without `faces` gets its boxes from
   * it; an image where it finds none is returned all background with `detections: []`.
   */
  detector?: DetectorSpec;
  /** Providers to try in order; default `defaultProviderOrder()` for this platform. CPU is always last. */
  providers?: ProviderName[];
  /** ORT intra-op threads per session (default: CPU cores − 1, at least 1: one core is left to decode/post-process). */
  intraOpThreads?: number;
  /**
   * Worker script override (a file URL or path). Default: `worker.js` / `inference-worker.mjs` next to
   * the engine module when built, else `worker.ts` loaded through tsx (tests, dev).
   */
  workerUrl?: string | URL;
}

/** An RGB image in memory: width*height*3 bytes, row-major. */
export interface RgbImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

export interface PredictOptions {
  /**
   * Face boxes (image pixels). Required for models whose card says `expects: "face"`; with a whole-image
   * model they are ignored. Landmark sets can be turned into boxes with `boxFromLandmarks`.
   */
  faces?: Box[];
  /** Return quantised probabilities (default true for predict, false for run). */
  probs?: boolean;
  /** Transfer the input's ArrayBuffer to the worker instead of copying it (the caller's array is detached). */
  transfer?: boolean;
}

/**
 * A prediction at the image's own size.
 * - `labels`: width*height class indices, argmax of the probabilities after bilinear upsampling.
 * - `probs`: classes*width*height (class-major planes), probability*255 rounded, at the image size,
 *   or null when not requested. For face crops, pixels outside every crop are background (class 0) with
 *   probability 255.
 */
export interface Prediction {
  width: number;
  height: number;
  classes: number;
  labels: Uint8Array;
  probs: Uint8Array | null;
  /** Crops actually parsed (expanded, image pixels; may extend beyond the image). Empty for whole-image models. */
  crops: Box[];
  /**
   * Faces found by the detector (image pixels, best score first), or null when no detector ran (the
   * faces were given, or the model parses the whole image). `[]`: the detector found no face, the
   * labels are all background.
   */
  detections: { box: Box; score: number }[] | null;
  /** Milliseconds spent in: decode+resize+normalise, session.run, softmax+upsample+argmax. */
  timing: { preMs: number; inferMs: number; postMs: number };
}

/** An item of a batch: a file (decoded in the worker with sharp) or pixels in memory. */
export type BatchItem =
  | { key: string; path: string; faces?: Box[] }
  | { key: string; rgb: Uint8Array; width: number; height: number; faces?: Box[] };

export type BatchResult = ({ key: string; ok: true } & Prediction) | { key: string; ok: false; error: string };

export interface RunOptions {
  /** Items in flight at once (decode of later items overlaps inference of earlier ones); default 4. */
  concurrency?: number;
  /** Also return quantised probabilities (default false: they are width*height*classes bytes each). */
  probs?: boolean;
  /** Called on the main thread for each finished item, in completion order (which is input order). */
  onResult: (r: BatchResult) => void | Promise<void>;
  /** Stop reading items; items in flight finish and are reported. */
  signal?: AbortSignal;
}

export interface RunSummary {
  done: number;
  failed: number;
  cancelled: boolean;
  seconds: number;
}
