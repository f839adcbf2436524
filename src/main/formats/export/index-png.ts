/**
 * Generic index-PNG folder: `images/[split/]{name}{ext}` (original bytes), `masks/[split/]{name}.png`
 * (single-channel index PNG), the split folder being train, val or test when the image has one of
 * those (the layout the index-PNG importer reads splits from), and `labelmap.json` (`{"index": name}`).
 */
import type { LabelSchema } from '../../../shared/api/types';
import { encodeMaskPngAsync } from '../png-pool';
import { keepExt } from './image';
import type { ExportContext, Exporter } from './types';

const SPLIT_DIRS = new Set(['train', 'val', 'test']);

/** `{"0": "background", "1": "skin", …}` in index order. */
export function labelmapJson(schema: LabelSchema): string {
  const sorted = schema.classes.slice().sort((a, b) => a.index - b.index);
  return JSON.stringify(Object.fromEntries(sorted.map((c) => [String(c.index), c.name])), null, 2) + '\n';
}

/**
 * Lines of list files, collected while items are written (by concurrent workers, so in any order) and
 * written in export order (k) at the end.
 */
const lists = new WeakMap<ExportContext, Map<string, { k: number; line: string }[]>>();

export function remember(ctx: ExportContext, list: string, k: number, line: string): void {
  let m = lists.get(ctx);
  if (!m) lists.set(ctx, (m = new Map()));
  let l = m.get(list);
  if (!l) m.set(list, (l = []));
  l.push({ k, line });
}

/** The remembered lines of `list` in export order. */
export function recalled(ctx: ExportContext, list: string): string[] {
  return (lists.get(ctx)?.get(list) ?? [])
    .slice()
    .sort((a, b) => a.k - b.k)
    .map((x) => x.line);
}

export async function writeSplitLists(ctx: ExportContext, folder: string, names: readonly string[]): Promise<void> {
  for (const list of names) {
    const lines = recalled(ctx, list);
    if (lines.length > 0) await ctx.tree.write(`${folder}/${list}.txt`, lines.join('\n') + '\n');
  }
}

export const indexPngExporter: Exporter = {
  id: 'index-png',
  title: 'Index PNG folder (images/ + masks/)',
  holdsIgnore: true,
  problems: () => [],
  async item(ctx, it) {
    const sub = SPLIT_DIRS.has(it.split) ? `${it.split}/` : '';
    const img = `images/${sub}${it.name}${keepExt(it.image)}`;
    const mask = `masks/${sub}${it.name}.png`;
    await ctx.tree.write(img, it.image.bytes);
    await ctx.tree.write(mask, await encodeMaskPngAsync(it.mask, it.width, it.height, 1));
    return [img, mask];
  },
  async finish(ctx) {
    await ctx.tree.write('labelmap.json', labelmapJson(ctx.schema));
  },
};
