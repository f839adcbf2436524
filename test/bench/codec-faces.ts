/**
 * Face-parsing-like index masks for the codec tests and benchmark: ellipses and wavy blobs painted in
 * CelebAMask-HQ order A (skin 1, nose 2, eye_g 3, l_eye 4, r_eye 5, l_brow 6, r_brow 7, l_ear 8,
 * r_ear 9, mouth 10, u_lip 11, l_lip 12, hair 13, hat 14, ear_r 15, neck_l 16, neck 17, cloth 18),
 * with about one pixel of boundary jitter like rasterised hand-drawn polygons. Deterministic per seed.
 * A stand-in until src/shared/synth's generator exists; it only has to have the statistics that matter
 * to a codec (large smooth regions, ~10-30 label changes per row, a few thin parts).
 */

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Blob {
  label: number;
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  angle: number;
  /** Harmonics of the radius: [k, amplitude, phase]. */
  waves: [number, number, number][];
  /** Keep only the part with y (relative, before rotation) inside [yMin, yMax] of the radius. */
  yMin?: number;
  yMax?: number;
  /** Ring: hollow inside this fraction of the radius (glasses). */
  hole?: number;
}

function paint(mask: Uint8Array, size: number, b: Blob, jitter: number, hash: (i: number) => number): void {
  const S = size;
  const maxR = Math.max(b.rx, b.ry) * (1 + b.waves.reduce((s, w) => s + Math.abs(w[1]), 0)) * S + 2;
  const x0 = Math.max(0, Math.floor(b.cx * S - maxR));
  const x1 = Math.min(S - 1, Math.ceil(b.cx * S + maxR));
  const y0 = Math.max(0, Math.floor(b.cy * S - maxR));
  const y1 = Math.min(S - 1, Math.ceil(b.cy * S + maxR));
  const cos = Math.cos(b.angle);
  const sin = Math.sin(b.angle);
  const rPix = Math.min(b.rx, b.ry) * S;
  // Band where the wavy radius matters; outside it the pixel is plainly in or out.
  const amp = b.waves.reduce((s, w) => s + Math.abs(w[1]), 0);
  const margin = jitter / rPix;
  const outer = 1 + amp + margin;
  const inner = b.hole === undefined ? 1 - amp - margin : 0;
  for (let y = y0; y <= y1; y++) {
    const dy = (y + 0.5) / S - b.cy;
    for (let x = x0; x <= x1; x++) {
      const dx = (x + 0.5) / S - b.cx;
      const u = (dx * cos + dy * sin) / b.rx;
      const v = (-dx * sin + dy * cos) / b.ry;
      if (b.yMin !== undefined && v < b.yMin) continue;
      if (b.yMax !== undefined && v > b.yMax) continue;
      const d = Math.sqrt(u * u + v * v);
      if (d > outer) continue;
      const i = y * S + x;
      let r = 1;
      if (d >= inner) {
        const th = Math.atan2(v, u);
        for (const [k, a, p] of b.waves) r += a * Math.sin(k * th + p);
      }
      const edge = jitter * (hash(i) - 0.5) / rPix;
      if (d <= r + edge && (b.hole === undefined || d >= b.hole * r + edge)) mask[i] = b.label;
    }
  }
}

/** A size×size face mask (CelebAMask-HQ order A indices), deterministic for a seed. */
export function ellipseFace(size: number, seed = 1): Uint8Array {
  const rnd = mulberry32(seed);
  const j = (s: number) => (rnd() - 0.5) * 2 * s;
  const waves = (n: number, amp: number): [number, number, number][] =>
    Array.from({ length: n }, (_, k) => [k + 2, amp * rnd() / (k + 1), rnd() * 6.283] as [number, number, number]);
  const mask = new Uint8Array(size * size);
  let h = (seed * 2654435761) >>> 0;
  const hash = (i: number) => {
    let x = (i ^ h) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
    return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
  };
  h ^= 0x9e3779b9;
  const cx = 0.5 + j(0.05);
  const cy = 0.47 + j(0.04);
  const fw = 0.2 + j(0.03);
  const fh = 0.27 + j(0.03);
  const tilt = j(0.15);
  const blobs: Blob[] = [];
  // cloth, neck, hair behind the face
  blobs.push({ label: 18, cx: 0.5 + j(0.05), cy: 1.1, rx: 0.5 + j(0.05), ry: 0.32, angle: 0, waves: waves(4, 0.04) });
  blobs.push({ label: 17, cx, cy: cy + fh * 0.9, rx: fw * 0.6, ry: fh * 0.7, angle: 0, waves: waves(3, 0.03) });
  if (rnd() < 0.3) blobs.push({ label: 16, cx, cy: cy + fh * 1.25, rx: fw * 0.55, ry: 0.06, angle: 0, waves: [], hole: 0.85, yMin: 0 });
  blobs.push({ label: 13, cx: cx + j(0.02), cy: cy - fh * 0.15, rx: fw * 1.5, ry: fh * 1.25, angle: tilt, waves: waves(6, 0.08), yMax: 0.6 + j(0.3) });
  // ears
  for (const [label, side] of [[8, -1], [9, 1]] as const) {
    blobs.push({ label, cx: cx + side * fw * 0.98, cy: cy + j(0.01), rx: fw * 0.18, ry: fh * 0.22, angle: 0, waves: waves(2, 0.05) });
  }
  if (rnd() < 0.3) blobs.push({ label: 15, cx: cx - fw * 0.98, cy: cy + fh * 0.3, rx: 0.012, ry: 0.02, angle: 0, waves: [] });
  // face skin
  blobs.push({ label: 1, cx, cy, rx: fw, ry: fh, angle: tilt, waves: waves(5, 0.03) });
  const rot = (dx: number, dy: number): [number, number] => [
    cx + dx * Math.cos(tilt) - dy * Math.sin(tilt),
    cy + dx * Math.sin(tilt) + dy * Math.cos(tilt),
  ];
  // brows, eyes (order A: l_eye 4, r_eye 5, l_brow 6, r_brow 7)
  for (const [eye, brow, side] of [[4, 6, -1], [5, 7, 1]] as const) {
    const [ex, ey] = rot(side * fw * 0.42, -fh * 0.12);
    const [bx, by] = rot(side * fw * 0.42, -fh * 0.3);
    blobs.push({ label: brow, cx: bx, cy: by, rx: fw * 0.28, ry: fh * 0.045, angle: tilt - side * 0.1, waves: waves(2, 0.05) });
    blobs.push({ label: eye, cx: ex, cy: ey, rx: fw * 0.18, ry: fh * 0.055, angle: tilt, waves: waves(2, 0.03) });
  }
  if (rnd() < 0.25) {
    for (const side of [-1, 1]) {
      const [gx, gy] = rot(side * fw * 0.42, -fh * 0.1);
      blobs.push({ label: 3, cx: gx, cy: gy, rx: fw * 0.32, ry: fh * 0.15, angle: tilt, waves: [], hole: 0.85 });
    }
  }
  const [nx, ny] = rot(0, fh * 0.1);
  blobs.push({ label: 2, cx: nx, cy: ny, rx: fw * 0.16, ry: fh * 0.25, angle: tilt, waves: waves(2, 0.05), yMin: -0.8 });
  const [mx, my] = rot(0, fh * 0.5);
  const open = rnd() < 0.4;
  blobs.push({ label: 11, cx: mx, cy: my - fh * 0.02, rx: fw * 0.38, ry: fh * 0.07, angle: tilt, waves: waves(2, 0.05), yMax: 0 });
  blobs.push({ label: 12, cx: mx, cy: my + (open ? fh * 0.03 : 0), rx: fw * 0.36, ry: fh * 0.08, angle: tilt, waves: waves(2, 0.05), yMin: 0 });
  if (open) blobs.push({ label: 10, cx: mx, cy: my, rx: fw * 0.28, ry: fh * 0.03, angle: tilt, waves: [] });
  if (rnd() < 0.2) blobs.push({ label: 14, cx, cy: cy - fh * 1.05, rx: fw * 1.6, ry: fh * 0.5, angle: tilt, waves: waves(3, 0.03), yMax: 0.3 });
  // Order A paints in index order (later wins); within our list the order above is already the
  // natural occlusion order, so paint as listed.
  for (const b of blobs) paint(mask, size, b, 1.5, hash);
  return mask;
}

/** Uniform random values 0..classes-1: the codec's worst case. */
export function noiseMask(size: number, classes = 19, seed = 7): Uint8Array {
  const rnd = mulberry32(seed);
  const m = new Uint8Array(size * size);
  for (let i = 0; i < m.length; i++) m[i] = Math.floor(rnd() * classes);
  return m;
}
