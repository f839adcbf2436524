/**
 * Helen (Smith et al. 2013): `images/{name}.jpg`, `labels/{name}/{name}_lbl00.png … _lbl10.png` (one
 * map per class, 0 or 255), and `exemplars.txt` / `tuning.txt` / `testing.txt` (train / val / test,
 * lines `<n>, <name>`, n from 1). Ignore pixels are 0 in every map (Helen has no ignore value).
 */
import { encodePng } from '../png';
import { asJpeg } from './image';
import { elevenClassProblems } from './lapa';
import { needSplits, type ExportContext, type Exporter } from './types';

const LISTS: readonly [string, string][] = [
  ['train', 'exemplars.txt'],
  ['val', 'tuning.txt'],
  ['test', 'testing.txt'],
];

const names = new WeakMap<ExportContext, { name: string; split: string }[]>();

export const helenExporter: Exporter = {
  id: 'helen',
  title: 'Helen (11 maps of 0/255)',
  problems: (schema, _ignore, splits) => [...elevenClassProblems('Helen', schema), ...needSplits('Helen', splits, ['train', 'val', 'test'])],
  begin(ctx) {
    names.set(ctx, []);
  },
  async item(ctx, it) {
    const files = [`images/${it.name}.jpg`];
    await ctx.tree.write(files[0], (await asJpeg(it.image)).bytes);
    const map = new Uint8Array(it.mask.length);
    for (let cls = 0; cls < 11; cls++) {
      for (let i = 0; i < map.length; i++) map[i] = it.mask[i] === cls ? 255 : 0;
      const rel = `labels/${it.name}/${it.name}_lbl${String(cls).padStart(2, '0')}.png`;
      await ctx.tree.write(rel, encodePng(map, it.width, it.height, 1));
      files.push(rel);
    }
    names.get(ctx)?.push({ name: it.name, split: it.split });
    return files;
  },
  async finish(ctx) {
    const all = names.get(ctx) ?? [];
    for (const [split, file] of LISTS) {
      const rows = all.filter((x) => x.split === split).map((x, i) => `${i + 1}, ${x.name}\n`);
      if (rows.length > 0) await ctx.tree.write(file, rows.join(''));
    }
  },
};
