/**
 * Parser-driven editing (issue 14): a model set (face parser ensemble) helps paint.
 *
 *  - Model brush (Shift+B): the brush footprint takes the model's predicted class, pixel by pixel (the
 *    set's cached prediction for the image, its arg-max via `prediction:get`; when the image has none,
 *    the set is run on it once, `assist:parse`, nothing stored). Shift+drag draws a lasso instead: the
 *    model's pixels of the current class (chosen in the legend or by its key) inside it become that
 *    class; Enter does the same inside the selection made with the lasso or rectangle tool. Each stroke /
 *    lasso / Enter is one undo step; locks and "paint only over" hold.
 *  - Re-parse (Shift+P): drag a box; the set parses that crop in main (`assist:parse` with the box: a
 *    whole-image model sees the crop as its image, a face model takes it as the face box) and the result
 *    is shown as a proposal. "Propose the whole image" parses the open image the same way: a proposal
 *    layer; no `model` revision is written and the head does not move.
 *
 * The proposal (`ProposalPreview`, proposal.ts, shared with the Segment tool, whose candidate is a
 * one-class proposal): a class map over a region, drawn in the classes' colours at half opacity; Enter
 * or "Commit all" paints all of it, a class in the proposal legend paints that class only (the rest
 * stays proposed), each as ONE undo step through `EditorCore.paintLabels` (locks hold); Esc drops it.
 * The box is dragged with the shared `BoxDrag` (boxDrag.ts).
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { AssistParsed } from '../../../../shared/api/methods-assist';
import type { ModelSetRecord } from '../../../../shared/api/methods-models';
import type { LabelClass } from '../../../../shared/api/types';
import { decodeMask } from '../../../../shared/mask/codec';
import { LEAVE } from '../../../../shared/mask/labels';
import { brushFootprint, fillPolygon, footprintOutline, stampLine, type BrushShape } from '../../../../shared/mask/paint';
import { ErrorBox, toShownError, useClient, type ShownError } from '../../views/common';
import { LassoTool } from '../tools';
import { BoxDrag, drawBox } from './boxDrag';
import { BrushOptions } from './brush';
import { ProposalPreview, type ClassMap, type Region } from './proposal';
import { readStoredId, storeId, ToolSession } from './session';
import type { Tool, ToolDefinition, ToolLayerProps } from './types';
import './prompt.css';

const SET_KEY = 'parsel.assist.modelSetId';

/** A class map proposed over a region of the image (LEAVE where nothing is proposed). */
export interface Proposal extends ClassMap {
  /** What made it: 'region' (a re-parsed box) or 'image' (the whole image proposed). */
  source: 'region' | 'image';
}

/** The model set chosen, its prediction of the open image, the proposal, shared by the tools and panel. */
export class AssistSession extends ToolSession {
  sets: ModelSetRecord[] | null = null;
  setId: number | null = readStoredId(SET_KEY);
  /** The prediction (image-size labels) for the model brush, per `${setId}:${imageId}`. */
  prediction: { key: string; labels: Uint8Array; width: number; height: number; source: 'cached' | 'computed' } | null = null;
  loading: string | null = null;
  error: ShownError | null = null;
  readonly preview = new ProposalPreview<Proposal>(classColours);
  /** Box being dragged by the re-parse tool (image pixels). */
  draft: { x0: number; y0: number; x1: number; y1: number } | null = null;
  /** A box released by the re-parse tool, waiting for the panel to send it. */
  requested: { x0: number; y0: number; x1: number; y1: number } | null = null;
  busy = false;
  chooseSet(id: number): void {
    this.setId = id;
    storeId(SET_KEY, id);
    this.prediction = null;
    this.preview.show(null);
    this.notify();
  }
  /** The set in use: the one chosen if it exists, else the first. */
  set(): ModelSetRecord | null {
    if (!this.sets) return null;
    return this.sets.find((s) => s.id === this.setId) ?? this.sets[0] ?? null;
  }
  /** The proposal shown, null when none. */
  get proposal(): Proposal | null {
    return this.preview.shown;
  }
  showProposal(p: Proposal | null): void {
    this.preview.show(p);
    this.notify();
  }
  /** The classes present in the proposal, ascending. */
  proposedClasses(): number[] {
    return this.preview.classes();
  }
  /**
   * Paints the proposal (all of it, or class `only`) as one undo step; what is painted leaves the
   * proposal, the rest stays shown. False without a proposal or an attached editor.
   */
  commit(only: number | null = null): boolean {
    const ctx = this.attached();
    if (!ctx || !this.preview.commit(ctx.core, only)) return false;
    this.notify();
    return true;
  }
  clearImage(): void {
    this.prediction = null;
    this.preview.show(null);
    this.draft = null;
    this.error = null;
    this.notify();
  }
}

/** The editor's one assist session. */
export const assistSession = new AssistSession();
/** The schema's classes (colours of the proposal), set by the panel. */
let knownClasses: readonly LabelClass[] = [];
/** The classes' colours at ~60 % alpha (little-endian ABGR), for the proposal preview. */
function classColours(): Uint32Array {
  const lut = new Uint32Array(256);
  for (const c of knownClasses) lut[c.index] = (0x99 << 24) | (c.color[2] << 16) | (c.color[1] << 8) | c.color[0];
  return lut;
}

function parsedToProposal(r: AssistParsed, source: Proposal['source']): Proposal {
  return { x: r.x, y: r.y, w: r.w, h: r.h, labels: decodeMask(r.labels), source };
}

// ---- model brush -------------------------------------------------------------------------------------

let outlineCache: { size: number; shape: BrushShape; outline: ArrayLike<number> } | null = null;
function outlineOf(size: number, shape: BrushShape): ArrayLike<number> {
  if (!outlineCache || outlineCache.size !== size || outlineCache.shape !== shape) outlineCache = { size, shape, outline: footprintOutline(brushFootprint(size, shape)) };
  return outlineCache.outline;
}

/** The model's classes under the footprint swept from (ax, ay) to (bx, by), as a class map of its bounds. */
function sweptLabels(pred: { labels: Uint8Array; width: number; height: number }, ax: number, ay: number, bx: number, by: number, size: number, shape: BrushShape): (Region & { labels: Uint8Array }) | null {
  const fp = brushFootprint(size, shape);
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx)) + fp.lo);
  const y0 = Math.max(0, Math.floor(Math.min(ay, by)) + fp.lo);
  const x1 = Math.min(pred.width, Math.floor(Math.max(ax, bx)) + fp.hi + 1);
  const y1 = Math.min(pred.height, Math.floor(Math.max(ay, by)) + fp.hi + 1);
  if (x1 <= x0 || y1 <= y0) return null;
  const w = x1 - x0;
  const h = y1 - y0;
  const foot = { width: w, height: h, data: new Uint8Array(w * h) };
  stampLine(foot, ax - x0, ay - y0, bx - x0, by - y0, fp, 1);
  const labels = foot.data;
  for (let y = 0; y < h; y++) {
    const src = (y0 + y) * pred.width + x0;
    for (let x = 0; x < w; x++) labels[y * w + x] = labels[y * w + x] ? pred.labels[src + x] : LEAVE;
  }
  return { x: x0, y: y0, w, h, labels };
}

/** The model's pixels of class `cls` inside the polygon (image points), as a class map of its bounds. */
export function classInPolygon(pred: { labels: Uint8Array; width: number; height: number }, points: readonly number[], cls: number): (Region & { labels: Uint8Array }) | null {
  let xa = Infinity;
  let ya = Infinity;
  let xb = -Infinity;
  let yb = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    xa = Math.min(xa, points[i]);
    xb = Math.max(xb, points[i]);
    ya = Math.min(ya, points[i + 1]);
    yb = Math.max(yb, points[i + 1]);
  }
  const x0 = Math.max(0, Math.floor(xa));
  const y0 = Math.max(0, Math.floor(ya));
  const x1 = Math.min(pred.width, Math.ceil(xb));
  const y1 = Math.min(pred.height, Math.ceil(yb));
  if (x1 <= x0 || y1 <= y0) return null;
  const w = x1 - x0;
  const h = y1 - y0;
  const inside = { width: w, height: h, data: new Uint8Array(w * h) };
  fillPolygon(inside, points.map((v, i) => (i % 2 === 0 ? v - x0 : v - y0)), 1);
  const labels = inside.data;
  for (let y = 0; y < h; y++) {
    const src = (y0 + y) * pred.width + x0;
    for (let x = 0; x < w; x++) labels[y * w + x] = labels[y * w + x] && pred.labels[src + x] === cls ? cls : LEAVE;
  }
  return { x: x0, y: y0, w, h, labels };
}

function createModelBrush(): Tool {
  const s = assistSession;
  let stroke: { id: number; x: number; y: number } | null = null;
  const lasso = new LassoTool();
  let lassoPointer: number | null = null;
  return {
    onPointerDown(e, ctx) {
      s.attach(ctx);
      const pred = s.prediction;
      if (!pred) return; // the panel says why (loading, no set, an error)
      const ip = ctx.toImage(e);
      ctx.capture(e.pointerId);
      if (e.shiftKey) {
        lassoPointer = e.pointerId;
        lasso.begin(ip.x, ip.y);
        return;
      }
      stroke = { id: e.pointerId, x: ip.x, y: ip.y };
      ctx.core.beginLabelStroke();
      const b = ctx.brush();
      const m = sweptLabels(pred, ip.x, ip.y, ip.x, ip.y, b.size, b.shape);
      if (m) ctx.core.labelStrokeAdd(m.labels, m.x, m.y, m.w, m.h);
    },
    onPointerMove(e, ctx) {
      const list = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      if (lassoPointer === e.pointerId && lasso.active) {
        for (const ce of list.length ? list : [e]) {
          const ip = ctx.toImage(ce);
          lasso.move(ip.x, ip.y);
        }
        ctx.redraw();
        return;
      }
      const pred = s.prediction;
      if (!stroke || stroke.id !== e.pointerId || !pred) return;
      const b = ctx.brush();
      for (const ce of list.length > 0 ? list : [e]) {
        const ip = ctx.toImage(ce);
        if (Math.floor(ip.x) === Math.floor(stroke.x) && Math.floor(ip.y) === Math.floor(stroke.y)) continue;
        const m = sweptLabels(pred, stroke.x, stroke.y, ip.x, ip.y, b.size, b.shape);
        if (m) ctx.core.labelStrokeAdd(m.labels, m.x, m.y, m.w, m.h);
        stroke.x = ip.x;
        stroke.y = ip.y;
      }
    },
    onPointerUp(e, ctx) {
      if (lassoPointer === e.pointerId) {
        lassoPointer = null;
        const pts = lasso.end();
        const pred = s.prediction;
        if (pts && pred && e.type !== 'pointercancel') {
          const m = classInPolygon(pred, pts, ctx.prefs.get().current);
          if (m) ctx.core.paintLabels(m.labels, m.x, m.y, m.w, m.h);
        }
        ctx.redraw();
        return;
      }
      if (!stroke || stroke.id !== e.pointerId) return;
      stroke = null;
      ctx.core.endStroke();
    },
    onKeyDown(e, ctx) {
      s.attach(ctx);
      // Enter with a selection (lasso or rectangle tool): the model's current class inside it.
      const sel = ctx.selection();
      const pred = s.prediction;
      if (e.key !== 'Enter' || e.ctrlKey || e.metaKey || e.altKey || !sel || !pred) return false;
      const pts = sel.kind === 'rect' ? [sel.rect.x0, sel.rect.y0, sel.rect.x1, sel.rect.y0, sel.rect.x1, sel.rect.y1, sel.rect.x0, sel.rect.y1] : sel.points;
      const m = classInPolygon(pred, pts, ctx.prefs.get().current);
      if (m) ctx.core.paintLabels(m.labels, m.x, m.y, m.w, m.h);
      return true;
    },
    cancel(ctx) {
      if (lasso.active) {
        lasso.cancel();
        lassoPointer = null;
        ctx.redraw();
        return true;
      }
      if (!stroke) return false;
      stroke = null;
      ctx.core.cancelStroke();
      return true;
    },
    busy: () => stroke !== null || lassoPointer !== null,
    deactivate(ctx) {
      if (stroke) ctx.core.cancelStroke();
      stroke = null;
      lasso.cancel();
      lassoPointer = null;
    },
    drawOverlay(p, ctx) {
      s.attach(ctx);
      if (lasso.active && lasso.points.length >= 2) {
        p.path(lasso.points, 0, 0, false);
        p.twoTone(3);
        return;
      }
      if (!p.pointer || p.panning) return;
      const b = ctx.brush();
      p.path(outlineOf(b.size, b.shape), Math.floor(p.pointer.x), Math.floor(p.pointer.y), true);
      p.twoTone(4);
    },
  };
}

// ---- re-parse a region ------------------------------------------------------------------------------

function createReparse(): Tool {
  const s = assistSession;
  const drag = new BoxDrag(s);
  return {
    onPointerDown: drag.down,
    onPointerMove: drag.move,
    onPointerUp(e, ctx) {
      if (!drag.up(e)) return;
      const b = s.draft;
      if (!b) return;
      if (e.type === 'pointercancel') {
        s.draft = null;
        ctx.redraw();
        return;
      }
      // The box stays drawn until the answer arrives; the panel sends it.
      s.requested = b;
      s.notify();
    },
    onKeyDown(e, ctx) {
      s.attach(ctx);
      if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !e.altKey && s.proposal) return s.commit(null);
      return false;
    },
    cancel(ctx) {
      if (!s.proposal && !s.draft && !drag.pressed) return false;
      drag.reset();
      s.draft = null;
      s.requested = null;
      s.showProposal(null);
      ctx.redraw();
      return true;
    },
    busy: () => drag.pressed,
    deactivate(ctx) {
      drag.reset();
      s.draft = null;
      s.showProposal(null);
      ctx.redraw();
    },
    drawOverlay(p, ctx) {
      s.attach(ctx);
      const q = s.proposal;
      if (s.preview.draw(p) && q?.source === 'region') drawBox(p, { x0: q.x, y0: q.y, x1: q.x + q.w, y1: q.y + q.h }, 2);
      if (s.draft) drawBox(p, s.draft, 4);
    },
  };
}

// ---- the panel (model set, status, proposal legend) -------------------------------------------------

function useAssist(imageId: number, active: boolean, classes: readonly LabelClass[] | undefined) {
  const client = useClient();
  const s = assistSession;
  useSyncExternalStore(s.subscribe, s.getSnapshot);
  const [, setTick] = useState(0);
  if (classes) knownClasses = classes;

  useEffect(() => {
    if (!active) return;
    let live = true;
    client
      .call('modelSet:list', {})
      .then((list) => {
        if (!live) return;
        s.sets = list.filter((x) => x.imported === null && x.modelIds.length > 0);
        s.notify();
        setTick((t) => t + 1);
      })
      .catch((e: unknown) => live && ((s.error = toShownError(e)), s.notify()));
    return () => {
      live = false;
    };
  }, [client, active, s]);

  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    s.clearImage();
  }, [imageId, s]);
  return { client, s };
}

/**
 * The panel's own pointer events stop at it: the stage listens natively (useStageInput) and a tool's
 * pointer capture would otherwise take the click away from the panel's buttons.
 */
function usePanelPointer(): (el: HTMLDivElement | null) => void {
  const last = useRef<{ el: HTMLDivElement; off: () => void } | null>(null);
  return useCallback((el: HTMLDivElement | null) => {
    if (last.current?.el === el) return;
    last.current?.off();
    last.current = null;
    if (!el) return;
    const stop = (e: Event) => e.stopPropagation();
    const names = ['pointerdown', 'pointermove', 'pointerup', 'pointercancel', 'dblclick', 'wheel'] as const;
    for (const n of names) el.addEventListener(n, stop);
    last.current = { el, off: () => names.forEach((n) => el.removeEventListener(n, stop)) };
  }, []);
}

function SetChooser() {
  const s = assistSession;
  const set = s.set();
  if (!s.sets) return null;
  if (s.sets.length === 0) return <div data-testid="assist-no-set">No model set of parsers in this project: make one in Models (a set of face-parsing models).</div>;
  return (
    <label>
      Model set{' '}
      <select data-testid="assist-set" value={set?.id ?? ''} onChange={(e) => s.chooseSet(Number(e.target.value))}>
        {s.sets.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name}
          </option>
        ))}
      </select>
    </label>
  );
}

function ModelBrushLayer({ imageId, active, classes }: ToolLayerProps) {
  const { client, s } = useAssist(imageId, active, classes);
  const set = s.set();
  const key = set ? `${set.id}:${imageId}` : null;

  // The prediction the brush paints from: the cached one, else the set run once on the image.
  useEffect(() => {
    if (!active || !set || !key || s.prediction?.key === key) return;
    let live = true;
    s.loading = `Loading the prediction of “${set.name}”…`;
    s.error = null;
    s.notify();
    (async () => {
      try {
        const p = await client.call('prediction:get', { imageId, modelSetId: set.id });
        return { key, labels: decodeMask(p.labels), width: p.width, height: p.height, source: 'cached' as const };
      } catch (e) {
        if (toShownError(e).code !== 'NOT_FOUND') throw e;
        if (live) {
          s.loading = `No cached prediction: running “${set.name}” on this image…`;
          s.notify();
        }
        const r = await client.call('assist:parse', { imageId, modelSetId: set.id, box: null });
        return { key, labels: decodeMask(r.labels), width: r.w, height: r.h, source: 'computed' as const };
      }
    })()
      .then((p) => {
        if (!live) return;
        s.prediction = p;
        s.loading = null;
        s.notify();
      })
      .catch((e: unknown) => {
        if (!live) return;
        s.loading = null;
        s.error = toShownError(e);
        s.notify();
      });
    return () => {
      live = false;
    };
  }, [active, set, key, imageId, client, s]);

  const panelRef = usePanelPointer();
  if (!active) return null;
  const ready = s.prediction !== null && s.prediction.key === key;
  return (
    <div ref={panelRef} className="ed-prompt-panel" data-testid="assist-panel" data-status={ready ? 'ready' : s.loading ? 'loading' : s.error ? 'error' : 'off'} data-source={ready ? s.prediction!.source : ''}>
      <SetChooser />
      {s.loading && (
        <div className="ed-prompt-progress" role="status">
          {s.loading}
          <div className="bar indeterminate" />
        </div>
      )}
      {ready && (
        <div className="faint">
          Drag: paint the model&apos;s classes · Shift+drag: lasso, the model&apos;s current class inside it · Enter: the same inside the selection (lasso / rectangle tool)
        </div>
      )}
      {s.error && <ErrorBox error={s.error} />}
    </div>
  );
}

function ReparseLayer({ imageId, active, classes }: ToolLayerProps) {
  const { client, s } = useAssist(imageId, active, classes);
  const set = s.set();
  const shown = useRef(imageId);
  shown.current = imageId;
  const run = (box: { x0: number; y0: number; x1: number; y1: number } | null) => {
    if (!set || s.busy) return;
    s.busy = true;
    s.error = null;
    s.notify();
    const image = imageId;
    client
      .call('assist:parse', { imageId: image, modelSetId: set.id, box })
      .then((r) => {
        if (shown.current !== image) return;
        s.showProposal(parsedToProposal(r, box ? 'region' : 'image'));
      })
      .catch((e: unknown) => {
        s.error = toShownError(e);
      })
      .finally(() => {
        s.busy = false;
        s.draft = null;
        s.notify();
      });
  };
  // A box released by the tool: parse it (one at a time; a box released meanwhile waits).
  useEffect(() => {
    const b = s.requested;
    if (!active || !b || s.busy) return;
    s.requested = null;
    run(b);
  });

  const panelRef = usePanelPointer();
  if (!active) return null;
  const present = s.proposedClasses();
  const byIndex = new Map((classes ?? []).map((c) => [c.index, c]));
  return (
    <div ref={panelRef} className="ed-prompt-panel" data-testid="assist-panel" data-status={s.busy ? 'parsing' : s.proposal ? 'proposal' : 'ready'} data-proposed={present.join(',')}>
      <SetChooser />
      <div>
        <button data-testid="assist-propose" disabled={!set || s.busy} onClick={() => run(null)} title="Run the model set on this image and show its labels as a proposal (nothing is saved until you commit)">
          Propose the whole image
        </button>
      </div>
      {s.busy && (
        <div className="ed-prompt-progress" role="status">
          Parsing{s.draft ? ' the box' : ' the image'}…
          <div className="bar indeterminate" />
        </div>
      )}
      {s.proposal && (
        <div data-testid="assist-proposal">
          <div>
            Proposal ({s.proposal.source === 'region' ? `box ${s.proposal.w}×${s.proposal.h}` : 'whole image'}): click a class to paint it only ·{' '}
            <button data-testid="assist-commit-all" onClick={() => s.commit(null)}>
              Commit all (Enter)
            </button>{' '}
            <button data-testid="assist-discard" onClick={() => s.showProposal(null)}>
              Discard (Esc)
            </button>
          </div>
          <div className="ed-assist-classes">
            {present.map((c) => {
              const k = byIndex.get(c);
              const rgb = k ? `rgb(${k.color[0]}, ${k.color[1]}, ${k.color[2]})` : '#888';
              return (
                <button key={c} data-testid={`assist-class-${c}`} onClick={() => s.commit(c)} title={`Paint the proposed ${k?.name ?? `class ${c}`} only`}>
                  <span style={{ display: 'inline-block', width: 10, height: 10, background: rgb, marginRight: 4 }} />
                  {k?.name ?? `class ${c}`}
                </button>
              );
            })}
          </div>
        </div>
      )}
      {!s.proposal && !s.busy && set && <div className="faint">Drag a box: re-parse it · Enter: commit · Esc: drop</div>}
      {s.error && <ErrorBox error={s.error} />}
    </div>
  );
}

export const modelBrushTool: ToolDefinition = {
  id: 'model-brush',
  title: 'Model brush',
  action: 'tool.modelBrush',
  cursor: 'none',
  create: createModelBrush,
  Options: BrushOptions,
  Layer: ModelBrushLayer,
};

export const reparseTool: ToolDefinition = {
  id: 'reparse',
  title: 'Re-parse',
  action: 'tool.reparse',
  cursor: 'crosshair',
  create: createReparse,
  Layer: ReparseLayer,
};
