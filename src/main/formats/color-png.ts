/**
 * Colour PNG masks with a CVAT "Segmentation mask 1.1" label map: `labelmap.txt` lines
 * `name:r,g,b:parts:actions` (`#` comments), colour masks in `SegmentationClass/{name}.png`, images in
 * `JPEGImages/` (or `images/`), optional splits `ImageSets/Segmentation/{train,val,test}.txt`.
 * Label names are matched to the project's schema (class name or title, case-insensitive; CVAT's
 * `background` is index 0). A pixel whose colour is not in the map is an error naming the colour, the
 * file and the pixel count.
 */
import { join } from 'node:path';
import type { ImportProblem } from '../../shared/api/methods-import';
import type { LabelSchema } from '../../shared/api/types';
import { type DatasetFormat, type PlanItem, IMAGE_EXTS, ext, isDir, isFile, lines, listDir, none, readText, stem, unsafeName } from './dataset';

export const LABELMAP = 'labelmap.txt';
const MASK_DIRS = ['SegmentationClass', 'masks'];
const IMAGE_DIRS = ['JPEGImages', 'images'];
const SPLITS = ['train', 'val', 'test'];

export function packRgb(r: number, g: number, b: number): number {
  return (r << 16) | (g << 8) | b;
}

/** The label Parsel's colour export writes for ignore pixels (`ignore:128,128,128::`). */
export const IGNORE_LABEL = 'ignore';

export function findClassByLabel(schema: LabelSchema, name: string): number | null {
  const n = name.trim().toLowerCase();
  const c = schema.classes.find((k) => k.name.toLowerCase() === n || k.title.toLowerCase() === n);
  return c ? c.index : n === '_background_' ? 0 : null;
}

/** Parse a CVAT label map into colour → index of the project schema; problems for bad lines. */
export function parseLabelMap(text: string, file: string, schema: LabelSchema, problems: ImportProblem[], ignoreValue: number | null = null): Map<number, number> {
  const map = new Map<number, number>();
  for (const { n, line } of lines(text)) {
    if (line.startsWith('#')) continue;
    const m = /^([^:]+):\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*:[^:]*:.*$/.exec(line) ?? /^([^:]+):\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*$/.exec(line);
    if (!m) {
      problems.push({ kind: 'bad-list', file, message: `${file} line ${n}: expected "name:r,g,b::", got "${line.slice(0, 80)}"` });
      continue;
    }
    const name = m[1].trim();
    const bad = unsafeName(name, false);
    if (bad && bad !== 'contains a path separator (a bare file name is expected)') {
      problems.push({ kind: 'unsafe-path', file, message: `${file} line ${n}: label "${name.slice(0, 80)}" ${bad}` });
      continue;
    }
    const rgb = [Number(m[2]), Number(m[3]), Number(m[4])];
    if (rgb.some((v) => v > 255)) {
      problems.push({ kind: 'bad-list', file, message: `${file} line ${n}: colour ${rgb.join(',')} has a component above 255` });
      continue;
    }
    // `ignore` (no class of that name): the ignore value (the schema's, the dataset's, else 255).
    const index = findClassByLabel(schema, name) ?? (name.toLowerCase() === IGNORE_LABEL ? (schema.ignoreIndex ?? ignoreValue ?? 255) : null);
    if (index === null) {
      problems.push({ kind: 'bad-list', file, message: `${file} line ${n}: label "${name}" is not a class of the project's schema ${schema.id}` });
      continue;
    }
    const key = packRgb(rgb[0], rgb[1], rgb[2]);
    const prev = map.get(key);
    if (prev !== undefined && prev !== index) {
      problems.push({ kind: 'bad-list', file, message: `${file} line ${n}: colour ${rgb.join(',')} is already used by class ${prev}` });
      continue;
    }
    map.set(key, index);
  }
  return map;
}

async function firstDir(dir: string, names: string[]): Promise<string | null> {
  for (const n of names) if (await isDir(join(dir, n))) return join(dir, n);
  return null;
}

export const colorPng: DatasetFormat = {
  id: 'color-png',
  title: 'Colour PNG masks + CVAT labelmap.txt',
  datasetSchemaId: () => null,
  async detect(dir) {
    if (!(await isFile(join(dir, LABELMAP)))) return none('color-png', `no ${LABELMAP}`);
    const masks = await firstDir(dir, MASK_DIRS);
    if (!masks) return { format: 'color-png', confidence: 0.3, reason: `${LABELMAP} but no SegmentationClass/ folder` };
    return { format: 'color-png', confidence: 0.9, reason: `${LABELMAP} and ${masks.slice(dir.length + 1)}/` };
  },
  async scan(dir, opts) {
    const problems: ImportProblem[] = [];
    const lmPath = join(dir, LABELMAP);
    const text = await readText(lmPath, problems);
    const colorMap = new Map<number, number>();
    if (text === null) problems.push({ kind: 'missing-file', file: lmPath, message: `label map ${lmPath} is missing` });
    else for (const [k, v] of parseLabelMap(text, lmPath, opts.schema, problems, opts.ignoreValue ?? null)) colorMap.set(k, v);
    const classes = new Set(opts.schema.classes.map((c) => c.index));
    const ignoreValue = [...colorMap.values()].find((v) => !classes.has(v));
    const maskDir = (await firstDir(dir, MASK_DIRS)) ?? join(dir, MASK_DIRS[0]);
    const imageDir = (await firstDir(dir, IMAGE_DIRS)) ?? join(dir, IMAGE_DIRS[0]);
    const splitOf = new Map<string, string>();
    for (const s of SPLITS) {
      const p = join(dir, 'ImageSets', 'Segmentation', `${s}.txt`);
      const t = await readText(p, problems);
      if (t === null) continue;
      for (const { n, line } of lines(t)) {
        const bad = unsafeName(line);
        if (bad) problems.push({ kind: 'unsafe-path', file: p, message: `${p} line ${n}: "${line.slice(0, 80)}" ${bad}` });
        else splitOf.set(line, s);
      }
    }
    const masks = new Map<string, string>();
    for (const e of await listDir(maskDir, problems)) if (e.isFile && ext(e.name) === '.png') masks.set(stem(e.name), e.path);
    const items: PlanItem[] = [];
    const used = new Set<string>();
    for (const e of await listDir(imageDir, problems)) {
      if (!e.isFile || !IMAGE_EXTS.has(ext(e.name))) continue;
      const name = stem(e.name);
      const key = `${imageDir.slice(dir.length + 1)}/${e.name}`;
      used.add(name);
      const mask = masks.get(name);
      if (!mask) problems.push({ kind: 'missing-file', file: join(maskDir, `${name}.png`), item: key, message: `mask ${name}.png is missing for ${key}` });
      items.push({ key, image: e.path, mask: { kind: 'color', path: mask ?? join(maskDir, `${name}.png`) }, split: splitOf.get(name) ?? null });
    }
    for (const [name, p] of masks) if (!used.has(name)) problems.push({ kind: 'extra-file', file: p, message: `${p}: mask without an image in ${imageDir}` });
    return { items, problems, colorMap, ...(ignoreValue !== undefined && { ignoreValue }) };
  },
};
