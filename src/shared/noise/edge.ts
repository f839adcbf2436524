/**
 * Boundary band of a label map: DML-CSR's edge rule (section 3.2, Figure 4: a pixel is an edge pixel
 * when one of its four neighbours has another label; neighbours outside the image do not count),
 * widened by `radius` pixels in the chessboard metric (a pixel is in the band when an edge pixel lies
 * within a (2r+1)×(2r+1) square around it). Radius 0 is the edge itself. The ignore value is a label
 * like any other here, so the border of an ignore area is an edge.
 *
 * O(W·H) for any radius: edge pass, then a running-window count along rows and then columns (the
 * column pass walks rows in memory order, keeping one count per column).
 */
export function edgeBand(label: Uint8Array, w: number, h: number, radius: number, out?: Uint8Array): Uint8Array {
  const HW = w * h;
  if (label.length !== HW) throw new Error(`edgeBand: label has ${label.length} pixels, expected ${w}x${h}`);
  const r = Math.max(0, Math.floor(radius));
  const edge = r === 0 && out ? out : new Uint8Array(HW);
  if (r === 0 && out) out.fill(0);
  // Edge rule: mark both pixels of every differing 4-neighbour pair.
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x + 1 < w; x++) {
      const i = row + x;
      if (label[i] !== label[i + 1]) edge[i] = edge[i + 1] = 1;
    }
    if (y + 1 < h) {
      for (let x = 0; x < w; x++) {
        const i = row + x;
        if (label[i] !== label[i + w]) edge[i] = edge[i + w] = 1;
      }
    }
  }
  if (r === 0) return edge;
  // Horizontal dilation: count of edge pixels in [x - r, x + r].
  const tmp = new Uint8Array(HW);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let n = 0;
    for (let x = 0; x < Math.min(r, w); x++) n += edge[row + x];
    for (let x = 0; x < w; x++) {
      if (x + r < w) n += edge[row + x + r];
      if (x - r - 1 >= 0) n -= edge[row + x - r - 1];
      tmp[row + x] = n > 0 ? 1 : 0;
    }
  }
  // Vertical dilation, row by row (sequential memory): per-column counts of tmp rows in [y - r, y + r].
  const band = out ?? new Uint8Array(HW);
  const n = new Int32Array(w);
  for (let y = 0; y < Math.min(r, h); y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) n[x] += tmp[row + x];
  }
  for (let y = 0; y < h; y++) {
    if (y + r < h) {
      const add = (y + r) * w;
      for (let x = 0; x < w; x++) n[x] += tmp[add + x];
    }
    if (y - r - 1 >= 0) {
      const sub = (y - r - 1) * w;
      for (let x = 0; x < w; x++) n[x] -= tmp[sub + x];
    }
    const row = y * w;
    for (let x = 0; x < w; x++) band[row + x] = n[x] > 0 ? 1 : 0;
  }
  return band;
}

/**
 * Whether pixel i is in the band of `edgeBand(label, w, h, radius)`, computed for that pixel alone:
 * some pixel within `radius` (chessboard) has a 4-neighbour inside the image with another label.
 * (2r+1)² · 4 reads; the scorer asks only for its few suspect pixels instead of building the whole band.
 */
export function inEdgeBand(label: Uint8Array, w: number, h: number, i: number, radius: number): boolean {
  const r = Math.max(0, Math.floor(radius));
  const x = i % w;
  const y = (i - x) / w;
  const x0 = Math.max(0, x - r);
  const x1 = Math.min(w - 1, x + r);
  const y0 = Math.max(0, y - r);
  const y1 = Math.min(h - 1, y + r);
  for (let yy = y0; yy <= y1; yy++) {
    const row = yy * w;
    for (let xx = x0; xx <= x1; xx++) {
      const j = row + xx;
      const v = label[j];
      if ((xx > 0 && label[j - 1] !== v) || (xx + 1 < w && label[j + 1] !== v) || (yy > 0 && label[j - w] !== v) || (yy + 1 < h && label[j + w] !== v)) {
        return true;
      }
    }
  }
  return false;
}
