/**
 * A class map painted onto the mask (model-made labels: the model brush's footprint, a re-parsed box, a
 * proposal committed whole or one class at a time). `labels` is w×h class bytes, row-major, with
 * `LEAVE` (255) where the mask is left alone; its top-left sits at image pixel (x, y), clipped to the
 * mask. Locks hold as for every tool (paint.ts): a pixel is written only where the lock table allows
 * its current class. Returns the rect of the pixels that changed, or null.
 */
import type { LockLut, MaskTarget, PatchSink, Rect } from './paint';
import { UNLOCKED } from './paint';

/** A label byte that means "leave this pixel as it is". */
export const LEAVE = 255;

export function paintLabels(target: MaskTarget, labels: Uint8Array, x: number, y: number, w: number, h: number, lut: LockLut = UNLOCKED, rec?: PatchSink | null): Rect | null {
  if (labels.length !== w * h) throw new RangeError(`paintLabels: ${labels.length} bytes for a ${w}×${h} class map`);
  const W = target.width;
  const d = target.data;
  const y0 = Math.max(0, y);
  const y1 = Math.min(target.height, y + h);
  const xa = Math.max(0, x);
  const xb = Math.min(W, x + w);
  let dx0 = Infinity;
  let dy0 = Infinity;
  let dx1 = -Infinity;
  let dy1 = -Infinity;
  for (let yy = y0; yy < y1; yy++) {
    const src = (yy - y) * w - x;
    const row = yy * W;
    // One span per row: from the first to the last pixel that would change.
    let first = -1;
    let last = -1;
    for (let xx = xa; xx < xb; xx++) {
      const v = labels[src + xx];
      const cur = d[row + xx];
      if (v !== LEAVE && v !== cur && lut[cur]) {
        if (first < 0) first = xx;
        last = xx;
      }
    }
    if (first < 0) continue;
    rec?.touchRow(yy, first, last + 1);
    for (let xx = first; xx <= last; xx++) {
      const v = labels[src + xx];
      const cur = d[row + xx];
      if (v !== LEAVE && v !== cur && lut[cur]) d[row + xx] = v;
    }
    if (first < dx0) dx0 = first;
    if (last > dx1) dx1 = last;
    if (yy < dy0) dy0 = yy;
    dy1 = yy;
  }
  return dx1 < 0 ? null : { x0: dx0, y0: dy0, x1: dx1 + 1, y1: dy1 + 1 };
}

/** The classes present in a class map (LEAVE excluded), ascending. */
export function labelsPresent(labels: Uint8Array): number[] {
  const seen = new Uint8Array(256);
  for (let i = 0; i < labels.length; i++) seen[labels[i]] = 1;
  const out: number[] = [];
  for (let c = 0; c < 255; c++) if (seen[c]) out.push(c);
  return out;
}
