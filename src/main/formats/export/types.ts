/**
 * What every exporter shares. An exporter writes one dataset layout into an `OutputTree` (a temporary
 * folder that the export engine renames into place at the end). It sees items in export order with
 * the mask already remapped to the output schema; it never touches the project or the destination.
 */
import type { LabelSchema } from '../../../shared/api/types';
import type { ExportFormatId } from '../../../shared/api/methods-export';
import type { OutputTree } from './tree';

export interface SourceImage {
  bytes: Buffer;
  /** Detected from the bytes, not the file name. */
  type: 'jpeg' | 'png' | 'other';
  /** Original extension, lower case with the dot (".jpg"). */
  ext: string;
}

export interface ExportItem {
  /** Position in the export (0-based); numbered layouts (CelebAMask-HQ, FaceSynthetics) use it. */
  k: number;
  imageId: number;
  /** Safe, unique file stem (see shared/dataset/names.ts). */
  name: string;
  split: string;
  width: number;
  height: number;
  image: SourceImage;
  /** Row-major index mask in the output schema. Handing it to the PNG pool (png-pool.ts) detaches it: encode it last. */
  mask: Uint8Array;
}

export interface ExportContext {
  tree: OutputTree;
  /** Schema of the written masks (the remap target, or the project's). */
  schema: LabelSchema;
  /** Value of "ignore" pixels in the written masks, or null when there is none. */
  ignoreIndex: number | null;
  /** Every item's split, in export order (known before the first item is written). */
  splits: string[];
  /** When the export was made (for a reproduction: the original's), ISO time; dated files use it. */
  createdAt: string;
  appVersion: string;
  projectName: string;
}

export interface Exporter {
  id: ExportFormatId;
  title: string;
  /** Whether the layout can hold an ignore value (else ignore pixels need `ignoreAs`). */
  holdsIgnore: boolean;
  /** Why this format cannot be written for this schema / these splits (empty: it can). */
  problems(schema: LabelSchema, ignoreIndex: number | null, splits: ReadonlySet<string>): string[];
  /** Files written per item, relative to the export root (for the manifest `items[].files`). */
  item(ctx: ExportContext, item: ExportItem): Promise<string[]>;
  /** Dataset-level files (lists, label maps, annotations) after the last item. */
  finish(ctx: ExportContext): Promise<void>;
  /** Per-export state reset (exporters that accumulate, e.g. COCO, keep it per context). */
  begin?(ctx: ExportContext): void;
}

/** Classes by name → index check: does `schema` have exactly these names at indices 0..n-1? */
export function hasNames(schema: LabelSchema, names: readonly string[]): boolean {
  return schema.classes.length === names.length && names.every((n, i) => schema.classes.find((c) => c.index === i)?.name === n);
}

export function needSplits(format: string, splits: ReadonlySet<string>, allowed: readonly string[]): string[] {
  const bad = [...splits].filter((s) => !allowed.includes(s)).sort();
  if (bad.length === 0) return [];
  return [
    `${format} needs every image in one of the splits ${allowed.join('/')}; the selection has ${bad.map((s) => `"${s}"`).join(', ')}` +
      ` (assign splits with a ratio, e.g. --splits 0.8,0.1,0.1)`,
  ];
}
