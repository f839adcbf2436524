import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { History } from './history';
import {
  brushFootprint,
  fillPolygon,
  floodFill,
  lockLut,
  reassignInRect,
  stampLine,
  type BrushShape,
  type MaskTarget,
} from './paint';
import { applyPatch, beginPatch, endPatch, patchPixels, type Patch } from './patch';

// One edit = what the UI does between pointer-down and pointer-up (or one click).
type Op =
  | { kind: 'stroke'; size: number; shape: BrushShape; value: number; pts: [number, number][]; onlyOver: number | null }
  | { kind: 'polygon'; value: number; pts: [number, number][]; subtract: boolean }
  | { kind: 'flood'; x: number; y: number; value: number; conn: 4 | 8 }
  | { kind: 'rect'; x0: number; y0: number; x1: number; y1: number; value: number };

// Larger than one 64×64 recorder tile on both axes, so patches span several tiles.
const W = 150;
const H = 100;
const coord = fc.tuple(fc.integer({ min: -8, max: W + 8 }), fc.integer({ min: -8, max: H + 8 }));
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('stroke' as const),
    size: fc.integer({ min: 1, max: 40 }),
    shape: fc.constantFrom<BrushShape>('round', 'square'),
    value: fc.integer({ min: 0, max: 5 }),
    pts: fc.array(coord, { minLength: 1, maxLength: 8 }),
    onlyOver: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
  }),
  fc.record({
    kind: fc.constant('polygon' as const),
    value: fc.integer({ min: 0, max: 5 }),
    pts: fc.array(coord, { minLength: 3, maxLength: 9 }),
    subtract: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('flood' as const),
    x: fc.integer({ min: 0, max: W - 1 }),
    y: fc.integer({ min: 0, max: H - 1 }),
    value: fc.integer({ min: 0, max: 5 }),
    conn: fc.constantFrom<4 | 8>(4, 8),
  }),
  fc.record({
    kind: fc.constant('rect' as const),
    x0: fc.integer({ min: -4, max: W }),
    y0: fc.integer({ min: -4, max: H }),
    x1: fc.integer({ min: 0, max: W + 4 }),
    y1: fc.integer({ min: 0, max: H + 4 }),
    value: fc.integer({ min: 0, max: 5 }),
  }),
);

/** Runs one edit through a recorder, as the UI would; returns its patch (null if nothing changed). */
function run(m: MaskTarget, op: Op, compress: 'auto' | 'raw' = 'auto'): Patch | null {
  const rec = beginPatch(m);
  switch (op.kind) {
    case 'stroke': {
      const fp = brushFootprint(op.size, op.shape);
      const lut = lockLut({ onlyOver: op.onlyOver, protect: null });
      // pointer-down dab, then one segment per pointer move (overlapping, as real strokes do)
      stampLine(m, op.pts[0][0], op.pts[0][1], op.pts[0][0], op.pts[0][1], fp, op.value, lut, rec);
      for (let i = 1; i < op.pts.length; i++) {
        stampLine(m, op.pts[i - 1][0], op.pts[i - 1][1], op.pts[i][0], op.pts[i][1], fp, op.value, lut, rec);
      }
      break;
    }
    case 'polygon':
      fillPolygon(m, op.pts.flat(), op.value, undefined, op.subtract ? 'subtract' : 'add', 0, rec);
      break;
    case 'flood':
      floodFill(m, op.x, op.y, op.value, op.conn, undefined, rec);
      break;
    case 'rect':
      reassignInRect(m, op, op.value, null, undefined, rec);
      break;
  }
  return endPatch(rec, { compress });
}

/** Index of the first differing byte (-1 when equal): fast on megapixel masks, unlike toEqual. */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function startMask(seed: number): MaskTarget {
  const data = new Uint8Array(W * H);
  for (let i = 0; i < data.length; i++) data[i] = ((Math.floor((i % W) / 7) + Math.floor(i / W / 5) * 3 + seed) % 4) | 0;
  return { data, width: W, height: H };
}

describe('patches', () => {
  it('hold exactly the changed rect, before and after, raw or rle1', () => {
    fc.assert(
      fc.property(fc.nat(3), arbOp, fc.constantFrom<'auto' | 'raw'>('auto', 'raw'), (seed, op, compress) => {
        const m = startMask(seed);
        const before = m.data.slice();
        const p = run(m, op, compress);
        const after = m.data.slice();
        // Independent diff of the whole mask.
        let x0 = W, y0 = H, x1 = 0, y1 = 0;
        for (let i = 0; i < before.length; i++)
          if (before[i] !== after[i]) {
            x0 = Math.min(x0, i % W); x1 = Math.max(x1, (i % W) + 1);
            y0 = Math.min(y0, Math.floor(i / W)); y1 = Math.max(y1, Math.floor(i / W) + 1);
          }
        if (x1 === 0) {
          expect(p).toBeNull();
          return;
        }
        expect(p).not.toBeNull();
        expect(p!.rect).toEqual({ x0, y0, x1, y1 });
        if (compress === 'raw') expect(p!.encoding).toBe('raw');
        expect(p!.bytes).toBe(p!.before.length + p!.after.length);
        const pb = patchPixels(p!, 'before');
        const pa = patchPixels(p!, 'after');
        const wantB: number[] = [];
        const wantA: number[] = [];
        for (let y = y0; y < y1; y++)
          for (let x = x0; x < x1; x++) {
            wantB.push(before[y * W + x]);
            wantA.push(after[y * W + x]);
          }
        expect(firstDiff(pb, Uint8Array.from(wantB))).toBe(-1);
        expect(firstDiff(pa, Uint8Array.from(wantA))).toBe(-1);
        expect(applyPatch(m, p!, 'undo')).toEqual(p!.rect);
        expect(firstDiff(m.data, before)).toBe(-1);
        applyPatch(m, p!, 'redo');
        expect(firstDiff(m.data, after)).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it('cancel puts a half-drawn stroke back byte for byte', () => {
    const m = startMask(1);
    const orig = m.data.slice();
    const rec = beginPatch(m);
    const fp = brushFootprint(9, 'round');
    stampLine(m, 3, 3, 40, 30, fp, 5, undefined, rec);
    stampLine(m, 40, 30, 10, 33, fp, 5, undefined, rec);
    expect(firstDiff(m.data, orig)).not.toBe(-1);
    const r = rec.cancel();
    expect(r).not.toBeNull();
    expect(firstDiff(m.data, orig)).toBe(-1);
    expect(() => rec.end()).toThrow();
  });

  it('is refused on a mask of another size', () => {
    const m = startMask(0);
    const p = run(m, { kind: 'rect', x0: 0, y0: 0, x1: 5, y1: 5, value: 9 })!;
    expect(() => applyPatch({ data: new Uint8Array(W * (H + 1)), width: W, height: H + 1 }, p, 'undo')).toThrow(RangeError);
  });

  it('compresses a large brush stroke on 1024² with rle1 and stays exact', () => {
    const S = 1024;
    const m: MaskTarget = { data: new Uint8Array(S * S), width: S, height: S };
    m.data.fill(1, 0, (S * S) / 2);
    const orig = m.data.slice();
    const rec = beginPatch(m);
    const fp = brushFootprint(120, 'round');
    for (let i = 0; i < 60; i++) stampLine(m, 100 + i * 10, 300 + i * 5, 110 + i * 10, 305 + i * 5, fp, 3, undefined, rec);
    const p = endPatch(rec)!;
    expect(p.encoding).toBe('rle1');
    const raw = 2 * (p.rect.x1 - p.rect.x0) * (p.rect.y1 - p.rect.y0);
    expect(p.bytes).toBeLessThan(raw / 10);
    const painted = m.data.slice();
    expect(firstDiff(painted, orig)).not.toBe(-1);
    applyPatch(m, p, 'undo');
    expect(firstDiff(m.data, orig)).toBe(-1);
    applyPatch(m, p, 'redo');
    expect(firstDiff(m.data, painted)).toBe(-1);
  });
});

describe('History', () => {
  it('undo/redo over random edits and interleavings match a model of snapshots exactly', () => {
    fc.assert(
      fc.property(
        fc.nat(3),
        fc.array(fc.oneof({ arbitrary: arbOp, weight: 3 }, { arbitrary: fc.constantFrom('undo', 'redo', 'view'), weight: 2 }), {
          maxLength: 30,
        }),
        (seed, actions) => {
          const m = startMask(seed);
          const h = new History();
          // Model: the list of states, and the index of the current one.
          const states = [m.data.slice()];
          let cur = 0;
          for (const a of actions) {
            if (a === 'undo') {
              const r = h.undo(m);
              if (cur === 0) expect(r).toBeNull();
              else cur--;
            } else if (a === 'redo') {
              const r = h.redo(m);
              if (cur === states.length - 1) expect(r).toBeNull();
              else cur++;
            } else if (a === 'view') {
              // zoom/pan/select: nothing touches the mask or the history
            } else {
              const pushed = h.push(run(m, a));
              if (pushed) {
                states.length = cur + 1;
                states.push(m.data.slice());
                cur++;
              } else {
                expect(firstDiff(m.data, states[cur])).toBe(-1);
              }
            }
            expect(firstDiff(m.data, states[cur])).toBe(-1);
            expect(h.canUndo).toBe(cur > 0);
            expect(h.canRedo).toBe(cur < states.length - 1);
            expect(h.undoDepth).toBe(cur);
            expect(h.redoDepth).toBe(states.length - 1 - cur);
          }
          // Full rewind and replay.
          while (h.canUndo) h.undo(m);
          expect(firstDiff(m.data, states[0])).toBe(-1);
          for (let k = 1; k < states.length; k++) {
            h.redo(m);
            expect(firstDiff(m.data, states[k])).toBe(-1);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a new edit after undo clears redo; an edit that changes nothing keeps it', () => {
    const m = startMask(0);
    const h = new History();
    h.push(run(m, { kind: 'rect', x0: 0, y0: 0, x1: 10, y1: 10, value: 5 }));
    h.push(run(m, { kind: 'rect', x0: 10, y0: 10, x1: 20, y1: 20, value: 5 }));
    h.undo(m);
    expect(h.canRedo).toBe(true);
    const bytesWithRedo = h.bytes;
    expect(h.push(run(m, { kind: 'rect', x0: 0, y0: 0, x1: 10, y1: 10, value: 5 }))).toBe(false); // no-op
    expect(h.canRedo).toBe(true);
    expect(h.push(run(m, { kind: 'rect', x0: 30, y0: 0, x1: 40, y1: 10, value: 4 }))).toBe(true);
    expect(h.canRedo).toBe(false);
    expect(h.redo(m)).toBeNull();
    expect(h.bytes).toBeLessThan(bytesWithRedo + 500);
  });

  it('evicts the oldest entries over budget, reports bytes, and refuses undo past them', () => {
    const m = startMask(2);
    const h = new History({ budgetBytes: 1 << 30 });
    const states = [m.data.slice()];
    const sizes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const p = run(m, { kind: 'rect', x0: i * 3, y0: 0, x1: i * 3 + 3, y1: H, value: 6 + (i % 2) }, 'raw')!;
      sizes.push(p.bytes);
      h.push(p);
      states.push(m.data.slice());
    }
    const total = h.bytes;
    expect(total).toBeGreaterThanOrEqual(sizes.reduce((a, b) => a + b, 0));
    // Shrink the budget to about five entries.
    const per = total / 12;
    h.budgetBytes = Math.floor(per * 5.5);
    expect(h.undoDepth).toBe(5);
    expect(h.evicted).toBe(7);
    expect(h.bytes).toBeLessThanOrEqual(h.budgetBytes);
    for (let k = 11; k >= 7; k--) {
      expect(h.undo(m)).not.toBeNull();
      expect(firstDiff(m.data, states[k])).toBe(-1);
    }
    // The evicted history is gone: refused cleanly, mask untouched, redo still works.
    expect(h.canUndo).toBe(false);
    expect(h.undo(m)).toBeNull();
    expect(firstDiff(m.data, states[7])).toBe(-1);
    for (let k = 8; k <= 12; k++) {
      h.redo(m);
      expect(firstDiff(m.data, states[k])).toBe(-1);
    }
    // Pushing over budget drops the oldest again and keeps the newest.
    h.push(run(m, { kind: 'rect', x0: 0, y0: 0, x1: W, y1: 2, value: 9 }, 'raw'));
    expect(h.undoDepth).toBe(5);
    expect(h.undo(m)).not.toBeNull();
    expect(firstDiff(m.data, states[12])).toBe(-1);
  });

  it('keeps the newest entry even when it alone exceeds the budget', () => {
    const m = startMask(0);
    const h = new History({ budgetBytes: 10 });
    h.push(run(m, { kind: 'rect', x0: 0, y0: 0, x1: 5, y1: 5, value: 9 }));
    h.push(run(m, { kind: 'rect', x0: 0, y0: 0, x1: W, y1: H, value: 8 }, 'raw'));
    expect(h.undoDepth).toBe(1);
    expect(h.evicted).toBe(1);
    h.undo(m);
    expect(m.data.slice(0, 5)).toEqual(new Uint8Array(5).fill(9));
    expect(h.undo(m)).toBeNull();
    h.clear();
    expect(h.bytes).toBe(0);
  });
});
