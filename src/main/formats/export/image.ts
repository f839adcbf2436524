/**
 * Images in exports are the original file bytes (byte-exact) unless the layout fixes the file type:
 *   - `.jpg` layouts (LaPa, Helen, iBugMask, CelebAMask-HQ): a non-JPEG source is re-encoded to JPEG
 *     quality 95 (4:4:4), since their loaders open `{name}.jpg`;
 *   - FaceSynthetics (`{id:06d}.png`): a non-PNG source is decoded and written as a lossless PNG.
 * Pixels are kept in stored order (EXIF orientation is not applied: masks are indexed that way).
 */
import sharp from '../../sharp';
import { decodeBmp, isBmp } from '../bmp';
import { encodePhotoPngAsync } from '../png-pool';
import type { SourceImage } from './types';

export function detectType(bytes: Uint8Array): SourceImage['type'] {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  return 'other';
}

async function rgb(img: SourceImage): Promise<{ data: Buffer; width: number; height: number }> {
  if (isBmp(img.bytes)) {
    const d = decodeBmp(img.bytes);
    const { data, info } = await sharp(Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength), {
      raw: { width: d.width, height: d.height, channels: 4 },
    })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  }
  const { data, info } = await sharp(img.bytes, { autoOrient: false }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The image as a `.jpg` file's bytes: the original when it is a JPEG. */
export async function asJpeg(img: SourceImage): Promise<{ bytes: Buffer; converted: boolean }> {
  if (img.type === 'jpeg') return { bytes: img.bytes, converted: false };
  const r = await rgb(img);
  const bytes = await sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } })
    .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
    .toBuffer();
  return { bytes, converted: true };
}

/** The image as a `.png` file's bytes: the original when it is a PNG, else a deterministic lossless PNG. */
export async function asPng(img: SourceImage): Promise<{ bytes: Uint8Array; converted: boolean }> {
  if (img.type === 'png') return { bytes: img.bytes, converted: false };
  const r = await rgb(img);
  return { bytes: await encodePhotoPngAsync(r.data, r.width, r.height, 3), converted: true };
}

/** Extension to keep for byte copies: the original one, `.jpeg` spelled `.jpg` left as is. */
export function keepExt(img: SourceImage): string {
  return img.ext || (img.type === 'jpeg' ? '.jpg' : img.type === 'png' ? '.png' : '.img');
}
