/**
 * Tool state machines of the mask editor, free of DOM, Konva and React (unit-tested in tools.test.ts);
 * the tools themselves (handlers, overlay, options) are the modules of toolbox/.
 * Coordinates are image pixels. Polygon, lasso and rectangle vertices snap to pixel corners (integer
 * coordinates): with pixel-centre sampling (paint.ts) an outline on corners never passes through a
 * centre, so what gets filled is exactly what the outline shows, at any zoom.
 */
import { MAX_BRUSH_SIZE, MIN_BRUSH_SIZE, type Rect } from '../../../shared/mask/paint';

/** `[` / `]`: one pixel at a time up to 10, then about 10 % a step. */
export function stepBrushSize(size: number, dir: 1 | -1): number {
  const step = size < 10 || (size === 10 && dir < 0) ? 1 : Math.max(1, Math.round(size * 0.1));
  return Math.min(MAX_BRUSH_SIZE, Math.max(MIN_BRUSH_SIZE, Math.round(size) + dir * step));
}

export function snap(v: number): number {
  return Math.round(v);
}

/** Click-to-add polygon: idle → drawing (≥ 1 vertex) → closed (fill) or cancelled (Esc). */
export class PolygonTool {
  points: number[] = [];

  get active(): boolean {
    return this.points.length > 0;
  }
  get vertexCount(): number {
    return this.points.length >> 1;
  }

  /**
   * A click at image point (x, y). `closeDist` is the distance in image pixels within which a click on
   * the first vertex closes the polygon. Returns the closed outline when this click closed it.
   */
  click(x: number, y: number, closeDist: number): number[] | null {
    const sx = snap(x);
    const sy = snap(y);
    const n = this.points.length;
    if (n >= 6 && Math.hypot(x - this.points[0], y - this.points[1]) <= closeDist) return this.close();
    if (n >= 2 && this.points[n - 2] === sx && this.points[n - 1] === sy) return null;
    // Back on the first vertex before there is a polygon to close: nothing to add.
    if (n >= 2 && this.points[0] === sx && this.points[1] === sy) return null;
    this.points.push(sx, sy);
    return null;
  }

  /** Closes (Enter, double-click): the outline when it has ≥ 3 vertices, else null (kept drawing). */
  close(): number[] | null {
    if (this.points.length < 6) return null;
    const out = this.points;
    this.points = [];
    return out;
  }

  /** Backspace: drops the last vertex. */
  removeLast(): void {
    this.points.length = Math.max(0, this.points.length - 2);
  }

  cancel(): void {
    this.points = [];
  }
}

/** Freehand lasso: press, drag, release → a closed outline (null when it encloses nothing). */
export class LassoTool {
  points: number[] = [];
  active = false;

  begin(x: number, y: number): void {
    this.active = true;
    this.points = [snap(x), snap(y)];
  }

  move(x: number, y: number): void {
    if (!this.active) return;
    const sx = snap(x);
    const sy = snap(y);
    const n = this.points.length;
    if (this.points[n - 2] !== sx || this.points[n - 1] !== sy) this.points.push(sx, sy);
  }

  end(): number[] | null {
    if (!this.active) return null;
    this.active = false;
    const pts = this.points;
    this.points = [];
    return pts.length >= 6 && Math.abs(polygonArea(pts)) > 0 ? pts : null;
  }

  cancel(): void {
    this.active = false;
    this.points = [];
  }
}

/** Rectangle selection: press, drag, release → a half-open rect on pixel corners (null when empty). */
export class RectTool {
  start: { x: number; y: number } | null = null;
  current: Rect | null = null;

  begin(x: number, y: number): void {
    this.start = { x: snap(x), y: snap(y) };
    this.current = null;
  }

  move(x: number, y: number): void {
    if (!this.start) return;
    const sx = snap(x);
    const sy = snap(y);
    const r = {
      x0: Math.min(this.start.x, sx),
      y0: Math.min(this.start.y, sy),
      x1: Math.max(this.start.x, sx),
      y1: Math.max(this.start.y, sy),
    };
    this.current = r.x1 > r.x0 && r.y1 > r.y0 ? r : null;
  }

  end(): Rect | null {
    const r = this.current;
    this.start = null;
    this.current = null;
    return r;
  }

  cancel(): void {
    this.start = null;
    this.current = null;
  }
}

export type Selection = { kind: 'polygon'; points: number[] } | { kind: 'rect'; rect: Rect };

/** Signed shoelace area of [x0, y0, x1, y1, ...]. */
export function polygonArea(p: ArrayLike<number>): number {
  let a = 0;
  const n = p.length >> 1;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    a += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
  }
  return a / 2;
}

/** Pixels that differ between two masks of the same size: count, bounds, and a 0/1 map. */
export function maskDiff(a: Uint8Array, b: Uint8Array, width: number): { count: number; rect: Rect | null; map: Uint8Array } {
  if (a.length !== b.length) throw new RangeError(`masks differ in size (${a.length} and ${b.length} pixels)`);
  const map = new Uint8Array(a.length);
  let count = 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      map[i] = 1;
      count++;
      const x = i % width;
      const y = (i - x) / width;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return { count, rect: count ? { x0, y0, x1: x1 + 1, y1: y1 + 1 } : null, map };
}

/** Smallest face box the editor keeps (image pixels a side): a shorter drag is a click, not a box. */
export const MIN_DRAWN_FACE_BOX = 2;

/**
 * The face box of a drag from a to b (image coordinates), snapped to pixel corners and clipped to the
 * w×h image, corners ordered top-left / bottom-right; null when under MIN_DRAWN_FACE_BOX a side.
 */
export function faceBoxFromDrag(a: { x: number; y: number }, b: { x: number; y: number }, w: number, h: number): { x0: number; y0: number; x1: number; y1: number } | null {
  const cx = (v: number) => Math.min(w, Math.max(0, snap(v)));
  const cy = (v: number) => Math.min(h, Math.max(0, snap(v)));
  const r = { x0: Math.min(cx(a.x), cx(b.x)), y0: Math.min(cy(a.y), cy(b.y)), x1: Math.max(cx(a.x), cx(b.x)), y1: Math.max(cy(a.y), cy(b.y)) };
  return r.x1 - r.x0 >= MIN_DRAWN_FACE_BOX && r.y1 - r.y0 >= MIN_DRAWN_FACE_BOX ? r : null;
}

/**
 * Saves of a whole list (the image's face boxes, `faceBox:set`), one at a time and in order. `stored`
 * gets the reply (the list as stored) to the NEWEST save only: a reply to an earlier one would replace
 * the newer local list on screen, and a change made meanwhile would be built on it. `failed` gets a
 * save's error, with `latest` false when a newer save was made since.
 */
export function serialSaves<L, R>(
  send: (list: L) => Promise<R>,
  on: { stored: (reply: R, list: L) => void; failed: (err: unknown, list: L, latest: boolean) => void | Promise<void> },
): (list: L) => Promise<void> {
  let chain: Promise<unknown> = Promise.resolve();
  let seq = 0;
  return (list) => {
    const n = ++seq;
    const done = chain.then(() => send(list)).then(
      (r) => {
        if (n === seq) on.stored(r, list);
      },
      (e: unknown) => on.failed(e, list, n === seq),
    );
    chain = done.catch(() => undefined);
    return done;
  };
}
