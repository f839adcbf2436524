/**
 * Dataset export methods (`export:*`): preview counts for a spec, run (atomic, cancellable, with a
 * manifest), cancel, list past exports. Formats, manifest and reproduction rules: docs/export.md.
 */
import { z } from 'zod';
import type { RemapDescription } from '../dataset/remap';
import { method } from './define';
import { IMAGE_STATUSES, REVISION_KINDS } from './types';

export const EXPORT_FORMATS = [
  'celebamask-hq',
  'lapa',
  'helen',
  'ibugmask',
  'facesynthetics',
  'index-png',
  'color-png',
  'coco',
  'dml-csr',
] as const;
export type ExportFormatId = (typeof EXPORT_FORMATS)[number];

export const MANIFEST_FILE = 'parsel-manifest.json';

const name = z.string().trim().min(1).max(200);
const names = z.array(name).max(1000);
const className = z.string().min(1).max(64);

export const exportSpecSchema = z
  .object({
    format: z.enum(EXPORT_FORMATS),
    remap: z
      .object({
        target: z.string().min(1).max(64),
        ignoreIndex: z.number().int().min(0).max(255).default(255),
        overrides: z.record(className, className).default({}),
      })
      .strict()
      .nullable()
      .default(null),
    /**
     * What ignore pixels become, as a class name of the output schema (e.g. "background"), or null to
     * keep the ignore value. Required by formats that cannot hold ignore (Helen, COCO, CelebAMask-HQ)
     * whenever ignore pixels can occur; the preview and the manifest say what ignore became.
     */
    ignoreAs: className.nullable().default(null),
    filter: z
      .object({
        status: z.array(z.enum(IMAGE_STATUSES)).max(IMAGE_STATUSES.length).optional(),
        revisionKind: z.array(z.enum(REVISION_KINDS)).max(REVISION_KINDS.length).optional(),
        revisionAuthor: names.optional(),
        split: names.optional(),
        source: names.optional(),
        tagsAny: names.optional(),
        classesPresent: z.array(className).max(256).optional(),
        classesAbsent: z.array(className).max(256).optional(),
        /**
         * Image noise score of the latest label-noise scan (`noise:scan`) within [min, max]; images never
         * scanned (or scanned with another model set than `modelSetId`) are left out.
         */
        noiseScore: z
          .object({
            min: z.number().min(0).max(1e12).optional(),
            max: z.number().min(0).max(1e12).optional(),
            modelSetId: z.number().int().positive().optional(),
          })
          .strict()
          .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: 'noiseScore: min must not exceed max' })
          .optional(),
      })
      .strict()
      .default({}),
    sampling: z
      .object({
        limit: z.number().int().min(1).max(10_000_000).optional(),
        stratifyBy: z.array(className).max(16).optional(),
        mix: z.record(name, z.number().positive().max(1e6)).optional(),
      })
      .strict()
      .default({}),
    splits: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('keep') }).strict(),
        z.object({ mode: z.literal('assign'), ratios: z.tuple([z.number().min(0).max(1e6), z.number().min(0).max(1e6), z.number().min(0).max(1e6)]) }).strict(),
      ])
      .default({ mode: 'keep' }),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  })
  .strict();

export type ExportSpec = z.output<typeof exportSpecSchema>;
export type ExportSpecInput = z.input<typeof exportSpecSchema>;

export interface ExportPreview {
  /** Images the export would write. */
  total: number;
  /** Images with a mask that pass the filters (before sampling / mixing). */
  matched: number;
  /** Images left out because they have no mask yet. */
  withoutMask: number;
  bySplit: Record<string, number>;
  bySource: Record<string, number>;
  /** Output class name → images whose exported mask contains it. */
  byClass: Record<string, number>;
  /** Schema of the written masks. */
  outputSchemaId: string;
  remap: RemapDescription | null;
  /** What happens to ignore pixels in this export (see `ExportIgnore`). */
  ignore: ExportIgnore;
  /** Why this format cannot be written for this selection (the run would be refused). */
  problems: string[];
}

/** Ignore pixels in an export: where they come from and what the written files hold for them. */
export interface ExportIgnore {
  /** Whether any pixel can be ignore: the source schema's ignore value, or classes the remap sends to ignore. */
  possible: boolean;
  /** Source classes (or "ignore") that end up as ignore pixels before `ignoreAs`. */
  from: string[];
  /** Whether the format can hold an ignore value (Helen, COCO and CelebAMask-HQ cannot). */
  formatHolds: boolean;
  /** The value written for ignore pixels, or null when none are written (none possible, or `ignoreAs`). */
  value: number | null;
  /** The class ignore pixels become (`ignoreAs`), or null. */
  as: string | null;
  /** One sentence saying what ignore became, shown in the preview, the CLI and the manifest. */
  note: string;
}

export interface ExportResult {
  jobId: string;
  status: 'done' | 'cancelled';
  /** Destination folder (absolute). Absent from disk when cancelled. */
  dir: string;
  manifestPath: string | null;
  exportId: number | null;
  images: number;
  files: number;
  bySplit: Record<string, number>;
  /** What ignore pixels became (null when cancelled). */
  ignore: ExportIgnore | null;
  /** Temporary folders of killed exports (`.<name>.parsel-export-*`) removed from the destination's parent, with why. */
  staleRemoved: { path: string; reason: string }[];
}

export interface ExportRecord {
  id: number;
  createdAt: string;
  format: ExportFormatId;
  dir: string;
  images: number;
  outputSchemaId: string;
  seed: number;
  fromManifest: boolean;
}

const path = z.string().min(1, 'path must not be empty').max(4096);
const jobId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'job id: letters, digits, _ and - only');

export const exportMethods = {
  'export:preview': method<ExportPreview>()(z.object({ spec: exportSpecSchema }).strict()),
  'export:run': method<ExportResult>()(
    z
      .object({
        dir: path,
        /** Either a spec, or the path of a manifest to reproduce (same revisions, splits and names). */
        spec: exportSpecSchema.optional(),
        fromManifest: path.optional(),
        jobId: jobId.optional(),
      })
      .strict(),
  ),
  'export:cancel': method<{ cancelled: boolean }>()(z.object({ jobId }).strict()),
  'export:list': method<ExportRecord[]>()(z.object({}).strict()),
} as const;
