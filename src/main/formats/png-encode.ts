/**
 * Deterministic PNG writing in pure TypeScript: the bytes depend only on the pixels, never on the
 * runtime's zlib build (Node and Electron's Node link different zlibs, and zlib's output may change
 * between versions), so an export is byte-identical wherever and whenever it is reproduced.
 *
 * - `encodeMaskPng`: label masks (index or colour). Rows are written unfiltered (filter type 0) and
 *   compressed by a DEFLATE encoder made for masks: greedy LZ77 with two candidate distances only,
 *   the pixel to the left (runs) and the pixel above (the same position one row up), coded with the
 *   fixed Huffman table (RFC 1951 §3.2.6). A mask row is a few runs, mostly the same as the row above,
 *   so this is one linear pass (no hash chains, no filter search) at a compressed size within ~1.5×
 *   of zlib level 6. Lossless for any pixels; photos would barely compress (use `encodePhotoPng`).
 * - `encodePhotoPng`: any image (the rare conversion of a non-PNG/JPEG source): libpng-style adaptive
 *   row filters and fflate's DEFLATE (level 6), also pure JavaScript.
 */
import { zlibSync } from 'fflate';
import { crc32 } from '../../shared/mask/codec';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function checkSize(data: Uint8Array, width: number, height: number, channels: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`PNG encode: bad size ${width}×${height}`);
  if (channels !== 1 && channels !== 3) throw new Error(`PNG encode: ${channels} channels (1 or 3)`);
  if (data.length !== width * height * channels) throw new Error(`PNG encode: ${data.length} bytes for ${width}×${height}×${channels}`);
}

/** Signature, IHDR (8-bit grey or RGB), one IDAT holding `zlib`, IEND. */
function assemble(width: number, height: number, channels: 1 | 3, zlib: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 25 + 12 + zlib.length + 12);
  const dv = new DataView(out.buffer);
  out.set(SIGNATURE, 0);
  let o = 8;
  const chunk = (type: string, body: (at: number) => number) => {
    const start = o;
    for (let i = 0; i < 4; i++) out[o + 4 + i] = type.charCodeAt(i);
    const len = body(o + 8);
    dv.setUint32(start, len);
    dv.setUint32(start + 8 + len, crc32(out, start + 4, start + 8 + len));
    o = start + 12 + len;
  };
  chunk('IHDR', (at) => {
    dv.setUint32(at, width);
    dv.setUint32(at + 4, height);
    out[at + 8] = 8;
    out[at + 9] = channels === 1 ? 0 : 2;
    return 13;
  });
  chunk('IDAT', (at) => {
    out.set(zlib, at);
    return zlib.length;
  });
  chunk('IEND', () => 0);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Mask DEFLATE: LZ77 over {left pixel, pixel above}, fixed Huffman codes.

/** Length symbol (257..285) base lengths and extra bits; distance code bases and extra bits (RFC 1951). */
const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const MAX_DIST = 32768;

const reverse = (code: number, bits: number) => {
  let r = 0;
  for (let i = 0; i < bits; i++) r |= ((code >> i) & 1) << (bits - 1 - i);
  return r;
};

/** Fixed literal/length codes, bit-reversed for LSB-first output: [code, bits] per symbol 0..287. */
const FIXED_LIT = (() => {
  const code = new Uint16Array(288);
  const bits = new Uint8Array(288);
  for (let s = 0; s < 288; s++) {
    let c: number;
    let n: number;
    if (s < 144) [c, n] = [0x30 + s, 8];
    else if (s < 256) [c, n] = [0x190 + s - 144, 9];
    else if (s < 280) [c, n] = [s - 256, 7];
    else [c, n] = [0xc0 + s - 280, 8];
    code[s] = reverse(c, n);
    bits[s] = n;
  }
  return { code, bits };
})();

/** Length 3..258 → symbol index into LEN_BASE; distance 1..32768 → code. */
const LEN_SYM = (() => {
  const t = new Uint8Array(259);
  for (let s = 0; s < 29; s++) {
    const hi = s === 28 ? 258 : LEN_BASE[s + 1] - 1;
    for (let l = LEN_BASE[s]; l <= hi; l++) t[l] = s;
  }
  t[258] = 28;
  return t;
})();
function distCode(d: number): number {
  let c = 0;
  while (c < 29 && DIST_BASE[c + 1] <= d) c++;
  return c;
}
const DIST_FIXED = Array.from({ length: 30 }, (_, c) => reverse(c, 5));

/** LSB-first bit writer into a growable byte array. */
class Bits {
  buf: Uint8Array;
  n = 0;
  private acc = 0;
  private cnt = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(64, capacity));
  }
  put(value: number, bits: number): void {
    this.acc |= value << this.cnt;
    this.cnt += bits;
    while (this.cnt >= 8) {
      if (this.n === this.buf.length) this.grow();
      this.buf[this.n++] = this.acc & 255;
      this.acc >>>= 8;
      this.cnt -= 8;
    }
  }
  private grow(): void {
    const b = new Uint8Array(this.buf.length * 2);
    b.set(this.buf);
    this.buf = b;
  }
  flush(): void {
    if (this.cnt > 0) this.put(0, 8 - this.cnt);
  }
  byte(v: number): void {
    if (this.n === this.buf.length) this.grow();
    this.buf[this.n++] = v;
  }
}

/** zlib stream (RFC 1950) of `raw` (filter bytes included), one fixed-Huffman block; `bpp`/`stride` give the two match distances. */
export function deflateMask(raw: Uint8Array, bpp: number, stride: number): Uint8Array {
  const w = new Bits((raw.length >> 5) + 64);
  w.byte(0x78);
  w.byte(0x01); // CMF/FLG: 32 KiB window, "fastest" hint; (0x7801 % 31 === 0)
  w.put(1, 1); // BFINAL
  w.put(1, 2); // BTYPE 01: fixed Huffman
  const { code: LC, bits: LB } = FIXED_LIT;
  const up = stride <= MAX_DIST ? stride : 0;
  const upCode = up ? distCode(up) : 0;
  const n = raw.length;
  let i = 0;
  while (i < n) {
    // Longest match at distance bpp (runs) and at distance `up` (the row above), up to 258.
    // (A full-length match above, the common case in a mask, makes the run search pointless.)
    const max = Math.min(258, n - i);
    let upLen = 0;
    if (up && i >= up) while (upLen < max && raw[i + upLen] === raw[i + upLen - up]) upLen++;
    let runLen = 0;
    if (upLen < max && i >= bpp) while (runLen < max && raw[i + runLen] === raw[i + runLen - bpp]) runLen++;
    const len = upLen > runLen ? upLen : runLen;
    if (len < 3) {
      const b = raw[i++];
      w.put(LC[b], LB[b]);
      continue;
    }
    const s = LEN_SYM[len];
    w.put(LC[257 + s], LB[257 + s]);
    if (LEN_EXTRA[s]) w.put(len - LEN_BASE[s], LEN_EXTRA[s]);
    const d = upLen > runLen ? up : bpp;
    const dc = d === up ? upCode : distCode(d);
    w.put(DIST_FIXED[dc], 5);
    if (DIST_EXTRA[dc]) w.put(d - DIST_BASE[dc], DIST_EXTRA[dc]);
    i += len;
  }
  w.put(LC[256], LB[256]); // end of block
  w.flush();
  // Adler-32, big-endian.
  let a = 1;
  let b = 0;
  for (let k = 0; k < n; ) {
    const end = Math.min(n, k + 5552);
    for (; k < end; k++) {
      a += raw[k];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  const adler = ((b << 16) | a) >>> 0;
  w.byte(adler >>> 24);
  w.byte((adler >>> 16) & 255);
  w.byte((adler >>> 8) & 255);
  w.byte(adler & 255);
  return w.buf.subarray(0, w.n);
}

/** Rows with a leading filter-type byte 0 (None). */
function unfiltered(data: Uint8Array, height: number, rowBytes: number): Uint8Array {
  const stride = rowBytes + 1;
  const raw = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * rowBytes, (y + 1) * rowBytes), y * stride + 1);
  return raw;
}

/** A label mask as PNG (1 channel: index values; 3: RGB colours). Deterministic; see the file comment. */
export function encodeMaskPng(data: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  checkSize(data, width, height, channels);
  const rowBytes = width * channels;
  return assemble(width, height, channels, deflateMask(unfiltered(data, height, rowBytes), channels, rowBytes + 1));
}

// ---------------------------------------------------------------------------------------------------
// Photos: adaptive filters (minimum sum of absolute differences, as libpng) + fflate.

const COST = new Uint8Array(256).map((_, v) => (v < 128 ? v : 256 - v));
const paeth = (a: number, b: number, c: number) => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

function filterPhotoRows(px: Uint8Array, rows: number, rowBytes: number, bpp: number): Uint8Array {
  const stride = rowBytes + 1;
  const out = new Uint8Array(rows * stride);
  const cand = new Uint8Array(rowBytes);
  for (let y = 0; y < rows; y++) {
    const o = y * rowBytes;
    const p = o - rowBytes;
    let bestSum = Infinity;
    for (let f = 0; f < 5; f++) {
      let sum = 0;
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? px[o + i - bpp] : 0;
        const b = y > 0 ? px[p + i] : 0;
        const c = y > 0 && i >= bpp ? px[p + i - bpp] : 0;
        const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const v = (px[o + i] - pred) & 255;
        cand[i] = v;
        sum += COST[v];
      }
      if (sum < bestSum) {
        bestSum = sum;
        out[y * stride] = f;
        out.set(cand, y * stride + 1);
      }
    }
  }
  return out;
}

/** Any 8-bit grey/RGB image as PNG: adaptive filters + fflate level 6. Deterministic. */
export function encodePhotoPng(data: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  checkSize(data, width, height, channels);
  return assemble(width, height, channels, zlibSync(filterPhotoRows(data, height, width * channels, channels), { level: 6, mem: 8 }));
}
