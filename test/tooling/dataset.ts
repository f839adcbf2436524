/**
 * Synthetic face-parsing datasets on disk, for tests and benchmarks (Node only).
 *
 * Image i is `generateFace({ seed: (opts.seed ?? 0) + i, ... })`, so a test can regenerate any file's
 * exact mask in memory. Layouts:
 *   - 'images-masks' (default): `images/synth_00000.jpg` + `masks/synth_00000.png` (generic index-PNG
 *     folder of FORMATS.md),
 *   - 'flat': `synth_00000.jpg` + `synth_00000.png` (iBugMask style); with PNG images the mask is
 *     `synth_00000_seg.png` (FaceSynthetics style) so names do not collide.
 * Masks are single-channel 8-bit PNGs whose values are schema indices.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeJpeg } from '../../src/main/services/sample-faces';
import { getSchema } from '../../src/shared/schema';
import { generateFace, type SynthOptions } from '../../src/shared/synth';

export interface SyntheticFolderOptions {
  count: number;
  width: number;
  height: number;
  schemaId: string;
  /** Seed of image 0; image i uses seed + i (default 0). */
  seed?: number;
  format?: 'jpg' | 'png';
  masks?: 'index-png' | 'none';
  layout?: 'flat' | 'images-masks';
  /** Passed through to the generator (faces, noise, accessories, pose). */
  synth?: Partial<Omit<SynthOptions, 'seed' | 'width' | 'height' | 'schema'>>;
}

export interface IndexPng {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface SyntheticFolder {
  /** Absolute image paths in index order. */
  images: string[];
  /** Absolute mask paths in index order (empty with masks: 'none'). */
  masks: string[];
  imagesDir: string;
  masksDir: string | null;
  /** The same paths per image. */
  items: { imagePath: string; maskPath: string | null; seed: number }[];
}

export function syntheticName(i: number): string {
  return `synth_${String(i).padStart(5, '0')}`;
}

/** Write `count` synthetic images (and masks); returns absolute paths in index order. */
export async function writeSyntheticFolder(
  dir: string,
  opts: SyntheticFolderOptions,
): Promise<SyntheticFolder> {
  const schema = getSchema(opts.schemaId);
  const format = opts.format ?? 'jpg';
  const layout = opts.layout ?? 'images-masks';
  const withMasks = (opts.masks ?? 'index-png') === 'index-png';
  const seed0 = opts.seed ?? 0;
  const imgDir = layout === 'flat' ? dir : join(dir, 'images');
  const maskDir = layout === 'flat' ? dir : join(dir, 'masks');
  mkdirSync(imgDir, { recursive: true });
  if (withMasks) mkdirSync(maskDir, { recursive: true });

  const images: string[] = [];
  const masks: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const name = syntheticName(i);
    images.push(join(imgDir, `${name}.${format}`));
    if (withMasks) {
      const maskName = layout === 'flat' && format === 'png' ? `${name}_seg.png` : `${name}.png`;
      masks.push(join(maskDir, maskName));
    }
  }

  const writeOne = async (i: number): Promise<void> => {
    const face = generateFace({ ...opts.synth, seed: seed0 + i, width: opts.width, height: opts.height, schema });
    if (format === 'jpg') {
      await writeJpeg(images[i], face.rgb, face.width, face.height); // the product's writer (sample project)
    } else {
      const raw = { raw: { width: face.width, height: face.height, channels: 3 as const } };
      await sharp(Buffer.from(face.rgb.buffer, face.rgb.byteOffset, face.rgb.byteLength), raw).png().toFile(images[i]);
    }
    if (withMasks) {
      await writeIndexPng(masks[i], face.mask, face.width, face.height);
      if (i === 0) {
        // The whole point of an index PNG: it must read back as one channel with the same bytes.
        const back = await readIndexPng(masks[0]);
        if (back.width !== face.width || back.height !== face.height || !equalBytes(back.data, face.mask)) {
          throw new Error(`index PNG round trip failed for ${masks[0]}`);
        }
      }
    }
  };

  const CONCURRENCY = 4;
  for (let i = 0; i < opts.count; i += CONCURRENCY) {
    const batch: Promise<void>[] = [];
    for (let k = i; k < Math.min(opts.count, i + CONCURRENCY); k++) batch.push(writeOne(k));
    await Promise.all(batch);
  }
  return {
    images,
    masks,
    imagesDir: imgDir,
    masksDir: withMasks ? maskDir : null,
    items: images.map((imagePath, i) => ({ imagePath, maskPath: withMasks ? masks[i] : null, seed: seed0 + i })),
  };
}

/**
 * Write a single-channel 8-bit PNG (colour type 0) whose pixel values are the given bytes.
 *
 * sharp 0.35 gotcha: `sharp(buf, { raw: { channels: 1 } }).png()` alone writes an RGB PNG (colour type
 * 2); `toColourspace('b-w')` is what keeps it single-channel.
 */
export async function writeIndexPng(path: string, data: Uint8Array, width: number, height: number): Promise<void> {
  if (data.length !== width * height) throw new Error(`writeIndexPng: ${data.length} bytes for ${width}x${height}`);
  await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toFile(path);
}

/**
 * Read a single-channel 8-bit PNG (index mask). Throws if the file is not single-channel 8-bit.
 *
 * sharp 0.35 gotcha: `sharp(greyPng).raw()` returns 3 channels; `toColourspace('b-w')` returns the
 * stored bytes unchanged (checked for all 256 values in dataset.test.ts).
 */
export async function readIndexPng(path: string): Promise<IndexPng> {
  const meta = await sharp(path).metadata();
  if (meta.channels !== 1 || meta.depth !== 'uchar') {
    throw new Error(
      `${path}: expected a single-channel 8-bit index PNG, got ${meta.channels} channels (${meta.depth ?? '?'})`,
    );
  }
  const { data, info } = await sharp(path).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`${path}: decoded to ${info.channels} channels`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
