/**
 * Undo patches: the before/after pixels of the rectangle an edit changed (DESIGN.md §3: "per stroke,
 * storing the dirty-rectangle patch, not whole masks").
 *
 * Capturing an exact before-state for a stroke that grows over many `stampLine` calls: the painting
 * functions of paint.ts take a `PatchSink` and announce every row span *before* writing it. The
 * recorder keeps a copy of each 64×64 tile on first touch (4 KiB a tile), so memory while a stroke is
 * in progress is proportional to the area the stroke has reached (a 300 px round brush dragged 300 px
 * touches about 80 tiles = 320 KiB), never to the mask, and there is no per-pixel cost: one flag test
 * per tile per row span. (Figures: docs/bench/paint.md.)
 *
 * `end()` compares the saved tiles with the mask to find the exact bounding rect of the pixels that
 * changed (null when nothing did: no empty history entries), and stores that rect's before and after
 * pixels, run-length encoded (codec.ts's rle1 stream) when that is at most half the raw size —
 * brush/fill patches are runs, so typically 5-50x smaller.
 *
 *   const rec = beginPatch(mask);
 *   stampLine(mask, ..., lut, rec);   // every pointer move of the stroke
 *   history.push(endPatch(rec));      // pointer up
 *
 * Edits made by other code (smart tools) call `rec.touchRect(rect)` before writing that rect.
 */
import { rleDecode, rleEncode } from './codec';
import type { MaskTarget, PatchSink, Rect } from './paint';

const TILE_SHIFT = 6;
const TILE = 1 << TILE_SHIFT;

export type PatchEncoding = 'raw' | 'rle1';

export interface Patch {
  /** Size of the mask the patch belongs to; applying it to another size throws. */
  width: number;
  height: number;
  /** Bounding rect of the changed pixels (half-open). */
  rect: Rect;
  /** The rect's pixels before and after the edit, row-major, rect-sized; encoded per `encoding`. */
  before: Uint8Array;
  after: Uint8Array;
  encoding: PatchEncoding;
  /** Bytes held by before + after. */
  bytes: number;
}

export interface EndPatchOptions {
  /** 'auto' (default): rle1 when it is at most half the raw size; 'raw': never encode. */
  compress?: 'auto' | 'raw';
}

export class PatchRecorder implements PatchSink {
  readonly target: MaskTarget;
  private readonly tilesX: number;
  private readonly saved: (Uint8Array | null)[];
  private readonly order: number[] = [];
  private ended = false;

  constructor(target: MaskTarget) {
    if (target.data.length !== target.width * target.height) {
      throw new RangeError(`patch: mask has ${target.data.length} bytes, ${target.width}x${target.height} needs ${target.width * target.height}`);
    }
    this.target = target;
    this.tilesX = Math.ceil(target.width / TILE);
    this.saved = new Array<Uint8Array | null>(this.tilesX * Math.ceil(target.height / TILE)).fill(null);
  }

  /** Bytes of before-pixels held so far. */
  get pendingBytes(): number {
    let n = 0;
    for (const t of this.order) n += this.saved[t]!.length;
    return n;
  }

  touchRow(y: number, x0: number, x1: number): void {
    if (this.ended) throw new Error('patch: recorder already ended');
    const rowBase = (y >> TILE_SHIFT) * this.tilesX;
    const t1 = rowBase + ((x1 - 1) >> TILE_SHIFT);
    for (let t = rowBase + (x0 >> TILE_SHIFT); t <= t1; t++) if (this.saved[t] === null) this.save(t);
  }

  /** Call before writing any pixel of `rect` with code that does not take a PatchSink. */
  touchRect(rect: Rect): void {
    const x0 = Math.max(0, rect.x0);
    const x1 = Math.min(this.target.width, rect.x1);
    const y0 = Math.max(0, rect.y0);
    const y1 = Math.min(this.target.height, rect.y1);
    if (x0 >= x1) return;
    for (let y = y0; y < y1; y += TILE - (y & (TILE - 1))) this.touchRow(y, x0, x1);
  }

  private save(t: number): void {
    const { data, width, height } = this.target;
    const tx = (t % this.tilesX) << TILE_SHIFT;
    const ty = Math.floor(t / this.tilesX) << TILE_SHIFT;
    const w = Math.min(TILE, width - tx);
    const h = Math.min(TILE, height - ty);
    const copy = new Uint8Array(w * h);
    for (let r = 0; r < h; r++) {
      const at = (ty + r) * width + tx;
      copy.set(data.subarray(at, at + w), r * w);
    }
    this.saved[t] = copy;
    this.order.push(t);
  }

  /** Tile geometry of tile index t: x, y, w, h. */
  private tileBox(t: number): [number, number, number, number] {
    const tx = (t % this.tilesX) << TILE_SHIFT;
    const ty = Math.floor(t / this.tilesX) << TILE_SHIFT;
    return [tx, ty, Math.min(TILE, this.target.width - tx), Math.min(TILE, this.target.height - ty)];
  }

  /** Bounding rect of the pixels that differ from the saved before-state, or null. */
  changedRect(): Rect | null {
    const { data, width } = this.target;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const t of this.order) {
      const s = this.saved[t]!;
      const [tx, ty, w, h] = this.tileBox(t);
      for (let r = 0; r < h; r++) {
        const at = (ty + r) * width + tx;
        const so = r * w;
        let a = 0;
        while (a < w && s[so + a] === data[at + a]) a++;
        if (a === w) continue;
        let b = w - 1;
        while (s[so + b] === data[at + b]) b--;
        if (tx + a < x0) x0 = tx + a;
        if (tx + b + 1 > x1) x1 = tx + b + 1;
        if (ty + r < y0) y0 = ty + r;
        if (ty + r + 1 > y1) y1 = ty + r + 1;
      }
    }
    return x1 < x0 ? null : { x0, y0, x1, y1 };
  }

  /** Ends the edit: the patch of what changed, or null when nothing did. The recorder is then spent. */
  end(options: EndPatchOptions = {}): Patch | null {
    if (this.ended) throw new Error('patch: recorder already ended');
    this.ended = true;
    const rect = this.changedRect();
    if (rect === null) return null;
    const { data, width, height } = this.target;
    const rw = rect.x1 - rect.x0;
    const rh = rect.y1 - rect.y0;
    const after = new Uint8Array(rw * rh);
    for (let r = 0; r < rh; r++) {
      const at = (rect.y0 + r) * width + rect.x0;
      after.set(data.subarray(at, at + rw), r * rw);
    }
    // Before = after, with the saved tiles laid over it (pixels outside saved tiles never changed).
    const before = after.slice();
    for (const t of this.order) {
      const s = this.saved[t]!;
      const [tx, ty, w, h] = this.tileBox(t);
      const cx0 = Math.max(tx, rect.x0);
      const cx1 = Math.min(tx + w, rect.x1);
      const cy0 = Math.max(ty, rect.y0);
      const cy1 = Math.min(ty + h, rect.y1);
      if (cx0 >= cx1 || cy0 >= cy1) continue; // tile touched but unchanged, outside the rect
      for (let y = cy0; y < cy1; y++) {
        const so = (y - ty) * w + (cx0 - tx);
        before.set(s.subarray(so, so + (cx1 - cx0)), (y - rect.y0) * rw + (cx0 - rect.x0));
      }
    }
    this.saved.fill(null);
    this.order.length = 0;
    return makePatch(width, height, rect, before, after, options.compress ?? 'auto');
  }

  /**
   * Abandons the edit (Esc during a stroke): puts the before-pixels back and returns the rect to
   * recolour, or null if nothing had changed. The recorder is then spent.
   */
  cancel(): Rect | null {
    if (this.ended) throw new Error('patch: recorder already ended');
    const rect = this.changedRect();
    const { data, width } = this.target;
    for (const t of this.order) {
      const s = this.saved[t]!;
      const [tx, ty, w, h] = this.tileBox(t);
      for (let r = 0; r < h; r++) data.set(s.subarray(r * w, r * w + w), (ty + r) * width + tx);
    }
    this.ended = true;
    this.saved.fill(null);
    this.order.length = 0;
    return rect;
  }
}

function makePatch(
  width: number,
  height: number,
  rect: Rect,
  before: Uint8Array,
  after: Uint8Array,
  compress: 'auto' | 'raw',
): Patch {
  if (compress === 'auto') {
    const limit = before.length >> 1;
    const b = rleEncode(before, limit);
    const a = b === null ? null : rleEncode(after, limit);
    if (b !== null && a !== null) return { width, height, rect, before: b, after: a, encoding: 'rle1', bytes: a.length + b.length };
  }
  return { width, height, rect, before, after, encoding: 'raw', bytes: before.length + after.length };
}

export function beginPatch(target: MaskTarget): PatchRecorder {
  return new PatchRecorder(target);
}

export function endPatch(rec: PatchRecorder, options?: EndPatchOptions): Patch | null {
  return rec.end(options);
}

/** The rect's pixels (row-major, rect-sized) before or after the edit, decoded. */
export function patchPixels(patch: Patch, which: 'before' | 'after'): Uint8Array {
  const stored = which === 'before' ? patch.before : patch.after;
  const { rect } = patch;
  const size = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
  return patch.encoding === 'rle1' ? rleDecode(stored, size, 'patch') : stored;
}

/** Writes the patch's before ('undo') or after ('redo') pixels into the mask; returns the rect. */
export function applyPatch(target: MaskTarget, patch: Patch, direction: 'undo' | 'redo'): Rect {
  if (target.width !== patch.width || target.height !== patch.height) {
    throw new RangeError(`patch: made for a ${patch.width}x${patch.height} mask, applied to ${target.width}x${target.height}`);
  }
  const px = patchPixels(patch, direction === 'undo' ? 'before' : 'after');
  const { rect } = patch;
  const rw = rect.x1 - rect.x0;
  for (let y = rect.y0; y < rect.y1; y++) {
    const o = (y - rect.y0) * rw;
    target.data.set(px.subarray(o, o + rw), y * target.width + rect.x0);
  }
  return { ...rect };
}
