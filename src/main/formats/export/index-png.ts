/**
 * Generic index-PNG folder: `images/{name}{ext}` (original bytes), `masks/{name}.png` (single-channel
 * index PNG), `labelmap.json` (the output schema's classes and ignore value) and `splits/{split}.txt`
 * (image paths, one per line).
 */
import type { LabelSchema } from '../../../shared/api/types';
import { encodePng } from '../png';
import { keepExt } from './image';
import type { ExportContext, Exporter } from './types';

export function labelmapJson(schema: LabelSchema, ignoreIndex: number | null): string {
  return (
    JSON.stringify(
      {
        schema: schema.id,
        ignoreIndex,
        classes: schema.classes.map((c) => ({ index: c.index, name: c.name, title: c.title, color: [...c.color] })),
      },
      null,
      2,
    ) + '\n'
  );
}

const lists = new WeakMap<ExportContext, Map<string, string[]>>();

export async function writeSplitLists(ctx: ExportContext, folder: string): Promise<void> {
  const m = lists.get(ctx);
  if (!m) return;
  for (const split of [...m.keys()].sort()) await ctx.tree.write(`${folder}/${split}.txt`, m.get(split)!.join('\n') + '\n');
}

export function remember(ctx: ExportContext, split: string, line: string): void {
  let m = lists.get(ctx);
  if (!m) lists.set(ctx, (m = new Map()));
  let l = m.get(split);
  if (!l) m.set(split, (l = []));
  l.push(line);
}

export const indexPngExporter: Exporter = {
  id: 'index-png',
  title: 'Index PNG folder (images/ + masks/)',
  problems: () => [],
  async item(ctx, it) {
    const img = `images/${it.name}${keepExt(it.image)}`;
    const mask = `masks/${it.name}.png`;
    await ctx.tree.write(img, it.image.bytes);
    await ctx.tree.write(mask, encodePng(it.mask, it.width, it.height, 1));
    remember(ctx, it.split, img);
    return [img, mask];
  },
  async finish(ctx) {
    await ctx.tree.write('labelmap.json', labelmapJson(ctx.schema, ctx.ignoreIndex));
    await writeSplitLists(ctx, 'splits');
  },
};
