/**
 * Helen (Smith et al. 2013): `images/{name}.jpg`, `labels/{name}/{name}_lbl00.png … _lbl10.png` (one
 * map per class, 0 or 255), and `exemplars.txt` / `tuning.txt` / `testing.txt` (train / val / test,
 * lines `<n>, <name>`, n from 1). Helen has no ignore value: an export where ignore pixels can occur
 * needs `ignoreAs` (the engine refuses it otherwise), so every pixel is in exactly one map.
 */
import { encodeMaskPngAsync } from '../png-pool';
import { asJpeg } from './image';
import { elevenClassProblems } from './lapa';
import { recalled, remember } from './index-png';
import { needSplits, type Exporter } from './types';

const LISTS: readonly [string, string][] = [
  ['train', 'exemplars.txt'],
  ['val', 'tuning.txt'],
  ['test', 'testing.txt'],
];

export const helenExporter: Exporter = {
  id: 'helen',
  title: 'Helen (11 maps of 0/255)',
  holdsIgnore: false,
  problems: (schema, _ignore, splits) => [...elevenClassProblems('Helen', schema), ...needSplits('Helen', splits, ['train', 'val', 'test'])],
  async item(ctx, it) {
    const files = [`images/${it.name}.jpg`];
    await ctx.tree.write(files[0], (await asJpeg(it.image)).bytes);
    // The 11 maps are encoded at once (the PNG threads share them); written in order.
    const pngs = Array.from({ length: 11 }, (_, cls) => {
      const map = new Uint8Array(it.mask.length);
      for (let i = 0; i < map.length; i++) map[i] = it.mask[i] === cls ? 255 : 0;
      return encodeMaskPngAsync(map, it.width, it.height, 1);
    });
    for (let cls = 0; cls < 11; cls++) {
      const rel = `labels/${it.name}/${it.name}_lbl${String(cls).padStart(2, '0')}.png`;
      await ctx.tree.write(rel, await pngs[cls]);
      files.push(rel);
    }
    remember(ctx, it.split, it.k, it.name);
    return files;
  },
  async finish(ctx) {
    for (const [split, file] of LISTS) {
      const rows = recalled(ctx, split).map((name, i) => `${i + 1}, ${name}\n`);
      if (rows.length > 0) await ctx.tree.write(file, rows.join(''));
    }
  },
};
