/**
 * Connected components of a pixel selection and the compact region masks used in flags.
 *
 * Region pixels are stored as a BITMASK CROP of the region's bbox: `bits[j >> 3] >> (j & 7) & 1` is
 * pixel (x0 + j % bw, y0 + floor(j / bw)) where bw = x1 − x0, j = row-major index inside the bbox
 * (least significant bit first). bbox = [x0, y0, x1, y1) (x1, y1 exclusive).
 */

export type BBox = [x0: number, y0: number, x1: number, y1: number];

export interface RegionMask {
  bbox: BBox;
  /** ceil(bw * bh / 8) bytes, LSB first, row-major in the bbox. */
  bits: Uint8Array;
}

/**
 * Labels the 8-connected components of pixels with `sel[i] !== 0`. Returns the component id per pixel
 * (-1 outside the selection), ids 0..count-1 in raster order of each component's first pixel.
 */
export function connectedComponents(
  sel: ArrayLike<number>,
  w: number,
  h: number,
  out = new Int32Array(w * h),
): { ids: Int32Array; count: number } {
  const HW = w * h;
  const parent = new Int32Array(HW);
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  // Union keeps the smaller index as the root, so a set's root is its first pixel in raster order.
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra < rb) parent[rb] = ra;
    else if (rb < ra) parent[ra] = rb;
  };
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const i = row + x;
      if (!sel[i]) continue;
      parent[i] = i;
      if (x > 0 && sel[i - 1]) union(i, i - 1);
      if (y > 0) {
        const up = i - w;
        if (x > 0 && sel[up - 1]) union(i, up - 1);
        if (sel[up]) union(i, up);
        if (x + 1 < w && sel[up + 1]) union(i, up + 1);
      }
    }
  }
  const ids = out;
  let count = 0;
  for (let i = 0; i < HW; i++) {
    if (!sel[i]) {
      ids[i] = -1;
      continue;
    }
    const r = find(i);
    ids[i] = r === i ? count++ : ids[r];
  }
  return { ids, count };
}

/** Builds the bitmask crop of pixels whose id equals `id` inside bbox. */
export function cropMask(ids: Int32Array, w: number, id: number, bbox: BBox): RegionMask {
  const [x0, y0, x1, y1] = bbox;
  const bw = x1 - x0;
  const bits = new Uint8Array(Math.ceil((bw * (y1 - y0)) / 8));
  let j = 0;
  for (let y = y0; y < y1; y++) {
    const row = y * w;
    for (let x = x0; x < x1; x++, j++) if (ids[row + x] === id) bits[j >> 3] |= 1 << (j & 7);
  }
  return { bbox, bits };
}

/** Region mask of every nonzero pixel of a full-image selection. Null when none is set. */
export function maskFromSelection(sel: ArrayLike<number>, w: number, h: number): RegionMask | null {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!sel[y * w + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return null;
  const bbox: BBox = [x0, y0, x1 + 1, y1 + 1];
  const bw = x1 + 1 - x0;
  const bits = new Uint8Array(Math.ceil((bw * (y1 + 1 - y0)) / 8));
  let j = 0;
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++, j++) if (sel[y * w + x]) bits[j >> 3] |= 1 << (j & 7);
  return { bbox, bits };
}

/** Whether pixel (x, y) is set in a region mask. */
export function maskHas(m: RegionMask, x: number, y: number): boolean {
  const [x0, y0, x1, y1] = m.bbox;
  if (x < x0 || x >= x1 || y < y0 || y >= y1) return false;
  const j = (y - y0) * (x1 - x0) + (x - x0);
  return ((m.bits[j >> 3] >> (j & 7)) & 1) === 1;
}

/** Number of set pixels. */
export function maskArea(m: RegionMask): number {
  let n = 0;
  const [x0, y0, x1, y1] = m.bbox;
  const total = (x1 - x0) * (y1 - y0);
  for (let j = 0; j < total; j++) n += (m.bits[j >> 3] >> (j & 7)) & 1;
  return n;
}

/** Intersection over union of two region masks (0 when both are empty). */
export function maskIoU(a: RegionMask, b: RegionMask): number {
  const ix0 = Math.max(a.bbox[0], b.bbox[0]);
  const iy0 = Math.max(a.bbox[1], b.bbox[1]);
  const ix1 = Math.min(a.bbox[2], b.bbox[2]);
  const iy1 = Math.min(a.bbox[3], b.bbox[3]);
  let inter = 0;
  for (let y = iy0; y < iy1; y++) for (let x = ix0; x < ix1; x++) if (maskHas(a, x, y) && maskHas(b, x, y)) inter++;
  const union = maskArea(a) + maskArea(b) - inter;
  return union === 0 ? 0 : inter / union;
}

/** Paints a region mask into a full-image selection (value 1). */
export function paintMask(m: RegionMask, w: number, out: Uint8Array, value = 1): Uint8Array {
  const [x0, y0, x1, y1] = m.bbox;
  let j = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++, j++) if ((m.bits[j >> 3] >> (j & 7)) & 1) out[y * w + x] = value;
  return out;
}
