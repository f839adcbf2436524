/**
 * The editor's tool registry, action table and preferences store, driven as the editor drives them
 * (a ToolContext over a real EditorCore; the action table with an ActionContext), without a DOM.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultShortcuts, SHORTCUT_ACTIONS } from '../../../../shared/settings';
import { editorActions, findAction, runAction, type ActionContext } from '../actions';
import { EditorCore } from '../core';
import { DEFAULT_PREFS, PrefsStore } from '../prefs';
import type { Selection } from '../tools';
import { getTool, listTools, registerTool, type ToolContext } from './index';
import { promptSession } from './prompt';

beforeAll(() => {
  vi.stubGlobal('requestAnimationFrame', () => 1);
  vi.stubGlobal('cancelAnimationFrame', () => undefined);
});
afterAll(() => vi.unstubAllGlobals());

function setup(w = 8, h = 8) {
  const core = new EditorCore(w, h, new Uint8Array(w * h));
  const prefs = new PrefsStore({ ...DEFAULT_PREFS });
  let selection: Selection | null = null;
  let redraws = 0;
  const notes: string[] = [];
  const ctx: ToolContext = {
    imageId: 1,
    client: null as never, // no built-in tool calls the backend
    notify: (m) => void notes.push(m),
    core,
    prefs,
    brush: () => ({ size: prefs.get().brushSize ?? 1, shape: prefs.get().brushShape ?? 'square' }),
    view: () => ({ scale: 1, x: 0, y: 0 }),
    // Tests give image coordinates directly as client coordinates (scale 1, no offset).
    toImage: (e) => ({ x: e.clientX, y: e.clientY }),
    capture: () => undefined,
    redraw: () => void redraws++,
    selection: () => selection,
    setSelection: (s) => void (selection = s),
    pick: (x, y) => prefs.set({ current: core.mask.data[Math.floor(y) * w + Math.floor(x)] }),
  };
  return { core, prefs, ctx, sel: () => selection, redraws: () => redraws };
}

const ptr = (x: number, y: number, extra: Partial<PointerEvent> = {}) => ({ clientX: x, clientY: y, pointerId: 1, button: 0, altKey: false, detail: 1, ...extra }) as PointerEvent;
const key = (k: string) => ({ key: k }) as KeyboardEvent;

describe('tool registry', () => {
  it('holds the built-in tools in toolbar order, each with its select action', () => {
    expect(listTools().map((t) => t.id)).toEqual(['brush', 'eraser', 'fill', 'polygon', 'pick', 'lasso', 'rect', 'face', 'prompt', 'model-brush', 'reparse']);
    expect(getTool('face')?.action).toBe('tool.faceBox');
    expect(getTool('face')?.Layer).toBeTypeOf('function');
  });

  it('refuses a second tool of an id or of an action, and a malformed id', () => {
    expect(() => registerTool({ id: 'brush', title: 'x', create: () => ({}) })).toThrow(/registered already/);
    expect(() => registerTool({ id: 'other', title: 'x', action: 'tool.fill', create: () => ({}) })).toThrow(/both claim the action tool.fill/);
    expect(() => registerTool({ id: 'Bad Id', title: 'x', create: () => ({}) })).toThrow(/lower-case/);
  });

  it('a registered tool gets its select action in the table without any editor change', () => {
    registerTool({ id: 'test-dot', title: 'Dot', action: 'tool.testDot', create: () => ({}) });
    const a = findAction('tool.testDot', editorActions());
    expect(a?.group).toBe('Tools');
    const { prefs } = setup();
    const ctx = { prefs, setTool: (id: string) => prefs.set({ tool: id }) } as unknown as ActionContext;
    runAction(a!, ctx);
    expect(prefs.get().tool).toBe('test-dot');
    expect(a!.checked!(ctx)).toBe(true);
  });
});

describe('tools over a real EditorCore', () => {
  it('brush: press, drag, release paints the current class along the path; Escape mid-stroke undoes it', () => {
    const { core, prefs, ctx } = setup();
    prefs.set({ current: 3, brushSize: 1 });
    const brush = getTool('brush')!.create();
    brush.onPointerDown!(ptr(1, 1), ctx);
    expect(brush.busy!()).toBe(true);
    brush.onPointerMove!(ptr(4, 1), ctx);
    brush.onPointerUp!(ptr(4, 1), ctx);
    expect(brush.busy!()).toBe(false);
    expect(Array.from(core.mask.data.slice(8, 16))).toEqual([0, 3, 3, 3, 3, 0, 0, 0]);
    expect(core.history.undoDepth).toBe(1);

    brush.onPointerDown!(ptr(1, 5), ctx);
    brush.onPointerMove!(ptr(6, 5), ctx);
    expect(brush.cancel!(ctx)).toBe(true);
    expect(Array.from(core.mask.data.slice(40, 48))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(brush.cancel!(ctx)).toBe(false);
  });

  it('eraser writes the erase-to class; Alt+click picks instead of painting', () => {
    const { core, prefs, ctx } = setup();
    core.mask.data.fill(2);
    prefs.set({ current: 5, eraseTo: 7, brushSize: 1 });
    const eraser = getTool('eraser')!.create();
    eraser.onPointerDown!(ptr(0, 0), ctx);
    eraser.onPointerUp!(ptr(0, 0), ctx);
    expect(core.mask.data[0]).toBe(7);
    eraser.onPointerDown!(ptr(3, 3, { altKey: true }), ctx);
    expect(prefs.get().current).toBe(2);
    expect(core.mask.data[3 * 8 + 3]).toBe(2);
  });

  it('polygon: clicks add vertices, Backspace drops one, Enter closes and fills; Escape cancels', () => {
    const { core, prefs, ctx } = setup(20, 20);
    prefs.set({ current: 4, polygonMode: 'add' });
    const poly = getTool('polygon')!.create();
    expect(poly.onKeyDown!(key('Enter'), ctx)).toBe(false); // nothing drawn: the key goes on
    for (const [x, y] of [[2, 2], [12, 2], [16, 16], [2, 14]]) poly.onPointerDown!(ptr(x, y), ctx);
    expect(poly.onKeyDown!(key('Backspace'), ctx)).toBe(true); // drops the last vertex, (2, 14)
    expect(poly.onKeyDown!(key('Enter'), ctx)).toBe(true);
    // Triangle (2,2) (12,2) (16,16) on pixel corners: pixel centres inside are filled, e.g. (8, 4);
    // pixel (3, 12) was inside the four-vertex outline only.
    expect(core.mask.data[4 * 20 + 8]).toBe(4);
    expect(core.mask.data[12 * 20 + 3]).toBe(0);
    expect(core.history.undoDepth).toBe(1);
    poly.onPointerDown!(ptr(0, 0), ctx);
    expect(poly.cancel!(ctx)).toBe(true);
    expect(poly.cancel!(ctx)).toBe(false);
  });

  it('rectangle selection: drag makes a selection; the reassign action turns it into the current class', () => {
    const { core, prefs, ctx, sel } = setup();
    const rect = getTool('rect')!.create();
    rect.onPointerDown!(ptr(2, 2), ctx);
    rect.onPointerMove!(ptr(5, 4), ctx);
    rect.onPointerUp!(ptr(5, 4), ctx);
    expect(sel()).toEqual({ kind: 'rect', rect: { x0: 2, y0: 2, x1: 5, y1: 4 } });
    prefs.set({ current: 9 });
    const actx = {
      prefs,
      hasSelection: () => sel() !== null,
      reassignSelection: () => core.reassign(sel()!, prefs.get().current, prefs.get().reassignFrom),
    } as unknown as ActionContext;
    expect(runAction(findAction('selection.reassign', editorActions())!, actx)).toBe(true);
    let n = 0;
    for (let i = 0; i < core.mask.data.length; i++) if (core.mask.data[i] === 9) n++;
    expect(n).toBe(3 * 2);
  });

  it('switching away (deactivate) drops a half-drawn lasso', () => {
    const { ctx, sel } = setup();
    const lasso = getTool('lasso')!.create();
    lasso.onPointerDown!(ptr(1, 1), ctx);
    lasso.onPointerMove!(ptr(6, 1), ctx);
    lasso.deactivate!(ctx);
    lasso.onPointerUp!(ptr(6, 6), ctx);
    expect(sel()).toBeNull();
  });
});

describe('action table', () => {
  it('every shortcut action of the settings has an action, and every default key reaches one', () => {
    const table = editorActions();
    for (const id of SHORTCUT_ACTIONS) expect(findAction(id, table), id).toBeDefined();
    for (const id of Object.keys(defaultShortcuts())) expect(findAction(id, table), id).toBeDefined();
    expect(new Set(table.map((a) => a.id)).size).toBe(table.length);
  });

  it('auto-repeat runs only the actions that allow it; a disabled action does not run', () => {
    const { prefs } = setup();
    prefs.set({ brushSize: 10 });
    const ctx = { prefs, brush: () => ({ size: prefs.get().brushSize!, shape: 'round' }), hasClass: (i: number) => i === 2 } as unknown as ActionContext;
    const table = editorActions();
    expect(runAction(findAction('brush.larger', table)!, ctx, true)).toBe(true);
    expect(prefs.get().brushSize).toBe(11);
    expect(runAction(findAction('view.grid', table)!, ctx, true)).toBe(false);
    expect(prefs.get().grid).toBe(true);
    expect(runAction(findAction('view.grid', table)!, ctx)).toBe(true);
    expect(prefs.get().grid).toBe(false);
    expect(runAction(findAction('class.5', table)!, ctx)).toBe(false);
    expect(runAction(findAction('class.2', table)!, ctx)).toBe(true);
    expect(prefs.get().current).toBe(2);
  });
});

describe('preferences store', () => {
  it('notifies once per change, not for an unchanged value; clamps the brush size', () => {
    const s = new PrefsStore({ ...DEFAULT_PREFS });
    let n = 0;
    const off = s.subscribe(() => n++);
    const before = s.getSnapshot();
    s.set({ brushSize: 900, outline: true });
    expect(n).toBe(1);
    expect(s.get().brushSize).toBe(500);
    expect(s.getSnapshot()).not.toBe(before);
    s.set({ outline: true });
    expect(n).toBe(1);
    s.setHidden('helen', new Set([3]));
    expect(s.hiddenOf('helen').has(3)).toBe(true);
    expect(s.hiddenOf('lapa').size).toBe(0);
    off();
    s.set({ grid: false });
    expect(n).toBe(2);
  });

  it('segment: clicks and a drag make the prompt; Tab cycles candidates; Enter paints the shown one over "paint only over", one undo step; Esc drops it', () => {
    const { core, prefs, ctx } = setup(8, 8);
    core.mask.data.fill(1, 0, 32); // rows 0-3 class 1, rows 4-7 class 0
    prefs.set({ current: 6 });
    const tool = getTool('prompt')!.create();
    const seen: number[] = [];
    const off = promptSession.subscribe(() => seen.push(promptSession.version));
    tool.onPointerDown!(ptr(2.5, 2.5), ctx);
    tool.onPointerUp!(ptr(2.5, 2.5), ctx);
    tool.onPointerDown!(ptr(5.5, 2.5), ctx);
    tool.onPointerUp!(ptr(5.5, 2.5, { altKey: true }), ctx);
    expect(promptSession.points).toEqual([
      { x: 2.5, y: 2.5, positive: true },
      { x: 5.5, y: 2.5, positive: false },
    ]);
    // a drag of more than 4 screen pixels is a box
    tool.onPointerDown!(ptr(1, 1), ctx);
    tool.onPointerMove!(ptr(7, 6), ctx);
    tool.onPointerUp!(ptr(7, 6), ctx);
    expect(promptSession.box).toEqual({ x0: 1, y0: 1, x1: 7, y1: 6 });
    expect(promptSession.points).toHaveLength(2);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    off();
    // Two candidates (what prompt:decode answers): a 2×6 block at (1, 2) and a 1×1 at (0, 0).
    const a = { score: 0.9, index: 2, area: 12, x: 1, y: 2, w: 2, h: 6, bits: new Uint8Array(12).fill(1) };
    const b = { score: 0.5, index: 0, area: 1, x: 0, y: 0, w: 1, h: 1, bits: Uint8Array.of(1) };
    promptSession.showCandidates([a, b]);
    expect(tool.onKeyDown!({ key: 'Tab', shiftKey: false, preventDefault: () => undefined } as KeyboardEvent, ctx)).toBe(true);
    expect(promptSession.current()).toBe(b);
    tool.onKeyDown!({ key: 'Tab', shiftKey: true, preventDefault: () => undefined } as KeyboardEvent, ctx);
    expect(promptSession.current()).toBe(a);
    // "paint only over" class 1: only rows 2-3 of the block change.
    core.setLock({ onlyOver: 1, protect: null });
    expect(tool.onKeyDown!(key('Enter'), ctx)).toBe(true);
    const col = (x: number) => Array.from({ length: 8 }, (_, y) => core.mask.data[y * 8 + x]);
    expect(col(1)).toEqual([1, 1, 6, 6, 0, 0, 0, 0]);
    expect(col(2)).toEqual([1, 1, 6, 6, 0, 0, 0, 0]);
    expect(core.history.undoDepth).toBe(1);
    expect(promptSession.hasPrompt()).toBe(false);
    expect(promptSession.current()).toBeNull();
    expect(tool.onKeyDown!(key('Enter'), ctx)).toBe(false); // nothing to commit: Enter goes on
    core.undo();
    expect(col(1)).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    // Esc drops a prompt; with none it lets Escape go on.
    tool.onPointerDown!(ptr(3, 3), ctx);
    tool.onPointerUp!(ptr(3, 3), ctx);
    expect(tool.cancel!(ctx)).toBe(true);
    expect(promptSession.hasPrompt()).toBe(false);
    expect(tool.cancel!(ctx)).toBe(false);
  });
});
