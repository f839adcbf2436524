/**
 * Post-processing: model output → per-class planes → softmax (for logits) → flip-TTA merge and
 * model-set averaging → bilinear upsampling of PROBABILITIES to the image (or crop) → argmax.
 *
 * Upsampling then argmax is done exactly but cheaply (labels only): bilinear interpolation combines the
 * 4 neighbouring source pixels with weights ≥ 0, so where all 4 are sure of the same class c (see
 * `pasteLabels`: finite values, and for logits no lower class within a margin that the softmax could
 * round away), c is also the first largest interpolated probability, bit for bit what interpolating
 * every class gives. Only the other output pixels interpolate all K probabilities, and only their
 * source pixels get a softmax. With probabilities requested every output pixel interpolates every class
 * (row by row, plane by plane).
 *
 * Face crops are pasted with this rule: a pixel covered by several crops takes its labels and
 * probabilities from the crop in which it lies most centrally (largest normalised distance to that
 * crop's border; ties to the earlier face). Pixels outside every crop are background (class 0) with
 * probability 1.
 */
import type { Frame } from './preprocess';

/** Per-class planes [K][h][w] from an NCHW or NHWC [1,…] output. */
export function toPlanar(data: Float32Array, layout: 'NCHW' | 'NHWC', K: number, h: number, w: number): Float32Array {
  if (layout === 'NCHW') return data.length === K * h * w ? data : data.subarray(0, K * h * w);
  const out = new Float32Array(K * h * w);
  const n = h * w;
  for (let q = 0; q < n; q++) for (let k = 0; k < K; k++) out[k * n + q] = data[q * K + k];
  return out;
}

/**
 * Softmax over classes, in place, for every pixel (or only where `only[q]` is set). Every pixel: plane
 * by plane (the planes are n apart; a pixel-by-pixel walk strides through all of them and runs ~4× slower),
 * with the same operations in the same order per pixel as the sparse walk, so the results are identical.
 */
export function softmaxPlanar(p: Float32Array, K: number, n: number, only?: Uint8Array): void {
  if (!only) {
    const m = new Float64Array(n);
    for (let q = 0; q < n; q++) m[q] = -Infinity;
    for (let k = 0; k < K; k++) {
      const o = k * n;
      for (let q = 0; q < n; q++) m[q] = Math.max(m[q], p[o + q]);
    }
    const s = new Float64Array(n);
    for (let k = 0; k < K; k++) {
      const o = k * n;
      for (let q = 0; q < n; q++) {
        const e = Math.exp(p[o + q] - m[q]);
        p[o + q] = e;
        s[q] += e;
      }
    }
    for (let q = 0; q < n; q++) s[q] = 1 / s[q];
    for (let k = 0; k < K; k++) {
      const o = k * n;
      for (let q = 0; q < n; q++) p[o + q] *= s[q];
    }
    return;
  }
  for (let q = 0; q < n; q++) {
    if (only && !only[q]) continue;
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, p[k * n + q]);
    let s = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(p[k * n + q] - m);
      p[k * n + q] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let k = 0; k < K; k++) p[k * n + q] *= inv;
  }
}

/** Argmax over classes per pixel (ties to the lower index). */
export function argmaxPlanar(p: Float32Array, K: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const best = p.slice(0, n);
  for (let k = 1; k < K; k++) {
    const o = k * n;
    for (let q = 0; q < n; q++) {
      const v = p[o + q];
      if (v > best[q]) {
        best[q] = v;
        out[q] = k;
      }
    }
  }
  return out;
}

/**
 * Flip-TTA merge, in place into `p`: `pf` is the output for the mirrored input. It is mirrored back and
 * its class k is read as class lut[k] (the mirror partner: l_eye ↔ r_eye …), then averaged with `p`.
 * With an identity `lut` this is the classic bug (no swap).
 */
export function mergeFlip(p: Float32Array, pf: Float32Array, K: number, h: number, w: number, lut: Uint8Array): void {
  const n = h * w;
  for (let k = 0; k < K; k++) {
    const o = k * n;
    const of = lut[k] * n;
    for (let y = 0; y < h; y++) {
      const r = y * w;
      for (let x = 0; x < w; x++) p[o + r + x] = 0.5 * (p[o + r + x] + pf[of + r + w - 1 - x]);
    }
  }
}

/** Bilinear resize of K planes (half-pixel centres, edge clamp). */
export function resizePlanar(p: Float32Array, K: number, h: number, w: number, nh: number, nw: number): Float32Array {
  if (h === nh && w === nw) return p;
  const out = new Float32Array(K * nh * nw);
  const n = h * w;
  const nn = nh * nw;
  for (let j = 0; j < nh; j++) {
    const Y = Math.min(Math.max((j + 0.5) * (h / nh) - 0.5, 0), h - 1);
    const y0 = Math.floor(Y);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = Y - y0;
    for (let i = 0; i < nw; i++) {
      const X = Math.min(Math.max((i + 0.5) * (w / nw) - 0.5, 0), w - 1);
      const x0 = Math.floor(X);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = X - x0;
      for (let k = 0; k < K; k++) {
        const o = k * n;
        const t = p[o + y0 * w + x0] * (1 - fx) + p[o + y0 * w + x1] * fx;
        const b = p[o + y1 * w + x0] * (1 - fx) + p[o + y1 * w + x1] * fx;
        out[k * nn + j * nw + i] = t * (1 - fy) + b * fy;
      }
    }
  }
  return out;
}

export interface PasteTarget {
  width: number;
  height: number;
  labels: Uint8Array;
  /** K planes of width*height, quantised probabilities, or null. */
  probs: Uint8Array | null;
  /** Per-pixel centrality of the crop that wrote it (0 = not written); null for whole-image pastes. */
  best: Float32Array | null;
}

export function newTarget(width: number, height: number, K: number, wantProbs: boolean, crops: boolean): PasteTarget {
  const probs = wantProbs ? new Uint8Array(K * width * height) : null;
  // Outside every crop: background with probability 1.
  if (probs && crops) probs.fill(255, 0, width * height);
  return { width, height, labels: new Uint8Array(width * height), probs, best: crops ? new Float32Array(width * height) : null };
}

/** Where the target pixels of a paste sample the model's output: per column and, on demand, per row. */
interface Taps {
  /** Target columns xs … xs+nx−1 and rows ys … ye−1 that the frame covers. */
  xs: number;
  nx: number;
  ys: number;
  ye: number;
  /** Per column: left/right source column, horizontal weight, centrality in the frame. */
  X0: Int32Array;
  X1: Int32Array;
  FX: Float32Array;
  CX: Float32Array;
  sy: number;
}

function tapsOf(frame: Frame, oh: number, ow: number, W: number, H: number): Taps {
  const sx = ow / frame.w;
  const sy = oh / frame.h;
  const xs = Math.max(0, Math.floor(frame.x0));
  const xe = Math.min(W, Math.ceil(frame.x0 + frame.w));
  const ys = Math.max(0, Math.floor(frame.y0));
  const ye = Math.min(H, Math.ceil(frame.y0 + frame.h));
  const nx = Math.max(0, xe - xs);
  const X0 = new Int32Array(nx);
  const X1 = new Int32Array(nx);
  const FX = new Float32Array(nx);
  const CX = new Float32Array(nx);
  for (let i = 0; i < nx; i++) {
    const xc = xs + i + 0.5;
    const X = Math.min(Math.max((xc - frame.x0) * sx - 0.5, 0), ow - 1);
    X0[i] = Math.floor(X);
    X1[i] = Math.min(X0[i] + 1, ow - 1);
    FX[i] = X - X0[i];
    CX[i] = 1 - Math.abs((2 * (xc - frame.x0)) / frame.w - 1);
  }
  return { xs, nx, ys, ye, X0, X1, FX, CX, sy };
}

/** Source row of target row y: top/bottom source row, vertical weight, centrality in the frame. */
function rowTap(y: number, frame: Frame, oh: number, sy: number): { y0: number; y1: number; fy: number; cy: number } {
  const yc = y + 0.5;
  const Y = Math.min(Math.max((yc - frame.y0) * sy - 0.5, 0), oh - 1);
  const y0 = Math.floor(Y);
  return { y0, y1: Math.min(y0 + 1, oh - 1), fy: Y - y0, cy: 1 - Math.abs((2 * (yc - frame.y0)) / frame.h - 1) };
}

/**
 * Which target pixels of row y this paste writes (crops: only where this crop is the most central so
 * far, and it becomes the one recorded in `best`). Fills `cols` and returns their count.
 */
function rowColumns(t: PasteTarget, g: Taps, y: number, cy: number, cols: Int32Array): number {
  let m = 0;
  const best = t.best;
  const q0 = y * t.width + g.xs;
  for (let i = 0; i < g.nx; i++) {
    if (best) {
      const c = Math.min(g.CX[i], cy);
      if (c <= 0 || c <= best[q0 + i]) continue;
      best[q0 + i] = c;
    }
    cols[m++] = i;
  }
  return m;
}

/**
 * Upsamples the K×oh×ow planes `p` (covering `frame` of the image) onto the target pixels the frame
 * covers, then argmax. `isProb`: `p` holds probabilities; otherwise logits, and softmax is applied
 * where needed (p may be modified in place).
 *
 * The result is by definition that of the plain path: softmax of every source pixel (for logits),
 * then at every target pixel v_k = p_k[a]·wa + p_k[b]·wb + p_k[c]·wc + p_k[d]·wd (this expression, in
 * this order, in doubles) for every class, label = the first k with the largest v_k, probabilities
 * round(clamp(float32(v_k), 0, 1)·255). The labels-only path takes a shortcut that gives bit for bit
 * the same labels (test/unit/postprocess-paste.test.ts checks it against the plain path).
 * Returns how many target pixels interpolated all K classes (the rest took the shortcut).
 */
export function paste(p: Float32Array, K: number, oh: number, ow: number, isProb: boolean, frame: Frame, t: PasteTarget): number {
  const g = tapsOf(frame, oh, ow, t.width, t.height);
  return t.probs ? pasteWithProbs(p, K, oh, ow, isProb, frame, t, g) : pasteLabels(p, K, oh, ow, isProb, frame, t, g);
}

/**
 * Every target pixel interpolates every class, row by row and plane by plane (planes are read and
 * written in order). Along a row, neighbouring target pixels that fall in the same source cell share
 * its 4 corner values, read once per class. The quantisation round(clamp(x, 0, 1)·255) is written as
 * x ≥ 1 → 255, x > 0 → x·255 + 0.5 stored (a Uint8Array store truncates), else 0: the same bytes.
 * For a float32 x, y = x·255 is exact in doubles (≤ 32 significant bits), y + 0.5 is exact for
 * y ≥ 2^-14 (so truncating it rounds halves up, as Math.round does) and below 1 otherwise (0 both
 * ways); NaN stores 0 both ways.
 */
function pasteWithProbs(p: Float32Array, K: number, oh: number, ow: number, isProb: boolean, frame: Frame, t: PasteTarget, g: Taps): number {
  const probs = t.probs as Uint8Array;
  const n = oh * ow;
  if (!isProb) softmaxPlanar(p, K, n);
  const { nx, X0, X1, FX } = g;
  const plane = t.width * t.height;
  const cols = new Int32Array(nx);
  // runs[r] … runs[r+1]−1: positions in `cols` whose pixels share a source cell.
  const runs = new Int32Array(nx + 1);
  let nRuns = -1;
  const WA = new Float64Array(nx);
  const WB = new Float64Array(nx);
  const WC = new Float64Array(nx);
  const WD = new Float64Array(nx);
  const bestV = new Float64Array(nx);
  const bestK = new Uint8Array(nx);
  let written = 0;
  for (let y = g.ys; y < g.ye; y++) {
    const { y0, y1, fy, cy } = rowTap(y, frame, oh, g.sy);
    const m = rowColumns(t, g, y, cy, cols);
    if (m === 0) continue;
    written += m;
    if (t.best || nRuns < 0) {
      nRuns = 0;
      for (let j = 0; j < m; j++) if (j === 0 || X0[cols[j]] !== X0[cols[j - 1]]) runs[nRuns++] = j;
      runs[nRuns] = m;
    }
    for (let j = 0; j < m; j++) {
      const fx = FX[cols[j]];
      WA[j] = (1 - fx) * (1 - fy);
      WB[j] = fx * (1 - fy);
      WC[j] = (1 - fx) * fy;
      WD[j] = fx * fy;
    }
    bestV.fill(-Infinity, 0, m);
    bestK.fill(0, 0, m);
    const q0 = y * t.width + g.xs;
    for (let k = 0; k < K; k++) {
      const r0 = k * n + y0 * ow;
      const r1 = k * n + y1 * ow;
      const out = k * plane + q0;
      for (let r = 0; r < nRuns; r++) {
        const s = runs[r];
        const e = runs[r + 1];
        const x0 = X0[cols[s]];
        const x1 = X1[cols[s]];
        const pa = p[r0 + x0];
        const pb = p[r0 + x1];
        const pc = p[r1 + x0];
        const pd = p[r1 + x1];
        for (let j = s; j < e; j++) {
          const v = pa * WA[j] + pb * WB[j] + pc * WC[j] + pd * WD[j];
          if (v > bestV[j]) {
            bestV[j] = v;
            bestK[j] = k;
          }
          const f = Math.fround(v);
          probs[out + cols[j]] = f >= 1 ? 255 : f > 0 ? f * 255 + 0.5 : 0;
        }
      }
    }
    for (let j = 0; j < m; j++) t.labels[q0 + cols[j]] = bestK[j];
  }
  return written;
}

/**
 * Logit margin under which a source pixel's arg-max is not trusted through the softmax: two logits
 * this far apart give float32 probabilities that differ (see `pasteLabels`).
 */
const LOGIT_MARGIN = 2 ** -16;

/**
 * Per source pixel: the first class with the largest value if the pixel is sure of it (see
 * `pasteLabels`), else −1. One pass over the planes with one branch (a new maximum), as a plain
 * arg-max. Non-finite values (NaN, ±∞) anywhere are seen through the sum of v − v, which is then NaN,
 * and make every pixel unsure: such an output goes the plain way.
 */
function sureClasses(p: Float32Array, K: number, n: number, isProb: boolean): Int16Array {
  const b1 = p.slice(0, n);
  const A = new Uint8Array(n);
  let bad = 0;
  for (let q = 0; q < n; q++) bad += b1[q] - b1[q];
  const sure = new Int16Array(n);
  if (isProb) {
    for (let k = 1; k < K; k++) {
      const o = k * n;
      for (let q = 0; q < n; q++) {
        const v = p[o + q];
        bad += v - v;
        if (v > b1[q]) {
          b1[q] = v;
          A[q] = k;
        }
      }
    }
    if (bad !== 0) return sure.fill(-1);
    for (let q = 0; q < n; q++) sure[q] = A[q];
    return sure;
  }
  // near[q] = k: when class k became the largest logit, the largest before it (the largest among the
  // lower classes) was within LOGIT_MARGIN. It counts only if k is still the largest at the end.
  // (Higher classes may tie or come close: their probability cannot exceed the first largest one's,
  // and a tie goes to the lower class anyway.) Written only when it happens: a store in the common
  // branch would nearly double the pass.
  const near = new Uint8Array(n);
  for (let k = 1; k < K; k++) {
    const o = k * n;
    for (let q = 0; q < n; q++) {
      const v = p[o + q];
      const b = b1[q];
      bad += v - v;
      if (v > b) {
        if (v - b < LOGIT_MARGIN) near[q] = k;
        b1[q] = v;
        A[q] = k;
      }
    }
  }
  if (bad !== 0) return sure.fill(-1);
  for (let q = 0; q < n; q++) sure[q] = A[q] > 0 && near[q] === A[q] ? -1 : A[q];
  return sure;
}

/**
 * Labels only. Exact shortcut: a 2×2 source cell whose four corners are all "sure" of the same class c
 * gives every target pixel inside it label c, with no interpolation; the other cells interpolate all
 * K probabilities, and only their corners get a softmax.
 *
 * Why it is exact. A corner is sure of c when its probabilities P (the float32 values the plain path
 * interpolates) are all finite and P_c > P_j for every j < c, P_c ≥ P_j for every j > c. The plain path
 * computes v_k by a fixed sequence of correctly rounded products (weights ≥ 0, the same for every
 * class) and sums, which is monotone in each P_k: so v_c ≥ v_j for every j, and a j > c cannot take the
 * label (it would need v_j > v_c). For j < c it is strict: two float32 values P_c > P_j differ by more
 * than 2^-26·(|P_c| + |P_j|), while the double computation moves v_c − v_j by at most
 * 4·2^-53·Σ w·(|P_c| + |P_j|) (no underflow: a float32 times a weight ≥ 2^-110 is a normal double),
 * and corner a's weight is > 0. So c is the first largest v_k: the plain path's label.
 * - Probabilities in (isProb): sure = every value finite, c = the first largest.
 * - Logits in: sure = every logit finite, c = the first largest, and the largest among the classes
 *   below c at least LOGIT_MARGIN under it. Then the softmax gives e_c = exp(0) = 1 and, for j < c,
 *   e_j ≤ exp(−2^-16)·(1 + 2^-52) < 1 − 2^-17, so P_j = f32(f32(e_j)·inv) < inv·(1 − 2^-18) < f32(inv)
 *   = P_c; for j > c, e_j ≤ 1 and the roundings are monotone, so P_j ≤ P_c. Closer logits below c, e.g.
 *   1e-8 and 1e-8 + 1 ulp, can give equal probabilities, and then the plain path's label is the lower
 *   class, not the logits' arg-max.
 * An output with any non-finite value (NaN, ±∞) has no sure pixel and goes the plain way throughout.
 */
function pasteLabels(p: Float32Array, K: number, oh: number, ow: number, isProb: boolean, frame: Frame, t: PasteTarget, g: Taps): number {
  const n = oh * ow;
  const { nx, X0, X1, FX } = g;
  const sure = sureClasses(p, K, n, isProb);
  // 2. The cells the target samples: their class when uniform and sure, else −1 (and their corners
  // need probabilities).
  const cell = new Int16Array(n);
  const need = new Uint8Array(n);
  const usedX = new Uint8Array(ow);
  for (let i = 0; i < nx; i++) usedX[X0[i]] = 1;
  let lastY0 = -1;
  for (let y = g.ys; y < g.ye; y++) {
    const { y0, y1 } = rowTap(y, frame, oh, g.sy);
    if (y0 === lastY0) continue;
    lastY0 = y0;
    const r0 = y0 * ow;
    const r1 = y1 * ow;
    for (let x = 0; x < ow; x++) {
      if (!usedX[x]) continue;
      const x1 = Math.min(x + 1, ow - 1);
      const la = sure[r0 + x];
      if (la >= 0 && la === sure[r0 + x1] && la === sure[r1 + x] && la === sure[r1 + x1]) cell[r0 + x] = la;
      else {
        cell[r0 + x] = -1;
        need[r0 + x] = need[r0 + x1] = need[r1 + x] = need[r1 + x1] = 1;
      }
    }
  }
  // 3. Probabilities of the corners that need them, pixel-major (slot·K + k): copied, or the softmax
  // of their logits with the plain path's operations in its order (so the same float32 values).
  let m = 0;
  for (let q = 0; q < n; q++) m += need[q];
  const list = new Int32Array(m);
  const slot = new Int32Array(n);
  for (let q = 0, s = 0; q < n; q++) {
    if (need[q]) {
      slot[q] = s;
      list[s++] = q;
    }
  }
  const P = new Float32Array(m * K);
  // In blocks of corners, so that the block's part of P stays in the L1 cache across the K planes.
  for (let s0 = 0; s0 < m; s0 += 256) {
    const s1 = Math.min(m, s0 + 256);
    for (let k = 0; k < K; k++) for (let s = s0, o = k * n; s < s1; s++) P[s * K + k] = p[o + list[s]];
  }
  if (!isProb) {
    for (let j = 0; j < P.length; j += K) {
      const e = j + K;
      let mx = -Infinity;
      for (let k = j; k < e; k++) mx = Math.max(mx, P[k]);
      let sum = 0;
      for (let k = j; k < e; k++) {
        const x = Math.exp(P[k] - mx);
        P[k] = x;
        sum += x;
      }
      const inv = 1 / sum;
      for (let k = j; k < e; k++) P[k] *= inv;
    }
  }
  // 4. Target pixels: the cell's class, or the plain path's interpolation and arg-max.
  const labels = t.labels;
  let interpolated = 0;
  const interpolate = (i: number, r0: number, r1: number, fy: number): number => {
    interpolated++;
    const fx = FX[i];
    const wa = (1 - fx) * (1 - fy);
    const wb = fx * (1 - fy);
    const wc = (1 - fx) * fy;
    const wd = fx * fy;
    const a = slot[r0 + X0[i]] * K;
    const b = slot[r0 + X1[i]] * K;
    const c = slot[r1 + X0[i]] * K;
    const d = slot[r1 + X1[i]] * K;
    let bestK = 0;
    let bestV = -Infinity;
    for (let k = 0; k < K; k++) {
      const v = P[a + k] * wa + P[b + k] * wb + P[c + k] * wc + P[d + k] * wd;
      if (v > bestV) {
        bestV = v;
        bestK = k;
      }
    }
    return bestK;
  };
  if (t.best) {
    const cols = new Int32Array(nx);
    for (let y = g.ys; y < g.ye; y++) {
      const { y0, y1, fy, cy } = rowTap(y, frame, oh, g.sy);
      const cnt = rowColumns(t, g, y, cy, cols);
      const r0 = y0 * ow;
      const q0 = y * t.width + g.xs;
      for (let j = 0; j < cnt; j++) {
        const i = cols[j];
        const c = cell[r0 + X0[i]];
        labels[q0 + i] = c >= 0 ? c : interpolate(i, r0, y1 * ow, fy);
      }
    }
    return interpolated;
  }
  // Whole frame: rows that sample the same source rows share a template (the uniform cells' classes,
  // and the columns that need interpolating), copied in one go.
  const tpl = new Uint8Array(nx);
  const open = new Int32Array(nx);
  let nOpen = 0;
  let tplY0 = -1;
  for (let y = g.ys; y < g.ye; y++) {
    const { y0, y1, fy } = rowTap(y, frame, oh, g.sy);
    const r0 = y0 * ow;
    const r1 = y1 * ow;
    if (y0 !== tplY0) {
      tplY0 = y0;
      nOpen = 0;
      for (let i = 0; i < nx; i++) {
        const c = cell[r0 + X0[i]];
        if (c >= 0) tpl[i] = c;
        else open[nOpen++] = i;
      }
    }
    const q0 = y * t.width + g.xs;
    labels.set(tpl, q0);
    for (let j = 0; j < nOpen; j++) labels[q0 + open[j]] = interpolate(open[j], r0, r1, fy);
  }
  return interpolated;
}
