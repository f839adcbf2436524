/**
 * Writers of face-parsing datasets in their published on-disk formats (FORMATS.md), from the synthetic
 * face generator, with the exact ground truth each import must reproduce. Used by the import tests and
 * by the export round-trip tests; every writer returns, per image, the image path, its split and the
 * expected index mask (in the schema named by the writer's result).
 *
 *   writeCelebAMaskHq   CelebA-HQ-img/{id}.jpg + CelebAMask-HQ-mask-anno/{id//2000}/{id:05d}_{part}.png
 *   writeLapa           {train,val,test}/images|labels|landmarks
 *   writeHelen          images/ + labels/{name}/{name}_lbl00..10.png + exemplars/tuning/testing.txt
 *   writeIbugmask       {train,test}/{name}.jpg + {name}.png + {name}_landmark.txt
 *   writeFaceSynthetics {id:06d}.png + _seg.png (with 255 ignore pixels) + _ldmks.txt
 *   writeIndexFolder    images/<split>/x.jpg + masks/<split>/x.png (+ labels.txt)
 *   writeColorFolder    labelmap.txt + SegmentationClass/ + JPEGImages/ + ImageSets/Segmentation/
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { encodeMaskPng } from '../../src/main/formats/png-encode';

// Masks are written with the exporter's own encoder, so an export of an imported dataset can be
// byte-identical to it (export-roundtrip.test.ts).
async function writeIndexPng(path: string, mask: Uint8Array, width: number, height: number): Promise<void> {
  writeFileSync(path, encodeMaskPng(mask, width, height, 1));
}
async function writeColorPng(path: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  writeFileSync(path, encodeMaskPng(rgb, width, height, 3));
}
import type { LabelSchema } from '../../src/shared/api/types';
import { findClass, getSchema } from '../../src/shared/schema';
import { generateFace, type SynthFace } from '../../src/shared/synth';

export interface WrittenItem {
  /** Absolute image path. */
  image: string;
  split: string | null;
  /** Expected index mask at the image's size, in `schemaId`. */
  mask: Uint8Array;
  width: number;
  height: number;
  /** Landmarks written next to the image, if any. */
  landmarks?: [number, number][];
}

export interface WrittenDataset {
  dir: string;
  schemaId: string;
  items: WrittenItem[];
}

function mkdirFor(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}

async function writeImage(path: string, rgb: Uint8Array, width: number, height: number, format: 'jpg' | 'png' = 'jpg'): Promise<void> {
  mkdirFor(path);
  const img = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } });
  await (format === 'jpg' ? img.jpeg({ quality: 92 }) : img.png()).toFile(path);
}

async function writeMask(path: string, mask: Uint8Array, width: number, height: number): Promise<void> {
  mkdirFor(path);
  await writeIndexPng(path, mask, width, height);
}

function face(seed: number, size: number, schema: LabelSchema): SynthFace {
  return generateFace({ seed, width: size, height: size, schema, accessories: { glasses: 0.4, hat: 0.3, earring: 0.4, necklace: 0.4 } });
}

/** n deterministic points (the 68 generator points, padded by interpolation to n). */
function points(f: SynthFace, n: number): [number, number][] {
  const base = f.faces[0].landmarks;
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = base[i % base.length];
    const b = base[(i + 1) % base.length];
    const t = i < base.length ? 0 : 0.5;
    out.push([Math.round((a[0] + (b[0] - a[0]) * t) * 100) / 100, Math.round((a[1] + (b[1] - a[1]) * t) * 100) / 100]);
  }
  return out;
}

/** Nearest-neighbour integer upscale (reference implementation for tests). */
export function upscale(mask: Uint8Array, w: number, h: number, k: number): Uint8Array {
  const out = new Uint8Array(w * k * h * k);
  for (let y = 0; y < h * k; y++) for (let x = 0; x < w * k; x++) out[y * w * k + x] = mask[Math.floor(y / k) * w + Math.floor(x / k)];
  return out;
}

// ---------------------------------------------------------------------------------------------------
// CelebAMask-HQ

export const CELEBA_PARTS = [
  'skin', 'nose', 'eye_g', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'l_ear', 'r_ear',
  'mouth', 'u_lip', 'l_lip', 'hair', 'hat', 'ear_r', 'neck_l', 'neck', 'cloth',
] as const;

export interface CelebaOptions {
  count: number;
  /** Mask size (512 in the real dataset). */
  maskSize: number;
  /** Image size: maskSize (default) or an integer multiple (1024 in the real dataset). */
  imageSize?: number;
  seed?: number;
  /** First id (default 0). */
  firstId?: number;
  /** Grow every part mask by this many pixels (4-neighbour dilation) so parts overlap (default 0). */
  overlap?: number;
  /** How the binary masks are stored: single-channel 0/255 (default) or RGB 0/255. */
  maskColour?: 'grey' | 'rgb';
  /** Write CelebA-HQ-to-CelebA-mapping.txt and list_eval_partition.txt with these splits per item. */
  splits?: ('train' | 'val' | 'test')[];
}

export interface CelebaItem extends WrittenItem {
  id: number;
  /** Binary part masks as written (at mask size), by part name. */
  parts: Map<string, Uint8Array>;
}

function dilate(bin: Uint8Array, w: number, h: number, r: number): Uint8Array {
  let cur = bin;
  for (let k = 0; k < r; k++) {
    const next = new Uint8Array(cur);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (cur[i]) continue;
        if ((x > 0 && cur[i - 1]) || (x < w - 1 && cur[i + 1]) || (y > 0 && cur[i - w]) || (y < h - 1 && cur[i + w])) next[i] = 1;
      }
    }
    cur = next;
  }
  return cur;
}

/**
 * Reference CelebAMask-HQ conversion (what g_mask.py does): for each class of `order` in index order,
 * paint its part mask's foreground with the `target` schema's index of the same part; later wins.
 */
export function paintPartsReference(parts: Map<string, Uint8Array>, n: number, order: LabelSchema, target: LabelSchema): Uint8Array {
  const out = new Uint8Array(n);
  for (const c of [...order.classes].sort((a, b) => a.index - b.index)) {
    const bin = parts.get(c.name);
    if (!bin) continue;
    const v = findClass(target, c.name)!.index;
    for (let i = 0; i < n; i++) if (bin[i]) out[i] = v;
  }
  return out;
}

/**
 * Ground truth: the generator's mask in order A converted to parts (non-overlapping unless `overlap`).
 * Each item's `mask` is the expected import result for the target schema `target` painted in order
 * `order` (both default to order A), upscaled to the image size.
 */
export async function writeCelebAMaskHq(
  dir: string,
  opts: CelebaOptions,
  order: LabelSchema = getSchema('celebamask-hq-a'),
  target: LabelSchema = order,
): Promise<{ dir: string; schemaId: string; items: CelebaItem[] }> {
  const a = getSchema('celebamask-hq-a');
  const ms = opts.maskSize;
  const is = opts.imageSize ?? ms;
  const k = is / ms;
  if (!Number.isInteger(k)) throw new Error('imageSize must be a multiple of maskSize');
  const items: CelebaItem[] = [];
  const mapping: string[] = ['idx orig_idx orig_file'];
  const partition: string[] = [];
  for (let n = 0; n < opts.count; n++) {
    const id = (opts.firstId ?? 0) + n;
    const f = face((opts.seed ?? 0) + n, ms, a);
    const rgb = k === 1 ? f.rgb : upscaleRgb(f.rgb, ms, ms, k);
    const image = join(dir, 'CelebA-HQ-img', `${id}.jpg`);
    await writeImage(image, rgb, is, is);
    const parts = new Map<string, Uint8Array>();
    for (const p of CELEBA_PARTS) {
      const v = findClass(a, p)!.index;
      let bin: Uint8Array = new Uint8Array(ms * ms);
      let any = false;
      for (let i = 0; i < bin.length; i++) {
        if (f.mask[i] === v) {
          bin[i] = 1;
          any = true;
        }
      }
      if (!any) continue;
      if (opts.overlap) bin = dilate(bin, ms, ms, opts.overlap);
      parts.set(p, bin);
      const path = join(dir, 'CelebAMask-HQ-mask-anno', String(Math.floor(id / 2000)), `${String(id).padStart(5, '0')}_${p}.png`);
      mkdirFor(path);
      const white = bin.map((b) => (b ? 255 : 0));
      if (opts.maskColour === 'rgb') {
        const c3 = new Uint8Array(ms * ms * 3);
        for (let i = 0; i < white.length; i++) c3[3 * i] = c3[3 * i + 1] = c3[3 * i + 2] = white[i];
        await writeColorPng(path, c3, ms, ms);
      } else await writeIndexPng(path, white, ms, ms);
    }
    const expected = paintPartsReference(parts, ms * ms, order, target);
    const split = opts.splits ? opts.splits[n % opts.splits.length] : null;
    if (opts.splits) {
      const orig = `${String(100000 + id).padStart(6, '0')}.jpg`;
      mapping.push(`${id} ${100000 + id} ${orig}`);
      partition.push(`${orig} ${['train', 'val', 'test'].indexOf(split!)}`);
    }
    items.push({ id, image, split, parts, mask: k === 1 ? expected : upscale(expected, ms, ms, k), width: is, height: is });
  }
  if (opts.splits) {
    writeFileSync(join(dir, 'CelebA-HQ-to-CelebA-mapping.txt'), mapping.join('\n') + '\n');
    // CelebA's list covers every CelebA image; add some that are not in CelebA-HQ.
    writeFileSync(join(dir, 'list_eval_partition.txt'), ['000001.jpg 0', ...partition].join('\n') + '\n');
  }
  return { dir, schemaId: target.id, items };
}

function upscaleRgb(rgb: Uint8Array, w: number, h: number, k: number): Uint8Array {
  const out = new Uint8Array(w * k * h * k * 3);
  for (let y = 0; y < h * k; y++) {
    for (let x = 0; x < w * k; x++) {
      const s = (Math.floor(y / k) * w + Math.floor(x / k)) * 3;
      out.set(rgb.subarray(s, s + 3), (y * w * k + x) * 3);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// LaPa, iBugMask, FaceSynthetics

export async function writeLapa(dir: string, opts: { counts: Partial<Record<'train' | 'val' | 'test', number>>; size: number; seed?: number }): Promise<WrittenDataset> {
  const schema = getSchema('lapa-11');
  const items: WrittenItem[] = [];
  let seed = opts.seed ?? 100;
  for (const split of ['train', 'val', 'test'] as const) {
    for (let i = 0; i < (opts.counts[split] ?? 0); i++) {
      const f = face(seed++, opts.size, schema);
      const name = `${split}_${String(i).padStart(4, '0')}`;
      const image = join(dir, split, 'images', `${name}.jpg`);
      await writeImage(image, f.rgb, f.width, f.height);
      await writeMask(join(dir, split, 'labels', `${name}.png`), f.mask, f.width, f.height);
      const lm = points(f, 106);
      mkdirSync(join(dir, split, 'landmarks'), { recursive: true });
      writeFileSync(join(dir, split, 'landmarks', `${name}.txt`), `106\n${lm.map(([x, y]) => `${x} ${y}`).join('\n')}\n`);
      items.push({ image, split, mask: f.mask, width: f.width, height: f.height, landmarks: lm });
    }
  }
  return { dir, schemaId: schema.id, items };
}

export async function writeIbugmask(dir: string, opts: { counts: Partial<Record<'train' | 'test', number>>; size: number; seed?: number }): Promise<WrittenDataset> {
  const schema = getSchema('ibugmask-11');
  const items: WrittenItem[] = [];
  let seed = opts.seed ?? 200;
  for (const split of ['train', 'test'] as const) {
    for (let i = 0; i < (opts.counts[split] ?? 0); i++) {
      const f = face(seed++, opts.size, schema);
      // train names carry the augmentation suffix _NN seen in the release
      const name = split === 'train' ? `helen_${1000 + i}_${String(i % 3).padStart(2, '0')}` : `test_${i}`;
      const image = join(dir, split, `${name}.jpg`);
      await writeImage(image, f.rgb, f.width, f.height);
      await writeMask(join(dir, split, `${name}.png`), f.mask, f.width, f.height);
      const lm = points(f, 68);
      writeFileSync(join(dir, split, `${name}_landmark.txt`), lm.map(([x, y]) => `${x} ${y}`).join('\n') + '\n');
      items.push({ image, split, mask: f.mask, width: f.width, height: f.height, landmarks: lm });
    }
  }
  return { dir, schemaId: schema.id, items };
}

export async function writeFaceSynthetics(dir: string, opts: { count: number; size: number; seed?: number }): Promise<WrittenDataset> {
  const schema = getSchema('facesynthetics');
  const items: WrittenItem[] = [];
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < opts.count; i++) {
    const f = face((opts.seed ?? 300) + i, opts.size, schema);
    const mask = new Uint8Array(f.mask);
    // IGNORE (255): a few pixels at the top-left corner stand in for brow pixels beyond the outline
    for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) mask[y * f.width + x] = 255;
    const id = String(i).padStart(6, '0');
    const image = join(dir, `${id}.png`);
    await writeImage(image, f.rgb, f.width, f.height, 'png');
    await writeMask(join(dir, `${id}_seg.png`), mask, f.width, f.height);
    const lm = points(f, 70);
    writeFileSync(join(dir, `${id}_ldmks.txt`), lm.map(([x, y]) => `${x} ${y}`).join('\n') + '\n');
    items.push({ image, split: null, mask, width: f.width, height: f.height, landmarks: lm });
  }
  return { dir, schemaId: schema.id, items };
}

// ---------------------------------------------------------------------------------------------------
// Helen

export interface HelenOptions {
  count: number;
  size: number;
  seed?: number;
  /** 'soft': random probability maps with exact ties at some pixels (expected = arg-max, ties to the
   *  lower index); 'crisp': 0/255 maps (arg-max and thresholding agree). */
  maps?: 'soft' | 'crisp';
  /** Splits written to exemplars.txt / tuning.txt / testing.txt, cycling over the items. */
  splits?: ('train' | 'val' | 'test')[];
}

export async function writeHelen(dir: string, opts: HelenOptions): Promise<WrittenDataset & { ties: number }> {
  const schema = getSchema('helen-11');
  const items: WrittenItem[] = [];
  const lists: Record<string, string[]> = { train: [], val: [], test: [] };
  let ties = 0;
  for (let n = 0; n < opts.count; n++) {
    const f = face((opts.seed ?? 400) + n, opts.size, schema);
    const name = `${100000 + n * 7}_1`;
    const image = join(dir, 'images', `${name}.jpg`);
    await writeImage(image, f.rgb, f.width, f.height);
    const N = f.width * f.height;
    const maps = Array.from({ length: 11 }, () => new Uint8Array(N));
    const expected = new Uint8Array(N);
    let r = 12345 + n;
    const rand = () => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0) >>> 8) & 255;
    for (let i = 0; i < N; i++) {
      const gt = f.mask[i];
      if (opts.maps === 'crisp') {
        maps[gt][i] = 255;
        expected[i] = gt;
        continue;
      }
      const top = 128 + (rand() & 127);
      maps[gt][i] = top;
      for (let c = 0; c < 11; c++) if (c !== gt) maps[c][i] = rand() % top;
      expected[i] = gt;
      if (i % 7 === 0) {
        const other = (gt + 1 + (rand() % 10)) % 11;
        maps[other][i] = top; // exact tie: the lower index wins
        expected[i] = Math.min(gt, other);
        ties++;
      }
    }
    for (let c = 0; c < 11; c++) await writeMask(join(dir, 'labels', name, `${name}_lbl${String(c).padStart(2, '0')}.png`), maps[c], f.width, f.height);
    const split = opts.splits ? opts.splits[n % opts.splits.length] : null;
    if (split) lists[split].push(`${lists[split].length + 1}, ${name}`);
    items.push({ image, split, mask: expected, width: f.width, height: f.height });
  }
  if (opts.splits) {
    writeFileSync(join(dir, 'exemplars.txt'), lists.train.join('\n') + '\n');
    writeFileSync(join(dir, 'tuning.txt'), lists.val.join('\n') + '\n');
    writeFileSync(join(dir, 'testing.txt'), lists.test.join('\n') + '\n');
  }
  return { dir, schemaId: schema.id, items, ties };
}

// ---------------------------------------------------------------------------------------------------
// Generic folders

export async function writeIndexFolder(dir: string, opts: { schemaId: string; count: number; size: number; seed?: number; labelsTxt?: boolean }): Promise<WrittenDataset> {
  const schema = getSchema(opts.schemaId);
  const items: WrittenItem[] = [];
  for (let i = 0; i < opts.count; i++) {
    const f = face((opts.seed ?? 500) + i, opts.size, schema);
    const split = (['train', 'val', 'test'] as const)[i % 3];
    const image = join(dir, 'images', split, `img_${i}.jpg`);
    await writeImage(image, f.rgb, f.width, f.height);
    await writeMask(join(dir, 'masks', split, `img_${i}.png`), f.mask, f.width, f.height);
    items.push({ image, split, mask: f.mask, width: f.width, height: f.height });
  }
  if (opts.labelsTxt) writeFileSync(join(dir, 'labels.txt'), schema.classes.map((c) => c.name).join('\n') + '\n');
  return { dir, schemaId: schema.id, items };
}

/** CVAT "Segmentation mask 1.1" style export with the schema's palette. */
export async function writeColorFolder(dir: string, opts: { schemaId: string; count: number; size: number; seed?: number }): Promise<WrittenDataset> {
  const schema = getSchema(opts.schemaId);
  const items: WrittenItem[] = [];
  mkdirSync(join(dir, 'ImageSets', 'Segmentation'), { recursive: true });
  writeFileSync(
    join(dir, 'labelmap.txt'),
    '# label:color_rgb:parts:actions\n' + schema.classes.map((c) => `${c.name}:${c.color.join(',')}::`).join('\n') + '\n',
  );
  const train: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const f = face((opts.seed ?? 600) + i, opts.size, schema);
    const name = `frame_${String(i).padStart(3, '0')}`;
    const image = join(dir, 'JPEGImages', `${name}.jpg`);
    await writeImage(image, f.rgb, f.width, f.height);
    const rgb = new Uint8Array(f.mask.length * 3);
    for (let p = 0; p < f.mask.length; p++) rgb.set(schema.classes[f.mask[p]].color, p * 3);
    const maskPath = join(dir, 'SegmentationClass', `${name}.png`);
    mkdirFor(maskPath);
    await writeColorPng(maskPath, rgb, f.width, f.height);
    const split = i % 2 === 0 ? 'train' : null;
    if (split) train.push(name);
    items.push({ image, split, mask: f.mask, width: f.width, height: f.height });
  }
  writeFileSync(join(dir, 'ImageSets', 'Segmentation', 'train.txt'), train.join('\n') + '\n');
  return { dir, schemaId: schema.id, items };
}
