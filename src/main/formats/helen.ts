/**
 * Helen (Smith et al. 2013 relabelled set): `images/{name}.jpg`, `labels/{name}/{name}_lbl00.png …
 * _lbl10.png` (8-bit probability maps). Index = arg-max over the 11 maps, ties to the lower index; with
 * the threshold option: the highest class 1-10 whose map is > 127, else background. Splits from
 * `exemplars.txt` (train), `tuning.txt` (val), `testing.txt` (test), lines `<index>, <name>`.
 */
import { join } from 'node:path';
import type { ImportProblem } from '../../shared/api/methods-import';
import { type DatasetFormat, type PlanItem, IMAGE_EXTS, ext, isDir, lines, listDir, none, readText, stem, unsafeName } from './dataset';

export const HELEN_LISTS: readonly [string, string][] = [
  ['exemplars.txt', 'train'],
  ['tuning.txt', 'val'],
  ['testing.txt', 'test'],
];

export function helenMapName(name: string, cls: number): string {
  return `${name}_lbl${String(cls).padStart(2, '0')}.png`;
}

export const helen: DatasetFormat = {
  id: 'helen',
  title: 'Helen (Smith et al., 11 probability maps per image)',
  datasetSchemaId: () => 'helen-11',
  async detect(dir) {
    if (!(await isDir(join(dir, 'images'))) || !(await isDir(join(dir, 'labels')))) return none('helen', 'no images/ + labels/ folders');
    const sub = (await listDir(join(dir, 'labels'), [])).find((e) => e.isDir);
    if (!sub) return none('helen', 'labels/ has no per-image folders');
    const maps = await listDir(sub.path, []);
    if (!maps.some((m) => m.name === helenMapName(sub.name, 0))) return none('helen', `labels/${sub.name}/ has no ${helenMapName(sub.name, 0)}`);
    return { format: 'helen', confidence: 0.95, reason: `labels/<name>/<name>_lbl00.png probability maps` };
  },
  async scan(dir) {
    const problems: ImportProblem[] = [];
    const splitOf = new Map<string, string>();
    for (const [file, split] of HELEN_LISTS) {
      const p = join(dir, file);
      const text = await readText(p, problems);
      if (text === null) continue;
      for (const { n, line } of lines(text)) {
        // The name is everything after the first comma (trimmed): names may contain spaces.
        const m = /^(\d+)\s*,\s*(\S.*)$/.exec(line);
        if (!m) {
          problems.push({ kind: 'bad-list', file: p, message: `${p} line ${n}: expected "<index>, <name>", got "${line.slice(0, 80)}"` });
          continue;
        }
        const bad = unsafeName(m[2]);
        if (bad) {
          problems.push({ kind: 'unsafe-path', file: p, message: `${p} line ${n}: "${m[2].slice(0, 80)}" ${bad}` });
          continue;
        }
        splitOf.set(m[2], split);
      }
    }
    const labelsDir = join(dir, 'labels');
    const labelFolders = new Map<string, string>();
    for (const e of await listDir(labelsDir, problems)) {
      if (e.isDir) labelFolders.set(e.name, e.path);
      else if (e.isFile) problems.push({ kind: 'extra-file', file: e.path, message: `${e.path}: labels/ should hold one folder per image` });
    }
    const items: PlanItem[] = [];
    const seen = new Set<string>();
    for (const e of await listDir(join(dir, 'images'), problems)) {
      if (!e.isFile) continue;
      if (!IMAGE_EXTS.has(ext(e.name))) {
        problems.push({ kind: 'extra-file', file: e.path, message: `${e.path}: not an image` });
        continue;
      }
      const name = stem(e.name);
      seen.add(name);
      const key = `images/${e.name}`;
      const folder = labelFolders.get(name) ?? join(labelsDir, name);
      const present = new Set((await listDir(folder, problems)).filter((f) => f.isFile).map((f) => f.name));
      const maps: string[] = [];
      const missing: string[] = [];
      for (let c = 0; c <= 10; c++) {
        const n = helenMapName(name, c);
        maps.push(join(folder, n));
        if (!present.has(n)) missing.push(n);
      }
      if (missing.length > 0) {
        problems.push({ kind: 'missing-file', file: folder, item: key, count: missing.length, message: `${folder}: ${missing.length} of 11 label maps missing (${missing.join(', ')})` });
      }
      items.push({ key, image: e.path, mask: { kind: 'helen', maps }, split: splitOf.get(name) ?? null });
    }
    for (const [name, p] of labelFolders) if (!seen.has(name)) problems.push({ kind: 'extra-file', file: p, message: `${p}: label folder without an image in images/` });
    for (const name of splitOf.keys()) {
      if (!seen.has(name)) problems.push({ kind: 'missing-file', file: join(dir, 'images', `${name}.jpg`), message: `image "${name}" is listed in a split file but not in images/` });
    }
    return { items, problems };
  },
};
