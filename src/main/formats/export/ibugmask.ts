/** iBugMask: `{train,test}/{name}.jpg` + `{name}.png` (index PNG, LaPa indices). No landmarks written. */
import { encodeMaskPngAsync } from '../png-pool';
import { asJpeg } from './image';
import { elevenClassProblems } from './lapa';
import { needSplits, type Exporter } from './types';

export const ibugmaskExporter: Exporter = {
  id: 'ibugmask',
  title: 'iBugMask',
  holdsIgnore: true,
  problems: (schema, _ignore, splits) => [...elevenClassProblems('iBugMask', schema), ...needSplits('iBugMask', splits, ['train', 'test'])],
  async item({ tree }, it) {
    const img = `${it.split}/${it.name}.jpg`;
    const lbl = `${it.split}/${it.name}.png`;
    await tree.write(img, (await asJpeg(it.image)).bytes);
    await tree.write(lbl, await encodeMaskPngAsync(it.mask, it.width, it.height, 1));
    return [img, lbl];
  },
  async finish() {},
};
