/**
 * The plain softmin baseline the benchmark compares against (issue 5): no class thresholds, no
 * boundary band, only the teacher's self-confidence c(x) = p(label(x) | x).
 *
 *   image score  = 1 − softmin_T(c) = 1 + T · log( (1/N) Σ_x exp(−c(x)/T) ),  T = 0.1
 *                  over the N labelled pixels (ignore excluded); 0 when N = 0.
 *   regions      = 8-connected components of pixels with c(x) < `regionCut` (default 0.5: the teacher
 *                  gives the label less than even odds), score = the region's share of the same sum:
 *                  1 + T · log( (1/N) Σ_{x in region} exp(−c(x)/T) ).
 *   suggested    = the teacher's arg-max over the region's pixels (most common).
 */
import { checkProbs } from './probs';
import { regionsFromSuspects, DEFAULT_SCORE_OPTIONS, type NoiseScore, type ScoreOptions } from './score';

export interface SoftminOptions {
  temperature?: number;
  regionCut?: number;
  ignore?: number | null;
  minRegionArea?: number;
  minRegionScore?: number;
  withPixels?: boolean;
  maxRegions?: number;
}

export function softminBaseline(
  label: Uint8Array,
  probs: Uint8Array,
  K: number,
  w: number,
  h: number,
  opts: SoftminOptions = {},
): NoiseScore {
  checkProbs(label, probs, K, w, h);
  const T = opts.temperature ?? 0.1;
  const cut = (opts.regionCut ?? 0.5) * 255;
  const ig = opts.ignore === undefined ? 255 : opts.ignore === null ? -1 : opts.ignore;
  const HW = w * h;
  // exp(−c/T) for the 256 quantised values.
  const e = new Float64Array(256);
  for (let q = 0; q < 256; q++) e[q] = Math.exp(-q / 255 / T);
  const sugg = new Uint8Array(HW);
  const weight = new Float32Array(HW);
  let total = 0;
  let n = 0;
  let nLow = 0;
  for (let i = 0; i < HW; i++) {
    const y = label[i];
    if (y >= K || y === ig) continue;
    const q = probs[y * HW + i];
    total += e[q];
    n++;
    if (q < cut) {
      let best = y === 0 ? 1 : 0;
      let bestP = -1;
      for (let k = 0, off = i; k < K; k++, off += HW) {
        if (k !== y && probs[off] > bestP) {
          bestP = probs[off];
          best = k;
        }
      }
      sugg[i] = best + 1;
      weight[i] = e[q];
      nLow++;
    }
  }
  if (n === 0) return { suspectPixels: 0, suspectOutsideBand: 0, regions: [], imageScore: 0, pairs: [] };
  const o: Required<ScoreOptions> = {
    ...DEFAULT_SCORE_OPTIONS,
    ignore: opts.ignore === undefined ? 255 : opts.ignore,
    minRegionArea: opts.minRegionArea ?? 1,
    minRegionScore: -Infinity,
    withPixels: opts.withPixels ?? false,
    maxRegions: opts.maxRegions ?? 100,
  };
  // Region sums of exp(−c/T) come back as "score"; turn them into the region's softmin share.
  const res = regionsFromSuspects(label, sugg, weight, K, w, h, nLow, nLow, { ...o, maxRegions: Number.MAX_SAFE_INTEGER });
  const minScore = opts.minRegionScore ?? -Infinity;
  const regions = res.regions
    .map((r) => ({ ...r, score: 1 + T * Math.log(r.score / n) }))
    .filter((r) => r.score >= minScore)
    .slice(0, o.maxRegions);
  return { ...res, regions, imageScore: 1 + T * Math.log(total / n) };
}
