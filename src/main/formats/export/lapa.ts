/** LaPa: `{split}/images/{name}.jpg`, `{split}/labels/{name}.png` (index PNG). No landmarks (Parsel has none to write). */
import { LAPA_11 } from '../../../shared/schema';
import { encodeMaskPngAsync } from '../png-pool';
import { asJpeg } from './image';
import { hasNames, needSplits, type Exporter } from './types';

export const LAPA_NAMES = LAPA_11.classes.map((c) => c.name);

export function elevenClassProblems(format: string, schema: { id: string; classes: { index: number; name: string }[] }): string[] {
  if (hasNames(schema as never, LAPA_NAMES)) return [];
  return [`${format} needs masks in the 11 LaPa/Helen/iBugMask classes; the masks are in ${schema.id} (remap them, e.g. --remap lapa-11)`];
}

export const lapaExporter: Exporter = {
  id: 'lapa',
  title: 'LaPa',
  holdsIgnore: true,
  problems: (schema, _ignore, splits) => [...elevenClassProblems('LaPa', schema), ...needSplits('LaPa', splits, ['train', 'val', 'test'])],
  async item({ tree }, it) {
    const img = `${it.split}/images/${it.name}.jpg`;
    const lbl = `${it.split}/labels/${it.name}.png`;
    await tree.write(img, (await asJpeg(it.image)).bytes);
    await tree.write(lbl, await encodeMaskPngAsync(it.mask, it.width, it.height, 1));
    return [img, lbl];
  },
  async finish() {},
};
