/**
 * Checks of float probability planes made elsewhere (`noise:importProbs`) before they are quantised into
 * the prediction cache: K class-major planes of n pixels (p[k * n + q]), each value finite and ≥ 0,
 * and each pixel's K values summing to 1 within a tolerance.
 */

export type ProbProblem =
  /** A NaN or ±Infinity. `pixel`/`cls`: the first such value in pixel order (then class order); `count`: values. */
  | { kind: 'nonfinite'; pixel: number; cls: number; value: number; count: number }
  /** A value below 0. Same fields. */
  | { kind: 'negative'; pixel: number; cls: number; value: number; count: number }
  /** A pixel whose K values sum to more than `tolerance` away from 1: the first pixel; `count`: pixels. */
  | { kind: 'sum'; pixel: number; sum: number; count: number };

/**
 * The first problem of the planes, or null when they are probabilities. Non-finite values are reported
 * before negative ones, those before sums; each is the first in row-major pixel order. Sums are taken
 * in float64 over the values as given (a sum is only judged when every value of the plane set is fine).
 */
export function firstProbProblem(p: Float32Array, K: number, n: number, tolerance: number): ProbProblem | null {
  if (p.length !== K * n) throw new Error(`probability planes: ${p.length} values, expected K*n = ${K}*${n}`);
  const sum = new Float64Array(n);
  let nonfinite: Extract<ProbProblem, { kind: 'nonfinite' }> | null = null;
  let negative: Extract<ProbProblem, { kind: 'negative' }> | null = null;
  for (let k = 0; k < K; k++) {
    const o = k * n;
    for (let q = 0; q < n; q++) {
      const v = p[o + q];
      if (v >= 0 && v < Infinity) {
        sum[q] += v;
        continue;
      }
      if (v < 0 && v > -Infinity) {
        if (!negative) negative = { kind: 'negative', pixel: q, cls: k, value: v, count: 0 };
        else if (q < negative.pixel) Object.assign(negative, { pixel: q, cls: k, value: v });
        negative.count++;
      } else {
        if (!nonfinite) nonfinite = { kind: 'nonfinite', pixel: q, cls: k, value: v, count: 0 };
        else if (q < nonfinite.pixel) Object.assign(nonfinite, { pixel: q, cls: k, value: v });
        nonfinite.count++;
      }
    }
  }
  if (nonfinite) return nonfinite;
  if (negative) return negative;
  let first = -1;
  let count = 0;
  for (let q = 0; q < n; q++) {
    const d = sum[q] - 1;
    if (d > tolerance || d < -tolerance) {
      if (first < 0) first = q;
      count++;
    }
  }
  return first < 0 ? null : { kind: 'sum', pixel: first, sum: sum[first], count };
}
