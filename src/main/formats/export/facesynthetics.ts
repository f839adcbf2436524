/** FaceSynthetics: flat `{k:06d}.png` (image, PNG) + `{k:06d}_seg.png` (index PNG; 255 = ignore). No landmarks written. */
import { encodeMaskPngAsync } from '../png-pool';
import { asPng } from './image';
import { hasNames, type Exporter } from './types';
import { FACESYNTHETICS } from '../../../shared/schema';

const NAMES = FACESYNTHETICS.classes.map((c) => c.name);

export const facesyntheticsExporter: Exporter = {
  id: 'facesynthetics',
  title: 'FaceSynthetics',
  holdsIgnore: true,
  problems: (schema, ignore) => {
    const out: string[] = [];
    if (!hasNames(schema, NAMES)) out.push(`FaceSynthetics needs masks in the facesynthetics classes; the masks are in ${schema.id} (remap them: --remap facesynthetics)`);
    if (ignore !== null && ignore !== 255) out.push(`FaceSynthetics marks ignore pixels with 255; the ignore index is ${ignore}`);
    return out;
  },
  async item({ tree }, it) {
    const id = String(it.k).padStart(6, '0');
    await tree.write(`${id}.png`, (await asPng(it.image)).bytes);
    await tree.write(`${id}_seg.png`, await encodeMaskPngAsync(it.mask, it.width, it.height, 1));
    return [`${id}.png`, `${id}_seg.png`];
  },
  async finish() {},
};
