/**
 * NumPy `.npy` format version 1.0 (numpy/lib/format.py): the header and the half-precision conversion
 * used by `noise:exportProbs`. Pure (no Node, no DOM).
 *
 * Layout: magic `\x93NUMPY`, major 1, minor 0, u16 little-endian header length, then the header: an
 * ASCII Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (N, K, H, W), }` padded
 * with spaces and ended by `\n` so that the data starts at a multiple of 64 bytes (what numpy writes;
 * the spec asks for 16), then the C-order array bytes.
 */

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const;

export type NpyDescr = '<f4' | '<f2' | '|u1';

/** The complete preamble (magic, version, length, padded header dict) for an array of `shape`. */
export function npyHeader(descr: NpyDescr, shape: readonly number[]): Uint8Array {
  for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new Error(`npy: bad dimension ${d} in shape [${shape.join(', ')}]`);
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  const unpadded = 10 + dict.length + 1; // preamble + dict + '\n'
  const total = Math.ceil(unpadded / 64) * 64;
  const headerLen = total - 10;
  if (headerLen > 0xffff) throw new Error(`npy: header of ${headerLen} bytes does not fit format 1.0`);
  const out = new Uint8Array(total);
  out.set(NPY_MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerLen & 0xff;
  out[9] = headerLen >> 8;
  let p = 10;
  for (let i = 0; i < dict.length; i++) out[p++] = dict.charCodeAt(i);
  while (p < total - 1) out[p++] = 0x20;
  out[total - 1] = 0x0a;
  return out;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * IEEE 754 binary16 bits of `x`, rounded to nearest with ties to even directly from the double (no
 * intermediate float32 rounding). Overflow gives ±Infinity, NaN gives the quiet NaN 0x7e00.
 */
export function float16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal: units of 2^-24 (a carry to 1024 is the smallest normal, 0x0400, as bits).
    return sign | roundHalfEven(a * 2 ** 24);
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e) * 1024 - 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e + 15 >= 31) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

/** The value of binary16 bits (for tests and readers). */
export function float16Value(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Little-endian bytes of q/255 for every quantised probability q = 0..255, in `dtype`: 256 × 4 bytes
 * (float32, via Math.fround) or 256 × 2 bytes (float16, float16Bits).
 */
export function probabilityLut(dtype: 'float32' | 'float16'): Uint8Array {
  const size = dtype === 'float32' ? 4 : 2;
  const out = new Uint8Array(256 * size);
  const dv = new DataView(out.buffer);
  for (let q = 0; q < 256; q++) {
    if (dtype === 'float32') dv.setFloat32(q * 4, q / 255, true);
    else dv.setUint16(q * 2, float16Bits(q / 255), true);
  }
  return out;
}

/** A parsed `.npy` preamble: the header dict and where the data starts. */
export interface NpyInfo {
  /** Format version, e.g. "1.0". */
  version: string;
  /** The dtype string of the header, e.g. '<f4'. */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first array byte (preamble + header). */
  dataOffset: number;
}

/**
 * Bytes of the preamble needed to parse the header of a file that starts with `head` (at least its
 * first 12 bytes): 10 + u16 length (version 1) or 12 + u32 length (versions 2 and 3).
 */
export function npyPreambleLength(head: Uint8Array): number {
  checkMagic(head);
  const major = head[6];
  if (major === 1) return 10 + (head[8] | (head[9] << 8));
  if (major === 2 || major === 3) {
    if (head.length < 12) throw new Error('npy: file ends inside the preamble');
    return 12 + (head[8] | (head[9] << 8) | (head[10] << 16)) + head[11] * 2 ** 24;
  }
  throw new Error(`npy: format version ${major}.${head[7]} is not known (1.0, 2.0 and 3.0 are read)`);
}

function checkMagic(head: Uint8Array): void {
  if (head.length < 10) throw new Error(`npy: the file has ${head.length} bytes, too short for a .npy preamble`);
  for (let i = 0; i < NPY_MAGIC.length; i++) {
    if (head[i] !== NPY_MAGIC[i]) throw new Error('npy: not a NumPy .npy file (the first bytes are not \\x93NUMPY)');
  }
}

/**
 * Parses the preamble of a `.npy` file (versions 1.0, 2.0 and 3.0; `bytes` must hold at least
 * `npyPreambleLength` bytes). The header is the Python dict literal numpy writes; keys may come in any
 * order, with either quote style. Throws an Error naming what is wrong.
 */
export function parseNpyHeader(bytes: Uint8Array): NpyInfo {
  const total = npyPreambleLength(bytes);
  if (bytes.length < total) throw new Error(`npy: the header is ${total} bytes long but the file has only ${bytes.length}`);
  const major = bytes[6];
  const start = major === 1 ? 10 : 12;
  let text = '';
  for (let i = start; i < total; i++) text += String.fromCharCode(bytes[i]);
  const dict = text.trim();
  if (!dict.startsWith('{') || !dict.endsWith('}')) throw new Error(`npy: the header is not a dict literal: ${JSON.stringify(dict.slice(0, 120))}`);
  const q = `['"]`;
  const descr = new RegExp(`${q}descr${q}\\s*:\\s*${q}([^'"]*)${q}`).exec(dict);
  if (!descr) {
    throw new Error(`npy: the header has no simple 'descr' (a structured or object dtype?): ${JSON.stringify(dict.slice(0, 120))}`);
  }
  const fortran = new RegExp(`${q}fortran_order${q}\\s*:\\s*(True|False)`).exec(dict);
  if (!fortran) throw new Error(`npy: the header has no 'fortran_order': ${JSON.stringify(dict.slice(0, 120))}`);
  const shape = new RegExp(`${q}shape${q}\\s*:\\s*\\(([^)]*)\\)`).exec(dict);
  if (!shape) throw new Error(`npy: the header has no 'shape' tuple: ${JSON.stringify(dict.slice(0, 120))}`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s.length > 0)
    .map((s) => {
      if (!/^\d+$/.test(s)) throw new Error(`npy: shape (${shape[1]}) has a dimension "${s}" that is not a whole number`);
      return Number(s);
    });
  return { version: `${major}.${bytes[7]}`, descr: descr[1], fortranOrder: fortran[1] === 'True', shape: dims, dataOffset: total };
}

/** Float values of all 65 536 binary16 bit patterns (the decoder of float16 `.npy` data). */
export function float16Table(): Float32Array {
  const t = new Float32Array(65536);
  for (let b = 0; b < 65536; b++) t[b] = float16Value(b);
  return t;
}
