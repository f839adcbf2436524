/**
 * .npy 1.0 header and the binary16 conversion of noise:exportProbs (round to nearest, ties to even); the
 * header reader of noise:importProbs (versions 1–3, any key order) and the float probability checks.
 */
import { describe, expect, it } from 'vitest';
import { float16Bits, float16Table, float16Value, npyHeader, npyPreambleLength, parseNpyHeader, probabilityLut } from '../../src/shared/dataset/npy';
import { firstProbProblem } from '../../src/shared/noise/float-probs';

describe('float16Bits', () => {
  it('matches hand-worked binary16 values', () => {
    expect(float16Bits(0)).toBe(0x0000);
    expect(float16Bits(-0)).toBe(0x8000);
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(0.5)).toBe(0x3800);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff); // largest finite
    expect(float16Bits(65519.99)).toBe(0x7bff);
    expect(float16Bits(65520)).toBe(0x7c00); // the tie rounds to even: infinity
    expect(float16Bits(Infinity)).toBe(0x7c00);
    expect(float16Bits(NaN)).toBe(0x7e00);
    expect(float16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(float16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float16Bits(2 ** -25)).toBe(0x0000); // tie to even (0)
    expect(float16Bits(3 * 2 ** -25)).toBe(0x0002); // tie to even (2)
    expect(float16Bits(1 / 3)).toBe(0x3555);
    expect(float16Bits(0.1)).toBe(0x2e66);
    // 1 + 1/2048 is halfway between 1 and 1 + 1/1024: ties to even (1).
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('is the nearest binary16 for every q/255 (the values exportProbs writes)', () => {
    const lut = probabilityLut('float16');
    for (let q = 0; q < 256; q++) {
      const x = q / 255;
      const bits = lut[2 * q] | (lut[2 * q + 1] << 8);
      expect(bits).toBe(float16Bits(x));
      const v = float16Value(bits);
      // No other binary16 is closer: the neighbours are at least as far.
      expect(Math.abs(v - x)).toBeLessThanOrEqual(Math.abs(float16Value(bits + 1) - x));
      if (bits > 0) expect(Math.abs(v - x)).toBeLessThanOrEqual(Math.abs(float16Value(bits - 1) - x));
    }
    const f32 = new DataView(probabilityLut('float32').buffer);
    for (let q = 0; q < 256; q++) expect(f32.getFloat32(4 * q, true)).toBe(Math.fround(q / 255));
  });
});

describe('npyHeader', () => {
  it('writes the 1.0 preamble, a Python dict, and pads to 64 bytes with a final newline', () => {
    const h = npyHeader('<f4', [2, 19, 512, 512]);
    expect(h.length % 64).toBe(0);
    expect(Array.from(h.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(h[8] | (h[9] << 8)).toBe(h.length - 10);
    const text = new TextDecoder().decode(h.subarray(10));
    expect(text).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 19, 512, 512\), \} +\n$/);
    expect(new TextDecoder().decode(npyHeader('|u1', [7]).subarray(10))).toMatch(/'shape': \(7,\), \}/);
    expect(() => npyHeader('<f2', [1.5])).toThrow(/bad dimension 1.5/);
  });
});

/** A preamble of `version` (1, 2 or 3) around `dict`, padded to 64 bytes like numpy. */
function preamble(dict: string, version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const out = new Uint8Array(total).fill(0x20);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const len = total - pre;
  out[8] = len & 0xff;
  out[9] = (len >> 8) & 0xff;
  if (version > 1) out[10] = out[11] = 0;
  for (let i = 0; i < dict.length; i++) out[pre + i] = dict.charCodeAt(i);
  out[total - 1] = 0x0a;
  return out;
}

describe('parseNpyHeader', () => {
  it('reads back what npyHeader writes', () => {
    const h = npyHeader('<f2', [3, 11, 128, 96]);
    expect(npyPreambleLength(h.subarray(0, 12))).toBe(h.length);
    expect(parseNpyHeader(h)).toEqual({ version: '1.0', descr: '<f2', fortranOrder: false, shape: [3, 11, 128, 96], dataOffset: h.length });
  });

  it('reads versions 2.0 and 3.0 (u32 length), keys in any order, double quotes, a 1-tuple', () => {
    const v2 = preamble(`{"shape": (5,), "fortran_order": True, "descr": "<f4"}`, 2);
    expect(parseNpyHeader(v2)).toMatchObject({ version: '2.0', descr: '<f4', fortranOrder: true, shape: [5], dataOffset: v2.length });
    const v3 = preamble(`{'fortran_order': False, 'descr': '|u1', 'shape': (2, 3), }`, 3);
    expect(parseNpyHeader(v3)).toMatchObject({ version: '3.0', shape: [2, 3] });
    expect(parseNpyHeader(preamble(`{'descr': '<f4', 'fortran_order': False, 'shape': (), }`)).shape).toEqual([]);
  });

  it('refuses what it cannot read, saying what', () => {
    expect(() => npyPreambleLength(new Uint8Array([1, 2, 3]))).toThrow(/3 bytes, too short/);
    expect(() => npyPreambleLength(new Uint8Array(16))).toThrow(/not a NumPy \.npy file/);
    const v9 = preamble(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }`);
    v9[6] = 9;
    expect(() => npyPreambleLength(v9)).toThrow(/format version 9\.0 is not known/);
    expect(() => parseNpyHeader(preamble(`{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }`))).toThrow(/no simple 'descr'/);
    expect(() => parseNpyHeader(preamble(`{'descr': '<f4', 'shape': (1,), }`))).toThrow(/no 'fortran_order'/);
    expect(() => parseNpyHeader(preamble(`{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }`))).toThrow(/dimension "x" that is not a whole number/);
    const h = npyHeader('<f4', [1]);
    expect(() => parseNpyHeader(h.subarray(0, 40))).toThrow(/header is 128 bytes long but the file has only 40/);
  });

  it('float16Table decodes every bit pattern like float16Value', () => {
    const t = float16Table();
    for (let b = 0; b < 65536; b += 7) expect(Object.is(t[b], Math.fround(float16Value(b))) || (Number.isNaN(t[b]) && Number.isNaN(float16Value(b)))).toBe(true);
  });
});

describe('firstProbProblem', () => {
  const ok = (n: number) => {
    const p = new Float32Array(3 * n);
    for (let q = 0; q < n; q++) [p[q], p[n + q], p[2 * n + q]] = [0.5, 0.25, 0.25];
    return p;
  };

  it('accepts probabilities (−0 too) and sums within the tolerance', () => {
    expect(firstProbProblem(ok(6), 3, 6, 0.01)).toBeNull();
    const p = ok(6);
    p[7] = -0;
    p[1] = 0.75; // pixel 1: −0 + 0.75 + 0.25 = 1
    expect(firstProbProblem(p, 3, 6, 0.01)).toBeNull();
    p[0] = 0.505; // 1.005
    expect(firstProbProblem(p, 3, 6, 0.01)).toBeNull();
    expect(firstProbProblem(p, 3, 6, 0.001)).toMatchObject({ kind: 'sum', pixel: 0, count: 1 });
  });

  it('reports non-finite before negative before sums, each at its first pixel in pixel order', () => {
    const p = ok(6);
    p[2 * 6 + 4] = -0.1; // class 2, pixel 4
    p[5] = 3; // pixel 5 sums to 3.5
    p[2 * 6 + 3] = NaN; // class 2, pixel 3
    p[1 * 6 + 4] = Infinity; // class 1, pixel 4
    expect(firstProbProblem(p, 3, 6, 0.01)).toEqual({ kind: 'nonfinite', pixel: 3, cls: 2, value: NaN, count: 2 });
    p[2 * 6 + 3] = 0.25;
    p[1 * 6 + 4] = 0.25;
    expect(firstProbProblem(p, 3, 6, 0.01)).toEqual({ kind: 'negative', pixel: 4, cls: 2, value: Math.fround(-0.1), count: 1 });
    p[2 * 6 + 4] = 0.25;
    expect(firstProbProblem(p, 3, 6, 0.01)).toEqual({ kind: 'sum', pixel: 5, sum: 3.5, count: 1 });
    expect(() => firstProbProblem(p, 4, 6, 0.01)).toThrow(/expected K\*n = 4\*6/);
  });
});
