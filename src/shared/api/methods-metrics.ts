/**
 * Agreement and dataset statistics (`metrics:*`, issue 5): per-class F1/IoU between two label sources
 * over a selection of images, and per-class pixel ratios / class presence counts. Conventions
 * (matrix summed over the selection, mean F1 without background, Helen overall F1): FORMATS.md
 * "Evaluation conventions" and src/shared/metrics.
 */
import { z } from 'zod';
import { method } from './define';
import { IMAGE_STATUSES, REVISION_KINDS } from './types';

const id = z.number().int().positive();
const jobId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'job id: letters, digits, _ and - only');
const names = z.array(z.string().trim().min(1).max(200)).min(1).max(1000);

/**
 * Which label map stands for an image on one side of a comparison:
 * - 'head': the image's head revision;
 * - {kind}: the image's most recent revision of that kind ('human', 'model', 'import', 'fix', 'merge');
 * - {author}: the image's most recent revision by that author;
 * - {revisionIds}: the listed revision of the image (at most one per image);
 * - {modelSet}: the arg-max (ties to the lower class) of the model set's cached prediction.
 * An image without such a map on either side is skipped (and listed in `skipped`).
 */
export const labelSourceSchema = z.union([
  z.literal('head'),
  z.object({ kind: z.enum(REVISION_KINDS) }).strict(),
  z.object({ author: z.string().trim().min(1).max(200) }).strict(),
  z.object({ revisionIds: z.array(id).min(1).max(1_000_000) }).strict(),
  z.object({ modelSet: id }).strict(),
]);
export type LabelSource = z.output<typeof labelSourceSchema>;

/** Images by id, status, split ('none' = no split) and source ('none' = no source); all given filters apply. */
export const metricsSelectionSchema = z
  .object({
    imageIds: z.array(id).min(1).max(1_000_000).optional(),
    status: z.array(z.enum(IMAGE_STATUSES)).min(1).max(IMAGE_STATUSES.length).optional(),
    split: names.optional(),
    source: names.optional(),
  })
  .strict();
export type MetricsSelection = z.output<typeof metricsSelectionSchema>;

export interface ClassAgreement {
  index: number;
  name: string;
  /** null where the class is absent from both maps. */
  f1: number | null;
  iou: number | null;
}

export interface AgreementFigures {
  /** Pixels compared (ignore dropped). */
  pixels: number;
  classes: ClassAgreement[];
  /** Mean F1 over every class but background (index 0). null when no class is present. */
  meanF1: number | null;
  /** mIoU over all classes, background included. */
  mIoU: number | null;
  /** Helen overall F1 (brows + eyes + nose + mouth merged); only for Helen-like schemas, else null. */
  helenOverallF1: number | null;
  pixelAccuracy: number | null;
}

export interface AgreementResult {
  /** 'cancelled' (`metrics:cancel`): the figures cover the images done before the cancel. */
  status: 'done' | 'cancelled';
  schemaId: string;
  /** Whether the schema has exactly the Helen classes (helen-11, lapa-11, …): helenOverallF1 is given. */
  helenLike: boolean;
  /** Images compared. */
  images: number;
  /** From the confusion matrix summed over the compared images. */
  overall: AgreementFigures;
  perImage: { imageId: number; a: number | null; b: number | null; figures: AgreementFigures }[];
  /** Images of the selection left out, with why (first 1000). */
  skipped: { imageId: number; reason: string }[];
  skippedCount: number;
}

export interface ClassStats {
  index: number;
  name: string;
  pixels: number;
  /** Share of the labelled pixels of the selection. */
  ratio: number;
  /** Images with at least one pixel of the class, and that over the images counted. */
  presentIn: number;
  presence: number;
}

export interface StatsResult {
  /** 'cancelled' (`metrics:cancel`): the figures cover the images done before the cancel. */
  status: 'done' | 'cancelled';
  schemaId: string;
  /** Images counted (those of the selection with a map from `source`). */
  images: number;
  /** Images of the selection without such a map. */
  withoutMask: number;
  pixels: number;
  ignoredPixels: number;
  outOfRangePixels: number;
  classes: ClassStats[];
}

export const metricsMethods = {
  'metrics:agreement': method<AgreementResult>()(
    z
      .object({
        a: labelSourceSchema,
        b: labelSourceSchema,
        selection: metricsSelectionSchema.default({}),
        /** Per-image figures in the response (default true). */
        perImage: z.boolean().default(true),
        /** Names the run for `job:progress` (kind 'metrics') and `metrics:cancel`. */
        jobId: jobId.optional(),
      })
      .strict(),
  ),
  'metrics:stats': method<StatsResult>()(
    z.object({ selection: metricsSelectionSchema.default({}), source: labelSourceSchema.default('head'), jobId: jobId.optional() }).strict(),
  ),
  /** Stops a running agreement or statistics computation; it answers with what it has ('cancelled'). */
  'metrics:cancel': method<{ cancelled: boolean }>()(z.object({ jobId }).strict()),
} as const;
