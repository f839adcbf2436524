/**
 * "Segment" tool (issue 14): a promptable (SAM-family) model turns clicks and a box into a candidate
 * mask shown as a preview; Enter paints it with the current class (locks and "paint only over" hold,
 * one undo step), Esc drops the prompt.
 *
 *   click: a positive point · Alt+click: a negative point · drag: a box (replaces the previous one)
 *   Tab / Shift+Tab: next / previous candidate (multi-mask outputs) · Backspace: drop the last point
 *
 * Parts (the editor has one instance; they share `promptSession`):
 *  - the tool (stage events, keys, overlay): edits the prompt, draws the preview and the points,
 *    commits the shown candidate through `ProposalPreview.commit` (`EditorCore.paintLabels`);
 *  - `PromptLayer` (mounted whatever the tool): chooses the model, computes the image embedding when
 *    the tool is active (`prompt:prepare`, progress from `job:progress` while the encoder runs in the
 *    main process's worker: the UI stays live), and runs `prompt:decode` for the newest prompt (one
 *    call in flight; a prompt changed meanwhile is decoded next, stale answers are dropped).
 *
 * The box drag is the shared `BoxDrag` (boxDrag.ts); the candidate shown is a one-class proposal on the
 * shared `ProposalPreview` (proposal.ts), the same preview / commit path as Re-parse's proposals.
 * Latency: every preview drawn after a prompt change records `performance.measure('parsel:prompt-preview')`
 * from the pointer event to the frame after the draw (test/bench/prompt.bench.ts reads it).
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { PromptBox, PromptMask, PromptPoint } from '../../../../shared/api/methods-prompt';
import type { JobProgress } from '../../../../shared/api/types';
import type { ModelRecord } from '../../../../shared/api/methods-models';
import { LEAVE } from '../../../../shared/mask/labels';
import { ErrorBox, toShownError, useClient, type ShownError } from '../../views/common';
import { BoxDrag, drawBox } from './boxDrag';
import { ProposalPreview } from './proposal';
import { readStoredId, storeId, ToolSession } from './session';
import type { Tool, ToolContext, ToolDefinition, ToolLayerProps } from './types';
import './prompt.css';

const MODEL_KEY = 'parsel.prompt.modelId';
/** The one class of a candidate's proposal map (painted as the current class). */
const MARK = 1;
/** The candidate's colour: cyan, ~55 % alpha (a preview, not a class colour); little-endian ABGR. */
const CANDIDATE_LUT = new Uint32Array(256);
CANDIDATE_LUT[MARK] = (0x8c << 24) | (0xff << 16) | (0xc8 << 8) | 0x00;

export type PromptStatus = 'off' | 'no-model' | 'encoding' | 'ready' | 'decoding' | 'error';

/** The prompt, its candidates and the tool's status, shared by the tool and its layer. */
export class PromptSession extends ToolSession {
  points: PromptPoint[] = [];
  box: PromptBox | null = null;
  /** Box being dragged (image pixels). */
  draft: PromptBox | null = null;
  /** Bumped on every prompt change; a decode answers one version. */
  version = 0;
  /** `performance.now()`-clock time of the pointer event that made the newest prompt. */
  changedAt = 0;
  candidates: PromptMask[] = [];
  shown = 0;
  status: PromptStatus = 'off';
  progress: JobProgress | null = null;
  error: ShownError | null = null;
  /** The candidate shown, as a one-class proposal (none for an empty candidate). */
  readonly preview = new ProposalPreview(() => CANDIDATE_LUT);
  /** The newest decode's times in main's worker: session.run, and the whole call there (ms). */
  times: { decodeMs: number; workerMs: number } | null = null;

  hasPrompt(): boolean {
    return this.points.length > 0 || this.box !== null;
  }
  setPrompt(points: PromptPoint[], box: PromptBox | null, at: number): void {
    this.points = points;
    this.box = box;
    this.version++;
    this.changedAt = at;
    if (!this.hasPrompt()) this.showCandidates([]);
    this.notify();
  }
  /** Candidates to preview (the first is shown); [] clears. */
  showCandidates(c: PromptMask[]): void {
    this.candidates = c;
    this.shown = 0;
    this.buildPreview();
  }
  cycle(step: number): void {
    if (this.candidates.length < 2) return;
    this.shown = (this.shown + step + this.candidates.length) % this.candidates.length;
    this.buildPreview();
    this.notify();
  }
  clear(): void {
    this.points = [];
    this.box = null;
    this.draft = null;
    this.version++;
    this.showCandidates([]);
    this.notify();
  }
  current(): PromptMask | null {
    return this.candidates[this.shown] ?? null;
  }
  private buildPreview(): void {
    const m = this.current();
    this.preview.show(m && m.area > 0 ? { x: m.x, y: m.y, w: m.w, h: m.h, labels: m.bits.map((b) => (b ? MARK : LEAVE)) } : null);
  }
}

/** The editor's one prompt session. */
export const promptSession = new PromptSession();

function createPromptTool(): Tool {
  const s = promptSession;
  const drag = new BoxDrag(s);
  const commit = (ctx: ToolContext): boolean => {
    if (!s.current()) return false;
    s.preview.commit(ctx.core, null, ctx.prefs.get().current);
    s.clear();
    ctx.redraw();
    return true;
  };
  return {
    onPointerDown: drag.down,
    onPointerMove: drag.move,
    onPointerUp(e, ctx) {
      if (!drag.up(e)) return;
      const at = e.timeStamp;
      if (s.draft) {
        const b = s.draft;
        s.draft = null;
        if (b.x1 - b.x0 >= 1 && b.y1 - b.y0 >= 1) s.setPrompt(s.points, b, at);
        else ctx.redraw();
        return;
      }
      if (e.type === 'pointercancel') return;
      const p = ctx.toImage(e);
      s.setPrompt([...s.points, { x: p.x, y: p.y, positive: !e.altKey }], s.box, at);
    },
    onKeyDown(e, ctx) {
      s.attach(ctx);
      if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !e.altKey) return commit(ctx);
      if (e.key === 'Tab' && s.candidates.length > 1) {
        e.preventDefault();
        s.cycle(e.shiftKey ? -1 : 1);
        return true;
      }
      if (e.key === 'Backspace' && s.hasPrompt()) {
        if (s.points.length) s.setPrompt(s.points.slice(0, -1), s.box, e.timeStamp);
        else s.setPrompt([], null, e.timeStamp);
        return true;
      }
      return false;
    },
    cancel(ctx) {
      if (!s.hasPrompt() && !s.draft) return false;
      drag.reset();
      s.clear();
      ctx.redraw();
      return true;
    },
    busy: () => drag.pressed,
    deactivate(ctx) {
      drag.reset();
      s.clear();
      ctx.redraw();
    },
    drawOverlay(p, ctx) {
      s.attach(ctx);
      const g = p.ctx;
      if (s.preview.draw(p) && s.changedAt > 0) {
        // On screen with the next frame: the click → preview latency.
        const start = s.changedAt;
        s.changedAt = 0;
        requestAnimationFrame(() => performance.measure('parsel:prompt-preview', { start, end: performance.now() }));
      }
      const b = s.draft ?? s.box;
      if (b) drawBox(p, b, 4);
      for (const q of s.points) {
        const x = p.sx(q.x);
        const y = p.sy(q.y);
        g.beginPath();
        g.arc(x, y, 5, 0, 2 * Math.PI);
        g.fillStyle = q.positive ? '#2ecc40' : '#ff4136';
        g.fill();
        g.lineWidth = 1.5;
        g.strokeStyle = '#ffffff';
        g.stroke();
      }
    },
  };
}

/** Model choice, embedding, decoding and the status panel (see the file comment). */
export function PromptLayer({ imageId, active }: ToolLayerProps) {
  const client = useClient();
  const s = promptSession;
  useSyncExternalStore(s.subscribe, s.getSnapshot);
  const [models, setModels] = useState<ModelRecord[] | null>(null);
  const [modelId, setModelId] = useState<number | null>(() => readStoredId(MODEL_KEY));
  const [ready, setReady] = useState<string | null>(null);
  const run = useRef({ inFlight: false, image: imageId, model: modelId });
  run.current.image = imageId;
  run.current.model = modelId;

  useEffect(() => {
    if (!active) return;
    let live = true;
    client
      .call('models:list', {})
      .then((list) => live && setModels(list.filter((m) => m.kind === 'promptable' && m.available)))
      .catch((e: unknown) => live && ((s.error = toShownError(e)), s.notify()));
    return () => {
      live = false;
    };
  }, [client, active, s]);

  const model = useMemo(() => {
    if (!models) return null;
    return models.find((m) => m.id === modelId) ?? models[0] ?? null;
  }, [models, modelId]);

  // A new image: the prompt belongs to the old one.
  useEffect(() => {
    s.clear();
    setReady(null);
  }, [imageId, s]);

  // Active with a model: make sure the embedding exists (the encoder runs in main's worker).
  useEffect(() => {
    if (!active) return;
    if (models && !model) {
      s.status = 'no-model';
      s.notify();
      return;
    }
    if (!model) return;
    const key = `${model.id}:${imageId}`;
    if (ready === key) return;
    let live = true;
    const jobId = `prompt-${key}-${Date.now()}`;
    const off = client.on('job:progress', (p) => {
      if (p.jobId === jobId && live) {
        s.progress = p;
        s.notify();
      }
    });
    s.status = 'encoding';
    s.error = null;
    s.progress = null;
    s.notify();
    client
      .call('prompt:prepare', { modelId: model.id, imageId, jobId })
      .then(() => {
        if (!live) return;
        s.status = 'ready';
        s.progress = null;
        setReady(key);
        s.notify();
      })
      .catch((e: unknown) => {
        if (!live) return;
        s.status = 'error';
        s.error = toShownError(e);
        s.notify();
      })
      .finally(off);
    return () => {
      live = false;
      off();
    };
  }, [active, model, models, imageId, ready, client, s]);

  // Decode the newest prompt; one call at a time.
  useEffect(() => {
    if (!model) return;
    const decode = () => {
      const r = run.current;
      if (r.inFlight || !s.hasPrompt()) return;
      const version = s.version;
      const image = imageId;
      r.inFlight = true;
      s.status = 'decoding';
      client
        .call('prompt:decode', { modelId: model.id, imageId: image, points: s.points, box: s.box })
        .then((res) => {
          if (run.current.image !== image || s.version !== version) return;
          s.error = null;
          s.times = { decodeMs: res.decodeMs, workerMs: res.workerMs };
          s.showCandidates(res.candidates);
        })
        .catch((e: unknown) => {
          if (run.current.image === image && s.version === version) s.error = toShownError(e);
        })
        .finally(() => {
          r.inFlight = false;
          if (s.status === 'decoding') s.status = 'ready';
          s.notify();
          if (s.version !== version) decode();
        });
    };
    let seen = s.version;
    return s.subscribe(() => {
      if (s.version !== seen) {
        seen = s.version;
        decode();
      }
    });
  }, [client, model, imageId, s]);

  if (!active) return null;
  const c = s.current();
  return (
    <div
      className="ed-prompt-panel"
      data-testid="prompt-panel"
      data-status={s.status}
      data-candidates={s.candidates.length}
      data-shown={c ? `${c.index}` : ''}
      data-decode-ms={s.times?.decodeMs.toFixed(1)}
      data-worker-ms={s.times?.workerMs.toFixed(1)}
    >
      {models && models.length === 0 && (
        <div data-testid="prompt-no-model">No promptable model in this project: add a SAM-family model (Models → Add, or `parsel models add`).</div>
      )}
      {models && models.length > 0 && (
        <label>
          Model{' '}
          <select
            data-testid="prompt-model"
            value={model?.id ?? ''}
            onChange={(e) => {
              const id = Number(e.target.value);
              setModelId(id);
              storeId(MODEL_KEY, id);
              s.clear();
            }}
          >
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {s.status === 'encoding' && (
        <div className="ed-prompt-progress" data-testid="prompt-encoding" role="status">
          Computing the image embedding{s.progress?.phase ? ` (${s.progress.phase})` : ''}…
          {s.progress?.etaSeconds ? ` about ${Math.max(1, Math.round(s.progress.etaSeconds))} s` : ''}
          <div className="bar indeterminate" />
        </div>
      )}
      {c && (
        <div data-testid="prompt-candidate">
          Mask {s.shown + 1} / {s.candidates.length}
          {c.score !== null ? ` · IoU ${c.score.toFixed(2)}` : ''} · {c.area} px
        </div>
      )}
      {s.status !== 'encoding' && models && models.length > 0 && (
        <div className="faint">Click: add · Alt+click: exclude · drag: box · Tab: next mask · Enter: paint · Esc: drop</div>
      )}
      {s.error && <ErrorBox error={s.error} />}
    </div>
  );
}

export const promptTool: ToolDefinition = {
  id: 'prompt',
  title: 'Segment',
  action: 'tool.prompt',
  cursor: 'crosshair',
  create: createPromptTool,
  Layer: PromptLayer,
};
