/**
 * Label-noise methods (`noise:*`, issue 5, DESIGN.md §5): scan a selection against a model set's cached
 * predictions (confident-learning thresholds, regions → persistent flags per revision, image scores),
 * list flags and the review queue, accept (a `fix` revision touching only the flag's region) or dismiss a
 * flag, the per-pixel disagreement map / model overlay, the class-pair summary, and the `.npy` export of
 * the teacher's probabilities and the labels for cleanlab-style tools. Rules: docs/review.md.
 */
import { z } from 'zod';
import type { TeacherCheck } from '../noise/teacher-check';
import { method } from './define';
import type { ModelSetRecord } from './methods-models';
import type { MaskPayload } from './types';
import { IMAGE_STATUSES } from './types';

const id = z.number().int().positive();
const path = z.string().min(1, 'path must not be empty').max(4096);
const author = z.string().trim().min(1, 'author must not be empty').max(200);
const jobId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'job id: letters, digits, _ and - only');
const name = z.string().trim().min(1).max(200);

/** Which images a scan / summary / probability export covers; omitted keys do not filter. */
export const noiseSelectionSchema = z
  .object({
    imageIds: z.array(id).min(1).max(1_000_000).optional(),
    status: z.array(z.enum(IMAGE_STATUSES)).min(1).max(IMAGE_STATUSES.length).optional(),
    split: z.array(name).min(1).max(1000).optional(),
    source: z.array(name).min(1).max(1000).optional(),
  })
  .strict();
export type NoiseSelection = z.output<typeof noiseSelectionSchema>;

/** Scan options (defaults: DEFAULT_SCORE_OPTIONS of shared/noise/score.ts and DEFAULT_MATCH_IOU). */
export const scanOptionsSchema = z
  .object({
    /** Widening of the DML-CSR boundary band, pixels. */
    bandRadius: z.number().int().min(0).max(64).optional(),
    /** Weight of a suspect pixel inside the band, 0..1. */
    bandWeight: z.number().min(0).max(1).optional(),
    /** Regions with a smaller share of pixels outside the band are boundary imprecision, 0..1 (0 keeps all). */
    minFirmShare: z.number().min(0).max(1).optional(),
    minRegionArea: z.number().int().min(1).max(1_000_000).optional(),
    minRegionScore: z.number().min(0).max(1e9).optional(),
    maxRegions: z.number().int().min(1).max(1000).optional(),
    /** A new region matches an earlier flag (keeps its dismissal, keeps it open) at IoU >= this. */
    matchIoU: z.number().gt(0).max(1).optional(),
    /** Teacher check: below this mean F1 (no background) against the labels, flags are low-confidence (default 0.5). */
    minTeacherF1: z.number().min(0).max(1).optional(),
  })
  .strict();
export type ScanOptions = z.output<typeof scanOptionsSchema>;

/** IoU at which a region of a new scan is "the same" as an earlier flag (dismissal kept, flag not fixed). */
export const DEFAULT_MATCH_IOU = 0.5;

export const FLAG_STATUSES = ['open', 'fixed', 'dismissed'] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];

export interface ScanResult {
  jobId: string;
  status: 'done' | 'cancelled';
  modelSetId: number;
  /** Images in the selection with a head revision. */
  selected: number;
  /** Images scored (head revision + cached prediction). */
  scanned: number;
  /** Images left out because the model set has no cached prediction for them. */
  withoutPrediction: number;
  /** Images that could not be scored (size / class-count mismatch), with the reason. */
  failed: { imageId: number; reason: string }[];
  /** Open flags written on the scanned revisions. */
  openFlags: number;
  /** New regions that matched a dismissed flag and stay dismissed. */
  keptDismissed: number;
  /** Earlier open flags closed as fixed because their region is no longer suspect. */
  closed: number;
  /** Confident-learning threshold per class (probability), schema order. */
  thresholds: number[];
  /** How well the teacher agrees with the scanned labels (null when the scan stopped before scoring). */
  teacher: TeacherCheck | null;
  /** The label-error estimate over the images scored (shared/noise/teacher-check.ts). */
  likelyImages: number;
  likelyRegions: number;
  /** The `scan` row (null when the scan stopped before scoring). */
  scanId: number | null;
}

/** The label-error estimate and the teacher check over the latest scans, shown above the review queue. */
export interface QueueSummary {
  /** Images with a scan (image_score rows of the filter's model set). */
  scanned: number;
  /** Of those, images whose latest scan found a likely label error, and the likely-error regions. */
  likelyImages: number;
  likelyRegions: number;
  /** The teacher check of the most recent scan (null before the first scan of migration 10). */
  teacher: TeacherCheck | null;
}

export interface FlagInfo {
  id: number;
  imageId: number;
  revisionId: number;
  modelSetId: number;
  /** [x0, y0, x1, y1], inclusive, image pixels. */
  bbox: [number, number, number, number];
  area: number;
  labelClass: number;
  suggestedClass: number;
  score: number;
  status: FlagStatus;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
  /** The scan that made it had a teacher that agreed poorly with the labels (teacher check). */
  lowConfidence: boolean;
}

export interface QueueItem {
  imageId: number;
  /** Stored path (thumbnail: the media URL of the image id). */
  path: string;
  width: number;
  height: number;
  /** Image noise score of the latest scan. */
  score: number;
  modelSetId: number;
  /** Revision the latest scan scored. */
  revisionId: number;
  headRevisionId: number | null;
  /** Flags of the scanned revision, by status. */
  openFlags: number;
  fixedFlags: number;
  dismissedFlags: number;
  scannedAt: string;
  /** The flags of the scanned revision by label → suggested class pair, most open first. */
  pairs: QueuePair[];
}

/** A label → suggested class pair (class indexes of the project schema). */
export interface ClassPair {
  from: number;
  to: number;
}

/** Whether `b` is the pair `a` (false when there is no `a`). */
export function samePair(a: ClassPair | null | undefined, b: ClassPair): boolean {
  return !!a && a.from === b.from && a.to === b.to;
}

/** Most open flags first, then most flags, then class order: how pairs are listed. */
export function byOpenFlags(a: QueuePair, b: QueuePair): number {
  return b.open - a.open || b.flags - a.flags || a.from - b.from || a.to - b.to;
}

/** Flags of one label → suggested class pair. */
export interface QueuePair extends ClassPair {
  flags: number;
  open: number;
}

/** A label → suggested pair over the whole queue: the review queue's "confusions" filter. */
export interface QueuePairSummary extends QueuePair {
  fromName: string;
  toName: string;
  /** Queue images with a flag of this pair / with an open one. */
  images: number;
  openImages: number;
}

export interface QueuePage {
  /** Items matching the filter. */
  total: number;
  /**
   * Of the queued images, those with no open flag left (with `pair`: no open flag of that pair).
   */
  reviewed: number;
  /** Queue images (scanned, with at least one flag; with `pair`: one of that pair), before `onlyOpen`/`minScore`. */
  queued: number;
  offset: number;
  items: QueueItem[];
  /** Every label → suggested pair of the queue (before `pair`, `onlyOpen` and `minScore`), most open flags first. */
  pairs: QueuePairSummary[];
  /** The label-error estimate and teacher check (whole queue, before `pair`, `onlyOpen` and `minScore`). */
  summary: QueueSummary;
}

export interface ImageFlags extends QueueItem {
  flags: FlagInfo[];
}

export interface HeatmapPayload extends MaskPayload {
  imageId: number;
  modelSetId: number;
  kind: 'disagreement' | 'argmax';
}

export interface PairSummary {
  from: number;
  to: number;
  fromName: string;
  toName: string;
  /** Suspect pixels with this label → suggested pair. */
  pixels: number;
  /** Images with at least one such pixel. */
  images: number;
}

export interface PairsResult {
  images: number;
  pairs: PairSummary[];
}

export interface ExportProbsResult {
  dir: string;
  images: number;
  classes: number;
  width: number;
  height: number;
  dtype: 'float32' | 'float16';
  files: string[];
  /** Images of the selection left out because the model set has no cached prediction for them. */
  withoutPrediction: number;
}

/** The answer of `noise:importProbs`. */
export interface ImportProbsResult {
  /** 'cancelled': `noise:cancel` stopped it before anything was written (modelSet is null). */
  status: 'done' | 'cancelled';
  /** The new set (no models; `imported` says where from), or null when cancelled. */
  modelSet: ModelSetRecord | null;
  /** pred_probs.npy as read: N images, K classes, planes of H×W, dtype. */
  images: number;
  classes: number;
  width: number;
  height: number;
  dtype: 'float16' | 'float32';
  /** The index file read and its kind (a Parsel export-probs index.json, or a list of images). */
  index: string;
  indexKind: 'parsel' | 'list';
  /** The row-sum tolerance applied. */
  tolerance: number;
  /** Images whose size differs from H×W: their planes were resized like the engine's output. */
  resized: number;
}

/** Default |Σ_k p_k − 1| accepted per pixel for predictions given as floats. */
export const IMPORT_SUM_TOLERANCE = 0.01;

/**
 * The default for a Parsel `export-probs` folder: its values are q/255 of the cached uint8 planes
 * (each within 0.5/255 of the probability) and, in float16, within half a binary16 step (2^-12 below 1)
 * of q/255, so a pixel's K values can drift from 1 by up to K·(0.5/255 + 2^-12).
 */
export function exportedSumTolerance(K: number): number {
  return Math.max(IMPORT_SUM_TOLERANCE, K * (0.5 / 255 + 2 ** -12));
}

const classIndex = z.number().int().min(0).max(255);
/** A label → suggested class pair (schema class indexes). */
export const pairSchema = z
  .object({ from: classIndex, to: classIndex })
  .strict()
  .refine((p) => p.from !== p.to, { message: 'pair: from and to must be different classes' });

export const noiseMethods = {
  'noise:scan': method<ScanResult>()(
    z
      .object({
        modelSetId: id,
        selection: noiseSelectionSchema.default({}),
        options: scanOptionsSchema.default({}),
        jobId: jobId.optional(),
      })
      .strict(),
  ),
  /** Stops the scan or the import of predictions (`noise:importProbs`) running under `jobId`. */
  'noise:cancel': method<{ cancelled: boolean }>()(z.object({ jobId }).strict()),
  'noise:flags': method<ImageFlags[]>()(
    z
      .object({
        /** One image's flags (its latest scan's revision unless `revisionId`). */
        imageId: id.optional(),
        revisionId: id.optional(),
        /** Or the top N images by score, with their flags. */
        top: z.number().int().min(1).max(10000).optional(),
        status: z.array(z.enum(FLAG_STATUSES)).min(1).max(FLAG_STATUSES.length).optional(),
        /** Only flags of this label → suggested pair (with `top`: the top images that have one). */
        pair: pairSchema.optional(),
      })
      .strict(),
  ),
  'noise:queue': method<QueuePage>()(
    z
      .object({
        modelSetId: id.optional(),
        onlyOpen: z.boolean().default(false),
        minScore: z.number().min(0).max(1e12).optional(),
        /** Only images with a flag of this label → suggested pair (an open one with `onlyOpen`). */
        pair: pairSchema.optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(5000).default(200),
      })
      .strict(),
  ),
  'noise:accept': method<{ flag: FlagInfo; revisionId: number; changedPixels: number }>()(
    z
      .object({
        flagId: id,
        author,
        /**
         * The revision the fix goes on top of (the head the caller has loaded); default: the flag's
         * revision. The save fails with CONFLICT when the image's head is not this revision.
         */
        parentId: id.optional(),
      })
      .strict(),
  ),
  'noise:dismiss': method<FlagInfo>()(z.object({ flagId: id, author }).strict()),
  'noise:heatmap': method<HeatmapPayload>()(
    z
      .object({
        imageId: id,
        modelSetId: id,
        /** 'disagreement': 255·(1 − p_teacher(label)) per pixel; 'argmax': the teacher's class map. */
        kind: z.enum(['disagreement', 'argmax']).default('disagreement'),
        /** Label revision compared (default: the head). */
        revisionId: id.optional(),
      })
      .strict(),
  ),
  'noise:pairs': method<PairsResult>()(
    z.object({ modelSetId: id.optional(), selection: noiseSelectionSchema.default({}) }).strict(),
  ),
  'noise:exportProbs': method<ExportProbsResult>()(
    z
      .object({
        dir: path,
        modelSetId: id,
        selection: noiseSelectionSchema.default({}),
        dtype: z.enum(['float32', 'float16']).default('float32'),
      })
      .strict(),
  ),
  /**
   * Predictions made elsewhere → a NEW model set without models: reads `<dir>/pred_probs.npy`
   * (N×K×H×W, '<f2' or '<f4', C order) and an index naming the image of each row (`index.json` of
   * `noise:exportProbs`, or a list of image ids / paths / file names, one per line), checks all of it
   * (header, rows vs index, K vs the schema, each pixel's K values finite, ≥ 0 and summing to 1 within
   * `tolerance`), resizes each image's planes to the image like the engine does, and writes the set and
   * its predictions in one transaction; any error writes nothing. Progress: `job:progress` with
   * `kind: 'import-probs'`; `noise:cancel` with the same `jobId` stops it (nothing written). Format and
   * matching rules: docs/noise.md.
   */
  'noise:importProbs': method<ImportProbsResult>()(
    z
      .object({
        dir: path,
        /** Name of the new model set (refused when taken). */
        name,
        /** Index file (relative to dir, or absolute); default `index.json`, else `index.txt`, in dir. */
        index: path.optional(),
        /** Largest |Σ_k p_k − 1| per pixel (default IMPORT_SUM_TOLERANCE, exportedSumTolerance(K) for a Parsel export). */
        tolerance: z.number().min(0).max(1).optional(),
        jobId: jobId.optional(),
      })
      .strict(),
  ),
} as const;
