/**
 * Dataset import methods (`import:*`): detect a folder's format, dry-run plan (every problem, nothing
 * written), run (validated, batched, resumable), cancel. Formats and decisions: docs/formats.md.
 */
import { z } from 'zod';
import { method } from './define';

export const IMPORT_FORMATS = ['celebamask-hq', 'lapa', 'helen', 'ibugmask', 'facesynthetics', 'index-png', 'color-png', 'coco', 'dml-csr'] as const;
export type ImportFormatId = (typeof IMPORT_FORMATS)[number];

export const IMPORT_PROBLEM_KINDS = [
  'missing-file', // an expected file (mask, image, label map) is not there
  'extra-file', // a file the format does not expect (mask without image, unknown suffix)
  'undecodable', // corrupt or truncated image / mask
  'too-large', // image above the pixel limit
  'size-mismatch', // mask size differs from the image size (and is not an allowed scale)
  'unknown-value', // mask pixel value not in the schema
  'unknown-color', // colour mask pixel colour not in the label map
  'unsafe-path', // a list or label-map entry with `..`, an absolute path, or a separator
  'bad-list', // a malformed line in a list / label map / mapping file
  'bad-landmarks', // malformed landmark file
  'duplicate', // same image content twice (in the dataset or already in the project at another path)
  'changed', // a different file was imported under this path before
  'symlink-loop', // a symbolic link that points back into itself
  'broken-link', // a symbolic link whose target does not exist
  'unreadable', // a folder or file that cannot be read
  'bad-name', // a file or folder name that is not valid UTF-8 (shown with the invalid bytes as \xNN)
] as const;
export type ImportProblemKind = (typeof IMPORT_PROBLEM_KINDS)[number];

export interface ImportProblem {
  kind: ImportProblemKind;
  /** The file the problem is about (absolute). */
  file: string;
  message: string;
  /** The item (image) that cannot be imported because of it; absent for dataset-level problems. */
  item?: string;
  /** Pixel count, line number count, etc. when meaningful. */
  count?: number;
}

export interface ImportDetectCandidate {
  format: ImportFormatId;
  /** 0 (not this format) … 1 (certain). */
  confidence: number;
  reason: string;
}

export interface ImportDetectReport {
  path: string;
  /** All formats, most likely first. */
  candidates: ImportDetectCandidate[];
  /** The most likely format, or null when nothing matches. */
  best: ImportFormatId | null;
}

export interface ImportPlanReport {
  path: string;
  format: ImportFormatId;
  /** Schema the masks are written in (the project's). */
  schemaId: string;
  /** Paint order used for CelebAMask-HQ part masks (the schema id of the order), else null. */
  paintOrder: string | null;
  items: number;
  /** Items that would be imported (no problem, not already imported). */
  importable: number;
  /** Items already imported by an earlier run (same path and content, with a revision). */
  alreadyImported: number;
  /** Items with at least one problem. */
  badItems: number;
  bySplit: Record<string, number>;
  withLandmarks: number;
  problems: ImportProblem[];
  problemCounts: Partial<Record<ImportProblemKind, number>>;
  /** Files left out without being a problem: junk (`.DS_Store`, `Thumbs.db`, `desktop.ini`, `._*`, `__MACOSX`) and Parsel's own manifest. */
  skippedFiles: { file: string; reason: string }[];
  /** The dataset's Parsel export manifest (`parsel-manifest.json`) when one was read, else null. */
  manifest: string | null;
  /** Mask value read as "ignore" (the project's, `ignoreValue`, the manifest's or the colour map's), or null. */
  ignoreValue: number | null;
}

export interface ImportRunReport extends ImportPlanReport {
  jobId: string;
  /** 'aborted': problems found with onProblem 'abort' (nothing written); 'cancelled': stopped by import:cancel. */
  status: 'done' | 'aborted' | 'cancelled';
  imported: number;
  /** Bad items skipped (onProblem 'skip'). */
  skipped: number;
}

const path = z.string().min(1, 'path must not be empty').max(4096);
const options = {
  path,
  format: z.enum(IMPORT_FORMATS).optional(),
  /** CelebAMask-HQ paint order (default: the project's schema when it is one of A/B/C). */
  celebaOrder: z.enum(['celebamask-hq-a', 'celebamask-hq-b', 'celebamask-hq-c']).optional(),
  /** Helen: threshold each map at 127 instead of arg-max (later class wins). */
  helenThreshold: z.boolean().default(false),
  /**
   * Mask value that means "ignore" in this dataset (default: the value its Parsel manifest names). A
   * project whose schema has no ignore value takes it when a mask holding it is imported.
   */
  ignoreValue: z.number().int().min(0).max(255).optional(),
};

export const importMethods = {
  'import:detect': method<ImportDetectReport>()(z.object({ path }).strict()),
  'import:plan': method<ImportPlanReport>()(z.object(options).strict()),
  'import:run': method<ImportRunReport>()(
    z
      .object({
        ...options,
        onProblem: z.enum(['skip', 'abort']).default('abort'),
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
  ),
  'import:cancel': method<{ cancelled: boolean }>()(z.object({ jobId: z.string().min(1).max(100) }).strict()),
} as const;
