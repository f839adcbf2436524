/**
 * Hand-built PNG files in every encoding the PNG standard allows (and PIL, OpenCV and libpng write):
 * colour types 0/2/3/4/6, every legal bit depth (1/2/4/8/16), Adam7 interlacing, palettes of any
 * length, a tRNS chunk and IDAT split over several chunks. Written from first principles (signature,
 * chunks with CRC, scanlines with a filter byte, zlib) so the encoding tests do not depend on our own
 * encoder (which writes only 8-bit colour types 0 and 2) nor on Python.
 *
 * Rows use filter type 0 except when `filter` says otherwise (1 = Sub on every row), so both the
 * packed-sample paths and the unfiltering path are exercised.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/shared/mask/codec';

export interface ForgeOptions {
  width: number;
  height: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** Samples, `channels` per pixel, row-major, each within the bit depth's range. */
  samples: ArrayLike<number>;
  /** RGB triples (colour type 3). */
  palette?: readonly (readonly [number, number, number])[];
  interlace?: boolean;
  /** Raw tRNS chunk body (written but, for masks, not applied). */
  trns?: Uint8Array;
  /** 0: None on every row (default); 1: Sub on every row. */
  filter?: 0 | 1;
  /** Split the zlib stream over this many IDAT chunks (default 1). */
  idatChunks?: number;
}

export const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };



function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + body.length), 8 + body.length);
  return out;
}

/** Pack one row of samples at the bit depth (big-endian for 16-bit, MSB first for sub-byte). */
function packRow(samples: number[], depth: number): Uint8Array {
  if (depth === 8) return Uint8Array.from(samples);
  if (depth === 16) {
    const out = new Uint8Array(samples.length * 2);
    samples.forEach((v, i) => {
      out[2 * i] = v >> 8;
      out[2 * i + 1] = v & 255;
    });
    return out;
  }
  const out = new Uint8Array(Math.ceil((samples.length * depth) / 8));
  samples.forEach((v, i) => {
    const bit = i * depth;
    out[bit >> 3] |= v << (8 - depth - (bit & 7));
  });
  return out;
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export function forgePng(o: ForgeOptions): Buffer {
  const ch = CHANNELS[o.colorType];
  if (o.samples.length !== o.width * o.height * ch) throw new Error(`forgePng: ${o.samples.length} samples for ${o.width}×${o.height}×${ch}`);
  const bpp = Math.max(1, (ch * o.bitDepth) >> 3);
  const rows: Uint8Array[] = [];
  const emit = (xs: number[], ys: number[]) => {
    for (const y of ys) {
      const s: number[] = [];
      for (const x of xs) for (let k = 0; k < ch; k++) s.push(o.samples[(y * o.width + x) * ch + k]);
      const packed = packRow(s, o.bitDepth);
      const row = new Uint8Array(packed.length + 1);
      row[0] = o.filter ?? 0;
      if (o.filter === 1) for (let i = 0; i < packed.length; i++) row[i + 1] = (packed[i] - (i >= bpp ? packed[i - bpp] : 0)) & 255;
      else row.set(packed, 1);
      rows.push(row);
    }
  };
  const range = (start: number, end: number, step: number) => {
    const out: number[] = [];
    for (let v = start; v < end; v += step) out.push(v);
    return out;
  };
  if (o.interlace) {
    for (const [x0, y0, dx, dy] of ADAM7) {
      const xs = range(x0, o.width, dx);
      const ys = range(y0, o.height, dy);
      if (xs.length > 0 && ys.length > 0) emit(xs, ys);
    }
  } else emit(range(0, o.width, 1), range(0, o.height, 1));
  const z = deflateSync(Buffer.concat(rows));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(o.width, 0);
  ihdr.writeUInt32BE(o.height, 4);
  ihdr[8] = o.bitDepth;
  ihdr[9] = o.colorType;
  ihdr[12] = o.interlace ? 1 : 0;
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (o.palette) parts.push(chunk('PLTE', Uint8Array.from(o.palette.flat())));
  if (o.trns) parts.push(chunk('tRNS', o.trns));
  const n = Math.max(1, o.idatChunks ?? 1);
  const step = Math.ceil(z.length / n);
  for (let i = 0; i < n; i++) parts.push(chunk('IDAT', z.subarray(i * step, Math.min(z.length, (i + 1) * step))));
  parts.push(chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** Every (colour type, bit depth) pair the PNG standard allows. */
export const LEGAL_ENCODINGS: readonly { colorType: 0 | 2 | 3 | 4 | 6; bitDepth: 1 | 2 | 4 | 8 | 16 }[] = [
  ...([1, 2, 4, 8, 16] as const).map((bitDepth) => ({ colorType: 0 as const, bitDepth })),
  ...([8, 16] as const).map((bitDepth) => ({ colorType: 2 as const, bitDepth })),
  ...([1, 2, 4, 8] as const).map((bitDepth) => ({ colorType: 3 as const, bitDepth })),
  ...([8, 16] as const).map((bitDepth) => ({ colorType: 4 as const, bitDepth })),
  ...([8, 16] as const).map((bitDepth) => ({ colorType: 6 as const, bitDepth })),
];
