/**
 * Pure painting primitives of the mask editor (DESIGN.md §3): brush/eraser strokes, polygon fill,
 * bucket fill, selection reassign, pick. They work in place on an index mask (`Uint8Array`, one class
 * byte per pixel, row-major) and know nothing of the UI. Undo/redo lives in patch.ts / history.ts.
 *
 * Conventions (every function):
 * - Pixel (x, y) is the unit square [x, x+1) × [y, y+1); its centre is (x + 0.5, y + 0.5).
 * - `Rect` is half-open: it covers x0 <= x < x1, y0 <= y < y1, in image pixels.
 * - Every painting function returns the bounding rect of the pixels whose value actually changed, or
 *   null when none did, so the UI recolours only that and skips no-op history entries.
 * - Locks (`Lock` → `lockLut`) decide by the pixel's *current* class whether it may be written; a pixel
 *   already holding the value being written is left alone (and not reported as changed).
 * - Optional `rec` (`PatchSink`, see patch.ts): told each row span *before* it is written, so undo
 *   can keep the exact before-pixels of a stroke that grows over many calls.
 *
 * Measured in test/bench/paint.bench.ts; figures in docs/bench/paint.md.
 */

export interface MaskTarget {
  /** width * height class bytes, row-major. Modified in place. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Half-open rectangle in image pixels: x0 <= x < x1, y0 <= y < y1. Never empty when returned. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Class locks shared by every tool:
 * - `onlyOver`: "paint only over class X" (null = off): only pixels currently of class X are written.
 * - `protect`: "protect classes": 256 flags, non-zero = pixels of that class are never written.
 */
export interface Lock {
  onlyOver: number | null;
  protect: Uint8Array | null;
}

/** 256 entries: lut[c] = 1 when a pixel currently of class c may be written. Build with `lockLut`. */
export type LockLut = Uint8Array;

/** Told about every row span before it is written (patch.ts's PatchRecorder implements it). */
export interface PatchSink {
  /** Pixels [x0, x1) of row y are about to be written (already clipped to the mask). */
  touchRow(y: number, x0: number, x1: number): void;
}

function buildLockLut(lock: Lock | null | undefined): LockLut {
  const lut = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    let ok = true;
    if (lock) {
      if (lock.onlyOver !== null && c !== lock.onlyOver) ok = false;
      if (lock.protect !== null && lock.protect[c]) ok = false;
    }
    lut[c] = ok ? 1 : 0;
  }
  return lut;
}

/** Everything writable (no lock). Do not modify. */
export const UNLOCKED: LockLut = buildLockLut(null);

/**
 * Builds the write-permission table of a lock (null/undefined lock = everything writable). A lock that
 * forbids nothing returns the shared `UNLOCKED` table, which takes the fast (fill) path.
 */
export function lockLut(lock?: Lock | null): LockLut {
  const lut = buildLockLut(lock);
  return lut.every((v) => v === 1) ? UNLOCKED : lut;
}

/** Class at (x, y) (coordinates floored), or null outside the mask. */
export function pickClass(target: MaskTarget, x: number, y: number): number | null {
  const px = Math.floor(x);
  const py = Math.floor(y);
  if (!(px >= 0 && py >= 0 && px < target.width && py < target.height)) return null;
  return target.data[py * target.width + px];
}

// ---------------------------------------------------------------------------------------------------
// Dirty-rect accumulation and the one inner loop that writes pixels.

/** Changed-pixel bounds, accumulated by writeSpan. x1/y1 inclusive internally; converted on output. */
class Dirty {
  x0 = Infinity;
  y0 = Infinity;
  x1 = -Infinity;
  y1 = -Infinity;
  add(x0: number, y: number, x1incl: number): void {
    if (x0 < this.x0) this.x0 = x0;
    if (x1incl > this.x1) this.x1 = x1incl;
    if (y < this.y0) this.y0 = y;
    if (y > this.y1) this.y1 = y;
  }
  rect(): Rect | null {
    return this.x1 < this.x0 ? null : { x0: this.x0, y0: this.y0, x1: this.x1 + 1, y1: this.y1 + 1 };
  }
}

/**
 * Writes `value` over pixels [x0, x1) of row y that the lock allows and that hold `from` (or any class
 * when from < 0). Records changed bounds into `dirty`. Span must already be clipped.
 */
function writeSpan(
  t: MaskTarget,
  y: number,
  x0: number,
  x1: number,
  value: number,
  from: number,
  lut: LockLut,
  dirty: Dirty,
  rec: PatchSink | null | undefined,
): void {
  if (from === value) return;
  const d = t.data;
  const base = y * t.width;
  const end = base + x1;
  let i = base + x0;
  // Skip the leading run of pixels that will not change, so the sink only hears of real writes' rows.
  if (from < 0) {
    while (i < end && (d[i] === value || lut[d[i]] === 0)) i++;
  } else {
    while (i < end && (d[i] !== from || lut[d[i]] === 0)) i++;
  }
  if (i === end) return;
  if (from < 0 && lut === UNLOCKED) {
    // No lock: everything between the first and last pixel to change can simply be filled.
    let j = end - 1;
    while (d[j] === value) j--;
    if (rec) rec.touchRow(y, i - base, j + 1 - base);
    d.fill(value, i, j + 1);
    dirty.add(i - base, y, j - base);
    return;
  }
  if (rec) rec.touchRow(y, i - base, x1);
  let first = -1;
  let last = -1;
  if (from < 0) {
    for (; i < end; i++) {
      const v = d[i];
      if (v !== value && lut[v] !== 0) {
        d[i] = value;
        if (first < 0) first = i;
        last = i;
      }
    }
  } else {
    for (; i < end; i++) {
      const v = d[i];
      if (v === from && lut[v] !== 0) {
        d[i] = value;
        if (first < 0) first = i;
        last = i;
      }
    }
  }
  if (first >= 0) dirty.add(first - base, y, last - base);
}

// ---------------------------------------------------------------------------------------------------
// Brush footprint.

export type BrushShape = 'round' | 'square';

export const MIN_BRUSH_SIZE = 1;
export const MAX_BRUSH_SIZE = 500;

/**
 * The exact set of pixels one brush dab paints, relative to the centre pixel (the pixel under the
 * pointer). The cursor preview must be drawn from this (e.g. `footprintOutline`), never from a circle.
 *
 * Centre convention: a brush of size s covers offsets lo..hi on both axes, lo = -floor(s/2),
 * hi = floor((s-1)/2). Odd sizes are centred on the centre pixel's centre; even sizes on its top-left
 * corner (size 2 = the pixel, its left, upper and upper-left neighbours).
 * Round: offset (dx, dy) is in iff its pixel centre lies within distance s/2 of that brush centre;
 * in doubled integer coordinates (2dx + e)² + (2dy + e)² <= s², e = 1 for even s, 0 for odd (never a
 * tie, so no rounding question). Square: every offset in lo..hi (s × s pixels).
 */
export interface Footprint {
  size: number;
  shape: BrushShape;
  /** Smallest offset (= -floor(size/2)), on both axes. */
  lo: number;
  /** Largest offset (= floor((size-1)/2)), on both axes. */
  hi: number;
  /** Per row, top to bottom: dy, x0, x1 (x1 exclusive), relative to the centre pixel. One span a row. */
  spans: Int32Array;
  /** Number of pixels in the footprint. */
  area: number;
}

const footprintCache = new Map<string, Footprint>();

/** The footprint of a brush of `size` image pixels (integer, clamped to 1..500). Cached; do not modify. */
export function brushFootprint(size: number, shape: BrushShape): Footprint {
  const s = Math.min(MAX_BRUSH_SIZE, Math.max(MIN_BRUSH_SIZE, Math.round(size)));
  const key = `${shape}:${s}`;
  const hit = footprintCache.get(key);
  if (hit) return hit;
  const lo = -(s >> 1);
  const hi = (s - 1) >> 1;
  const spans = new Int32Array(3 * s);
  const e = s % 2 === 0 ? 1 : 0;
  const s2 = s * s;
  let area = 0;
  for (let r = 0; r < s; r++) {
    const dy = lo + r;
    let x0 = lo;
    let x1 = hi + 1;
    if (shape === 'round') {
      const vy = 2 * dy + e;
      // Largest |2dx + e| allowed on this row; the row is symmetric about the brush centre.
      const rem = s2 - vy * vy;
      let m = Math.floor(Math.sqrt(rem));
      while (m * m > rem) m--;
      while ((m + 1) * (m + 1) <= rem) m++;
      // 2dx + e in [-m, m] → dx in [ceil((-m - e)/2), floor((m - e)/2)].
      x0 = Math.ceil((-m - e) / 2);
      x1 = Math.floor((m - e) / 2) + 1;
    }
    spans[3 * r] = dy;
    spans[3 * r + 1] = x0;
    spans[3 * r + 2] = x1;
    area += x1 - x0;
  }
  const fp: Footprint = { size: s, shape, lo, hi, spans, area };
  footprintCache.set(key, fp);
  return fp;
}

/**
 * Outline of a footprint as a closed rectilinear polygon along pixel edges, relative to the centre
 * pixel's top-left corner: [x, y, x, y, ...]. Add (cx, cy) and scale by the zoom to draw the cursor.
 */
export function footprintOutline(fp: Footprint): Float64Array {
  const n = fp.spans.length / 3;
  const out = new Float64Array(8 * n);
  let o = 0;
  for (let r = 0; r < n; r++) {
    const dy = fp.spans[3 * r];
    const x1 = fp.spans[3 * r + 2];
    out[o++] = x1;
    out[o++] = dy;
    out[o++] = x1;
    out[o++] = dy + 1;
  }
  for (let r = n - 1; r >= 0; r--) {
    const dy = fp.spans[3 * r];
    const x0 = fp.spans[3 * r + 1];
    out[o++] = x0;
    out[o++] = dy + 1;
    out[o++] = x0;
    out[o++] = dy;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Strokes.

let rowMin = new Int32Array(1024);
let rowMax = new Int32Array(1024);

/**
 * The centres a stroke segment visits: for n = max(|x1-x0|, |y1-y0|) and i = 0..n,
 * (x0 + floor((2i·dx + n) / 2n), y0 + floor((2i·dy + n) / 2n)) — the pixels nearest the exact line,
 * ties rounded up. Consecutive centres are 8-neighbours, so strokes have no gaps at any pointer speed.
 * Calls `visit(cx, cy)` for each, in order from (x0, y0) to (x1, y1).
 */
export function segmentPixels(x0: number, y0: number, x1: number, y1: number, visit: (x: number, y: number) => void): void {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const n = Math.max(Math.abs(dx), Math.abs(dy));
  if (n === 0) {
    visit(x0, y0);
    return;
  }
  const n2 = 2 * n;
  for (let i = 0; i <= n; i++) {
    visit(x0 + Math.floor((2 * i * dx + n) / n2), y0 + Math.floor((2 * i * dy + n) / n2));
  }
}

/**
 * Paints `value` over the union of `fp` placed at every centre of the segment (x0, y0) → (x1, y1)
 * (pixel coordinates, floored; see `segmentPixels`). A stroke is one call per pointer-move segment;
 * a single dab is a segment of length 0. Each pixel is read and written at most once per call (the
 * union is built per row first: one span per row). Brush and eraser are the same call: the eraser
 * passes its "erase to" class (default background 0) as `value`.
 */
export function stampLine(
  target: MaskTarget,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  fp: Footprint,
  value: number,
  lut: LockLut = UNLOCKED,
  rec?: PatchSink | null,
): Rect | null {
  const W = target.width;
  const H = target.height;
  x0 = Math.floor(x0);
  y0 = Math.floor(y0);
  x1 = Math.floor(x1);
  y1 = Math.floor(y1);
  const { lo, hi, spans } = fp;
  // Rows the union can reach, clipped to the mask.
  const yTop = Math.max(0, Math.min(y0, y1) + lo);
  const yBot = Math.min(H - 1, Math.max(y0, y1) + hi);
  if (yTop > yBot) return null;
  if (Math.max(x0, x1) + hi < 0 || Math.min(x0, x1) + lo >= W) return null;
  const rows = yBot - yTop + 1;
  if (rowMin.length < rows) {
    rowMin = new Int32Array(rows * 2);
    rowMax = new Int32Array(rows * 2);
  }
  const mn = rowMin;
  const mx = rowMax;
  mn.fill(0x7fffffff, 0, rows);
  mx.fill(-0x7fffffff, 0, rows);
  const nr = spans.length / 3;

  const dx = x1 - x0;
  const dy = y1 - y0;
  const n = Math.max(Math.abs(dx), Math.abs(dy));
  const n2 = 2 * n;
  let pcx = NaN;
  let pcy = NaN;
  for (let i = 0; i <= n; i++) {
    const cx = n === 0 ? x0 : x0 + Math.floor((2 * i * dx + n) / n2);
    const cy = n === 0 ? y0 : y0 + Math.floor((2 * i * dy + n) / n2);
    if (cx === pcx && cy === pcy) continue;
    pcx = cx;
    pcy = cy;
    let r0 = 0;
    let r1 = nr;
    // Footprint rows that land inside [yTop, yBot].
    if (cy + lo < yTop) r0 = yTop - (cy + lo);
    if (cy + hi > yBot) r1 = nr - (cy + hi - yBot);
    for (let r = r0; r < r1; r++) {
      const k = cy + lo + r - yTop;
      const a = cx + spans[3 * r + 1];
      const b = cx + spans[3 * r + 2];
      if (a < mn[k]) mn[k] = a;
      if (b > mx[k]) mx[k] = b;
    }
  }

  const dirty = new Dirty();
  for (let k = 0; k < rows; k++) {
    const a = mn[k] < 0 ? 0 : mn[k];
    const b = mx[k] > W ? W : mx[k];
    if (a < b) writeSpan(target, yTop + k, a, b, value, -1, lut, dirty, rec);
  }
  return dirty.rect();
}

// ---------------------------------------------------------------------------------------------------
// Polygons (even-odd, pixel-centre sampling).

let edgeBuf = new Float64Array(4 * 64);
let xsBuf = new Float64Array(64);

/**
 * Row spans of the pixels inside a polygon: pixel (x, y) is inside iff its centre (x+0.5, y+0.5) is
 * inside under the even-odd rule (a horizontal ray from the centre crosses the outline an odd number
 * of times; an edge counts when one end is above the centre line and the other at or below it, i.e.
 * (ya > yc) !== (yb > yc); a centre exactly on a crossing belongs to the span on its right). Concave
 * and self-intersecting outlines are fine; the polygon closes itself (last point → first).
 * `points` = [x0, y0, x1, y1, ...] in image pixels (fractional allowed). Clipped to the mask.
 * Returns triplets y, x0, x1 (x1 exclusive), rows ascending, spans ascending within a row.
 */
export function polygonSpans(points: ArrayLike<number>, width: number, height: number): Int32Array {
  const out: number[] = [];
  forEachPolygonSpan(points, width, height, (y, a, b) => {
    out.push(y, a, b);
  });
  return Int32Array.from(out);
}

function forEachPolygonSpan(
  points: ArrayLike<number>,
  width: number,
  height: number,
  span: (y: number, x0: number, x1: number) => void,
): void {
  const nv = points.length >> 1;
  if (nv < 3) return;
  // Edges as (ya, xa, yb, xb) with ya < yb; horizontal edges never cross a centre line.
  if (edgeBuf.length < 4 * nv) edgeBuf = new Float64Array(8 * nv);
  const E = edgeBuf;
  let ne = 0;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < nv; i++) {
    const j = i + 1 === nv ? 0 : i + 1;
    let xa = +points[2 * i];
    let ya = +points[2 * i + 1];
    let xb = +points[2 * j];
    let yb = +points[2 * j + 1];
    if (!(Number.isFinite(xa) && Number.isFinite(ya) && Number.isFinite(xb) && Number.isFinite(yb))) {
      throw new RangeError(`polygon: point ${i} or ${j} is not a finite number`);
    }
    if (ya === yb) continue;
    if (ya > yb) {
      [xa, xb] = [xb, xa];
      [ya, yb] = [yb, ya];
    }
    E[4 * ne] = ya;
    E[4 * ne + 1] = xa;
    E[4 * ne + 2] = yb;
    E[4 * ne + 3] = xb;
    ne++;
    if (ya < minY) minY = ya;
    if (yb > maxY) maxY = yb;
  }
  if (ne === 0) return;
  // Rows whose centre line yc = y + 0.5 satisfies minY <= yc < maxY.
  const rowA = Math.max(0, Math.ceil(minY - 0.5));
  const rowB = Math.min(height, Math.ceil(maxY - 0.5)); // exclusive
  if (rowA >= rowB) return;
  // Edges sorted by their first row; an active list swept downwards.
  const order = new Int32Array(ne);
  for (let e = 0; e < ne; e++) order[e] = e;
  order.sort((p, q) => E[4 * p] - E[4 * q]);
  const active = new Int32Array(ne);
  let na = 0;
  let next = 0;
  if (xsBuf.length < ne) xsBuf = new Float64Array(2 * ne);
  const xs = xsBuf;
  for (let y = rowA; y < rowB; y++) {
    const yc = y + 0.5;
    while (next < ne && E[4 * order[next]] <= yc) active[na++] = order[next++];
    let nx = 0;
    for (let k = 0; k < na; k++) {
      const e = active[k];
      const ya = E[4 * e];
      const yb = E[4 * e + 2];
      if (yb <= yc) {
        active[k--] = active[--na];
        continue;
      }
      if (ya > yc) continue; // cannot happen (sorted insertion), kept for safety
      const xa = E[4 * e + 1];
      const xb = E[4 * e + 3];
      // Division last: exact whenever the crossing is representable (integer/half-integer vertices).
      const x = xa + ((yc - ya) * (xb - xa)) / (yb - ya);
      // Insertion sort: the active list is short.
      let p = nx++;
      while (p > 0 && xs[p - 1] > x) {
        xs[p] = xs[p - 1];
        p--;
      }
      xs[p] = x;
    }
    for (let k = 0; k + 1 < nx; k += 2) {
      // Centres c with xs[k] <= c < xs[k+1]: x >= ceil(xs[k] - 0.5), x < ceil(xs[k+1] - 0.5).
      let a = Math.ceil(xs[k] - 0.5);
      let b = Math.ceil(xs[k + 1] - 0.5);
      if (a < 0) a = 0;
      if (b > width) b = width;
      if (a < b) span(y, a, b);
    }
  }
}

/**
 * Reassigns to `toClass` the pixels inside a polygon (lasso selection; rules of `polygonSpans`) that
 * hold `fromClass` (null = any class) and that the lock allows.
 */
export function reassignInPolygon(
  target: MaskTarget,
  points: ArrayLike<number>,
  toClass: number,
  fromClass: number | null,
  lut: LockLut = UNLOCKED,
  rec?: PatchSink | null,
): Rect | null {
  const dirty = new Dirty();
  const from = fromClass === null ? -1 : fromClass;
  forEachPolygonSpan(points, target.width, target.height, (y, a, b) =>
    writeSpan(target, y, a, b, toClass, from, lut, dirty, rec),
  );
  return dirty.rect();
}

/**
 * Polygon tool, on close. 'add': paints `value` inside (like a brush). 'subtract': pixels inside that
 * hold `value` become `subtractValue` (the "erase to" class, default 0). Locks apply to both.
 */
export function fillPolygon(
  target: MaskTarget,
  points: ArrayLike<number>,
  value: number,
  lut: LockLut = UNLOCKED,
  mode: 'add' | 'subtract' = 'add',
  subtractValue = 0,
  rec?: PatchSink | null,
): Rect | null {
  return mode === 'add'
    ? reassignInPolygon(target, points, value, null, lut, rec)
    : reassignInPolygon(target, points, subtractValue, value, lut, rec);
}

/**
 * Reassigns to `toClass` the pixels of a rectangle selection (clipped to the mask) that hold
 * `fromClass` (null = any) and that the lock allows.
 */
export function reassignInRect(
  target: MaskTarget,
  rect: Rect,
  toClass: number,
  fromClass: number | null,
  lut: LockLut = UNLOCKED,
  rec?: PatchSink | null,
): Rect | null {
  const x0 = Math.max(0, Math.floor(rect.x0));
  const y0 = Math.max(0, Math.floor(rect.y0));
  const x1 = Math.min(target.width, Math.floor(rect.x1));
  const y1 = Math.min(target.height, Math.floor(rect.y1));
  const dirty = new Dirty();
  const from = fromClass === null ? -1 : fromClass;
  if (x0 < x1) for (let y = y0; y < y1; y++) writeSpan(target, y, x0, x1, toClass, from, lut, dirty, rec);
  return dirty.rect();
}

// ---------------------------------------------------------------------------------------------------
// Bucket fill.

let stackBuf = new Int32Array(4096);

/**
 * Bucket fill: the region of pixels connected (4- or 8-) to (x, y) that hold the clicked pixel's
 * class becomes `value`. Locks: they depend only on a pixel's class and the whole region has one
 * class, so the region is either all writable or left alone (null). Scanline fill with an explicit
 * stack: no recursion, fine on 4096² and larger.
 */
export function floodFill(
  target: MaskTarget,
  x: number,
  y: number,
  value: number,
  connectivity: 4 | 8 = 4,
  lut: LockLut = UNLOCKED,
  rec?: PatchSink | null,
): Rect | null {
  const W = target.width;
  const H = target.height;
  const sx = Math.floor(x);
  const sy = Math.floor(y);
  if (!(sx >= 0 && sy >= 0 && sx < W && sy < H)) return null;
  const d = target.data;
  const seed = d[sy * W + sx];
  if (seed === value || lut[seed] === 0) return null;
  const diag = connectivity === 8 ? 1 : 0;
  let stack = stackBuf;
  let sp = 0;
  stack[sp++] = sx;
  stack[sp++] = sy;
  let bx0 = sx;
  let bx1 = sx;
  let by0 = sy;
  let by1 = sy;
  while (sp > 0) {
    const py = stack[--sp];
    const px = stack[--sp];
    const row = py * W;
    if (d[row + px] !== seed) continue;
    let l = px;
    while (l > 0 && d[row + l - 1] === seed) l--;
    let r = px + 1;
    while (r < W && d[row + r] === seed) r++;
    if (rec) rec.touchRow(py, l, r);
    d.fill(value, row + l, row + r);
    if (l < bx0) bx0 = l;
    if (r - 1 > bx1) bx1 = r - 1;
    if (py < by0) by0 = py;
    if (py > by1) by1 = py;
    // Seed the start of each run of `seed` pixels in the rows above and below.
    const a = l - diag < 0 ? 0 : l - diag;
    const b = r + diag > W ? W : r + diag;
    for (let ny = py - 1; ny <= py + 1; ny += 2) {
      if (ny < 0 || ny >= H) continue;
      const nrow = ny * W;
      let inRun = false;
      for (let i = a; i < b; i++) {
        if (d[nrow + i] === seed) {
          if (!inRun) {
            if (sp + 2 > stack.length) {
              const grown = new Int32Array(stack.length * 2);
              grown.set(stack);
              stack = stackBuf = grown;
            }
            stack[sp++] = i;
            stack[sp++] = ny;
            inRun = true;
          }
        } else inRun = false;
      }
    }
  }
  return { x0: bx0, y0: by0, x1: bx1 + 1, y1: by1 + 1 };
}

// ---------------------------------------------------------------------------------------------------
