/**
 * The model brush and the re-parse tool's proposal driven over a real EditorCore (as toolbox.test.ts
 * drives the other tools): pixels written, locks, one undo step per commit.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LEAVE } from '../../../../shared/mask/labels';
import { EditorCore } from '../core';
import { DEFAULT_PREFS, PrefsStore } from '../prefs';
import { assistSession, classInPolygon } from './assist';
import { getTool, type ToolContext } from './index';

beforeAll(() => {
  vi.stubGlobal('requestAnimationFrame', () => 1);
  vi.stubGlobal('cancelAnimationFrame', () => undefined);
});
afterAll(() => vi.unstubAllGlobals());

const W = 8;
const H = 8;
/** The model's labels: column x has class x (0..7). */
const pred = new Uint8Array(W * H).map((_, i) => i % W);

function setup() {
  const core = new EditorCore(W, H, new Uint8Array(W * H));
  const prefs = new PrefsStore({ ...DEFAULT_PREFS, brushSize: 3, brushShape: 'square' });
  const ctx: ToolContext = {
    core,
    prefs,
    brush: () => ({ size: prefs.get().brushSize ?? 1, shape: prefs.get().brushShape ?? 'square' }),
    view: () => ({ scale: 1, x: 0, y: 0 }),
    toImage: (e) => ({ x: e.clientX, y: e.clientY }),
    capture: () => undefined,
    redraw: () => undefined,
    selection: () => null,
    setSelection: () => undefined,
    pick: () => undefined,
    imageId: 1,
    client: null as never, // these tools get their model data through their props, not the context
    notify: () => undefined,
  };
  return { core, prefs, ctx };
}
const ptr = (x: number, y: number, extra: Partial<PointerEvent> = {}) => ({ clientX: x, clientY: y, pointerId: 1, button: 0, altKey: false, shiftKey: false, type: 'pointerup', ...extra }) as PointerEvent;
const row = (core: EditorCore, y: number) => Array.from(core.mask.data.subarray(y * W, y * W + W));

describe('model brush', () => {
  it('paints the model’s class under the square footprint, not over a protected class; one undo step', () => {
    const { core, ctx } = setup();
    core.mask.data[3 * W + 4] = 9;
    const protect = new Uint8Array(256);
    protect[9] = 1;
    core.setLock({ onlyOver: null, protect });
    assistSession.prediction = { key: 'k', labels: pred, width: W, height: H, source: 'cached' };
    const tool = getTool('model-brush')!.create();
    tool.onPointerDown!(ptr(1.5, 3.5), ctx);
    tool.onPointerMove!(ptr(5.5, 3.5), ctx);
    tool.onPointerUp!(ptr(5.5, 3.5), ctx);
    // size 3 square around rows 2..4, columns 0..6
    expect(row(core, 1)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(row(core, 2)).toEqual([0, 1, 2, 3, 4, 5, 6, 0]);
    expect(row(core, 3)).toEqual([0, 1, 2, 3, 9, 5, 6, 0]);
    expect(row(core, 4)).toEqual([0, 1, 2, 3, 4, 5, 6, 0]);
    expect(core.history.undoDepth).toBe(1);
    core.undo();
    expect(row(core, 2)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('does nothing without a prediction', () => {
    const { core, ctx } = setup();
    assistSession.prediction = null;
    const tool = getTool('model-brush')!.create();
    tool.onPointerDown!(ptr(1.5, 3.5), ctx);
    tool.onPointerUp!(ptr(1.5, 3.5), ctx);
    expect(core.history.undoDepth).toBe(0);
  });

  it('Shift+drag lasso: only the model’s pixels of the current class inside become it', () => {
    const { core, prefs, ctx } = setup();
    prefs.set({ current: 3 });
    assistSession.prediction = { key: 'k', labels: pred, width: W, height: H, source: 'cached' };
    const tool = getTool('model-brush')!.create();
    tool.onPointerDown!(ptr(1, 1, { shiftKey: true }), ctx);
    for (const [x, y] of [
      [6, 1],
      [6, 5],
      [1, 5],
    ])
      tool.onPointerMove!(ptr(x, y), ctx);
    tool.onPointerUp!(ptr(1, 1), ctx);
    expect(row(core, 0)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    for (let y = 1; y < 5; y++) expect(row(core, y)).toEqual([0, 0, 0, 3, 0, 0, 0, 0]);
    expect(row(core, 5)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(core.history.undoDepth).toBe(1);
    expect(classInPolygon({ labels: pred, width: W, height: H }, [1, 1, 6, 1, 6, 5, 1, 5], 7)).toEqual({ x: 1, y: 1, w: 5, h: 4, labels: new Uint8Array(20).fill(LEAVE) });
  });

  it('Enter with a rectangle selection: the model’s current class inside it; without a selection Enter goes on', () => {
    const { core, prefs, ctx } = setup();
    prefs.set({ current: 5 });
    assistSession.prediction = { key: 'k', labels: pred, width: W, height: H, source: 'cached' };
    const tool = getTool('model-brush')!.create();
    expect(tool.onKeyDown!({ key: 'Enter' } as KeyboardEvent, ctx)).toBe(false);
    const withSel: ToolContext = { ...ctx, selection: () => ({ kind: 'rect', rect: { x0: 4, y0: 2, x1: 8, y1: 4 } }) };
    expect(tool.onKeyDown!({ key: 'Enter' } as KeyboardEvent, withSel)).toBe(true);
    expect(row(core, 1)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(row(core, 2)).toEqual([0, 0, 0, 0, 0, 5, 0, 0]);
    expect(row(core, 3)).toEqual([0, 0, 0, 0, 0, 5, 0, 0]);
    expect(row(core, 4)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(core.history.undoDepth).toBe(1);
  });
});

describe('proposal (re-parse)', () => {
  it('the box gesture: a press that moves under 4 px is no box; a drag is sent on release; pointercancel drops it', () => {
    const { ctx } = setup();
    const tool = getTool('reparse')!.create();
    tool.onPointerDown!(ptr(2, 2), ctx);
    tool.onPointerMove!(ptr(4, 4), ctx); // 2.8 px: still a click
    expect(tool.busy!()).toBe(true);
    tool.onPointerUp!(ptr(4, 4), ctx);
    expect([assistSession.draft, assistSession.requested, tool.busy!()]).toEqual([null, null, false]);
    tool.onPointerDown!(ptr(6, 5), ctx);
    tool.onPointerMove!(ptr(1, 1), ctx);
    tool.onPointerUp!(ptr(1, 1, { pointerId: 2 }), ctx); // another pointer: not this press
    expect(tool.busy!()).toBe(true);
    tool.onPointerUp!(ptr(1, 1), ctx);
    expect(assistSession.requested).toEqual({ x0: 1, y0: 1, x1: 6, y1: 5 });
    expect(assistSession.draft).toEqual({ x0: 1, y0: 1, x1: 6, y1: 5 }); // drawn until the answer
    assistSession.requested = null;
    assistSession.draft = null;
    tool.onPointerDown!(ptr(1, 1), ctx);
    tool.onPointerMove!(ptr(7, 7), ctx);
    tool.onPointerUp!(ptr(7, 7, { type: 'pointercancel' }), ctx);
    expect([assistSession.draft, assistSession.requested]).toEqual([null, null]);
  });

  it('commits one class, then the rest (Enter), one undo step each, "paint only over" held; Esc drops', () => {
    const { core, ctx } = setup();
    core.mask.data.fill(1, 0, 4 * W); // rows 0-3 class 1
    const tool = getTool('reparse')!.create();
    tool.drawOverlay?.({ ctx: null, dpr: 1, view: { scale: 1, x: 0, y: 0 }, pointer: null, panning: false, sx: (x: number) => x, sy: (y: number) => y, path: () => undefined, twoTone: () => undefined } as never, ctx);
    // a 4×6 proposal at (2, 1): left half class 5, right half class 6, one LEAVE pixel
    const labels = new Uint8Array(24).map((_, i) => (i % 4 < 2 ? 5 : 6));
    labels[0] = LEAVE;
    assistSession.showProposal({ x: 2, y: 1, w: 4, h: 6, labels, source: 'region' });
    expect(assistSession.proposedClasses()).toEqual([5, 6]);
    core.setLock({ onlyOver: 1, protect: null });
    expect(assistSession.commit(6)).toBe(true);
    expect(row(core, 1)).toEqual([1, 1, 1, 1, 6, 6, 1, 1]);
    expect(row(core, 4)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]); // class 0 is not "only over" 1
    expect(assistSession.proposedClasses()).toEqual([5]);
    expect(tool.onKeyDown!({ key: 'Enter' } as KeyboardEvent, ctx)).toBe(true);
    expect(row(core, 1)).toEqual([1, 1, 1, 5, 6, 6, 1, 1]); // (2, 1) was LEAVE
    expect(row(core, 2)).toEqual([1, 1, 5, 5, 6, 6, 1, 1]);
    expect(core.history.undoDepth).toBe(2);
    expect(assistSession.proposal).toBeNull();
    expect(tool.onKeyDown!({ key: 'Enter' } as KeyboardEvent, ctx)).toBe(false);
    assistSession.showProposal({ x: 0, y: 0, w: 1, h: 1, labels: Uint8Array.of(4), source: 'region' });
    expect(tool.cancel!(ctx)).toBe(true);
    expect(assistSession.proposal).toBeNull();
    expect(tool.cancel!(ctx)).toBe(false);
    expect(core.history.undoDepth).toBe(2);
  });
});
