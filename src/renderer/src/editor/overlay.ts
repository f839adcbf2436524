/**
 * Mask colours: the 256-entry RGBA LUT (packed, little-endian, for a Uint32Array view over ImageData:
 * one store per pixel) with hidden classes and per-class opacity applied, and `recolor`, which writes
 * an image-space rectangle (kept for image-sized renders; the editor draws in screen space, maskView.ts).
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
 * LUT with per-class opacity (0..1, missing = 1) multiplied into each entry's alpha and hidden classes
 * transparent. The layer's global opacity applies on top.
 */
export function classLut(lut: Uint32Array, hidden: ReadonlySet<number>, alpha: ReadonlyMap<number, number>): Uint32Array {
  const out = visibleLut(lut, hidden).slice();
  for (const [i, a] of alpha) {
    if (i < 0 || i > 255 || hidden.has(i)) continue;
    const v = out[i];
    const na = Math.round(((v >>> 24) & 0xff) * Math.max(0, Math.min(1, a)));
    out[i] = ((na << 24) | (v & 0xffffff)) >>> 0;
  }
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
