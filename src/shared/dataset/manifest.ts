/**
 * The export manifest (`parsel-manifest.json`, beside the data): what was exported, from which
 * revisions, with which seed and remap, and every file written with its SHA-256. `parseManifest`
 * validates one read back for `--from-manifest`: shape, and no path that is absolute or has `..`.
 *
 * Pure TypeScript (no Node, no DOM).
 */
import { z } from 'zod';
import { exportSpecSchema, type ExportIgnore, type ExportSpec } from '../api/methods-export';
import type { RemapDescription } from './remap';
import { unsafeRelativePath } from './names';

export const MANIFEST_KIND = 'parsel-export-manifest';
export const MANIFEST_VERSION = 1;

export interface ManifestItem {
  imageId: number;
  revisionId: number;
  /** SHA-256 of the source image file when it was added (checked again at export). */
  imageSha256: string;
  split: string;
  source: string;
  /** Output file stem. */
  name: string;
  /** Files written for this image, relative to the export folder. */
  files: string[];
}

export interface ExportManifest {
  kind: typeof MANIFEST_KIND;
  version: typeof MANIFEST_VERSION;
  app: { name: 'parsel'; version: string };
  createdAt: string;
  /** createdAt of the manifest this export was reproduced from, if any. */
  reproducedFrom: string | null;
  project: { name: string; schemaId: string };
  spec: ExportSpec;
  outputSchema: { id: string; ignoreIndex: number | null; classes: { index: number; name: string; title: string }[] };
  remap: RemapDescription | null;
  /** What ignore pixels became (the preview's statement). */
  ignore: ExportIgnore;
  counts: { images: number; files: number; bySplit: Record<string, number>; bySource: Record<string, number>; byClass: Record<string, number> };
  /** Output class name (and "ignore") → share of all exported mask pixels. */
  pixelRatios: Record<string, number>;
  items: ManifestItem[];
  files: { path: string; bytes: number; sha256: string }[];
}

export class ManifestError extends Error {}

const relPath = z.string().min(1).max(1024);
const manifestSchema = z.object({
  kind: z.literal(MANIFEST_KIND),
  version: z.literal(MANIFEST_VERSION),
  createdAt: z.string().max(64),
  project: z.object({ name: z.string().max(400), schemaId: z.string().min(1).max(64) }).passthrough(),
  spec: exportSpecSchema,
  items: z
    .array(
      z
        .object({
          imageId: z.number().int().positive(),
          revisionId: z.number().int().positive(),
          imageSha256: z.string().regex(/^[0-9a-f]{64}$/),
          split: z.string().min(1).max(200),
          source: z.string().max(200),
          name: z.string().min(1).max(200),
          files: z.array(relPath).max(10_000),
        })
        .passthrough(),
    )
    .min(1),
  files: z.array(z.object({ path: relPath, bytes: z.number().int().min(0), sha256: z.string() }).passthrough()),
}).passthrough();

export type ParsedManifest = z.output<typeof manifestSchema>;

/** Validate a manifest read back from disk; refuses absolute paths, `..` and unsafe names with the offending entry. */
export function parseManifest(json: unknown, file: string): ParsedManifest {
  const r = manifestSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ManifestError(`${file}: not a Parsel export manifest: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const m = r.data;
  const check = (p: string, where: string) => {
    const why = unsafeRelativePath(p);
    if (why) throw new ManifestError(`${file}: ${where} "${p}" ${why}; refusing a manifest that could write outside the export folder`);
  };
  const seen = new Set<number>();
  m.items.forEach((it, k) => {
    if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(it.name)) {
      check(it.name, `items[${k}].name`);
      throw new ManifestError(`${file}: items[${k}].name "${it.name}" is not a plain file name (letters, digits, . _ - only)`);
    }
    if (!/^[A-Za-z0-9_-]+$/.test(it.split)) throw new ManifestError(`${file}: items[${k}].split "${it.split}" is not a plain name`);
    if (seen.has(it.imageId)) throw new ManifestError(`${file}: image ${it.imageId} is listed twice`);
    seen.add(it.imageId);
    it.files.forEach((f, j) => check(f, `items[${k}].files[${j}]`));
  });
  m.files.forEach((f, j) => check(f.path, `files[${j}].path`));
  return m;
}
