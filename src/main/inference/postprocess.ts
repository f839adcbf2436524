/**
 * Post-processing: model output → per-class planes → softmax (for logits) → flip-TTA merge and
 * model-set averaging → bilinear upsampling of PROBABILITIES to the image (or crop) → argmax.
 *
 * Upsampling then argmax is done exactly but cheaply: bilinear interpolation is a convex combination of
 * the 4 neighbouring source pixels, so where all 4 have the same argmax c, c is also the argmax of the
 * interpolated probabilities (ties go to the lower index both ways). Only output pixels whose 4 source
 * pixels disagree interpolate all K probabilities; softmax is computed only for those source pixels
 * when the model gives logits and no probabilities are requested.
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

/**
 * Upsamples the K×oh×ow planes `p` (covering `frame` of the image) onto the target pixels the frame
 * covers, then argmax. `isProb`: `p` holds probabilities; otherwise logits, and softmax is applied
 * where needed (p is modified in place).
 */
export function paste(p: Float32Array, K: number, oh: number, ow: number, isProb: boolean, frame: Frame, t: PasteTarget): void {
  const n = oh * ow;
  const { width: W, height: H } = t;
  const wantProbs = t.probs !== null;
  const A = argmaxPlanar(p, K, n); // softmax keeps the argmax
  if (!isProb) softmaxPlanar(p, K, n, wantProbs ? undefined : boundaryMask(A, oh, ow));
  const sx = ow / frame.w;
  const sy = oh / frame.h;
  const xs = Math.max(0, Math.floor(frame.x0));
  const xe = Math.min(W, Math.ceil(frame.x0 + frame.w));
  const ys = Math.max(0, Math.floor(frame.y0));
  const ye = Math.min(H, Math.ceil(frame.y0 + frame.h));
  // Precompute x taps.
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
  const acc = new Float32Array(K);
  const plane = W * H;
  for (let y = ys; y < ye; y++) {
    const yc = y + 0.5;
    const Y = Math.min(Math.max((yc - frame.y0) * sy - 0.5, 0), oh - 1);
    const y0 = Math.floor(Y);
    const y1 = Math.min(y0 + 1, oh - 1);
    const fy = Y - y0;
    const cy = 1 - Math.abs((2 * (yc - frame.y0)) / frame.h - 1);
    const r0 = y0 * ow;
    const r1 = y1 * ow;
    for (let i = 0; i < nx; i++) {
      const q = y * W + xs + i;
      if (t.best) {
        const c = Math.min(CX[i], cy);
        if (c <= 0 || c <= t.best[q]) continue;
        t.best[q] = c;
      }
      const a = r0 + X0[i];
      const b = r0 + X1[i];
      const c = r1 + X0[i];
      const d = r1 + X1[i];
      const la = A[a];
      if (!wantProbs && la === A[b] && la === A[c] && la === A[d]) {
        t.labels[q] = la;
        continue;
      }
      const fx = FX[i];
      const wa = (1 - fx) * (1 - fy);
      const wb = fx * (1 - fy);
      const wc = (1 - fx) * fy;
      const wd = fx * fy;
      let bestK = 0;
      let bestV = -Infinity;
      for (let k = 0; k < K; k++) {
        const o = k * n;
        const v = p[o + a] * wa + p[o + b] * wb + p[o + c] * wc + p[o + d] * wd;
        acc[k] = v;
        if (v > bestV) {
          bestV = v;
          bestK = k;
        }
      }
      t.labels[q] = bestK;
      if (t.probs) for (let k = 0; k < K; k++) t.probs[k * plane + q] = Math.round(Math.min(1, Math.max(0, acc[k])) * 255);
    }
  }
}

/** Source pixels that are corners of a 2×2 cell whose argmax labels disagree (need probabilities). */
function boundaryMask(A: Uint8Array, oh: number, ow: number): Uint8Array {
  const n = oh * ow;
  const m = new Uint8Array(n);
  for (let y = 0; y < oh; y++) {
    const y1 = Math.min(y + 1, oh - 1);
    for (let x = 0; x < ow; x++) {
      const x1 = Math.min(x + 1, ow - 1);
      const a = y * ow + x;
      const b = y * ow + x1;
      const c = y1 * ow + x;
      const d = y1 * ow + x1;
      if (A[a] !== A[b] || A[a] !== A[c] || A[a] !== A[d]) m[a] = m[b] = m[c] = m[d] = 1;
    }
  }
  return m;
}
