import { describe, expect, it } from 'vitest';
import { faceBoxFromDrag, LassoTool, maskDiff, PolygonTool, RectTool, serialSaves, stepBrushSize } from './tools';

describe('PolygonTool', () => {
  it('adds snapped vertices, ignores repeats, closes on the first vertex or on close()', () => {
    const t = new PolygonTool();
    expect(t.active).toBe(false);
    t.click(10.2, 10.4, 2);
    t.click(10.4, 9.8, 2); // same corner
    t.click(30.6, 10, 2);
    expect(t.vertexCount).toBe(2);
    // Fewer than 3 vertices: a click near the first one is just another vertex attempt (a repeat here).
    expect(t.click(10, 10, 2)).toBeNull();
    t.click(20, 30, 2);
    expect(t.click(11, 11, 2)).toEqual([10, 10, 31, 10, 20, 30]);
    expect(t.active).toBe(false);
    t.click(0, 0, 1);
    t.click(5, 0, 1);
    expect(t.close()).toBeNull();
    t.click(5, 5, 1);
    t.removeLast();
    expect(t.vertexCount).toBe(2);
    t.cancel();
    expect(t.active).toBe(false);
  });
});

describe('LassoTool', () => {
  it('collects distinct snapped points; degenerate outlines select nothing', () => {
    const t = new LassoTool();
    t.begin(0, 0);
    t.move(0.2, 0.1);
    t.move(10, 0);
    t.move(10, 10);
    expect(t.end()).toEqual([0, 0, 10, 0, 10, 10]);
    t.begin(0, 0);
    t.move(5, 5);
    t.move(10, 10);
    expect(t.end()).toBeNull(); // zero area
    expect(t.end()).toBeNull(); // not active
  });
});

describe('RectTool', () => {
  it('normalises the drag into a half-open rect on pixel corners', () => {
    const t = new RectTool();
    t.begin(20.4, 5.6);
    t.move(3.2, 30.7);
    expect(t.end()).toEqual({ x0: 3, y0: 6, x1: 20, y1: 31 });
    t.begin(4, 4);
    t.move(4.3, 9);
    expect(t.end()).toBeNull();
  });
});

describe('helpers', () => {
  it('steps brush sizes within 1..500', () => {
    expect(stepBrushSize(1, -1)).toBe(1);
    expect(stepBrushSize(5, 1)).toBe(6);
    expect(stepBrushSize(10, -1)).toBe(9);
    expect(stepBrushSize(100, 1)).toBe(110);
    expect(stepBrushSize(498, 1)).toBe(500);
  });
  it('diffs two masks', () => {
    const a = new Uint8Array(12);
    const b = a.slice();
    b[5] = 2;
    b[10] = 1;
    const d = maskDiff(a, b, 4);
    expect(d.count).toBe(2);
    expect(d.rect).toEqual({ x0: 1, y0: 1, x1: 3, y1: 3 });
    expect(maskDiff(a, a, 4).rect).toBeNull();
  });
});

describe('faceBoxFromDrag', () => {
  it('orders the corners, snaps to pixel corners, clips to the image, drops a click', () => {
    expect(faceBoxFromDrag({ x: 30.4, y: 40.6 }, { x: 10.6, y: 12.2 }, 64, 48)).toEqual({ x0: 11, y0: 12, x1: 30, y1: 41 });
    expect(faceBoxFromDrag({ x: -5, y: 40 }, { x: 70, y: 60 }, 64, 48)).toEqual({ x0: 0, y0: 40, x1: 64, y1: 48 });
    expect(faceBoxFromDrag({ x: 10, y: 10 }, { x: 11.2, y: 30 }, 64, 48)).toBeNull();
    expect(faceBoxFromDrag({ x: 70, y: 10 }, { x: 90, y: 30 }, 64, 48)).toBeNull();
    expect(faceBoxFromDrag({ x: 10, y: 10 }, { x: 12, y: 12 }, 64, 48)).toEqual({ x0: 10, y0: 10, x1: 12, y1: 12 });
  });
});

describe('serialSaves (face boxes)', () => {
  it('sends one at a time in order; only the reply to the newest save is applied', async () => {
    const sent: string[][] = [];
    const replies: ((r: string[]) => void)[] = [];
    const shown: string[][] = [];
    const failed: boolean[] = [];
    const save = serialSaves(
      (list: string[]) => {
        sent.push(list);
        return new Promise<string[]>((r) => replies.push(r));
      },
      { stored: (r) => shown.push(r), failed: (_e, _l, latest) => void failed.push(latest) },
    );
    const flush = () => new Promise((r) => setTimeout(r, 0));
    const a = save(['a']);
    const b = save(['a', 'b']); // made while the first is in flight
    await flush();
    expect(sent).toEqual([['a']]); // the second waits for the first
    replies[0](['a']);
    await a;
    // The reply to the first save must not replace the newer list on screen.
    expect(shown).toEqual([]);
    await flush();
    expect(sent).toEqual([['a'], ['a', 'b']]);
    replies[1](['a', 'b']);
    await b;
    expect(shown).toEqual([['a', 'b']]);
    // A failure of an older save is reported as not the latest.
    const fails = serialSaves(() => Promise.reject(new Error('x')), { stored: () => undefined, failed: (_e, _l, latest) => void failed.push(latest) });
    await Promise.all([fails(['1']), fails(['2'])]);
    expect(failed).toEqual([false, true]);
  });
});
