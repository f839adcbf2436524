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
