/**
 * Hostile image and mask files, built from first principles (no encoder of ours), for the bad-input
 * corpus and the decoder fuzz run (issue 15):
 *   - `pngBomb`: a valid PNG header whose image data inflates to far more than the header implies;
 *   - `pngHeaderOnly`: any IHDR (e.g. 16-bit RGBA at the size limit) over a few bytes of data;
 *   - `bmpHeader`: a BMP whose info header says anything (e.g. 0 bits per pixel, 16000×16000) — 58 bytes.
 * Everything is made in memory in milliseconds; `writeBadInputs` lays the corpus out as files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)) >>> 0, 8 + body.length);
  return out;
}

export interface Ihdr {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace?: number;
}

/** A PNG of the given header, optional palette and zlib stream, with correct CRCs. */
export function pngFile(h: Ihdr, idat: Uint8Array, palette?: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(h.width, 0);
  ihdr.writeUInt32BE(h.height, 4);
  ihdr[8] = h.bitDepth;
  ihdr[9] = h.colorType;
  ihdr[12] = h.interlace ?? 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(palette ? [chunk('PLTE', palette)] : []),
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * An 8-bit greyscale PNG declaring `width`×`height` whose zlib stream inflates to `inflated` zero
 * bytes (rows of filter type 0 and black pixels, then far more than the header implies). Zeros
 * compress about 1000:1, so 1.5 GB fits in a 1.5 MB file.
 */
export function pngBomb(width: number, height: number, inflated: number): Buffer {
  return pngFile({ width, height, bitDepth: 8, colorType: 0 }, deflateSync(Buffer.alloc(inflated), { level: 9 }));
}

/** A PNG with the header `h` over a zlib stream of a few zero bytes (decoders must refuse at the header). */
export function pngHeaderOnly(h: Ihdr): Buffer {
  return pngFile(h, deflateSync(Buffer.alloc(16)));
}

export interface BmpFields {
  width: number;
  height: number;
  bitsPerPixel: number;
  compression?: number;
  colorsUsed?: number;
}

/** A BITMAPINFOHEADER BMP with these fields and `extra` bytes of "pixel data": 54 + extra bytes. */
export function bmpHeader(f: BmpFields, extra = 4): Buffer {
  const b = Buffer.alloc(54 + extra);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(f.width, 18);
  b.writeInt32LE(f.height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(f.bitsPerPixel, 28);
  b.writeUInt32LE(f.compression ?? 0, 30);
  b.writeUInt32LE(f.colorsUsed ?? 0, 46);
  return b;
}

/**
 * A valid BMP (BITMAPINFOHEADER) of `width`×`height` at `bpp` bits per pixel with pseudo-random pixels:
 * a grey palette for 1/4/8-bit, 5-5-5 for 16-bit, BGR for 24, BGRX for 32; bottom-up unless `topDown`.
 * With `bitfields` (16/32-bit only) the masks follow the header (compression 3).
 */
export function bmpFile(width: number, height: number, bpp: 1 | 4 | 8 | 16 | 24 | 32, opts: { topDown?: boolean; bitfields?: boolean; seed?: number } = {}): Buffer {
  const palette = bpp <= 8 ? 1 << bpp : 0;
  const masks = opts.bitfields ? 12 : 0;
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const offset = 54 + masks + palette * 4;
  const b = bmpHeader({ width, height: opts.topDown ? -height : height, bitsPerPixel: bpp, compression: opts.bitfields ? 3 : 0 }, offset - 54 + stride * height);
  b.writeUInt32LE(offset, 10);
  if (opts.bitfields) {
    const m = bpp === 16 ? [0xf800, 0x07e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff];
    m.forEach((v, k) => b.writeUInt32LE(v, 54 + 4 * k));
  }
  for (let i = 0; i < palette; i++) {
    const g = Math.round((i * 255) / (palette - 1));
    b.writeUInt32LE((g << 16) | (g << 8) | g, 54 + masks + 4 * i);
  }
  let x = opts.seed ?? 1;
  for (let i = offset; i < b.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

let corpus: Record<string, Buffer> | null = null;

/** The cases of issue 15, by file name (built once per process). */
export function badInputs(): Record<string, Buffer> {
  return (corpus ??= {
    // 64×64 label whose data inflates to 64 MiB (the was 1.5 GB: same shape, same refusal)
    'bomb-label.png': pngBomb(64, 64, 64 * 1024 * 1024),
    // 16-bit RGBA at the pixel limit: 2 GiB of samples, refused at the header
    'rgba16-at-limit.png': pngHeaderOnly({ width: 16384, height: 16384, bitDepth: 16, colorType: 6 }),
    // 58 bytes claiming 16000×16000 at 0 bits per pixel
    'bpp0-16000.bmp': bmpHeader({ width: 16000, height: 16000, bitsPerPixel: 0 }),
  });
}

export function writeBadInputs(dir: string): string[] {
  return Object.entries(badInputs()).map(([name, bytes]) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  });
}
