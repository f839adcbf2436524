/**
 * The preview → commit / discard path of model-made edits, shared by the Segment tool (prompt.tsx)
 * and Re-parse (assist.tsx). A proposal is a class map over a region of the image (LEAVE where nothing
 * is proposed), drawn semi-transparent on the overlay until it is committed or dropped. A Segment
 * candidate is a proposal whose map has one class, painted as the current class. A commit is one undo
 * step through `EditorCore.paintLabels`: class locks and "paint only over" hold.
 */
import { LEAVE, labelsPresent } from '../../../../shared/mask/labels';
import type { EditorCore } from '../core';
import type { OverlayPainter } from './types';

export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A class map over a region of the image (w×h class bytes, LEAVE where nothing is proposed). */
export interface ClassMap extends Region {
  labels: Uint8Array;
}

export class ProposalPreview<P extends ClassMap = ClassMap> {
  /** The proposal shown, null when none. */
  shown: P | null = null;
  private drawn: { canvas: HTMLCanvasElement; p: P } | null = null;

  /** `colours()`: each class value's ABGR colour (alpha included), read when a proposal is first drawn. */
  constructor(private readonly colours: () => Uint32Array) {}

  /** Shows `p` (a map that proposes nothing shows nothing); null drops the proposal. */
  show(p: P | null): void {
    this.shown = p && labelsPresent(p.labels).length > 0 ? p : null;
    this.drawn = null;
  }
  /** The classes proposed, ascending. */
  classes(): number[] {
    return this.shown ? labelsPresent(this.shown.labels) : [];
  }
  /** Draws the proposal on the overlay (built on a canvas once per proposal); false when none is shown. */
  draw(o: OverlayPainter): boolean {
    const p = this.shown;
    if (!p) return false;
    if (this.drawn?.p !== p) this.drawn = { canvas: toCanvas(p, this.colours()), p };
    const g = o.ctx;
    g.save();
    g.imageSmoothingEnabled = false;
    const x0 = o.sx(p.x);
    const y0 = o.sy(p.y);
    g.drawImage(this.drawn.canvas, x0, y0, o.sx(p.x + p.w) - x0, o.sy(p.y + p.h) - y0);
    g.restore();
    return true;
  }
  /**
   * Paints class `only` of the proposal (null: all of it) as one undo step, as class `as` when given;
   * what is painted leaves the proposal, the rest stays shown. False without a proposal.
   */
  commit(core: EditorCore, only: number | null = null, as?: number): boolean {
    const p = this.shown;
    if (!p) return false;
    if (only === null && as === undefined) {
      core.paintLabels(p.labels, p.x, p.y, p.w, p.h);
      this.show(null);
      return true;
    }
    const part = new Uint8Array(p.labels.length).fill(LEAVE);
    const rest = p.labels.slice();
    for (let i = 0; i < part.length; i++) {
      const v = p.labels[i];
      if (v !== LEAVE && (only === null || v === only)) {
        part[i] = as ?? v;
        rest[i] = LEAVE;
      }
    }
    core.paintLabels(part, p.x, p.y, p.w, p.h);
    this.show(only === null ? null : { ...p, labels: rest });
    return true;
  }
}

function toCanvas(p: ClassMap, lut: Uint32Array): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = p.w;
  canvas.height = p.h;
  const g = canvas.getContext('2d')!;
  const img = g.createImageData(p.w, p.h);
  const px = new Uint32Array(img.data.buffer);
  for (let i = 0; i < p.labels.length; i++) if (p.labels[i] !== LEAVE) px[i] = lut[p.labels[i]];
  g.putImageData(img, 0, 0);
  return canvas;
}
