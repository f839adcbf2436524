/**
 * Index-mask codec: how a `Uint8Array` index map (one byte per pixel, row-major) is stored in SQLite and
 * sent to the renderer. Pure TypeScript (fflate's sync functions), so main, renderer, workers and CLI
 * share it. Measured in test/bench/codec.bench.ts; figures and the reasons for the default are in
 * docs/bench/codec.md.
 *
 * Every encoding id carries a version (`rle1+deflate`): stored blobs stay decodable when the default
 * changes, so never change the byte layout of an existing id; add a new id instead.
 *
 * Layout of `data` for every encoding: u32be CRC-32 of the rest, u32be width, u32be height, then the
 * body. The CRC is over the stored (compressed) bytes, so checking it costs little and any change to a
 * blob (a flipped bit, a truncated write) is reported as corruption instead of decoding into a wrong
 * mask; the dimensions make a blob decoded with the wrong width/height (even a transposed one) fail.
 *
 * - `raw1+deflate`: body = DEFLATE(mask).
 * - `rle1+deflate`: body = u32be(rleLength) + DEFLATE(rle), where rle is the row-major run-length
 *   stream over the whole mask (runs continue across rows): per run one value byte then the run
 *   length minus one as an unsigned LEB128 varint.
 * - `up1+deflate`: body = DEFLATE(t) where t is the mask with each row XORed with the row above
 *   ("same as the pixel above" becomes 0).
 */
import { deflateSync, inflateSync } from 'fflate';
import type { EncodedMask } from '../api/types';

export type MaskCodecErrorCode = 'unknown-encoding' | 'bad-size' | 'corrupt' | 'size-mismatch';

export class MaskCodecError extends Error {
  readonly code: MaskCodecErrorCode;
  constructor(code: MaskCodecErrorCode, message: string) {
    super(message);
    this.name = 'MaskCodecError';
    this.code = code;
  }
}

export const MASK_ENCODINGS = ['rle1+deflate', 'raw1+deflate', 'up1+deflate'] as const;
export type MaskEncoding = (typeof MASK_ENCODINGS)[number];

/** What encodeMask uses for masks with long runs (face-parsing masks). */
export const DEFAULT_MASK_ENCODING: MaskEncoding = 'rle1+deflate';

/** Largest mask accepted (matches the API's 32768 x 32768 limit). */
const MAX_PIXELS = 32768 * 32768;

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
export interface EncodeOptions {
  /** DEFLATE level 1-9 (0 = stored). Defaults per encoding, chosen by the benchmark. */
  level?: Level;
}

// ---------------------------------------------------------------------------------------------------
// CRC-32 (IEEE, as zlib/PNG), slicing-by-4.

const CRC_TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let s = 1; s < 4; s++) {
    const prev = tables[s - 1];
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n] >>> 8) ^ t0[prev[n] & 0xff];
    tables.push(t);
  }
  return tables;
})();

export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  const [t0, t1, t2, t3] = CRC_TABLES;
  let c = 0xffffffff;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    c = t3[c & 0xff] ^ t2[(c >>> 8) & 0xff] ^ t1[(c >>> 16) & 0xff] ^ t0[c >>> 24];
  }
  for (; i < end; i++) c = t0[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function writeU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

/** Frames a body: CRC-32 of everything after it, width, height, then the parts. */
function frame(width: number, height: number, ...parts: Uint8Array[]): Uint8Array {
  let len = HEADER;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  writeU32(out, 4, width);
  writeU32(out, 8, height);
  let at = HEADER;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  writeU32(out, 0, crc32(out, 4));
  return out;
}

const HEADER = 12;

function unframe(data: Uint8Array, width: number, height: number, encoding: string): Uint8Array {
  if (data.length < HEADER) {
    throw new MaskCodecError('corrupt', `${encoding}: data truncated (${data.length} bytes)`);
  }
  const want = readU32(data, 0);
  const got = crc32(data, 4);
  if (want !== got) {
    throw new MaskCodecError(
      'corrupt',
      `${encoding}: checksum mismatch (stored ${hex(want)}, computed ${hex(got)}): data corrupt or truncated`,
    );
  }
  const w = readU32(data, 4);
  const h = readU32(data, 8);
  if (w !== width || h !== height) {
    throw new MaskCodecError('size-mismatch', `${encoding}: data holds a ${w}x${h} mask, expected ${width}x${height}`);
  }
  return data.subarray(HEADER);
}

const hex = (v: number) => '0x' + v.toString(16).padStart(8, '0');

function inflateExact(body: Uint8Array, size: number, encoding: string, what: string): Uint8Array {
  // One spare byte so that a stream longer than expected is seen as such rather than cut off.
  const out = new Uint8Array(size + 1);
  let got: Uint8Array;
  try {
    got = inflateSync(body, { out });
  } catch (e) {
    throw new MaskCodecError('corrupt', `${encoding}: ${what} does not inflate: ${(e as Error).message}`);
  }
  if (got.length !== size) {
    throw new MaskCodecError(
      'size-mismatch',
      `${encoding}: ${what} inflates to ${got.length > size ? 'more than ' + size : got.length} bytes, expected ${size}`,
    );
  }
  return got;
}

// ---------------------------------------------------------------------------------------------------
// Run-length stream.

/** Number of runs in row-major order (runs continue across rows). */
export function countRuns(mask: Uint8Array): number {
  const n = mask.length;
  if (n === 0) return 0;
  let runs = 1;
  let prev = mask[0];
  for (let i = 1; i < n; i++) {
    const v = mask[i];
    if (v !== prev) {
      runs++;
      prev = v;
    }
  }
  return runs;
}

/**
 * The rle1 stream: per run, value byte then (length - 1) as unsigned LEB128. With `maxBytes`, gives up
 * and returns null as soon as the stream would exceed it.
 */
export function rleEncode(mask: Uint8Array): Uint8Array;
export function rleEncode(mask: Uint8Array, maxBytes: number): Uint8Array | null;
export function rleEncode(mask: Uint8Array, maxBytes = Infinity): Uint8Array | null {
  const n = mask.length;
  // Long runs are scanned four bytes at a time (2-3x faster on face masks); needs an aligned view.
  const words = mask.byteOffset % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, n >>> 2) : null;
  let cap = Math.min(n * 6, 1 << 16) + 16;
  let out = new Uint8Array(cap);
  let o = 0;
  let i = 0;
  while (i < n) {
    const v = mask[i];
    let j = i + 1;
    if (words !== null) {
      while (j < n && (j & 3) !== 0 && mask[j] === v) j++;
      if ((j & 3) === 0 && j < n && mask[j] === v) {
        const pattern = (v * 0x01010101) >>> 0;
        let w = j >>> 2;
        while (w < words.length && words[w] === pattern) w++;
        j = w << 2;
      }
    }
    while (j < n && mask[j] === v) j++;
    if (o + 6 > cap) {
      if (o > maxBytes) return null;
      cap = Math.min(cap * 2, n * 6 + 16);
      const grown = new Uint8Array(cap);
      grown.set(out.subarray(0, o));
      out = grown;
    }
    out[o++] = v;
    let len = j - i - 1;
    while (len >= 0x80) {
      out[o++] = (len & 0x7f) | 0x80;
      len >>>= 7;
    }
    out[o++] = len;
    i = j;
  }
  return o > maxBytes ? null : out.slice(0, o);
}

/**
 * Expands an rle1 stream into exactly `size` pixels, or throws. With `map`, each run's value v is
 * written as `map.lut[v]` and its length added to `map.counts[v]` (decode + value remap + histogram in
 * one pass over the runs).
 */
export function rleDecode(rle: Uint8Array, size: number, encoding = 'rle1', map?: { lut: Uint8Array; counts: Uint32Array }): Uint8Array {
  const out = new Uint8Array(size);
  const lut = map?.lut;
  const counts = map?.counts;
  const m = rle.length;
  let p = 0;
  let o = 0;
  while (p < m) {
    const v = rle[p++];
    let len = 0;
    let shift = 0;
    let b: number;
    do {
      if (p >= m) throw new MaskCodecError('corrupt', `${encoding}: run stream truncated at byte ${p}`);
      if (shift > 28) throw new MaskCodecError('corrupt', `${encoding}: run length too long at byte ${p}`);
      b = rle[p++];
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    const end = o + len + 1;
    if (end > size) {
      throw new MaskCodecError('size-mismatch', `${encoding}: runs cover more than ${size} pixels (at byte ${p})`);
    }
    if (counts) counts[v] += end - o;
    const w = lut ? lut[v] : v;
    if (w !== 0) {
      if (end - o < 16) for (let k = o; k < end; k++) out[k] = w;
      else out.fill(w, o, end);
    }
    o = end;
  }
  if (o !== size) throw new MaskCodecError('size-mismatch', `${encoding}: runs cover ${o} pixels, expected ${size}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// "Same as above" transform (XOR with the row above). Its own inverse when applied top-down.

function upForward(mask: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  out.set(mask.subarray(0, width));
  for (let i = width; i < mask.length; i++) out[i] = mask[i] ^ mask[i - width];
  return out;
}

function upInverseInPlace(t: Uint8Array, width: number): Uint8Array {
  for (let i = width; i < t.length; i++) t[i] ^= t[i - width];
  return t;
}

// ---------------------------------------------------------------------------------------------------
// Encodings.

function frameRle(width: number, height: number, rle: Uint8Array, level: Level): Uint8Array {
  const len = new Uint8Array(4);
  writeU32(len, 0, rle.length);
  return frame(width, height, len, deflateSync(rle, { level }));
}

/** The run stream of an rle1+deflate body. */
function rleStream(body: Uint8Array, w: number, h: number, enc: string): Uint8Array {
  if (body.length < 4) throw new MaskCodecError('corrupt', `${enc}: body truncated (${body.length} bytes)`);
  const rleLen = readU32(body, 0);
  // A run takes 2 bytes for 1 pixel, and at most 6 bytes for at least 128 pixels: the stream of
  // a valid mask is 2..2*w*h bytes long.
  if (rleLen < 2 || rleLen > 2 * w * h) {
    throw new MaskCodecError('corrupt', `${enc}: implausible run stream length ${rleLen} for ${w}x${h}`);
  }
  return inflateExact(body.subarray(4), rleLen, enc, 'run stream').subarray(0, rleLen);
}

interface Codec {
  defaultLevel: Level;
  encode(mask: Uint8Array, width: number, height: number, level: Level): Uint8Array;
  decode(body: Uint8Array, width: number, height: number, encoding: string): Uint8Array;
}

const CODECS: Record<MaskEncoding, Codec> = {
  'raw1+deflate': {
    defaultLevel: 1,
    encode: (mask, w, h, level) => frame(w, h, deflateSync(mask, { level })),
    decode(body, w, h, enc) {
      const got = inflateExact(body, w * h, enc, 'body');
      // inflateExact's buffer has a spare byte; hand back an exact-size buffer.
      return got.buffer.byteLength === got.length ? got : got.slice();
    },
  },
  'rle1+deflate': {
    defaultLevel: 6,
    encode: (mask, w, h, level) => frameRle(w, h, rleEncode(mask), level),
    decode: (body, w, h, enc) => rleDecode(rleStream(body, w, h, enc), w * h, enc),
  },
  'up1+deflate': {
    defaultLevel: 1,
    encode: (mask, w, h, level) => frame(w, h, deflateSync(upForward(mask, w), { level })),
    decode(body, w, h, enc) {
      const got = inflateExact(body, w * h, enc, 'body');
      const exact = got.buffer.byteLength === got.length ? got : got.slice();
      return upInverseInPlace(exact, w);
    },
  },
};

function checkSize(width: number, height: number, length: number | null, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new MaskCodecError('bad-size', `${what}: width and height must be positive integers, got ${width}x${height}`);
  }
  if (width * height > MAX_PIXELS) {
    throw new MaskCodecError('bad-size', `${what}: ${width}x${height} exceeds the maximum of ${MAX_PIXELS} pixels`);
  }
  if (length !== null && length !== width * height) {
    throw new MaskCodecError(
      'bad-size',
      `${what}: mask has ${length} bytes but ${width}x${height} needs ${width * height}`,
    );
  }
}

function codecOf(encoding: string): Codec {
  if (!Object.prototype.hasOwnProperty.call(CODECS, encoding)) {
    throw new MaskCodecError(
      'unknown-encoding',
      `unknown mask encoding "${encoding}"; this build decodes: ${MASK_ENCODINGS.join(', ')}`,
    );
  }
  return CODECS[encoding as MaskEncoding];
}

/**
 * Encodes with a given encoding (tests, benchmarks, migrations). Most callers want `encodeMask`.
 */
export function encodeMaskAs(
  mask: Uint8Array,
  width: number,
  height: number,
  encoding: string,
  options: EncodeOptions = {},
): EncodedMask {
  const codec = codecOf(encoding);
  if (!(mask instanceof Uint8Array)) throw new MaskCodecError('bad-size', 'encodeMask: mask must be a Uint8Array');
  checkSize(width, height, mask.length, 'encodeMask');
  const level = options.level ?? codec.defaultLevel;
  return { width, height, encoding, data: codec.encode(mask, width, height, level) };
}

/**
 * Size of the run stream, relative to the raw mask, above which `encodeMask` gives up on runs and uses
 * raw DEFLATE instead (noise-like masks, e.g. the argmax of a bad model). See docs/bench/codec.md.
 */
const RLE_MAX_STREAM_RATIO = 1 / 4;

/**
 * Encodes an index mask, choosing the encoding: `rle1+deflate` for masks made of runs (every real
 * face-parsing mask), `raw1+deflate` for noise-like masks whose run stream would exceed a quarter of
 * the raw size. One pass for run-like masks: the run encoder stops as soon as it passes that bound.
 */
export function encodeMask(mask: Uint8Array, width: number, height: number): EncodedMask {
  if (!(mask instanceof Uint8Array)) throw new MaskCodecError('bad-size', 'encodeMask: mask must be a Uint8Array');
  checkSize(width, height, mask.length, 'encodeMask');
  const rle = rleEncode(mask, Math.max(64, Math.floor(mask.length * RLE_MAX_STREAM_RATIO)));
  if (rle !== null) {
    const codec = CODECS['rle1+deflate'];
    return { width, height, encoding: 'rle1+deflate', data: frameRle(width, height, rle, codec.defaultLevel) };
  }
  return encodeMaskAs(mask, width, height, 'raw1+deflate');
}

/**
 * `decodeMask` with every value v written as `lut[v]` (256 entries) and its pixel count added to
 * `counts[v]` (source values): for run-length masks one step per run instead of per pixel.
 */
export function decodeMaskMapped(m: EncodedMask, lut: Uint8Array, counts: Uint32Array): Uint8Array {
  if (m.encoding !== 'rle1+deflate') {
    const out = decodeMask(m);
    for (let i = 0; i < out.length; i++) {
      const v = out[i];
      counts[v]++;
      out[i] = lut[v];
    }
    return out;
  }
  checkSize(m.width, m.height, null, `decodeMask(${m.encoding})`);
  if (!(m.data instanceof Uint8Array)) throw new MaskCodecError('corrupt', `${m.encoding}: data must be a Uint8Array`);
  const body = unframe(m.data, m.width, m.height, m.encoding);
  return rleDecode(rleStream(body, m.width, m.height, m.encoding), m.width * m.height, m.encoding, { lut, counts });
}

/** Decodes an encoded mask into a new Uint8Array of exactly width*height bytes, or throws MaskCodecError. */
export function decodeMask(m: EncodedMask): Uint8Array {
  const codec = codecOf(m.encoding);
  checkSize(m.width, m.height, null, `decodeMask(${m.encoding})`);
  if (!(m.data instanceof Uint8Array)) {
    throw new MaskCodecError('corrupt', `${m.encoding}: data must be a Uint8Array`);
  }
  const body = unframe(m.data, m.width, m.height, m.encoding);
  const out = codec.decode(body, m.width, m.height, m.encoding);
  if (out.length !== m.width * m.height) {
    // Defensive: every codec already checks; never hand back a wrong-size array.
    throw new MaskCodecError('size-mismatch', `${m.encoding}: decoded ${out.length} bytes, expected ${m.width * m.height}`);
  }
  return out;
}
