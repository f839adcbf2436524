/**
 * Models, model sets and pre-labelling (`models:*`, `modelSet:*`, `prelabel:*`, `job:list`,
 * `prediction:get`). DESIGN.md §4.
 *
 * - A model is an ONNX file (it stays where it is, like images) plus its card, checked against the
 *   graph when added; a card that does not fit the graph is refused with one message per problem.
 * - A model set is a self-ensemble: members averaged at the probability level, with flip-TTA and a
 *   face-crop mode. Members must share the label schema, class count, input size and `expects`.
 * - `prelabel:start` runs a job over images (all, a selection, or a filter): soft predictions cached per
 *   (image, model set), `model` revisions written only where no human/import/fix revision exists unless
 *   `force`. Jobs are rows in the project (ids are numbers); they resume after the app was killed.
 *   Progress arrives as `job:progress` events with `kind: 'prelabel'` and `jobId: String(id)`.
 * - `prediction:get` returns a cached prediction: the arg-max labels as an encoded mask (decode with
 *   shared/mask/codec like `revision:mask`) and, when asked, the quantised probability planes.
 */
import type { AveragingRecord } from '../models/averaging';
import { z } from 'zod';
import type { AnyModelCard } from '../models/card';
import { method } from './define';
import type { EncodedMask } from './types';
import { IMAGE_STATUSES } from './types';

export const FACE_MODES = ['whole', 'box', 'landmarks', 'detector'] as const;
export type FaceMode = (typeof FACE_MODES)[number];
export const TTA_MODES = ['none', 'flip'] as const;
export type TtaModeName = (typeof TTA_MODES)[number];
export const JOB_STATUSES = ['pending', 'running', 'paused', 'done', 'cancelled', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** How faces are found for a set whose models expect face crops (ignored by whole-image models). */
export interface FaceSpec {
  /**
   * 'whole': the whole image is one face box (whole-image models ignore boxes anyway);
   * 'landmarks': one box per landmark set stored with the image (dataset import);
   * 'box': the boxes drawn by the user (`faceBox:set`; an image without one is skipped with the
   * reason "no face box drawn"); 'detector': the faces found by the face-detector model
   * `detectorModelId` (an image where it finds none is skipped with the reason "no face found").
   */
  mode: FaceMode;
  /** Fraction of the box added on each side before cropping (the card's crop.margin is the default). */
  margin: number;
  /** With mode 'detector': the model (a face-detector card) that finds the faces. */
  detectorModelId?: number;
}

export interface TensorSummary {
  name: string;
  type: string;
  /** Dimension sizes; a string is a symbolic (dynamic) dimension. */
  shape: (number | string)[];
}

/** A card checked against a graph. */
export interface ModelCheck {
  /** true when the card parses and fits the graph. */
  ok: boolean;
  /** One message per problem, naming the field / tensor / class count. Empty when ok. */
  problems: string[];
  /**
   * Where the card came from: the request, `<model>.card.json`, the ONNX metadata, the project (the
   * card stored when the model was added: `models:check` with a modelId), or nowhere.
   */
  cardSource: 'request' | 'file' | 'metadata' | 'stored' | null;
  /** The card file when cardSource is 'file'. */
  cardPath: string | null;
  /** The parsed card (defaults filled in): a face parser's or a face detector's; null when it did not parse. */
  card: AnyModelCard | null;
  /** The graph's inputs and outputs, or null when the file is not a loadable ONNX model. */
  graph: { inputs: TensorSummary[]; outputs: TensorSummary[] } | null;
  sha256: string | null;
  /** The weight-averaging record in the ONNX metadata (`parsel average`), or null (shared/models/averaging.ts). */
  averaging: AveragingRecord | null;
  /**
   * A promptable card's encoder: its file (absolute), sha256 and graph (null when it is not loadable);
   * absent for other cards.
   */
  encoder?: { path: string; sha256: string | null; graph: { inputs: TensorSummary[]; outputs: TensorSummary[] } | null };
}

export interface ModelRecord {
  id: number;
  name: string;
  /** Absolute path of the .onnx file. */
  path: string;
  sha256: string;
  /**
   * A face-parsing card, a face-detector card (`kind` 'detector', `card.task` "face-detection") or a
   * promptable-segmentation card (`kind` 'promptable', `card.task` "promptable-segmentation").
   */
  card: AnyModelCard;
  /**
   * 'parser': a face-parsing model (a model set member); 'detector': a face detector (a set's
   * faces.detectorModelId); 'promptable': a click/box segmenter (SAM family) for the editor (`prompt:*`).
   */
  kind: 'parser' | 'detector' | 'promptable';
  addedAt: string;
  /** Label schema id and its class count (null and 0 for a detector). */
  labels: string | null;
  classes: number;
  /** false when the file is gone or its content changed since it was added (it cannot be run). */
  available: boolean;
  /** Why not available (missing file, changed content). */
  unavailableReason: string | null;
  /** Model sets using this model (as a member or as the face detector). */
  usedBy: number[];
  /** The weight-averaging record read when the model was added (a `parsel average` output), or null. */
  averaging: AveragingRecord | null;
}

export interface ModelAddResult {
  model: ModelRecord;
  check: ModelCheck;
}

export interface ModelSetRecord {
  id: number;
  name: string;
  modelIds: number[];
  tta: TtaModeName;
  faces: FaceSpec;
  /** Shared label schema id and class count of the members. */
  labels: string;
  classes: number;
  /** Whole image or face crops (from the members' cards). */
  expects: 'image' | 'face';
  createdAt: string;
  /** Images with a cached prediction of this set. */
  predictions: number;
  /**
   * When the members label another schema than the project's: how their classes are mapped onto it
   * ("celebamask-hq-a → lapa-11: eye_g → beneath, hat → background, …"; shared/models/prob-remap.ts).
   * Predictions and pre-labels are in the project's schema. Null when the schemas are the same.
   */
  remap: SetRemap | null;
  /**
   * A set made by `noise:importProbs` (`parsel import-probs`): predictions made elsewhere, read from a
   * `.npy` file into the prediction cache. It has no models (`modelIds` is empty) and cannot pre-label;
   * scans, the model overlay and the statistics use it like any set. Null for a set of ONNX models.
   */
  imported: ImportedProbsInfo | null;
}

/** Where an imported set's predictions came from (stored with the set). */
export interface ImportedProbsInfo {
  /** Absolute path of the folder read. */
  dir: string;
  /** The index file read in it and what it was: a Parsel `export-probs` index.json, or a list of images. */
  index: string;
  indexKind: 'parsel' | 'list';
  /** dtype and shape [N, K, H, W] of pred_probs.npy. */
  dtype: 'float16' | 'float32';
  shape: [number, number, number, number];
  /** Largest accepted |sum of a pixel's K probabilities − 1|. */
  tolerance: number;
  importedAt: string;
}

/** How a set's classes are mapped onto the project's schema (shared/models/prob-remap.ts). */
export interface SetRemap {
  /** The project's schema id. */
  target: string;
  /** The classes that do not keep their name: "eye_g → beneath", "hat → background". */
  moved: string[];
  /** The whole remap in one line (describeProbRemap). */
  text: string;
}

export interface ProvidersInfo {
  platform: string;
  /** Backends this onnxruntime-node build lists (not a promise that they initialise). */
  backends: { name: string; bundled: boolean }[];
  /** Order tried by default on this platform; 'cpu' last. */
  order: string[];
  /**
   * The provider of the latest engine started in this process (null before any), with every warning
   * (failed GPU initialisation and the fallback taken): what the status bar shows, e.g.
   * "CPU (CUDA failed: …)".
   */
  last: { provider: string; warnings: string[]; at: string; jobId: number | null } | null;
}

export interface JobRecord {
  id: number;
  kind: string;
  status: JobStatus;
  total: number;
  done: number;
  failed: number;
  /**
   * Of `done`: items whose prediction was cached but whose `model` revision was skipped because the
   * image has a human/import/fix/merge revision (`force` not set): nobody's work is overwritten; and
   * items skipped without a prediction, with their reason in `skips`.
   */
  skipped: number;
  message: string | null;
  createdAt: string;
  updatedAt: string;
  modelSetId: number | null;
  force: boolean;
  /** Provider and warnings of the latest run of this job (null before it started). */
  provider: string | null;
  warnings: string[];
  /** Running in this process now. */
  active: boolean;
  /** Can be continued with `prelabel:resume` (not done, not running, items left to do). */
  resumable: boolean;
  /** Not running and has failed items: `prelabel:resume` with `retryFailed` runs them again. */
  retryable: boolean;
  /** First failures: image id and reason (at most 50). */
  failures: { imageId: number; error: string }[];
  /**
   * First images skipped without a prediction, with the reason (at most 50; counted in `done` and
   * `skipped`): e.g. "no face box drawn" for a faces-mode "box" set.
   */
  skips: { imageId: number; reason: string }[];
  /** Every image skipped without a prediction, counted by reason (all of them; `skips` lists the first). */
  skipReasons: { reason: string; images: number }[];
}

export interface PrelabelStarted {
  jobId: number;
  /** Items of the job, and those this run will do (fewer than total on resume). */
  total: number;
  todo: number;
  /** Execution provider of the engine started for this run, and every fallback warning. */
  provider: string;
  warnings: string[];
}

export interface PredictionPayload {
  imageId: number;
  modelSetId: number;
  width: number;
  height: number;
  classes: number;
  provider: string;
  createdAt: string;
  /** Arg-max of the cached probabilities (ties to the lower class), encoded like a revision mask. */
  labels: EncodedMask;
  /** K class-major planes of width×height, round(255·p) (shared/noise/probs.ts), when asked for. */
  probs: Uint8Array | null;
}

const id = z.number().int().positive();
const path = z.string().min(1, 'path must not be empty').max(4096);
const name = z.string().trim().min(1, 'name must not be empty').max(200);
/** A model card as JSON (validated field by field by the service, with messages naming the field). */
const cardJson = z.record(z.string().max(100), z.unknown());
const providers = z.array(z.string().min(1).max(32).regex(/^[a-z0-9_-]+$/, 'provider names are lower-case (cuda, dml, coreml, webgpu, cpu)')).min(1).max(8);

export const faceSpecSchema = z
  .object({
    mode: z.enum(FACE_MODES).default('whole'),
    margin: z.number().min(0, 'faces.margin must be >= 0').max(4, 'faces.margin must be <= 4').default(0.25),
    detectorModelId: id.optional(),
  })
  .strict();

export const prelabelFilterSchema = z
  .object({
    status: z.array(z.enum(IMAGE_STATUSES)).min(1).max(IMAGE_STATUSES.length).optional(),
    split: z.string().max(64).optional(),
  })
  .strict();

export const modelMethods = {
  'models:add': method<ModelAddResult>()(z.object({ path, name: name.optional(), card: cardJson.optional() }).strict()),
  'models:list': method<ModelRecord[]>()(z.object({}).strict()),
  /** Check a model file (path) or an added model (modelId) without adding; a card may be given to try. */
  'models:check': method<ModelCheck>()(z.object({ path: path.optional(), modelId: id.optional(), card: cardJson.optional() }).strict()),
  'models:remove': method<{ removed: boolean }>()(z.object({ id }).strict()),
  'models:providers': method<ProvidersInfo>()(z.object({}).strict()),
  'modelSet:create': method<ModelSetRecord>()(
    z
      .object({
        name,
        modelIds: z.array(id).min(1, 'a model set needs at least one model').max(16),
        tta: z.enum(TTA_MODES).default('none'),
        faces: faceSpecSchema.default({ mode: 'whole', margin: 0.25 }),
      })
      .strict(),
  ),
  'modelSet:list': method<ModelSetRecord[]>()(z.object({}).strict()),
  'prelabel:start': method<PrelabelStarted>()(
    z
      .object({
        modelSetId: id,
        /** Images to do; leave out (and leave out filter) for every image of the project. */
        imageIds: z.array(id).min(1).max(1_000_000).optional(),
        filter: prelabelFilterSchema.optional(),
        /** Write `model` revisions over human/import/fix ones too (default false: never silently). */
        force: z.boolean().default(false),
        /** Execution providers to try in order (default: the platform order); 'cpu' is always last. */
        providers: providers.optional(),
      })
      .strict(),
  ),
  'prelabel:cancel': method<{ cancelled: boolean }>()(z.object({ jobId: id }).strict()),
  'prelabel:resume': method<PrelabelStarted>()(
    z
      .object({
        jobId: id,
        providers: providers.optional(),
        /** Also run the job's failed items again (their failure is forgotten; e.g. after a file was restored). */
        retryFailed: z.boolean().default(false),
      })
      .strict(),
  ),
  'job:list': method<JobRecord[]>()(z.object({ kind: z.string().min(1).max(32).optional() }).strict()),
  'prediction:get': method<PredictionPayload>()(
    z.object({ imageId: id, modelSetId: id, probs: z.boolean().default(false) }).strict(),
  ),
} as const;
