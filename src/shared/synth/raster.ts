/**
 * Exact scanline rasteriser for the synthetic generator.
 *
 * A pixel (x, y) belongs to a shape when its centre (x + 0.5, y + 0.5) is inside (non-zero winding
 * over all contours). There is no anti-aliasing in the mask: one class per pixel, decided by paint
 * order. Painting writes three buffers at once:
 *   - `mask`: the schema index (skipped when the part has no class in the schema: "class beneath"),
 *   - `mat`: the material used to shade the image (sub-parts such as iris or teeth share a label),
 *   - `region`: which face's head skin covers the pixel (features of a face are clipped to it).
 */

/** A shape: one or more closed contours, each a flat [x0, y0, x1, y1, ...] list in pixel units. */
export type Contour = number[];

export interface PaintSpec {
  /** Mask value to write, or -1 to keep the label beneath (material still changes). */
  label: number;
  /** Material id to write, or -1 to keep the material beneath. */
  material: number;
  /** If set, only pixels whose current label has allow[label] !== 0 are painted. */
  allow?: Uint8Array;
  /** If > 0, only pixels with region === clipRegion are painted. */
  clipRegion?: number;
  /** If > 0, painted pixels get region = setRegion. */
  setRegion?: number;
  /** Lens tint material for painted pixels (0: none; an opaque paint with material >= 0 clears it). */
  overlay?: number;
}

export class Canvas {
  readonly mask: Uint8Array;
  readonly mat: Uint8Array;
  readonly region: Uint8Array;
  readonly overlay: Uint8Array;
  // Reused scratch space: edges (top y, bottom y, x at top, dx/dy, direction), their order, the active
  // list and the crossings of one scanline.
  private eY0 = new Float64Array(0);
  private eY1 = new Float64Array(0);
  private eX0 = new Float64Array(0);
  private eDx = new Float64Array(0);
  private eDir = new Int8Array(0);
  private order = new Uint32Array(0);
  private active = new Uint32Array(0);
  private xs = new Float64Array(0);
  private ds = new Int8Array(0);

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const n = width * height;
    this.mask = new Uint8Array(n);
    this.mat = new Uint8Array(n);
    this.region = new Uint8Array(n);
    this.overlay = new Uint8Array(n);
  }

  fillAll(label: number, material: number): void {
    this.mask.fill(label);
    this.mat.fill(material);
  }

  /** Fill a shape made of contours (non-zero winding rule), scanline with an active edge list. */
  fill(contours: Contour[], spec: PaintSpec): void {
    // collect non-horizontal edges
    let nEdges = 0;
    for (const c of contours) if (c.length >= 6) nEdges += c.length >> 1;
    if (nEdges === 0) return;
    if (this.eY0.length < nEdges) this.grow(nEdges * 2);
    const eY0 = this.eY0;
    const eY1 = this.eY1;
    const eX0 = this.eX0;
    const eDx = this.eDx;
    const eDir = this.eDir;
    let m = 0;
    let minY = Infinity;
    let maxY = -Infinity;
    for (const c of contours) {
      const len = c.length;
      if (len < 6) continue;
      let px = c[len - 2];
      let py = c[len - 1];
      for (let i = 0; i < len; i += 2) {
        const qx = c[i];
        const qy = c[i + 1];
        if (py !== qy && py === py && qy === qy) {
          const up = qy > py;
          const ya = up ? py : qy;
          const yb = up ? qy : py;
          eY0[m] = ya;
          eY1[m] = yb;
          eX0[m] = up ? px : qx;
          eDx[m] = (qx - px) / (qy - py);
          eDir[m] = up ? 1 : -1;
          if (ya < minY) minY = ya;
          if (yb > maxY) maxY = yb;
          m++;
        }
        px = qx;
        py = qy;
      }
    }
    if (m === 0) return;
    const W = this.width;
    const H = this.height;
    const y0 = Math.max(0, Math.ceil(minY - 0.5));
    const y1 = Math.min(H - 1, Math.floor(maxY - 0.5));
    if (y1 < y0) return;
    // edge order by top y
    const order = this.order;
    for (let i = 0; i < m; i++) order[i] = i;
    const sorted = order.subarray(0, m).sort((a, b) => eY0[a] - eY0[b]);
    const active = this.active;
    let nActive = 0;
    let next = 0;
    const xs = this.xs;
    const ds = this.ds;
    const { mask, mat, region, overlay } = this;
    const label = spec.label;
    const material = spec.material;
    const allow = spec.allow ?? null;
    const clip = spec.clipRegion ?? 0;
    const setRegion = spec.setRegion ?? 0;
    const ov = spec.overlay ?? 0;
    const simple = allow === null && clip === 0;

    for (let y = y0; y <= y1; y++) {
      const yc = y + 0.5;
      while (next < m && eY0[sorted[next]] <= yc) active[nActive++] = sorted[next++];
      // drop finished edges, compute crossings (half-open: y0 <= yc < y1)
      let k = 0;
      let w = 0;
      for (let a = 0; a < nActive; a++) {
        const e = active[a];
        if (eY1[e] <= yc) continue;
        active[w++] = e;
        const x = eX0[e] + (yc - eY0[e]) * eDx[e];
        let j = k++;
        while (j > 0 && xs[j - 1] > x) {
          xs[j] = xs[j - 1];
          ds[j] = ds[j - 1];
          j--;
        }
        xs[j] = x;
        ds[j] = eDir[e];
      }
      nActive = w;
      if (k < 2) continue;
      let wind = 0;
      const row = y * W;
      for (let e = 0; e < k - 1; e++) {
        wind += ds[e];
        if (wind === 0) continue;
        // pixels whose centre x + 0.5 lies in [xs[e], xs[e+1])
        let xa = Math.ceil(xs[e] - 0.5);
        let xb = Math.ceil(xs[e + 1] - 0.5);
        if (xa < 0) xa = 0;
        if (xb > W) xb = W;
        if (xb <= xa) continue;
        if (simple) {
          if (label >= 0) mask.fill(label, row + xa, row + xb);
          if (material >= 0) {
            mat.fill(material, row + xa, row + xb);
            overlay.fill(ov, row + xa, row + xb);
          } else if (ov !== 0) overlay.fill(ov, row + xa, row + xb);
          if (setRegion !== 0) region.fill(setRegion, row + xa, row + xb);
          continue;
        }
        for (let i = row + xa; i < row + xb; i++) {
          if (allow !== null && allow[mask[i]] === 0) continue;
          if (clip !== 0 && region[i] !== clip) continue;
          if (label >= 0) mask[i] = label;
          if (material >= 0) {
            // an opaque paint removes any lens tint beneath it
            mat[i] = material;
            overlay[i] = ov;
          } else if (ov !== 0) overlay[i] = ov;
          if (setRegion !== 0) region[i] = setRegion;
        }
      }
    }
  }

  private grow(n: number): void {
    this.eY0 = new Float64Array(n);
    this.eY1 = new Float64Array(n);
    this.eX0 = new Float64Array(n);
    this.eDx = new Float64Array(n);
    this.eDir = new Int8Array(n);
    this.order = new Uint32Array(n);
    this.active = new Uint32Array(n);
    this.xs = new Float64Array(n);
    this.ds = new Int8Array(n);
  }
}

/** Signed area (shoelace) of a contour; > 0 means clockwise in image coordinates (y down). */
export function signedArea(c: Contour): number {
  let a = 0;
  const n = c.length;
  for (let i = 0; i < n; i += 2) {
    const j = (i + 2) % n;
    a += c[i] * c[j + 1] - c[j] * c[i + 1];
  }
  return a / 2;
}

/** Reverse the vertex order of a contour (copy). */
export function reversed(c: Contour): Contour {
  const out: Contour = new Array(c.length);
  const n = c.length >> 1;
  for (let i = 0; i < n; i++) {
    out[2 * i] = c[2 * (n - 1 - i)];
    out[2 * i + 1] = c[2 * (n - 1 - i) + 1];
  }
  return out;
}

/** A ring (outer minus inner) under the non-zero rule: the inner contour gets the opposite winding. */
export function ring(outer: Contour, inner: Contour): Contour[] {
  const so = Math.sign(signedArea(outer));
  const si = Math.sign(signedArea(inner));
  return [outer, so === si ? reversed(inner) : inner];
}
