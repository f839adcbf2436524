/**
 * Reading image files: probe (size, decodability), thumbnails, and a browser-displayable form.
 *
 * Pixel order is the file's stored order: EXIF orientation is NOT applied, because masks are indexed
 * in stored order by every dataset loader that matters (PIL, libvips without autorotate). Files whose
 * EXIF orientation is not 1 are served to the UI re-encoded without the tag so the browser does not
 * rotate the picture away from its mask.
 */
import sharp, { type Sharp } from '../sharp';
import { ParselError } from '../../shared/api/errors';
import { decodeBmp, isBmp, BmpError, bmpDecodeCost, bmpSize } from '../formats/bmp';
import { decodeBudget, decodeWeight } from '../formats/decode-budget';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff'] as const;
export const THUMB_SIZE = 256;
/** Largest accepted image: 16384² (well above 4K datasets; a 30000² file is refused, not decoded). */
export const MAX_IMAGE_PIXELS = 16384 * 16384;

export interface ProbedImage {
  width: number;
  height: number;
  format: string;
  orientation: number;
}

/** A sharp pipeline over the file's bytes (not BMP). Fails on truncated data. */
function open(buf: Buffer): Sharp {
  return sharp(buf, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS, sequentialRead: true });
}

/**
 * Decode a BMP (our decoder: libvips reads none) and run `fn` on a sharp pipeline over its pixels,
 * holding what the header declares from the decode memory budget while both run.
 */
async function withBmp<T>(buf: Buffer, fn: (img: Sharp, d: { width: number; height: number }) => Promise<T>): Promise<T> {
  const size = bmpSize(buf);
  return decodeBudget.run(() => {
    const d = decodeBmp(buf);
    const img = sharp(Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength), { raw: { width: d.width, height: d.height, channels: 4 } });
    return fn(img, d);
  }, decodeWeight(size ? bmpDecodeCost(size.width, size.height) : 0));
}

/** A JPEG whose data does not end with the EOI marker (trailing padding allowed) was cut short. */
function isTruncatedJpeg(buf: Buffer): boolean {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return false;
  let end = buf.length;
  while (end > 2 && (buf[end - 1] === 0x00 || buf[end - 1] === 0x0a || buf[end - 1] === 0x0d)) end--;
  return !(buf[end - 2] === 0xff && buf[end - 1] === 0xd9);
}

/** The user-facing reason a file failed to decode (no path prefix). */
export function decodeFailureReason(err: unknown, buf: Buffer): string {
  if (err instanceof BmpError) return err.message;
  // libjpeg's own message for a cut-short file depends on where decoding stopped and on libvips'
  // threading (it can arrive as "Unknown error"), so a truncated JPEG is named from its bytes.
  const msg = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(msg)) return 'not a supported image (jpg, png, webp, bmp, tiff)';
  if (/pixel limit/i.test(msg)) return `image is larger than ${Math.sqrt(MAX_IMAGE_PIXELS)}² pixels`;
  if (isTruncatedJpeg(buf)) return 'premature end of JPEG image';
  return msg.replace(/^Input buffer /, '').replace(/^Vips\w+: /i, '').replace(/\s+/g, ' ').trim();
}

/**
 * Check that the file decodes completely and return its size; produce the thumbnail in the same
 * decode (JPEG shrink-on-load keeps this cheap). Throws INVALID_INPUT with the reason.
 */
export async function probeAndThumb(buf: Buffer, path: string): Promise<{ info: ProbedImage; thumb: Buffer }> {
  try {
    if (isBmp(buf)) {
      return await withBmp(buf, async (img, d) => {
        const thumb = await img.resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
        return { info: { width: d.width, height: d.height, format: 'bmp', orientation: 1 }, thumb };
      });
    }
    const meta = await open(buf).metadata();
    if (!meta.width || !meta.height) throw new Error('image has no dimensions');
    if (meta.width * meta.height > MAX_IMAGE_PIXELS) {
      throw new Error(`image is ${meta.width}×${meta.height}, larger than ${Math.sqrt(MAX_IMAGE_PIXELS)}² pixels`);
    }
    const thumb = await open(buf)
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    return {
      info: { width: meta.width, height: meta.height, format: meta.format ?? 'unknown', orientation: meta.orientation ?? 1 },
      thumb,
    };
  } catch (err) {
    throw new ParselError('INVALID_INPUT', `${path}: ${decodeFailureReason(err, buf)}`, { path });
  }
}

export async function makeThumb(buf: Buffer, path: string): Promise<Buffer> {
  return (await probeAndThumb(buf, path)).thumb;
}

const BROWSER_MIME: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** Bytes a browser can show in stored pixel order: the file itself when possible, else a PNG. */
export async function toBrowserImage(buf: Buffer, path: string): Promise<{ body: Buffer; mime: string }> {
  try {
    if (isBmp(buf)) return { body: await withBmp(buf, (img) => img.png({ compressionLevel: 1 }).toBuffer()), mime: 'image/png' };
    const meta = await sharp(buf, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
    const mime = meta.format ? BROWSER_MIME[meta.format] : undefined;
    if (mime && (meta.orientation ?? 1) === 1) return { body: buf, mime };
    const body = await open(buf).png({ compressionLevel: 1 }).toBuffer();
    return { body, mime: 'image/png' };
  } catch (err) {
    throw new ParselError('INVALID_INPUT', `${path}: ${decodeFailureReason(err, buf)}`, { path });
  }
}
