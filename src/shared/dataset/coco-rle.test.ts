/**
 * COCO compressed RLE against strings produced by pycocotools 2.0.11 (`mask.encode` on the same
 * masks, Fortran order; generator script in the comment below) and against a brute-force reference.
 *
 *   m[y, x] = f(x, y); r = pycocotools.mask.encode(np.asfortranarray(m)); r['counts'], area, toBbox
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../random';
import { areaAndBbox, binaryRuns, countsToString, decodeBinary, encodeBinary, stringToCounts } from './coco-rle';

function make(h: number, w: number, f: (x: number, y: number) => number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m[y * w + x] = f(x, y);
  return m;
}

const GOLDEN: { name: string; h: number; w: number; f: (x: number, y: number) => number; counts: string; area: number; bbox: number[] }[] = [
  { name: 'ones2x2', h: 2, w: 2, f: () => 1, counts: '04', area: 4, bbox: [0, 0, 2, 2] },
  { name: 'zeros3x4', h: 3, w: 4, f: () => 0, counts: '<', area: 0, bbox: [0, 0, 0, 0] },
  { name: 'center3x3', h: 3, w: 3, f: (x, y) => (x === 1 && y === 1 ? 1 : 0), counts: '414', area: 1, bbox: [1, 1, 1, 1] },
  { name: 'rowTop4x5', h: 4, w: 5, f: (_x, y) => (y === 0 ? 1 : 0), counts: '01300000000', area: 5, bbox: [0, 0, 5, 1] },
  {
    name: 'pattern7x9',
    h: 7,
    w: 9,
    f: (x, y) => ((x * 7 + y * 13 + ((x * y) % 5)) % 3 === 0 ? 1 : 0),
    counts: '012000O01120NOO00000041L00000061IO002',
    area: 25,
    bbox: [0, 0, 9, 7],
  },
  {
    name: 'disc64x48',
    h: 64,
    w: 48,
    f: (x, y) => ((x - 20) ** 2 + (y - 30) ** 2 < 225 ? 1 : 0),
    counts: 'i<;c14M2M4M2O0O2N2O0O2O00000000000000000001N101N2N101N3L3N3LYi0',
    area: 697,
    bbox: [6, 16, 29, 29],
  },
  {
    name: 'bigRect600x500',
    h: 600,
    w: 500,
    f: (x, y) => (x >= 100 && x < 400 && y >= 50 && y < 550 ? 1 : 0),
    counts: `bdj1d?T3${'0'.repeat(597)}^aj1`,
    area: 150000,
    bbox: [100, 50, 300, 500],
  },
];

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Brute force: column-major scan into 0/1 runs, starting with 0s. */
function referenceRuns(m: Uint8Array, w: number, h: number, value: number): number[] {
  const flat: number[] = [];
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) flat.push(m[y * w + x] === value ? 1 : 0);
  const runs: number[] = [];
  let cur = 0;
  let n = 0;
  for (const b of flat) {
    if (b !== cur) {
      runs.push(n);
      n = 0;
      cur = b;
    }
    n++;
  }
  runs.push(n);
  return runs;
}

describe('COCO compressed RLE (pycocotools-compatible)', () => {
  for (const g of GOLDEN) {
    it(`matches pycocotools for ${g.name}`, () => {
      const m = make(g.h, g.w, g.f);
      const rle = encodeBinary(m, g.w, g.h, 1);
      expect(rle.size).toEqual([g.h, g.w]);
      expect(rle.counts).toBe(g.counts);
      expect(sameBytes(decodeBinary(rle), m)).toBe(true);
      const ab = areaAndBbox(m, g.w, g.h, 1);
      expect(ab.area).toBe(g.area);
      expect(ab.bbox).toEqual(g.bbox);
    });
  }

  it('round-trips random multi-class masks per class against the brute-force reference', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 40; t++) {
      const w = rng.int(1, 40);
      const h = rng.int(1, 40);
      const m = new Uint8Array(w * h);
      // Blocky content so runs get long, with some noise so they get short too.
      for (let i = 0; i < m.length; i++) m[i] = rng.chance(0.1) ? rng.int(0, 4) : (Math.floor(i / 7) % 5);
      for (let v = 0; v < 5; v++) {
        const runs = binaryRuns(m, w, h, v);
        expect(runs).toEqual(referenceRuns(m, w, h, v));
        expect(stringToCounts(countsToString(runs))).toEqual(runs);
        const bin = decodeBinary(encodeBinary(m, w, h, v));
        expect(sameBytes(bin, m.map((x) => (x === v ? 1 : 0)))).toBe(true);
      }
    }
  });

  it('encodes large and negative deltas (multi-group numbers, sign bit)', () => {
    const counts = [0, 5_000_000, 3, 17, 1, 4_999_999, 262_144, 1];
    expect(stringToCounts(countsToString(counts))).toEqual(counts);
  });

  it('refuses malformed strings and runs that do not cover the image', () => {
    expect(() => stringToCounts('0\u007f')).toThrow(/invalid character/);
    expect(() => stringToCounts('T')).toThrow(/ends inside a number/);
    expect(() => decodeBinary({ size: [2, 2], counts: '03' })).toThrow(/cover 3 pixels, expected 2×2/);
    expect(() => decodeBinary({ size: [2, 2], counts: '05' })).toThrow(/more than 2×2/);
  });
});
