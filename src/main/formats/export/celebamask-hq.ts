/**
 * CelebAMask-HQ: `CelebA-HQ-img/{k}.jpg` and `CelebAMask-HQ-mask-anno/{k//2000}/{k:05d}_{part}.png`,
 * one single-channel 0/255 mask per part present in the image (no file for absent parts, none for
 * background). There is no ignore value: an export where ignore pixels can occur needs `ignoreAs`
 * (a part, or background). Masks have the image's size. Splits are written the
 * way FaRL derives them: `CelebA-HQ-to-CelebA-mapping.txt` (`idx orig_idx orig_file`) and
 * `list_eval_partition.txt` (`orig_file 0|1|2`), when every image is in train, val or test.
 */
import { encodeMaskPngAsync } from '../png-pool';
import { asJpeg } from './image';
import type { ExportContext, Exporter } from './types';

export const CELEBA_PARTS = [
  'skin', 'nose', 'eye_g', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'l_ear', 'r_ear',
  'mouth', 'u_lip', 'l_lip', 'hair', 'hat', 'ear_r', 'neck_l', 'neck', 'cloth',
];
const SPLIT_CODE: Record<string, string> = { train: '0', val: '1', test: '2' };

export const celebamaskHqExporter: Exporter = {
  id: 'celebamask-hq',
  title: 'CelebAMask-HQ (per-part binary masks)',
  holdsIgnore: false,
  problems: (schema) => {
    const bad = schema.classes.filter((c) => c.name !== 'background' && !CELEBA_PARTS.includes(c.name)).map((c) => c.name);
    if (!schema.classes.some((c) => c.name === 'background')) return [`CelebAMask-HQ needs a background class; ${schema.id} has none`];
    return bad.length > 0
      ? [`CelebAMask-HQ has no part file for class(es) ${bad.join(', ')} of ${schema.id} (remap to a CelebAMask-HQ order, e.g. --remap celebamask-hq-a)`]
      : [];
  },
  async item(ctx: ExportContext, it) {
    const img = `CelebA-HQ-img/${it.k}.jpg`;
    await ctx.tree.write(img, (await asJpeg(it.image)).bytes);
    const files = [img];
    const hist = new Uint32Array(256);
    for (let i = 0; i < it.mask.length; i++) hist[it.mask[i]]++;
    const parts = ctx.schema.classes.filter((c) => c.name !== 'background' && hist[c.index] > 0).sort((a, b) => (a.name < b.name ? -1 : 1));
    // Every part's PNG is encoded at once (the PNG threads share them); written in order.
    const pngs = parts.map((c) => {
      const bin = new Uint8Array(it.mask.length);
      for (let i = 0; i < bin.length; i++) bin[i] = it.mask[i] === c.index ? 255 : 0;
      return encodeMaskPngAsync(bin, it.width, it.height, 1);
    });
    for (const [k, c] of parts.entries()) {
      const rel = `CelebAMask-HQ-mask-anno/${Math.floor(it.k / 2000)}/${String(it.k).padStart(5, '0')}_${c.name}.png`;
      await ctx.tree.write(rel, await pngs[k]);
      files.push(rel);
    }
    return files;
  },
  async finish(ctx) {
    if (ctx.splits.length === 0 || !ctx.splits.every((s) => s in SPLIT_CODE)) return;
    const orig = (k: number) => `${String(k + 1).padStart(6, '0')}.jpg`;
    await ctx.tree.write('CelebA-HQ-to-CelebA-mapping.txt', ['idx orig_idx orig_file', ...ctx.splits.map((_, k) => `${k} ${k} ${orig(k)}`)].join('\n') + '\n');
    await ctx.tree.write('list_eval_partition.txt', ctx.splits.map((s, k) => `${orig(k)} ${SPLIT_CODE[s]}`).join('\n') + '\n');
  },
};
