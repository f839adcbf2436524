/**
 * LaPa: `{train,val,test}/images/{name}.jpg`, `labels/{name}.png` (single-channel index PNG, same size as
 * the image), `landmarks/{name}.txt` (106, then 106 `x y` pairs). Split = the folder.
 */
import { join } from 'node:path';
import type { ImportProblem } from '../../shared/api/methods-import';
import { type DatasetFormat, type PlanItem, IMAGE_EXTS, ext, isDir, listDir, none, stem } from './dataset';

const SPLITS = ['train', 'val', 'test'];

export const lapa: DatasetFormat = {
  id: 'lapa',
  title: 'LaPa (index PNG + 106 landmarks)',
  datasetSchemaId: () => 'lapa-11',
  async detect(dir) {
    const found: string[] = [];
    for (const s of SPLITS) if ((await isDir(join(dir, s, 'images'))) && (await isDir(join(dir, s, 'labels')))) found.push(s);
    if (found.length === 0) return none('lapa', 'no {train,val,test}/images + labels/ folders');
    return { format: 'lapa', confidence: 0.9, reason: `${found.join(', ')} folders with images/ and labels/` };
  },
  async scan(dir) {
    const problems: ImportProblem[] = [];
    const items: PlanItem[] = [];
    for (const split of SPLITS) {
      const base = join(dir, split);
      if (!(await isDir(base))) continue;
      const labels = new Map<string, string>();
      for (const e of await listDir(join(base, 'labels'), problems)) {
        if (e.isFile && ext(e.name) === '.png') labels.set(stem(e.name), e.path);
        else if (e.isFile) problems.push({ kind: 'extra-file', file: e.path, message: `${e.path}: labels must be .png` });
      }
      const lmDir = join(base, 'landmarks');
      const hasLm = await isDir(lmDir);
      const lms = new Map<string, string>();
      if (hasLm) for (const e of await listDir(lmDir, problems)) if (e.isFile && ext(e.name) === '.txt') lms.set(stem(e.name), e.path);
      const used = new Set<string>();
      for (const e of await listDir(join(base, 'images'), problems)) {
        if (!e.isFile) continue;
        if (!IMAGE_EXTS.has(ext(e.name))) {
          problems.push({ kind: 'extra-file', file: e.path, message: `${e.path}: not an image` });
          continue;
        }
        const name = stem(e.name);
        const key = `${split}/images/${e.name}`;
        const label = labels.get(name);
        used.add(name);
        if (!label) problems.push({ kind: 'missing-file', file: join(base, 'labels', `${name}.png`), item: key, message: `label ${split}/labels/${name}.png is missing for ${key}` });
        const item: PlanItem = { key, image: e.path, mask: { kind: 'index', path: label ?? join(base, 'labels', `${name}.png`) }, split };
        if (hasLm) {
          const lm = lms.get(name);
          if (!lm) problems.push({ kind: 'missing-file', file: join(lmDir, `${name}.txt`), item: key, message: `landmarks ${split}/landmarks/${name}.txt are missing for ${key}` });
          else item.landmarks = { path: lm, source: 'lapa-106', layout: 'count-first', points: 106 };
        }
        items.push(item);
      }
      for (const [name, p] of labels) if (!used.has(name)) problems.push({ kind: 'extra-file', file: p, message: `${p}: label without an image in ${split}/images/` });
    }
    return { items, problems };
  },
};
