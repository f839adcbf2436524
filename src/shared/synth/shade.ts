/**
 * Materials and the shading pass of the synthetic generator.
 *
 * The rasteriser writes a material id per pixel; this pass turns it into RGB. Each material has a
 * kind (a texture), two colours, a local affine frame (pixel centre -> (u, v)) and a few parameters.
 * Textures are evaluated in the local frame, which is defined in continuous face / scene units, so the
 * same seed at another resolution gives the same picture, only sharper.
 */
import { Canvas } from './raster';
import { mix32 } from '../random';

export const Kind = {
  Background: 0,
  Skin: 1,
  Nose: 2,
  Hair: 3,
  Brow: 4,
  Sclera: 5,
  Iris: 6,
  Lip: 7,
  Mouth: 8,
  Flat: 9,
  Cloth: 10,
  Metal: 11,
  Knit: 12,
  Ear: 13,
  Neck: 14,
  Lens: 15,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const STRIDE = 24;
const MAX_MATERIALS = 255;

export type Rgb3 = readonly [number, number, number];

/** Affine map from pixel centre coordinates to a local frame: u = a x + b y + c, v = d x + e y + f. */
export type Frame = readonly [number, number, number, number, number, number];

/** Frame with origin (ox, oy) in pixels, `unit` pixels per local unit, rotated by `angle` (radians). */
export function makeFrame(ox: number, oy: number, unit: number, angle: number): Frame {
  const c = Math.cos(angle) / unit;
  const s = Math.sin(angle) / unit;
  // u = ((x-ox) c + (y-oy) s), v = (-(x-ox) s + (y-oy) c)
  return [c, s, -(ox * c + oy * s), -s, c, ox * s - oy * c];
}

export interface MaterialSpec {
  kind: Kind;
  color: Rgb3;
  color2?: Rgb3;
  frame: Frame;
  /** How strongly the global light gradient applies (0 = not at all). */
  light?: number;
  params?: readonly number[];
}

export class Materials {
  readonly data = new Float64Array(STRIDE * (MAX_MATERIALS + 1));
  count = 1; // id 0 is reserved ("nothing")

  add(spec: MaterialSpec): number {
    if (this.count > MAX_MATERIALS) throw new Error('synth: too many materials');
    const id = this.count++;
    const o = id * STRIDE;
    const d = this.data;
    d[o] = spec.kind;
    d[o + 1] = spec.color[0];
    d[o + 2] = spec.color[1];
    d[o + 3] = spec.color[2];
    const c2 = spec.color2 ?? spec.color;
    d[o + 4] = c2[0];
    d[o + 5] = c2[1];
    d[o + 6] = c2[2];
    for (let k = 0; k < 6; k++) d[o + 7 + k] = spec.frame[k];
    d[o + 13] = spec.light ?? 1;
    const p = spec.params ?? [];
    for (let k = 0; k < 8 && k < p.length; k++) d[o + 14 + k] = p[k];
    return id;
  }
}

function hashUnit(ix: number, iy: number, salt: number): number {
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy ^ salt, 0x165667b1) ^ salt;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

/** Smooth value noise in [0, 1). */
export function vnoise(x: number, y: number, salt: number): number {
  const fx = Math.floor(x);
  const fy = Math.floor(y);
  let tx = x - fx;
  let ty = y - fy;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  const a = hashUnit(fx, fy, salt);
  const b = hashUnit(fx + 1, fy, salt);
  const c = hashUnit(fx, fy + 1, salt);
  const d = hashUnit(fx + 1, fy + 1, salt);
  const top = a + (b - a) * tx;
  const bot = c + (d - c) * tx;
  return top + (bot - top) * ty;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

export interface ShadeOptions {
  /** Global light gradient in scene units (multiplier 1 + lx*sx + ly*sy). */
  lightX: number;
  lightY: number;
  /** Scene frame: sx = (x - cx) / unit. */
  sceneCx: number;
  sceneCy: number;
  sceneUnit: number;
  /** Per-pixel noise amplitude 0..1. */
  noise: number;
  seed: number;
}

/** Shade every pixel from its material, soften material edges, add noise. Returns w*h*3 RGB. */
export function shade(canvas: Canvas, mats: Materials, opt: ShadeOptions): Uint8Array {
  const W = canvas.width;
  const H = canvas.height;
  const rgb = new Uint8Array(W * H * 3);
  const mat = canvas.mat;
  const d = mats.data;
  const inv = 1 / opt.sceneUnit;
  const salt = opt.seed | 0;
  const lx = opt.lightX;
  const ly = opt.lightY;
  const scx = opt.sceneCx;
  const scy = opt.sceneCy;

  // Runs of one material along a row are shaded by one small monomorphic loop per texture kind.
  const run: Run = { rgb, d, o: 0, j: 0, n: 0, u0: 0, du: 0, v0: 0, dv: 0, f0: 1, df: 0, salt };
  for (let y = 0; y < H; y++) {
    const row = y * W;
    const py = y + 0.5;
    let x = 0;
    while (x < W) {
      const m = mat[row + x];
      let x1 = x + 1;
      while (x1 < W && mat[row + x1] === m) x1++;
      const o = m * STRIDE;
      const px = x + 0.5;
      const u0 = d[o + 7] * px + d[o + 8] * py + d[o + 9];
      const v0 = d[o + 10] * px + d[o + 11] * py + d[o + 12];
      const amt = d[o + 13];
      const f0 = 1 + amt * (lx * (px - scx) * inv + ly * (py - scy) * inv);
      const df = amt * lx * inv;
      run.o = o;
      run.j = (row + x) * 3;
      run.n = x1 - x;
      run.u0 = u0;
      run.du = d[o + 7];
      run.v0 = v0;
      run.dv = d[o + 10];
      run.f0 = f0;
      run.df = df;
      switch (d[o]) {
        case Kind.Background:
          runBackground(run);
          break;
        case Kind.Skin:
          runSkin(run);
          break;
        case Kind.Nose:
          runNose(run);
          break;
        case Kind.Hair:
          runHair(run);
          break;
        case Kind.Brow:
          runBrow(run);
          break;
        case Kind.Sclera:
          runSclera(run);
          break;
        case Kind.Iris:
          runIris(run);
          break;
        case Kind.Lip:
          runLip(run);
          break;
        case Kind.Mouth:
          runMouth(run);
          break;
        case Kind.Cloth:
          runCloth(run);
          break;
        case Kind.Metal:
          runMetal(run);
          break;
        case Kind.Knit:
          runKnit(run);
          break;
        case Kind.Ear:
          runEar(run);
          break;
        case Kind.Neck:
          runNeck(run);
          break;
        default:
          runFlat(run);
          break;
      }
      x = x1;
    }
  }

  applyLenses(rgb, canvas.overlay, d, W, H);
  softenEdges(rgb, mat, W, H);
  if (opt.noise > 0) addNoise(rgb, W, H, opt.noise, salt);
  return rgb;
}

interface Run {
  rgb: Uint8Array;
  d: Float64Array;
  /** material offset in d */
  o: number;
  /** rgb index of the first pixel */
  j: number;
  n: number;
  u0: number;
  du: number;
  v0: number;
  dv: number;
  /** light factor at the first pixel and its step */
  f0: number;
  df: number;
  salt: number;
}

/** Write color1 blended toward color2 by t, times s. */
function put(rgb: Uint8Array, j: number, d: Float64Array, o: number, s: number, t: number): void {
  let r = d[o + 1];
  let g = d[o + 2];
  let b = d[o + 3];
  if (t > 0) {
    r += (d[o + 4] - r) * t;
    g += (d[o + 5] - g) * t;
    b += (d[o + 6] - b) * t;
  }
  r *= s;
  g *= s;
  b *= s;
  rgb[j] = r < 0 ? 0 : r > 255 ? 255 : r;
  rgb[j + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
  rgb[j + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
}

function runFlat(q: Run): void {
  const { rgb, d, o, n, df } = q;
  let j = q.j;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, f += df) put(rgb, j, d, o, f, 0);
}

function runBackground(q: Run): void {
  const { rgb, d, o, n, du, dv, df, salt } = q;
  const freq = d[o + 14];
  const amp = d[o + 15];
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  // The blobs are very low frequency: sample the noise every STEP pixels and interpolate linearly.
  const STEP = 8;
  let na = vnoise(u * freq + 17.3, v * freq + 4.1, salt ^ 0x51);
  for (let i0 = 0; i0 < n; i0 += STEP) {
    const m = n - i0 < STEP ? n - i0 : STEP;
    const ue = u + du * STEP;
    const ve = v + dv * STEP;
    const nb = vnoise(ue * freq + 17.3, ve * freq + 4.1, salt ^ 0x51);
    const dn = (nb - na) / STEP;
    let nz = na;
    for (let i = 0; i < m; i++, j += 3, u += du, v += dv, f += df, nz += dn) {
      put(rgb, j, d, o, (1 + amp * (nz - 0.5)) * f, clamp01(0.5 + 0.5 * u));
    }
    na = nb;
  }
}

function runSkin(q: Run): void {
  const { rgb, d, o, n, du, dv, df, salt } = q;
  const rx = d[o + 14];
  const ry = d[o + 15];
  const cy0 = d[o + 16];
  const chx = d[o + 17];
  const chy = d[o + 18];
  const rr = d[o + 19] * d[o + 19];
  const blush = d[o + 20];
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const ax = u / rx;
    const ay = (v - cy0) / ry;
    const ell = ax * ax + ay * ay;
    let s = 0.74 + 0.3 * Math.sqrt(ell < 1 ? 1 - ell : 0);
    const cx = (u < 0 ? -u : u) - chx;
    const cy = v - chy;
    const t = blush * Math.exp(-(cx * cx + cy * cy) / rr);
    s *= 0.97 + 0.06 * vnoise(u * 9, v * 9, salt ^ 0x33);
    put(rgb, j, d, o, s * f, t);
  }
}

function runNose(q: Run): void {
  const { rgb, d, o, n, du, dv, df } = q;
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const c = d[o + 14] + d[o + 15] * v;
    const hw = d[o + 16] + d[o + 17] * v;
    const t = (u - c) / hw;
    const s = 0.98 - 0.28 * t * t + 0.1 * Math.exp(-t * t * 12);
    put(rgb, j, d, o, s * f, clamp01((v - d[o + 18]) * d[o + 19]));
  }
}

function runHair(q: Run): void {
  const { rgb, d, o, n, du, dv, df, salt } = q;
  const hx = d[o + 14];
  const hy = d[o + 15];
  const fa = d[o + 16];
  const fr = d[o + 17];
  const hiR = d[o + 18];
  const hiA = d[o + 19];
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const dx = u - hx;
    const dy = v - hy;
    const rad = Math.sqrt(dx * dx + dy * dy);
    const ang = Math.atan2(dx, dy);
    const n1 = vnoise(ang * fa, rad * fr, salt ^ 0x71);
    const n2 = vnoise(ang * fa * 3.3, rad * fr * 1.7, salt ^ 0x72);
    const s = 0.62 + 0.45 * n1 + 0.25 * (n2 - 0.5);
    const hh = (rad - hiR) / 0.16;
    put(rgb, j, d, o, s * f, hiA * Math.exp(-hh * hh) * n1);
  }
}

function runBrow(q: Run): void {
  const { rgb, d, o, n, du, dv, df, salt } = q;
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const s = 0.7 + 0.55 * vnoise(u * d[o + 14], v * d[o + 15], salt ^ 0x91);
    put(rgb, j, d, o, s * f, 0);
  }
}

function runSclera(q: Run): void {
  const { rgb, d, o, n, du, dv, df } = q;
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const s = 1 - 0.3 * u * u - 0.3 * (v < 0 ? -v : 0);
    put(rgb, j, d, o, s * f, 0);
  }
}

function runIris(q: Run): void {
  const { rgb, d, o, n, du, dv, df, salt } = q;
  const pupil = d[o + 14];
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const hx = u + 0.35;
    const hy = v + 0.35;
    if (hx * hx + hy * hy < 0.035) {
      rgb[j] = 245;
      rgb[j + 1] = 245;
      rgb[j + 2] = 245;
      continue;
    }
    const rad = Math.sqrt(u * u + v * v);
    if (rad < pupil) {
      put(rgb, j, d, o, f, 1);
      continue;
    }
    const nz = vnoise(Math.atan2(v, u) * 9 + 40, rad * 3, salt ^ 0xa1);
    put(rgb, j, d, o, (0.6 + 0.6 * nz) * (rad > 0.82 ? 0.55 : 1) * f, 0);
  }
}

function runLip(q: Run): void {
  const { rgb, d, o, n, du, dv, df, salt } = q;
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const hx = (u - d[o + 14]) / d[o + 16];
    const hy = (v - d[o + 15]) / d[o + 17];
    const s = 0.86 + 0.24 * Math.exp(-(hx * hx + hy * hy)) - 0.08 * vnoise(u * 28, v * 4, salt ^ 0xb1);
    put(rgb, j, d, o, s * f, 0);
  }
}

function runMouth(q: Run): void {
  const { rgb, d, o, n, du, df } = q;
  let j = q.j;
  let u = q.u0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, f += df) {
    const a = u < 0 ? -u : u;
    put(rgb, j, d, o, (0.65 + 0.35 * clamp01(1 - a)) * f, 0);
  }
}

function runCloth(q: Run): void {
  const { rgb, d, o, n, du, dv, df, salt } = q;
  const fu = d[o + 14];
  const fv = d[o + 15];
  const stripes = d[o + 16];
  const su = stripes * d[o + 17];
  const sv = stripes * d[o + 18];
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const s = 0.74 + 0.4 * vnoise(u * fu, v * fv, salt ^ 0xc1);
    let t = 0;
    if (stripes > 0) {
      const ph = u * su + v * sv;
      t = ph - Math.floor(ph) < 0.4 ? 1 : 0;
    }
    put(rgb, j, d, o, s * f, t);
  }
}

function runMetal(q: Run): void {
  const { rgb, d, o, n, du, dv, df, salt } = q;
  const fr = d[o + 14];
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const nz = vnoise(u * fr, v * fr, salt ^ 0xd1);
    put(rgb, j, d, o, (0.55 + 0.75 * nz * nz) * f, nz > 0.82 ? 1 : 0);
  }
}

function runKnit(q: Run): void {
  const { rgb, d, o, n, du, dv, df, salt } = q;
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const s = 0.78 + 0.3 * vnoise(u * d[o + 14], v * d[o + 15], salt ^ 0xe1);
    put(rgb, j, d, o, s * f, v > d[o + 16] && v < d[o + 17] ? 1 : 0);
  }
}

function runEar(q: Run): void {
  const { rgb, d, o, n, du, dv, df } = q;
  let j = q.j;
  let u = q.u0;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, u += du, v += dv, f += df) {
    const ex = (u - d[o + 14]) / d[o + 16];
    const ey = (v - d[o + 15]) / d[o + 17];
    const e = ex * ex + ey * ey;
    put(rgb, j, d, o, (e < 0.35 ? 0.7 + 0.3 * e : 0.98 - 0.12 * e) * f, 0);
  }
}

function runNeck(q: Run): void {
  const { rgb, d, o, n, dv, df } = q;
  let j = q.j;
  let v = q.v0;
  let f = q.f0;
  for (let i = 0; i < n; i++, j += 3, v += dv, f += df) {
    const s = d[o + 15] + (1 - d[o + 15]) * clamp01((v - d[o + 14]) / d[o + 16]);
    put(rgb, j, d, o, s * f, 0);
  }
}

/** Tint pixels under lenses: blend toward the lens colour and add a diagonal glare streak. */
function applyLenses(rgb: Uint8Array, overlay: Uint8Array, d: Float64Array, W: number, H: number): void {
  for (let y = 0; y < H; y++) {
    const py = y + 0.5;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const ov = overlay[i];
      if (ov === 0) continue;
      const q = ov * STRIDE;
      const px = x + 0.5;
      const lu = d[q + 7] * px + d[q + 8] * py + d[q + 9];
      const lv = d[q + 10] * px + d[q + 11] * py + d[q + 12];
      const alpha = d[q + 14];
      const streak = (lu + lv * 0.6 + 0.3) / 0.18;
      const glare = d[q + 15] * Math.exp(-streak * streak);
      const j = i * 3;
      for (let c = 0; c < 3; c++) {
        let val = rgb[j + c];
        val += (d[q + 1 + c] - val) * alpha;
        val += (255 - val) * glare;
        rgb[j + c] = val;
      }
    }
  }
}

/** Where a pixel's material differs from a 4-neighbour's, average it with its neighbours (1-px AA). */
function softenEdges(rgb: Uint8Array, mat: Uint8Array, W: number, H: number): void {
  if (W < 3 || H < 3) return;
  const src = rgb.slice();
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      const i = y * W + x;
      const m = mat[i];
      if (mat[i - 1] === m && mat[i + 1] === m && mat[i - W] === m && mat[i + W] === m) continue;
      const j = i * 3;
      for (let c = 0; c < 3; c++) {
        rgb[j + c] =
          (4 * src[j + c] + src[j + c - 3] + src[j + c + 3] + src[j + c - 3 * W] + src[j + c + 3 * W] + 4) >> 3;
      }
    }
  }
}

/** Per-pixel noise: a shared luminance part plus a smaller per-channel part (xorshift32 stream). */
function addNoise(rgb: Uint8Array, W: number, H: number, amount: number, salt: number): void {
  const amp = 60 * amount;
  const camp = amp * 0.5;
  const n = W * H;
  let st = mix32(salt ^ 0x2545f491) | 1;
  for (let i = 0; i < n; i++) {
    st ^= st << 13;
    st ^= st >>> 17;
    st ^= st << 5;
    const h1 = st >>> 0;
    st ^= st << 13;
    st ^= st >>> 17;
    st ^= st << 5;
    const h2 = st >>> 0;
    // triangular distribution in (-1, 1) from two 16-bit halves
    const base = (((h1 & 0xffff) + (h1 >>> 16)) / 65535 - 1) * amp;
    const j = i * 3;
    const r = rgb[j] + base + ((h2 & 0x3ff) / 1023 - 0.5) * camp;
    const g = rgb[j + 1] + base + (((h2 >>> 10) & 0x3ff) / 1023 - 0.5) * camp;
    const b = rgb[j + 2] + base + (((h2 >>> 20) & 0x3ff) / 1023 - 0.5) * camp;
    rgb[j] = r < 0 ? 0 : r > 255 ? 255 : r;
    rgb[j + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
    rgb[j + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
  }
}
