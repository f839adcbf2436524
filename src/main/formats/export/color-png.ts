/**
 * Colour PNG + CVAT "Segmentation mask 1.1" label map: `JPEGImages/{name}{ext}` (original bytes),
 * `SegmentationClass/{name}.png` (RGB, the schema's palette), `labelmap.txt` (`# label:color_rgb:parts:actions`
 * then `name:r,g,b::` per class, background first), `ImageSets/Segmentation/default.txt` (all names)
 * and `{train,val,test}.txt` (names per split).
 * Ignore pixels are grey 128,128,128 and get an `ignore` line. Refused when two classes share a colour.
 */
import { IGNORE_COLOR } from '../../../shared/schema';
import { encodeMaskPngAsync } from '../png-pool';
import { keepExt } from './image';
import { remember, writeSplitLists } from './index-png';
import type { Exporter } from './types';

const SPLITS = ['train', 'val', 'test'];

export const colorPngExporter: Exporter = {
  id: 'color-png',
  title: 'Colour PNG + CVAT labelmap.txt',
  holdsIgnore: true,
  problems: (schema, ignore) => {
    const seen = new Map<string, string>();
    const out: string[] = [];
    const entries = schema.classes.map((c) => [c.name, c.color.join(',')] as const);
    if (ignore !== null) entries.push(['ignore', IGNORE_COLOR.join(',')]);
    for (const [n, col] of entries) {
      const prev = seen.get(col);
      if (prev) out.push(`colour ${col} is used by both "${prev}" and "${n}" in ${schema.id}: a colour mask could not tell them apart`);
      seen.set(col, n);
    }
    return out;
  },
  async item(ctx, it) {
    const lut = new Uint8Array(256 * 3);
    for (const c of ctx.schema.classes) lut.set(c.color, c.index * 3);
    if (ctx.ignoreIndex !== null) lut.set(IGNORE_COLOR, ctx.ignoreIndex * 3);
    const rgb = new Uint8Array(it.mask.length * 3);
    for (let i = 0, o = 0; i < it.mask.length; i++, o += 3) {
      const v = it.mask[i] * 3;
      rgb[o] = lut[v];
      rgb[o + 1] = lut[v + 1];
      rgb[o + 2] = lut[v + 2];
    }
    const img = `JPEGImages/${it.name}${keepExt(it.image)}`;
    const mask = `SegmentationClass/${it.name}.png`;
    await ctx.tree.write(img, it.image.bytes);
    await ctx.tree.write(mask, await encodeMaskPngAsync(rgb, it.width, it.height, 3));
    remember(ctx, 'default', it.k, it.name);
    if (SPLITS.includes(it.split)) remember(ctx, it.split, it.k, it.name);
    return [img, mask];
  },
  async finish(ctx) {
    const lines = ['# label:color_rgb:parts:actions', ...ctx.schema.classes.slice().sort((a, b) => a.index - b.index).map((c) => `${c.name}:${c.color.join(',')}::`)];
    if (ctx.ignoreIndex !== null) lines.push(`ignore:${IGNORE_COLOR.join(',')}::`);
    await ctx.tree.write('labelmap.txt', lines.join('\n') + '\n');
    await writeSplitLists(ctx, 'ImageSets/Segmentation', ['default', ...SPLITS]);
  },
};
