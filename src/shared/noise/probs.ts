/**
 * Teacher probabilities as the prediction cache stores them: QUANTISED, CLASS-MAJOR planes.
 *
 *   probs: Uint8Array of length K * H * W
 *   probs[k * H * W + y * W + x] = round(255 * p(class k | pixel (x, y)))
 *
 * Plane k is the row-major H×W map of class k's probability, at the SAME H×W as the label map it is
 * compared with (resize the model output before quantising). Values are 0..255 for 0.0..1.0; the planes
 * of one pixel need not sum to exactly 255 after rounding. Class order is the label schema's index order.
 *
 * Class-major planes let the scorer read one byte per pixel for the common case (the label's own plane)
 * and touch the other K − 1 planes only where the label's probability is low.
 */

/** Quantises float probabilities (K planes, class-major, each H×W) to the cache format. */
export function quantizeProbs(p: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i] * 255 + 0.5;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
  }
  return out;
}

/** Throws a clear error when `probs` does not hold K planes of w×h or the label has another size. */
export function checkProbs(label: Uint8Array, probs: Uint8Array, k: number, w: number, h: number): void {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new Error(`noise: bad size ${w}x${h}`);
  if (!Number.isInteger(k) || k < 2 || k > 255) throw new Error(`noise: bad class count ${k}`);
  if (label.length !== w * h) throw new Error(`noise: label has ${label.length} pixels, expected ${w}x${h}`);
  if (probs.length !== k * w * h) {
    throw new Error(`noise: probs has ${probs.length} values, expected K*H*W = ${k}*${h}*${w} = ${k * w * h}`);
  }
}

/** Per-pixel arg-max over the planes (ties to the lower index): the teacher's hard prediction. */
export function argmaxProbs(probs: Uint8Array, k: number, w: number, h: number, out = new Uint8Array(w * h)): Uint8Array {
  const HW = w * h;
  const best = new Uint8Array(HW);
  out.fill(0);
  best.set(probs.subarray(0, HW));
  for (let c = 1; c < k; c++) {
    const off = c * HW;
    for (let i = 0; i < HW; i++) {
      const v = probs[off + i];
      if (v > best[i]) {
        best[i] = v;
        out[i] = c;
      }
    }
  }
  return out;
}
