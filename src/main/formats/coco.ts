/**
 * COCO (what Parsel's COCO export writes, and COCO files in general with RLE segmentations):
 * `annotations.json` (`images`, `annotations`, `categories`) and the image files under `images/`
 * (or beside annotations.json). Each annotation's `segmentation` is an RLE — compressed
 * (`{"size":[h,w],"counts":"…"}`, pycocotools) or uncompressed (`counts` as numbers) — painted with its
 * category's class in annotation order (later wins where two overlap) over background. Categories
 * are matched to the project's schema by name or title (case-insensitive). Polygon segmentations are
 * not read (a `bad-list` problem names the annotation). No split in the file: a Parsel manifest beside
 * it gives the splits back (docs/formats.md).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ImportProblem } from '../../shared/api/methods-import';
import { findClass } from '../../shared/schema';
import { findClassByLabel } from './color-png';
import { type DatasetFormat, type PlanItem, IMAGE_EXTS, ext, isDir, isFile, none, unsafeName, walkFiles } from './dataset';

export const COCO_FILE = 'annotations.json';
/** annotations.json files above this are refused (a 30,000-image face set with RLE is about 100 MB). */
const MAX_JSON_BYTES = 1024 * 1024 * 1024;

interface CocoDoc {
  images?: unknown;
  annotations?: unknown;
  categories?: unknown;
}

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

const posInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

export const coco: DatasetFormat = {
  id: 'coco',
  title: 'COCO (RLE annotations.json)',
  datasetSchemaId: () => null,
  async detect(dir) {
    if (!(await isFile(join(dir, COCO_FILE)))) return none('coco', `no ${COCO_FILE}`);
    return { format: 'coco', confidence: 0.9, reason: `${COCO_FILE}${(await isDir(join(dir, 'images'))) ? ' and images/' : ''}` };
  },
  async scan(dir, opts) {
    const problems: ImportProblem[] = [];
    const file = join(dir, COCO_FILE);
    const bad = (message: string) => problems.push({ kind: 'bad-list', file, message: `${file}: ${message}` });
    let doc: CocoDoc;
    try {
      const st = await fs.stat(file);
      if (st.size > MAX_JSON_BYTES) {
        problems.push({ kind: 'too-large', file, message: `${file} is ${st.size} bytes; annotation files over 1 GiB are refused` });
        return { items: [], problems };
      }
      doc = JSON.parse(await fs.readFile(file, 'utf8')) as CocoDoc;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') problems.push({ kind: 'missing-file', file, message: `${file} is missing` });
      else bad(code ? `cannot read (${code})` : `not JSON: ${(err as Error).message}`);
      return { items: [], problems };
    }
    if (!obj(doc) || !Array.isArray(doc.images) || !Array.isArray(doc.annotations) || !Array.isArray(doc.categories)) {
      bad('expected an object with "images", "annotations" and "categories" arrays');
      return { items: [], problems };
    }
    const background = findClass(opts.schema, 'background')?.index ?? 0;
    const classOf = new Map<number, number>();
    doc.categories.forEach((c, k) => {
      const o = obj(c);
      if (!o || !posInt(o.id) || typeof o.name !== 'string') return bad(`categories[${k}]: expected {"id": positive integer, "name": string}`);
      const index = findClassByLabel(opts.schema, o.name);
      if (index === null) return bad(`category ${o.id} "${o.name}" is not a class of the project's schema ${opts.schema.id}`);
      classOf.set(o.id, index);
    });
    const imageDir = (await isDir(join(dir, 'images'))) ? join(dir, 'images') : dir;
    const byId = new Map<number, { item: PlanItem; spec: Extract<PlanItem['mask'], { kind: 'coco' }> }>();
    const named = new Set<string>();
    doc.images.forEach((im, k) => {
      const o = obj(im);
      if (!o || !posInt(o.id) || typeof o.file_name !== 'string' || !posInt(o.width) || !posInt(o.height)) {
        return bad(`images[${k}]: expected {"id", "file_name", "width", "height"}`);
      }
      const why = unsafeName(o.file_name, true);
      if (why) return problems.push({ kind: 'unsafe-path', file, message: `${file}: images[${k}].file_name "${o.file_name.slice(0, 80)}" ${why}` });
      if (byId.has(o.id)) return bad(`image id ${o.id} is listed twice`);
      const path = join(imageDir, ...o.file_name.split('/'));
      named.add(path);
      const spec = { kind: 'coco' as const, file, width: o.width, height: o.height, background, segments: [] };
      byId.set(o.id, { item: { key: `images/${o.file_name}`, image: path, mask: spec, split: null }, spec });
    });
    doc.annotations.forEach((a, k) => {
      const o = obj(a);
      const seg = obj(o?.segmentation);
      if (!o || !posInt(o.image_id) || !posInt(o.category_id)) return bad(`annotations[${k}]: expected "image_id" and "category_id"`);
      const target = byId.get(o.image_id);
      if (!target) return bad(`annotations[${k}] refers to image ${o.image_id}, which is not in "images"`);
      const value = classOf.get(o.category_id);
      const fail = (message: string) =>
        problems.push({ kind: 'bad-list', file, item: target.item.key, message: `${file}: annotations[${k}] (image ${o.image_id}): ${message}` });
      if (value === undefined) return fail(`category ${o.category_id} is not in "categories" (or not a class of ${opts.schema.id})`);
      if (!seg) return fail(Array.isArray(o.segmentation) ? 'polygon segmentations are not read; only RLE ({"size", "counts"})' : 'no RLE segmentation');
      const size = seg.size;
      if (!Array.isArray(size) || size.length !== 2 || !posInt(size[0]) || !posInt(size[1])) return fail('segmentation.size must be [height, width]');
      if (typeof seg.counts !== 'string' && !(Array.isArray(seg.counts) && seg.counts.every((n) => Number.isInteger(n) && n >= 0))) {
        return fail('segmentation.counts must be an RLE string or a list of run lengths');
      }
      target.spec.segments.push({ value, size: [size[0], size[1]], counts: seg.counts as string | number[] });
    });
    const skipped: { file: string; reason: string }[] = [];
    for (const f of await walkFiles(imageDir, problems, skipped)) {
      if (IMAGE_EXTS.has(ext(f.rel)) && !named.has(f.path)) problems.push({ kind: 'extra-file', file: f.path, message: `${f.path}: image not listed in ${COCO_FILE}` });
    }
    return { items: [...byId.values()].map((v) => v.item), problems, skipped };
  },
};
