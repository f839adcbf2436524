/**
 * Generic index-PNG folder: `images/<rel>.<ext>` and `masks/<rel>.png` with matching relative paths;
 * 8-bit values are class indices of the project's schema. An optional `labelmap.json` (array of names
 * in index order, or {"<index>": "<name>"}) or `labels.txt` (one name per line, line k = index k) is
 * checked against the project's schema (class name or title, case-insensitive). Split: the first
 * folder under images/ when it is train, val or test.
 */
import { join } from 'node:path';
import type { ImportProblem } from '../../shared/api/methods-import';
import type { LabelSchema } from '../../shared/api/types';
import { type DatasetFormat, type PlanItem, IMAGE_EXTS, ext, isDir, lines, none, readText, walkFiles } from './dataset';

const SPLIT_DIRS = new Set(['train', 'val', 'test']);

function classMatches(schema: LabelSchema, index: number, name: string): boolean {
  const c = schema.classes.find((k) => k.index === index);
  if (!c) return false;
  const n = name.trim().toLowerCase();
  return n === c.name.toLowerCase() || n === c.title.toLowerCase();
}

/** Check a names file against the schema; problems name the file, the index and both names. */
async function checkLabelNames(dir: string, schema: LabelSchema, problems: ImportProblem[]): Promise<void> {
  const jsonPath = join(dir, 'labelmap.json');
  const txtPath = join(dir, 'labels.txt');
  const names = new Map<number, string>();
  let file = jsonPath;
  const json = await readText(jsonPath, problems);
  if (json !== null) {
    try {
      const v = JSON.parse(json) as unknown;
      if (Array.isArray(v)) v.forEach((n, i) => names.set(i, String(n)));
      else if (v && typeof v === 'object') for (const [k, n] of Object.entries(v)) names.set(Number(k), String(n));
      else throw new Error('expected an array of names or an object {index: name}');
    } catch (err) {
      problems.push({ kind: 'bad-list', file: jsonPath, message: `${jsonPath}: ${(err as Error).message}` });
      return;
    }
  } else {
    const txt = await readText(txtPath, problems);
    if (txt === null) return;
    file = txtPath;
    lines(txt).forEach(({ line }, i) => names.set(i, line));
  }
  for (const [index, name] of names) {
    if (!Number.isInteger(index) || !classMatches(schema, index, name)) {
      const c = schema.classes.find((k) => k.index === index);
      problems.push({
        kind: 'bad-list',
        file,
        message: `${file}: index ${index} is "${name}" but the project's schema ${schema.id} has ${c ? `"${c.name}" (${c.title})` : 'no class'} there; remap the masks first`,
      });
    }
  }
}

export const indexPng: DatasetFormat = {
  id: 'index-png',
  title: 'Folder of index PNGs (images/ + masks/)',
  datasetSchemaId: () => null,
  async detect(dir) {
    if ((await isDir(join(dir, 'images'))) && (await isDir(join(dir, 'masks')))) {
      return { format: 'index-png', confidence: 0.6, reason: 'images/ and masks/ folders' };
    }
    return none('index-png', 'no images/ + masks/ folders');
  },
  async scan(dir, opts) {
    const problems: ImportProblem[] = [];
    const skipped: { file: string; reason: string }[] = [];
    await checkLabelNames(dir, opts.schema, problems);
    const masks = new Map<string, string>();
    for (const f of await walkFiles(join(dir, 'masks'), problems, skipped)) {
      if (ext(f.rel) !== '.png') {
        problems.push({ kind: 'extra-file', file: f.path, message: `${f.path}: masks must be .png` });
        continue;
      }
      masks.set(f.rel.slice(0, -4), f.path);
    }
    const items: PlanItem[] = [];
    const used = new Set<string>();
    for (const f of await walkFiles(join(dir, 'images'), problems, skipped)) {
      const e = ext(f.rel);
      if (!IMAGE_EXTS.has(e)) {
        problems.push({ kind: 'extra-file', file: f.path, message: `${f.path}: not an image` });
        continue;
      }
      const relStem = f.rel.slice(0, f.rel.length - e.length);
      const key = `images/${f.rel}`;
      const mask = masks.get(relStem);
      if (used.has(relStem)) {
        problems.push({ kind: 'duplicate', file: f.path, item: key, message: `${f.path}: another image in the same folder has the stem ${relStem} (one mask for two images)` });
      }
      used.add(relStem);
      if (!mask) problems.push({ kind: 'missing-file', file: join(dir, 'masks', `${relStem}.png`), item: key, message: `mask masks/${relStem}.png is missing for ${key}` });
      const first = f.rel.split('/')[0];
      items.push({
        key,
        image: f.path,
        mask: { kind: 'index', path: mask ?? join(dir, 'masks', `${relStem}.png`) },
        split: f.rel.includes('/') && SPLIT_DIRS.has(first) ? first : null,
      });
    }
    for (const [relStem, p] of masks) if (!used.has(relStem)) problems.push({ kind: 'extra-file', file: p, message: `${p}: mask without an image images/${relStem}.*` });
    return { items, problems, skipped };
  },
};
