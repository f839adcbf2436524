/**
 * The editing core of one open mask, outside React: the index map (source of truth), the undo
 * history, and the once-per-frame commit of dirty rectangles.
 *
 * Hot path (pointer move while painting): `strokeTo` runs `stampLine` from the last point to the new
 * one with the stroke's patch recorder, unions the changed rect into `dirty` and asks for one
 * animation frame. The frame hands `dirty` to `onFrame` (the editor recolours just the screen pixels
 * it covers, maskView.ts). No React state is touched while painting.
 *
 * Edits bump `version`; the autosave compares it with the version last saved. History survives saves,
 * view changes and tool changes; only a new edit clears redo.
 */
import { History } from '../../../shared/mask/history';
import { beginPatch, type Patch, type PatchRecorder } from '../../../shared/mask/patch';
import {
  brushFootprint,
  fillPolygon,
  floodFill,
  lockLut,
  reassignInPolygon,
  reassignInRect,
  stampLine,
  UNLOCKED,
  type BrushShape,
  type Footprint,
  type Lock,
  type LockLut,
  type MaskTarget,
  type Rect,
} from '../../../shared/mask/paint';
import { paintLabels } from '../../../shared/mask/labels';
import type { Selection } from './tools';

/**
 * What a history entry stands for beyond its pixels: an accepted noise flag (the review undoes /
 * redoes the flag's decision with it, review/useNoiseReview.ts).
 */
export interface EditTag {
  kind: 'flag-accept';
  flagId: number;
  /** The `fix` revision the accept wrote. */
  revisionId: number;
}

/** Bytes of undo/redo patches kept per open image before the oldest are dropped. */
export const HISTORY_BUDGET_BYTES = 256 * 1024 * 1024;

export class EditorCore {
  readonly mask: MaskTarget;
  readonly history = new History({ budgetBytes: HISTORY_BUDGET_BYTES });
  /** Incremented by every change of the mask (edit, undo, redo, loaded version). */
  version = 0;
  lock: LockLut = UNLOCKED;
  /** Called once per animation frame with the image rect changed since the last one (recolour it). */
  onFrame: (dirty: Rect | null) => void = () => undefined;
  /** Called after every finished edit / undo / redo (not per pointer move). */
  onChange: () => void = () => undefined;
  /** Called after the undo / redo of a tagged entry (after onChange). */
  onTagged: (op: 'undo' | 'redo', tag: EditTag) => void = () => undefined;

  private dirty: Rect | null = null;
  private raf = 0;
  private rec: PatchRecorder | null = null;
  private last: { x: number; y: number } | null = null;
  private fp: Footprint | null = null;
  private value = 0;
  private readonly tags = new WeakMap<Patch, EditTag>();

  constructor(width: number, height: number, data: Uint8Array) {
    this.mask = { width, height, data };
  }

  setLock(lock: Lock): void {
    this.lock = lock.onlyOver === null && lock.protect === null ? UNLOCKED : lockLut(lock);
  }

  // ---- frame commit -------------------------------------------------------------------------------
  markDirty(r: Rect | null): void {
    if (!r) return;
    const d = this.dirty;
    this.dirty = d
      ? { x0: Math.min(d.x0, r.x0), y0: Math.min(d.y0, r.y0), x1: Math.max(d.x1, r.x1), y1: Math.max(d.y1, r.y1) }
      : { ...r };
    if (!this.raf) this.raf = requestAnimationFrame(this.frame);
  }

  /** Recolours what changed since the last frame now (tests and saves call it; frames call it too). */
  flushFrame(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.frame();
  }

  private readonly frame = (): void => {
    this.raf = 0;
    const d = this.dirty;
    this.dirty = null;
    this.onFrame(d);
  };

  dispose(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
  }

  // ---- strokes (brush and eraser) -----------------------------------------------------------------
  get stroking(): boolean {
    return this.rec !== null && this.last !== null;
  }

  /** Pointer down: starts a stroke and paints the first dab at pixel (x, y). */
  beginStroke(x: number, y: number, size: number, shape: BrushShape, value: number): void {
    this.endEdit();
    this.rec = beginPatch(this.mask);
    this.fp = brushFootprint(size, shape);
    this.value = value;
    this.last = { x: Math.floor(x), y: Math.floor(y) };
    this.markDirty(stampLine(this.mask, x, y, x, y, this.fp, value, this.lock, this.rec));
  }

  /** Pointer move during a stroke: paints the segment from the last point to pixel (x, y). */
  strokeTo(x: number, y: number): void {
    const l = this.last;
    if (!l || !this.rec || !this.fp) return;
    const px = Math.floor(x);
    const py = Math.floor(y);
    if (px === l.x && py === l.y) return;
    this.markDirty(stampLine(this.mask, l.x, l.y, px, py, this.fp, this.value, this.lock, this.rec));
    l.x = px;
    l.y = py;
  }

  /** Pointer up: the stroke becomes one history entry (none when nothing changed). */
  endStroke(): boolean {
    this.last = null;
    return this.endEdit();
  }

  /** Esc during a stroke: puts the pixels back. */
  cancelStroke(): void {
    this.last = null;
    if (!this.rec) return;
    this.markDirty(this.rec.cancel());
    this.rec = null;
  }

  private endEdit(): boolean {
    const rec = this.rec;
    this.rec = null;
    if (!rec) return false;
    const added = this.history.push(rec.end());
    if (added) {
      this.version++;
      this.onChange();
    }
    return added;
  }

  /** Runs one whole edit (fill, polygon, reassign, replace) as one history entry. */
  private edit(fn: (rec: PatchRecorder) => Rect | null): boolean {
    this.endEdit();
    this.rec = beginPatch(this.mask);
    this.markDirty(fn(this.rec));
    return this.endEdit();
  }

  // ---- one-shot tools ------------------------------------------------------------------------------
  fill(x: number, y: number, value: number, connectivity: 4 | 8): boolean {
    return this.edit((rec) => floodFill(this.mask, x, y, value, connectivity, this.lock, rec));
  }

  polygon(points: number[], value: number, mode: 'add' | 'subtract', eraseTo: number): boolean {
    return this.edit((rec) => fillPolygon(this.mask, points, value, this.lock, mode, eraseTo, rec));
  }

  reassign(sel: Selection, toClass: number, fromClass: number | null): boolean {
    return this.edit((rec) =>
      sel.kind === 'rect'
        ? reassignInRect(this.mask, sel.rect, toClass, fromClass, this.lock, rec)
        : reassignInPolygon(this.mask, sel.points, toClass, fromClass, this.lock, rec),
    );
  }

  /**
   * Paints a model-made class map (w×h class bytes, 255 = leave; top-left at image pixel (x, y)),
   * respecting the lock, as one history entry: a Segment candidate, a re-parsed box or a proposal committed, a "take the
   * model's class in this lasso" (shared/mask/labels.ts).
   */
  paintLabels(labels: Uint8Array, x: number, y: number, w: number, h: number): boolean {
    return this.edit((rec) => paintLabels(this.mask, labels, x, y, w, h, this.lock, rec));
  }

  /**
   * The model brush: a stroke whose dabs write a class map (each pixel the model's class) rather than
   * one value. `beginLabelStroke`, then `labelStrokeAdd` per segment; `endStroke` makes it one history
   * entry, `cancelStroke` puts the pixels back.
   */
  beginLabelStroke(): void {
    this.endEdit();
    this.last = null;
    this.rec = beginPatch(this.mask);
  }

  labelStrokeAdd(labels: Uint8Array, x: number, y: number, w: number, h: number): void {
    if (!this.rec) return;
    this.markDirty(paintLabels(this.mask, labels, x, y, w, h, this.lock, this.rec));
  }

  /** Replaces the whole mask (take theirs, revert, an accepted flag) as one undoable entry, tagged or not. */
  replace(data: Uint8Array, tag?: EditTag): boolean {
    if (data.length !== this.mask.data.length) throw new RangeError('replace: mask size differs');
    const added = this.edit((rec) => {
      const full = { x0: 0, y0: 0, x1: this.mask.width, y1: this.mask.height };
      rec.touchRect(full);
      this.mask.data.set(data);
      return full;
    });
    const top = this.history.nextUndo;
    if (added && tag && top) this.tags.set(top, tag);
    return added;
  }

  /** The tag of the entry the next undo / redo would apply (undefined: none or untagged). */
  nextTag(op: 'undo' | 'redo'): EditTag | undefined {
    const p = op === 'undo' ? this.history.nextUndo : this.history.nextRedo;
    return p && this.tags.get(p);
  }

  // ---- history -------------------------------------------------------------------------------------
  undo(): boolean {
    if (this.rec) this.endStroke();
    const tag = this.nextTag('undo');
    const r = this.history.undo(this.mask);
    if (!r) return false;
    this.version++;
    this.markDirty(r);
    this.onChange();
    if (tag) this.onTagged('undo', tag);
    return true;
  }

  redo(): boolean {
    if (this.rec) this.endStroke();
    const tag = this.nextTag('redo');
    const r = this.history.redo(this.mask);
    if (!r) return false;
    this.version++;
    this.markDirty(r);
    this.onChange();
    if (tag) this.onTagged('redo', tag);
    return true;
  }
}
