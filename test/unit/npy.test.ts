/** .npy 1.0 header and the binary16 conversion of noise:exportProbs (round to nearest, ties to even). */
import { describe, expect, it } from 'vitest';
import { float16Bits, float16Value, npyHeader, probabilityLut } from '../../src/shared/dataset/npy';

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
