/**
 * The two PNG reading rules (FORMATS.md "Encodings and round trips") on every encoding the PNG
 * standard allows — every colour type × every legal bit depth × interlaced or not × filtered or not —
 * with files built byte by byte (test/tooling/png-forge.ts):
 *   - intensity maps (Helen): the standard's grey level (1/2/4-bit scaled, 16-bit high byte, palette →
 *     the entry's grey); RGB / alpha maps whose channels disagree are refused naming the file;
 *   - index masks: palette index = class (Pascal VOC), grey samples as the standard defines them.
 * What PIL 13.0.0 writes was checked once with /work/.venv-torch (docs/formats.md): a boolean array →
 * 1-bit grey, uint8 → 8-bit grey, uint16 → 16-bit grey, mode P with ≤ 4 / ≤ 16 colours → 2- / 4-bit
 * palette, LA / RGB / RGBA → colour types 4 / 2 / 6 at 8 bits. OpenCV writes 8/16-bit grey, RGB, RGBA
 * and (PNG_BILEVEL) 1-bit grey; libpng any of them, interlaced too. All are in the matrix below.
 */
import { describe, expect, it } from 'vitest';
import { decodePngSync, inflatePngSync, paintNonZero, samplesToIndex, samplesToIntensity, samplesToRgb } from '../../src/main/formats/png';
import { CHANNELS, forgePng, LEGAL_ENCODINGS } from '../tooling/png-forge';

const W = 13;
const H = 9;

function scale(v: number, depth: number): number {
  if (depth === 16) return v >> 8;
  if (depth === 8) return v;
  return Math.round((v * 255) / ((1 << depth) - 1));
}

/** A sample per pixel covering every level of the depth (16-bit: every high byte, noisy low byte). */
function levels(depth: number): number[] {
  const n = W * H;
  const max = depth === 16 ? 65535 : (1 << depth) - 1;
  return Array.from({ length: n }, (_, i) => (depth === 16 ? (((i * 37) % 256) << 8) | ((i * 101) % 256) : (i * 7) % (max + 1)));
}

function samplesFor(colorType: number, depth: number, grey: number[], alpha: 'opaque' | 'grey' = 'opaque'): number[] {
  const max = depth === 16 ? 65535 : (1 << depth) - 1;
  return grey.flatMap((g) => {
    const a = alpha === 'opaque' ? max : g;
    switch (colorType) {
      case 2:
        return [g, g, g];
      case 4:
        return [g, a];
      case 6:
        return [g, g, g, a];
      default:
        return [g];
    }
  });
}

const variants = LEGAL_ENCODINGS.flatMap((e) => [false, true].flatMap((interlace) => ([0, 1] as const).map((filter) => ({ ...e, interlace, filter }))));

describe('PNG reading rules on every legal encoding', () => {
  it.each(variants)('intensity and index: colour type $colorType, $bitDepth-bit, interlaced $interlace, filter $filter', ({ colorType, bitDepth, interlace, filter }) => {
    const file = `ct${colorType}-${bitDepth}${interlace ? 'i' : ''}.png`;
    if (colorType === 3) {
      // Palette: entries are grey levels in a shuffled order, so index ≠ grey.
      const entries = Math.min(1 << bitDepth, 256);
      const palette = Array.from({ length: entries }, (_, k) => {
        const g = (k * 97 + 31) % 256;
        return [g, g, g] as const;
      });
      const idx = Array.from({ length: W * H }, (_, i) => (i * 5) % entries);
      const png = forgePng({ width: W, height: H, colorType, bitDepth, samples: idx, palette, interlace, filter, idatChunks: 3 });
      const d = decodePngSync(png, file);
      expect(Array.from(samplesToIntensity(d, file).data)).toEqual(idx.map((k) => palette[k][0]));
      expect(Array.from(samplesToIndex(d, file).data)).toEqual(idx);
      return;
    }
    const grey = levels(bitDepth);
    for (const alpha of colorType === 4 || colorType === 6 ? (['opaque', 'grey'] as const) : (['opaque'] as const)) {
      const png = forgePng({ width: W, height: H, colorType, bitDepth, samples: samplesFor(colorType, bitDepth, grey, alpha), interlace, filter });
      const d = decodePngSync(png, file);
      expect(d.channels).toBe(CHANNELS[colorType]);
      const want = grey.map((v) => scale(v, bitDepth));
      expect(Array.from(samplesToIntensity(d, file).data), `alpha ${alpha}`).toEqual(want);
      expect(Array.from(samplesToRgb(d, file).data.filter((_, i) => i % 3 === 0))).toEqual(want);
      if (bitDepth === 16) {
        // An index mask stores the number itself: values up to 255 are classes, larger ones are refused.
        expect(() => samplesToIndex(d, file)).toThrow(new RegExp(`^${file}: 16-bit index mask: pixel \\(\\d+, \\d+\\) has value \\d+; class indices are 0-255`));
        const small = grey.map((v) => v & 255);
        const png2 = forgePng({ width: W, height: H, colorType, bitDepth, samples: samplesFor(colorType, bitDepth, small, alpha), interlace, filter });
        expect(Array.from(samplesToIndex(decodePngSync(png2, file), file).data)).toEqual(small);
      } else {
        expect(Array.from(samplesToIndex(d, file).data)).toEqual(want);
      }
    }
  });

  it('a 1-bit sample of 1 is 255 (PIL writes a boolean array this way), in both rules', () => {
    const bits = Array.from({ length: W * H }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const d = decodePngSync(forgePng({ width: W, height: H, colorType: 0, bitDepth: 1, samples: bits }), 'bool.png');
    expect(new Set(samplesToIntensity(d, 'bool.png').data)).toEqual(new Set([0, 255]));
    expect(samplesToIntensity(d, 'bool.png').data[0]).toBe(255);
    expect(samplesToIndex(d, 'bool.png').data[0]).toBe(255);
  });

  it('a palette pixel is its entry grey for maps and its index for masks (not its colour)', () => {
    // Entry 0 is white: a map reads 255 where a mask reads class 0.
    const palette = [
      [255, 255, 255],
      [0, 0, 0],
      [7, 7, 7],
    ] as const;
    const d = decodePngSync(forgePng({ width: 3, height: 1, colorType: 3, bitDepth: 2, samples: [0, 1, 2], palette }), 'p.png');
    expect(Array.from(samplesToIntensity(d, 'p.png').data)).toEqual([255, 0, 7]);
    expect(Array.from(samplesToIndex(d, 'p.png').data)).toEqual([0, 1, 2]);
  });

  it('refuses maps whose channels disagree, naming the file and the pixel', () => {
    const rgb = decodePngSync(forgePng({ width: 2, height: 2, colorType: 2, bitDepth: 8, samples: [9, 9, 9, 9, 9, 9, 9, 9, 9, 10, 9, 9] }), 'rgb.png');
    expect(() => samplesToIntensity(rgb, 'labels/a/a_lbl04.png')).toThrow(/^labels\/a\/a_lbl04\.png: colour map: pixel \(1, 1\) is rgb\(10,9,9\); an intensity map needs R = G = B/);
    const pal = decodePngSync(forgePng({ width: 2, height: 1, colorType: 3, bitDepth: 8, samples: [0, 1], palette: [[0, 0, 0], [255, 0, 0]] }), 'pal.png');
    expect(() => samplesToIntensity(pal, 'pal.png')).toThrow(/^pal\.png: palette map is not grey: pixel \(1, 0\) uses palette entry 1 = rgb\(255,0,0\)/);
    // Alpha neither opaque everywhere nor equal to the grey (white paint with the map in alpha).
    const ga = decodePngSync(forgePng({ width: 2, height: 1, colorType: 4, bitDepth: 8, samples: [255, 255, 255, 30] }), 'ga.png');
    expect(() => samplesToIntensity(ga, 'ga.png')).toThrow(/^ga\.png: map with alpha: pixel \(1, 0\) has grey 255 and alpha 30/);
    const rgba = decodePngSync(forgePng({ width: 1, height: 1, colorType: 6, bitDepth: 16, samples: [0x1200, 0x1200, 0x1300, 65535] }), 'rgba16.png');
    expect(() => samplesToIntensity(rgba, 'rgba16.png')).toThrow(/^rgba16\.png: colour map: pixel \(0, 0\) is rgb\(18,18,19\)/);
    // An index mask in colour is refused too (the colour-PNG import reads those).
    expect(() => samplesToIndex(rgb, 'm.png')).toThrow(/^m\.png: colour PNG is not an index mask: pixel \(1, 1\) is rgb\(10,9,9\)/);
  });

  it.each(LEGAL_ENCODINGS.flatMap((e) => [false, true].map((interlace) => ({ ...e, interlace }))))(
    'CelebAMask-HQ part mask (any colour channel > 0): colour type $colorType, $bitDepth-bit, interlaced $interlace',
    ({ colorType, bitDepth, interlace }) => {
      // Foreground is the smallest non-zero sample (a 16-bit 1 has high byte 0: still foreground);
      // alpha is opaque everywhere, background pixels included (alpha is not a colour channel).
      const fg = Array.from({ length: W * H }, (_, i) => ((i * 11) % 7 < 3 ? 1 : 0));
      const samples = colorType === 3 ? fg : samplesFor(colorType, bitDepth, fg);
      const png = forgePng({ width: W, height: H, colorType, bitDepth, samples, palette: colorType === 3 ? [[0, 0, 0], [9, 0, 0]] : undefined, interlace });
      const out = new Uint8Array(W * H).fill(2);
      paintNonZero(inflatePngSync(png, 'part.png'), out, 7, 'part.png');
      expect(Array.from(out)).toEqual(fg.map((v) => (v ? 7 : 2)));
    },
  );

  it('a tRNS chunk does not change what a mask or a map reads', () => {
    const png = forgePng({ width: 3, height: 1, colorType: 3, bitDepth: 8, samples: [0, 1, 2], palette: [[0, 0, 0], [128, 128, 128], [255, 255, 255]], trns: Uint8Array.from([0, 255, 255]) });
    const d = decodePngSync(png, 't.png');
    expect(Array.from(samplesToIndex(d, 't.png').data)).toEqual([0, 1, 2]);
    expect(Array.from(samplesToIntensity(d, 't.png').data)).toEqual([0, 128, 255]);
  });
});
