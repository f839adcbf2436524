/**
 * COCO: `images/{name}{ext}` (original bytes) and `annotations.json` with the standard top-level keys
 * `info` (description, version = the Parsel version, year, contributor, url, date_created = the
 * export's date), `licenses` (empty: Parsel knows no licence), `images` (id, file_name, width, height),
 * `annotations` and `categories`. One annotation per (image, class present): compressed RLE
 * `{"size":[h,w],"counts":"…"}` (column-major, pycocotools), `iscrowd` 0, `category_id` = the class
 * index in the output schema, area and bbox as pycocotools computes them. Category `name` is the
 * dataset's own class name (the schema's title, e.g. "left eyebrow", "RIGHT_EAR"), `supercategory` the
 * class group. Background is omitted. COCO has no ignore value: ignore pixels need `ignoreAs`. Image
 * ids are 1-based export positions. Splits are not written per image (not a COCO key): they are in
 * the manifest's `items[].split`, which the COCO import reads back.
 */
import { areaAndBbox, encodeBinary } from '../../../shared/dataset/coco-rle';
import { keepExt } from './image';
import type { ExportContext, Exporter } from './types';

interface State {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { k: number; list: object[] }[];
}
const state = new WeakMap<ExportContext, State>();

export const cocoExporter: Exporter = {
  id: 'coco',
  title: 'COCO (compressed RLE annotations.json)',
  holdsIgnore: false,
  problems: () => [],
  begin(ctx) {
    state.set(ctx, { images: [], annotations: [] });
  },
  async item(ctx, it) {
    const st = state.get(ctx)!;
    const img = `images/${it.name}${keepExt(it.image)}`;
    await ctx.tree.write(img, it.image.bytes);
    const hist = new Uint32Array(256);
    for (let i = 0; i < it.mask.length; i++) hist[it.mask[i]]++;
    const list: object[] = [];
    for (const c of ctx.schema.classes.slice().sort((a, b) => a.index - b.index)) {
      if (c.name === 'background' || hist[c.index] === 0) continue;
      const { area, bbox } = areaAndBbox(it.mask, it.width, it.height, c.index);
      list.push({ image_id: it.k + 1, category_id: c.index, segmentation: encodeBinary(it.mask, it.width, it.height, c.index), area, bbox, iscrowd: 0 });
    }
    st.images.push({ id: it.k + 1, file_name: img.slice('images/'.length), width: it.width, height: it.height });
    st.annotations.push({ k: it.k, list });
    return [img];
  },
  async finish(ctx) {
    const st = state.get(ctx)!;
    st.images.sort((a, b) => a.id - b.id);
    st.annotations.sort((a, b) => a.k - b.k);
    let id = 1;
    const annotations = st.annotations.flatMap((a) => a.list.map((x) => ({ id: id++, ...x })));
    const categories = ctx.schema.classes
      .filter((c) => c.name !== 'background')
      .sort((a, b) => a.index - b.index)
      .map((c) => ({ id: c.index, name: c.title, supercategory: c.group }));
    const info = {
      description: `${ctx.projectName}: Parsel export, masks in ${ctx.schema.id}`,
      version: ctx.appVersion,
      year: Number(ctx.createdAt.slice(0, 4)),
      contributor: 'Parsel',
      url: '',
      date_created: ctx.createdAt,
    };
    const doc = { info, licenses: [], images: st.images, annotations, categories };
    await ctx.tree.write('annotations.json', JSON.stringify(doc) + '\n');
  },
};
