/**
 * The plain upsample + arg-max paste: softmax of every source pixel (pixel by pixel), then at every
 * target pixel every class interpolated and the first largest taken, with the arithmetic of
 * src/main/inference/postprocess.ts before its shortcut. It is the definition the engine's `paste` must
 * match bit for bit (test/unit/postprocess-paste.test.ts) and the baseline of `npm run bench -- paste`.
 */
import type { PasteTarget } from '../../src/main/inference/postprocess';
import type { Frame } from '../../src/main/inference/preprocess';

export function referencePaste(p: Float32Array, K: number, oh: number, ow: number, isProb: boolean, frame: Frame, t: PasteTarget): void {
  const n = oh * ow;
  if (!isProb) {
    for (let q = 0; q < n; q++) {
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
  const { width: W, height: H } = t;
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
  const acc = new Float32Array(K);
  const plane = W * H;
  for (let y = ys; y < ye; y++) {
    const yc = y + 0.5;
    const Y = Math.min(Math.max((yc - frame.y0) * sy - 0.5, 0), oh - 1);
    const y0 = Math.floor(Y);
    const y1 = Math.min(y0 + 1, oh - 1);
    const fy = Y - y0;
    const cy = 1 - Math.abs((2 * (yc - frame.y0)) / frame.h - 1);
    for (let i = 0; i < nx; i++) {
      const q = y * W + xs + i;
      if (t.best) {
        const c = Math.min(CX[i], cy);
        if (c <= 0 || c <= t.best[q]) continue;
        t.best[q] = c;
      }
      const a = y0 * ow + X0[i];
      const b = y0 * ow + X1[i];
      const c = y1 * ow + X0[i];
      const d = y1 * ow + X1[i];
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
