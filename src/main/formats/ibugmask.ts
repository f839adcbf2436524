/**
 * iBugMask: `{train,test}/{name}.jpg`, `{name}.png` (index mask), `{name}_landmark.txt` (x y per point).
 * Split = the folder. Skin covers the face AND the scalp (schema ibugmask-11).
 */
import { join } from 'node:path';
import type { ImportProblem } from '../../shared/api/methods-import';
import { type DatasetFormat, type PlanItem, ext, isDir, listDir, none, stem } from './dataset';

const SPLITS = ['train', 'test'];
const IMG = new Set(['.jpg', '.jpeg']);

export const ibugmask: DatasetFormat = {
  id: 'ibugmask',
  title: 'iBugMask (flat jpg + index png + landmarks)',
  datasetSchemaId: () => 'ibugmask-11',
  async detect(dir) {
    let pairs = 0;
    let landmarks = 0;
    const found: string[] = [];
    for (const s of SPLITS) {
      const entries = await listDir(join(dir, s), []);
      const names = new Set(entries.map((e) => e.name));
      const n = entries.filter((e) => IMG.has(ext(e.name)) && names.has(`${stem(e.name)}.png`)).length;
      if (n > 0) found.push(s);
      pairs += n;
      landmarks += entries.filter((e) => e.name.endsWith('_landmark.txt')).length;
    }
    if (pairs === 0) return none('ibugmask', 'no train/ or test/ folder with {name}.jpg + {name}.png pairs');
    return {
      format: 'ibugmask',
      confidence: landmarks > 0 ? 0.9 : 0.7,
      reason: `${found.join(', ')}/ with jpg + png pairs${landmarks > 0 ? ' and _landmark.txt files' : ''}`,
    };
  },
  async scan(dir) {
    const problems: ImportProblem[] = [];
    const items: PlanItem[] = [];
    for (const split of SPLITS) {
      const base = join(dir, split);
      if (!(await isDir(base))) continue;
      const entries = (await listDir(base, problems)).filter((e) => e.isFile);
      const names = new Map(entries.map((e) => [e.name, e.path]));
      const anyLm = entries.some((e) => e.name.endsWith('_landmark.txt'));
      const used = new Set<string>();
      for (const e of entries) {
        if (!IMG.has(ext(e.name))) continue;
        const name = stem(e.name);
        const key = `${split}/${e.name}`;
        const maskName = `${name}.png`;
        used.add(e.name);
        used.add(maskName);
        if (!names.has(maskName)) problems.push({ kind: 'missing-file', file: join(base, maskName), item: key, message: `mask ${split}/${maskName} is missing for ${key}` });
        const item: PlanItem = { key, image: e.path, mask: { kind: 'index', path: join(base, maskName) }, split };
        const lmName = `${name}_landmark.txt`;
        used.add(lmName);
        if (names.has(lmName)) item.landmarks = { path: join(base, lmName), source: 'ibugmask', layout: 'pairs', points: null };
        else if (anyLm) problems.push({ kind: 'missing-file', file: join(base, lmName), item: key, message: `landmarks ${split}/${lmName} are missing for ${key}` });
        items.push(item);
      }
      for (const e of entries) {
        if (!used.has(e.name)) problems.push({ kind: 'extra-file', file: e.path, message: `${e.path}: no matching ${split}/{name}.jpg image` });
      }
    }
    return { items, problems };
  },
};
