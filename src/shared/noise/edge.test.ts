import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { edgeBand, inEdgeBand } from './edge';
import { connectedComponents, cropMask, maskArea, maskFromSelection, maskHas, maskIoU, paintMask } from './regions';

// Brute-force references written from the documented rules.

/** DML-CSR edge: some 4-neighbour inside the image has another label. */
function refEdge(label: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = label[y * w + x];
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < w && yy < h && label[yy * w + xx] !== v) out[y * w + x] = 1;
      }
    }
  }
  return out;
}

/** Band: an edge pixel within the (2r+1)² square. */
function refBand(label: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const e = refEdge(label, w, h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let hit = 0;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r) && !hit; yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) if (e[yy * w + xx]) hit = 1;
      }
      out[y * w + x] = hit;
    }
  }
  return out;
}

/** 8-connected components by breadth-first flood, ids in raster order of first pixel. */
function refComponents(sel: Uint8Array, w: number, h: number): Int32Array {
  const ids = new Int32Array(w * h).fill(-1);
  let n = 0;
  for (let s = 0; s < w * h; s++) {
    if (!sel[s] || ids[s] >= 0) continue;
    const q = [s];
    ids[s] = n;
    while (q.length) {
      const i = q.pop()!;
      const x = i % w;
      const y = (i - x) / w;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          const j = yy * w + xx;
          if (sel[j] && ids[j] < 0) {
            ids[j] = n;
            q.push(j);
          }
        }
      }
    }
    n++;
  }
  return ids;
}

/** Small maps with few labels so edges are frequent but not everywhere. */
const labelMap = fc
  .record({ w: fc.integer({ min: 1, max: 14 }), h: fc.integer({ min: 1, max: 14 }), seed: fc.integer(), k: fc.integer({ min: 2, max: 4 }) })
  .map(({ w, h, seed, k }) => {
    let s = seed | 0;
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 16) / 65536;
    const label = new Uint8Array(w * h);
    // Blocky maps: runs of a label along rows, sometimes copied from the row above.
    for (let i = 0; i < w * h; i++) label[i] = i >= w && next() < 0.5 ? label[i - w] : i % w > 0 && next() < 0.6 ? label[i - 1] : Math.floor(next() * k);
    return { w, h, label };
  });

describe('edgeBand', () => {
  it('radius 0 is exactly the DML-CSR 4-neighbour edge (image border is not an edge)', () => {
    // 4×3: a vertical split between columns 1 and 2, and one odd pixel.
    const label = Uint8Array.from([0, 0, 1, 1, 0, 0, 1, 1, 0, 2, 1, 1]);
    expect(Array.from(edgeBand(label, 4, 3, 0))).toEqual([0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0]);
    expect(Array.from(edgeBand(new Uint8Array(9), 3, 3, 2))).toEqual(new Array(9).fill(0));
  });

  it('a diagonal neighbour alone does not make an edge', () => {
    const label = Uint8Array.from([5, 5, 5, 5, 5, 5, 5, 5, 7]);
    const e = edgeBand(label, 3, 3, 0);
    expect(e[4]).toBe(0); // centre touches 7 only diagonally
    expect(e[5]).toBe(1);
    expect(e[7]).toBe(1);
    expect(e[8]).toBe(1);
  });

  it('matches the brute force for any radius, with and without an out buffer', () => {
    fc.assert(
      fc.property(labelMap, fc.integer({ min: 0, max: 5 }), fc.boolean(), ({ w, h, label }, r, useOut) => {
        const out = useOut ? new Uint8Array(w * h).fill(9) : undefined;
        const got = edgeBand(label, w, h, r, out);
        expect(Array.from(got)).toEqual(Array.from(refBand(label, w, h, r)));
        if (out) expect(got).toBe(out);
      }),
      { numRuns: 300 },
    );
  });

  it('inEdgeBand answers the band for one pixel exactly like the whole-image band', () => {
    fc.assert(
      fc.property(labelMap, fc.integer({ min: 0, max: 4 }), ({ w, h, label }, r) => {
        const ref = refBand(label, w, h, r);
        for (let i = 0; i < w * h; i++) expect(inEdgeBand(label, w, h, i, r)).toBe(ref[i] === 1);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a label of the wrong size', () => {
    expect(() => edgeBand(new Uint8Array(5), 2, 3, 1)).toThrow(/5 pixels, expected 2x3/);
  });
});

describe('connectedComponents', () => {
  it('joins diagonal neighbours (8-connectivity) and numbers components in raster order', () => {
    const sel = Uint8Array.from([1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1]);
    const { ids, count } = connectedComponents(sel, 4, 4);
    // 1 . . 1
    // . 1 . .
    // . . . 1
    // 1 . . 1
    expect(count).toBe(4);
    expect(Array.from(ids)).toEqual([0, -1, -1, 1, -1, 0, -1, -1, -1, -1, -1, 2, 3, -1, -1, 2]);
  });

  it('matches a breadth-first flood on random selections', () => {
    fc.assert(
      fc.property(labelMap, ({ w, h, label }) => {
        const sel = label.map((v) => (v === 1 ? 1 : 0));
        const { ids, count } = connectedComponents(sel, w, h);
        const ref = refComponents(sel, w, h);
        expect(Array.from(ids)).toEqual(Array.from(ref));
        expect(count).toBe(Math.max(-1, ...ref) + 1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('region masks', () => {
  it('crop, selection, area, IoU and paint agree with the pixels', () => {
    fc.assert(
      fc.property(labelMap, ({ w, h, label }) => {
        const a = label.map((v) => (v === 0 ? 1 : 0));
        const b = label.map((v) => (v <= 1 ? 1 : 0));
        const ma = maskFromSelection(a, w, h);
        const mb = maskFromSelection(b, w, h);
        const na = a.reduce((s, v) => s + v, 0);
        const nb = b.reduce((s, v) => s + v, 0);
        if (na === 0) expect(ma).toBeNull();
        if (!ma || !mb) return;
        expect(maskArea(ma)).toBe(na);
        for (let i = 0; i < w * h; i++) expect(maskHas(ma, i % w, Math.floor(i / w))).toBe(a[i] === 1);
        // a ⊆ b, so IoU = |a| / |b|.
        expect(maskIoU(ma, mb)).toBeCloseTo(na / nb, 12);
        expect(Array.from(paintMask(ma, w, new Uint8Array(w * h)))).toEqual(Array.from(a));
        const { ids } = connectedComponents(a, w, h);
        const c0 = cropMask(ids, w, 0, ma.bbox);
        for (let i = 0; i < w * h; i++) if (ids[i] === 0) expect(maskHas(c0, i % w, Math.floor(i / w))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
