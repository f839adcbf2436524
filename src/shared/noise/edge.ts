/**
 * Boundary band of a label map: DML-CSR's edge rule (section 3.2, Figure 4: a pixel is an edge pixel
 * when one of its four neighbours has another label; neighbours outside the image do not count),
 * widened by `radius` pixels in the chessboard metric (a pixel is in the band when an edge pixel lies
 * within a (2r+1)×(2r+1) square around it). Radius 0 is the edge itself. The ignore value is a label
 * like any other here, so the border of an ignore area is an edge.
 *
 * O(W·H) for any radius: edge pass, then a running-window max along rows and then columns.
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
  const band = out ?? new Uint8Array(HW);
  for (let x = 0; x < w; x++) {
    let n = 0;
    for (let y = 0; y < Math.min(r, h); y++) n += tmp[y * w + x];
    for (let y = 0; y < h; y++) {
      if (y + r < h) n += tmp[(y + r) * w + x];
      if (y - r - 1 >= 0) n -= tmp[(y - r - 1) * w + x];
      band[y * w + x] = n > 0 ? 1 : 0;
    }
  }
  return band;
}
