/**
 * Mask overlay: recolours a uint8 index mask into an offscreen canvas through a 256-entry RGBA LUT
 * (Uint32Array view over the ImageData buffer: one store per pixel, no per-channel work).
 * The canvas is shown by a `Konva.Image` on a layer with image smoothing off, so mask pixels stay crisp.
 */

export interface IndexMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** LUT with hidden classes made transparent. `lut` is `paletteLut(schema)` (packed RGBA, little-endian). */
export function visibleLut(lut: Uint32Array, hidden: ReadonlySet<number>): Uint32Array {
  if (hidden.size === 0) return lut;
  const out = lut.slice();
  for (const i of hidden) if (i >= 0 && i < 256) out[i] = 0;
  return out;
}

/**
 * Writes `lut[mask[i]]` into `out` for the rectangle [x0, x1) × [y0, y1). In outline mode only pixels
 * with a 4-neighbour of another class are coloured (the DML-CSR edge rule), the rest is transparent.
 */
export function recolor(
  mask: IndexMask,
  lut: Uint32Array,
  out: Uint32Array,
  outline: boolean,
  x0 = 0,
  y0 = 0,
  x1 = mask.width,
  y1 = mask.height,
): void {
  const { width: w, height: h, data: m } = mask;
  if (!outline) {
    if (x0 === 0 && x1 === w) {
      for (let i = y0 * w, end = y1 * w; i < end; i++) out[i] = lut[m[i]];
      return;
    }
    for (let y = y0; y < y1; y++) {
      for (let i = y * w + x0, end = y * w + x1; i < end; i++) out[i] = lut[m[i]];
    }
    return;
  }
  for (let y = y0; y < y1; y++) {
    const row = y * w;
    for (let x = x0; x < x1; x++) {
      const i = row + x;
      const v = m[i];
      const edge =
        (x > 0 && m[i - 1] !== v) ||
        (x < w - 1 && m[i + 1] !== v) ||
        (y > 0 && m[i - w] !== v) ||
        (y < h - 1 && m[i + w] !== v);
      out[i] = edge ? lut[v] : 0;
    }
  }
}

/** An offscreen canvas holding the recoloured mask. */
export class OverlayCanvas {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly imageData: ImageData;
  private readonly pixels: Uint32Array;

  constructor(readonly mask: IndexMask) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = mask.width;
    this.canvas.height = mask.height;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('2D canvas unavailable');
    this.ctx = ctx;
    this.imageData = ctx.createImageData(mask.width, mask.height);
    this.pixels = new Uint32Array(this.imageData.data.buffer);
  }

  /** Full recolour (view settings changed). Dirty-rectangle updates come with the editing tools. */
  render(lut: Uint32Array, outline: boolean): void {
    recolor(this.mask, lut, this.pixels, outline);
    this.ctx.putImageData(this.imageData, 0, 0);
  }

  valueAt(x: number, y: number): number | null {
    const { width: w, height: h, data } = this.mask;
    if (x < 0 || y < 0 || x >= w || y >= h) return null;
    return data[y * w + x];
  }
}
