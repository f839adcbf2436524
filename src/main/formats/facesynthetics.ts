/**
 * FaceSynthetics (Wood et al. 2021): flat `{id:06d}.png` (render), `{id:06d}_seg.png` (class ids,
 * 255 = ignore, kept as the schema's ignore index), `{id:06d}_ldmks.txt` (70 rows `x y`). No split.
 */
import type { ImportProblem } from '../../shared/api/methods-import';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../../shared/api/methods-export';
import { type DatasetFormat, type PlanItem, listDir, none } from './dataset';

export const facesynthetics: DatasetFormat = {
  id: 'facesynthetics',
  title: 'FaceSynthetics (render + _seg.png + 70 landmarks)',
  datasetSchemaId: () => 'facesynthetics',
  async detect(dir) {
    const entries = await listDir(dir, []);
    const segs = entries.filter((e) => /^\d+_seg\.png$/.test(e.name)).length;
    if (segs === 0) return none('facesynthetics', 'no {id}_seg.png files');
    const names = new Set(entries.map((e) => e.name));
    const renders = entries.filter((e) => /^\d+_seg\.png$/.test(e.name) && names.has(e.name.replace('_seg', ''))).length;
    return { format: 'facesynthetics', confidence: renders > 0 ? 0.95 : 0.5, reason: `${segs} {id}_seg.png files${renders > 0 ? ' next to {id}.png renders' : ''}` };
  },
  async scan(dir) {
    const problems: ImportProblem[] = [];
    const items: PlanItem[] = [];
    const entries = (await listDir(dir, problems)).filter((e) => e.isFile);
    const names = new Set(entries.map((e) => e.name));
    const anyLm = entries.some((e) => /_ldmks\.txt$/.test(e.name));
    for (const e of entries) {
      if (e.name === MANIFEST_FILE) continue; // Parsel's own export manifest: read by the import service
      const m = /^(\d+)\.png$/.exec(e.name);
      if (m) {
        const seg = `${m[1]}_seg.png`;
        const lm = `${m[1]}_ldmks.txt`;
        if (!names.has(seg)) problems.push({ kind: 'missing-file', file: join(dir, seg), item: e.name, message: `segmentation ${seg} is missing for ${e.name}` });
        const item: PlanItem = { key: e.name, image: e.path, mask: { kind: 'index', path: join(dir, seg) }, split: null };
        if (names.has(lm)) item.landmarks = { path: join(dir, lm), source: 'facesynthetics-70', layout: 'pairs', points: 70 };
        else if (anyLm) problems.push({ kind: 'missing-file', file: join(dir, lm), item: e.name, message: `landmarks ${lm} are missing for ${e.name}` });
        items.push(item);
        continue;
      }
      const s = /^(\d+)_(seg\.png|ldmks\.txt)$/.exec(e.name);
      if (s && names.has(`${s[1]}.png`)) continue;
      problems.push({ kind: 'extra-file', file: e.path, message: s ? `${e.path}: no matching render ${s[1]}.png` : `${e.path}: not a FaceSynthetics file name` });
    }
    return { items, problems };
  },
};
