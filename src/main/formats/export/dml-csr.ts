/**
 * DML-CSR training layout: `images/{name}{ext}` (original bytes), `labels/{name}.png` (index PNG),
 * `{train,valid,test}_list.txt` (lines `images/x.jpg labels/x.png`; val is written as `valid`) and
 * `label_names.txt` (`bg`, then the class names by index).
 */
import { encodePng } from '../png';
import { keepExt } from './image';
import { needSplits, type ExportContext, type Exporter } from './types';

const lines = new WeakMap<ExportContext, Map<string, string[]>>();

export const dmlCsrExporter: Exporter = {
  id: 'dml-csr',
  title: 'DML-CSR training layout',
  problems: (schema, _ignore, splits) => {
    const out = needSplits('DML-CSR', splits, ['train', 'val', 'test']);
    const sorted = schema.classes.slice().sort((a, b) => a.index - b.index);
    if (sorted.some((c, i) => c.index !== i)) out.push(`DML-CSR needs class indices 0..n-1 without gaps; ${schema.id} has gaps`);
    if (sorted[0]?.name !== 'background') out.push(`DML-CSR needs background at index 0; ${schema.id} has "${sorted[0]?.name}"`);
    return out;
  },
  begin(ctx) {
    lines.set(ctx, new Map());
  },
  async item(ctx, it) {
    const img = `images/${it.name}${keepExt(it.image)}`;
    const lbl = `labels/${it.name}.png`;
    await ctx.tree.write(img, it.image.bytes);
    await ctx.tree.write(lbl, encodePng(it.mask, it.width, it.height, 1));
    const m = lines.get(ctx)!;
    const key = it.split === 'val' ? 'valid' : it.split;
    if (!m.has(key)) m.set(key, []);
    m.get(key)!.push(`${img} ${lbl}`);
    return [img, lbl];
  },
  async finish(ctx) {
    const m = lines.get(ctx)!;
    for (const key of ['train', 'valid', 'test']) await ctx.tree.write(`${key}_list.txt`, (m.get(key) ?? []).join('\n') + ((m.get(key) ?? []).length ? '\n' : ''));
    const names = ctx.schema.classes.slice().sort((a, b) => a.index - b.index).map((c) => (c.index === 0 ? 'bg' : c.name));
    await ctx.tree.write('label_names.txt', names.join('\n') + '\n');
  },
};
