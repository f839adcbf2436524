import { describe, expect, it } from 'vitest';
import { LEAVE, labelsPresent, paintLabels } from './labels';
import { lockLut } from './paint';
import { applyPatch, beginPatch } from './patch';

const mask = (w: number, h: number, fill = 0) => ({ width: w, height: h, data: new Uint8Array(w * h).fill(fill) });

describe('paintLabels', () => {
  it('writes each pixel its own class, leaves LEAVE pixels, clips and reports the changed rect', () => {
    const m = mask(4, 3);
    // 3×2 map at (2, 1): its right column falls outside the mask
    const labels = new Uint8Array([1, LEAVE, 3, 2, 0, 4]);
    const r = paintLabels(m, labels, 2, 1, 3, 2);
    expect(Array.from(m.data)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0]);
    expect(r).toEqual({ x0: 2, y0: 1, x1: 3, y1: 3 });
    expect(paintLabels(m, labels, 2, 1, 3, 2)).toBeNull();
    expect(() => paintLabels(m, labels, 0, 0, 2, 2)).toThrow(/6 bytes for a 2×2/);
  });

  it('respects locks: protected classes and "paint only over"', () => {
    const m = mask(3, 1);
    m.data.set([0, 5, 0]);
    const protect = new Uint8Array(256);
    protect[5] = 1;
    paintLabels(m, new Uint8Array([2, 2, 2]), 0, 0, 3, 1, lockLut({ onlyOver: null, protect }));
    expect(Array.from(m.data)).toEqual([2, 5, 2]);
    paintLabels(m, new Uint8Array([7, 7, 7]), 0, 0, 3, 1, lockLut({ onlyOver: 5, protect: null }));
    expect(Array.from(m.data)).toEqual([2, 7, 2]);
  });

  it('records the before-pixels so the edit undoes exactly', () => {
    const m = mask(5, 2, 1);
    const before = m.data.slice();
    const rec = beginPatch(m);
    paintLabels(m, new Uint8Array([3, LEAVE, 3, 4, 4, 4]), 1, 0, 3, 2, undefined, rec);
    const patch = rec.end();
    expect(m.data).not.toEqual(before);
    expect(patch).not.toBeNull();
    applyPatch(m, patch!, 'undo');
    expect(m.data).toEqual(before);
  });

  it('lists the classes present', () => {
    expect(labelsPresent(new Uint8Array([3, LEAVE, 0, 3, 9]))).toEqual([0, 3, 9]);
  });
});
