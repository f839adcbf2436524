/**
 * DML-CSR training layout: `images/{name}{ext}` (original bytes), `labels/{name}.png` (index PNG),
 * `{train,valid,test}_list.txt` (lines `images/x.jpg labels/x.png`; val is written as `valid`) and
 * `label_names.txt` (`bg`, then the class names by index).
 */
import { encodeMaskPngAsync } from '../png-pool';
import { keepExt } from './image';
import { recalled, remember } from './index-png';
import { needSplits, type Exporter } from './types';

export const dmlCsrExporter: Exporter = {
  id: 'dml-csr',
  title: 'DML-CSR training layout',
  holdsIgnore: true,
  problems: (schema, _ignore, splits) => {
    const out = needSplits('DML-CSR', splits, ['train', 'val', 'test']);
    const sorted = schema.classes.slice().sort((a, b) => a.index - b.index);
    if (sorted.some((c, i) => c.index !== i)) out.push(`DML-CSR needs class indices 0..n-1 without gaps; ${schema.id} has gaps`);
    if (sorted[0]?.name !== 'background') out.push(`DML-CSR needs background at index 0; ${schema.id} has "${sorted[0]?.name}"`);
    return out;
  },
  async item(ctx, it) {
    const img = `images/${it.name}${keepExt(it.image)}`;
    const lbl = `labels/${it.name}.png`;
    await ctx.tree.write(img, it.image.bytes);
    await ctx.tree.write(lbl, await encodeMaskPngAsync(it.mask, it.width, it.height, 1));
    remember(ctx, it.split === 'val' ? 'valid' : it.split, it.k, `${img} ${lbl}`);
    return [img, lbl];
  },
  async finish(ctx) {
    for (const key of ['train', 'valid', 'test']) {
      const rows = recalled(ctx, key);
      await ctx.tree.write(`${key}_list.txt`, rows.length ? rows.join('\n') + '\n' : '');
    }
    const names = ctx.schema.classes.slice().sort((a, b) => a.index - b.index).map((c) => (c.index === 0 ? 'bg' : c.name));
    await ctx.tree.write('label_names.txt', names.join('\n') + '\n');
  },
};
