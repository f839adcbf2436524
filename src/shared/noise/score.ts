/**
 * Label-noise scoring of one image against a teacher (see docs/noise.md for the curator's view).
 *
 * Pixel rule (confident learning, per class thresholds t from `estimateClassThresholds`):
 *   a labelled pixel with label y is SUSPECT when  p(y) < t_y  and some other class k has p(k) >= t_k.
 *   Its suggested class s is the k != y with p(k) >= t_k and the highest p(k).
 *   Its mass is  weight · max(0, p(s) − p(y))  (probabilities 0..1): a pixel the rule calls suspect
 *   while the teacher still prefers its label weighs nothing.
 *   weight = `bandWeight` for a BOUNDARY-AMBIGUOUS pixel, 1 elsewhere: the pixel lies in the boundary
 *   band (DML-CSR edge rule widened by `bandRadius`, default 1, see edge.ts) AND its suggested class is a label
 *   within bandRadius + 1 pixels, i.e. the teacher only moves the boundary between the two labels that
 *   meet there. A band pixel whose suggestion is not across its edge (an eye labelled glasses: no eye
 *   label nearby) keeps full weight; without this, every pixel of a small part (mostly band) would be
 *   down-weighted and whole-part errors ranked below teacher noise (measured: docs/bench/noise.md).
 *   Ignore pixels (255 by default) and values >= K are never suspect.
 * Growth (hysteresis, `grow`, default on): per-class thresholds are mean self-confidences, so only
 *   about the confident half of a mislabelled part passes the rule. Pixels where the teacher's arg-max a
 *   is not the label and p(a) > p(y) join a region when 8-connected to a rule-suspect pixel (mass as
 *   above with s = a); components of such pixels alone are not suspect. Regions then cover the part.
 * Regions: 8-connected components of suspect pixels. Region score = sum of its pixel masses (an
 *   area-weighted confidence margin, "how many pixels' worth of confident disagreement"). Label class =
 *   the most common label among its pixels, suggested class = the suggestion with the most mass among
 *   the pixels of that label (tiny epsilon: zero-mass pixels still vote), so never the label class.
 *   Regions with area < minRegionArea or score < minRegionScore are not reported (not flags).
 * Region rule (`minFirmShare`, default 0.2; `restoreBand`, default on): a region whose FIRM pixels
 *   (suspect pixels not down-weighted as boundary-ambiguous) are less than minFirmShare of its area is
 *   boundary imprecision: a strip along label edges, however long. It is neither reported nor pooled,
 *   unless it holds at least half of the label parts it lies on (`partCover`, 0.5): a thin part with
 *   the wrong label, lips swapped at 128² say, is all band but is a whole part, not a strip.
 *   A region that passes is a real error reaching past the band (a shifted or grown part), and its band
 *   pixels count at full weight: they belong to the same error. Measured (docs/bench/noise.md): with a
 *   teacher that is good at boundaries, long jittered edges summed to flags on nearly every jittered
 *   image; with a single noisy teacher, small dilations and shifts (mostly band) ranked below teacher
 *   noise. Chosen on faces disjoint from the figures of record.
 * Image score: pooled over the scores of ALL regions of at least minRegionArea pixels, reported or not,
 *   so sorting images does not depend on the reporting threshold. Pooling `top3` (sum of the three
 *   highest region scores) by measurement (docs/bench/noise.md, 150 faces, documented teacher): `sum` and
 *   `top3` tie within ±0.005 image AUROC on every non-boundary corruption type; `top3` separates
 *   boundary-jittered images from clean ones far less (AUROC 0.57, `sum` 0.67; lower is better, jitter
 *   is not an error); `max` and `lse` lose 0.045 on left/right swaps (two regions, one per side).
 * Pair summary: suspect pixel counts per (label -> suggested) class pair, over all suspect pixels.
 *
 * Cost: one byte read per pixel where p(y) >= t_y (most pixels); K reads where it is below.
 */
import { inEdgeBand } from './edge';
import { checkProbs } from './probs';
import { connectedComponents, cropMask, type BBox, type RegionMask } from './regions';
import type { ClassThresholds } from './thresholds';

export type Pooling = 'sum' | 'max' | 'top3' | 'lse';

export interface ScoreOptions {
  /** Ignore value, never flagged (default 255). */
  ignore?: number | null;
  /** Widening of the DML-CSR edge in pixels (chessboard); default 1 (by measurement, docs/bench/noise.md). */
  bandRadius?: number;
  /** Weight of a suspect pixel inside the band (0..1); default 0.1. */
  bandWeight?: number;
  /** Smallest reported region, pixels; default 8. */
  minRegionArea?: number;
  /** Smallest reported region score; default 6 (see docs/bench/noise.md). */
  minRegionScore?: number;
  /** Image pooling over region scores; default 'top3' (chosen by measurement, file header). */
  pooling?: Pooling;
  /** Attach each region's bitmask crop (`pixels`); default false. */
  withPixels?: boolean;
  /** Keep at most this many regions (highest scores first); default 100. */
  maxRegions?: number;
  /** Hysteresis growth of regions into connected pixels the teacher gives to another class; default true. */
  grow?: boolean;
  /**
   * Down-weight only band pixels whose suggestion is a label across their edge (default true); false
   * down-weights every suspect band pixel (the plain DML-CSR band; kept for the benchmark's comparison).
   */
  bandAcross?: boolean;
  /**
   * Regions whose share of firm pixels (suspect pixels NOT down-weighted as boundary-ambiguous) is below
   * this, 0..1, are boundary imprecision: neither reported nor pooled into the image score. 0 keeps
   * every region (default: DEFAULT_SCORE_OPTIONS).
   */
  minFirmShare?: number;
  /**
   * With minFirmShare > 0: a region that passes it counts its band pixels at full weight (the band
   * pixels of a region that reaches well past the band are part of the error, not boundary ambiguity).
   */
  restoreBand?: boolean;
  /**
   * A region below minFirmShare is kept all the same when its pixels of its label class are at least
   * this share of the label parts they belong to (8-connected pixels of that class): a whole thin part
   * with the wrong label (lips swapped at 128²) is all band, but it is a part, not a strip along an edge.
   * Above 1: no exception. Default 0.5.
   */
  partCover?: number;
}

export const DEFAULT_SCORE_OPTIONS: Required<ScoreOptions> = {
  ignore: 255,
  bandRadius: 1,
  bandWeight: 0.1,
  minRegionArea: 8,
  minRegionScore: 6,
  pooling: 'top3',
  withPixels: false,
  maxRegions: 100,
  grow: true,
  bandAcross: true,
  minFirmShare: 0.2,
  restoreBand: true,
  partCover: 0.5,
};

export interface NoiseRegion {
  bbox: BBox;
  area: number;
  /** Most common label among the region's pixels. */
  labelClass: number;
  /** Suggested class with the most mass in the region. */
  suggestedClass: number;
  /** Sum of pixel masses (see file header). */
  score: number;
  /** Bitmask crop of the region (regions.ts), when `withPixels`. */
  pixels?: RegionMask;
}

export interface ClassPair {
  from: number;
  to: number;
  pixels: number;
}

export interface NoiseScore {
  /** All suspect pixels (band included). */
  suspectPixels: number;
  /** Suspect pixels outside the boundary band. */
  suspectOutsideBand: number;
  /** Reported regions, highest score first. */
  regions: NoiseRegion[];
  /** Pooled over all regions of at least minRegionArea pixels (0 when none). */
  imageScore: number;
  /** Suspect pixels per (label -> suggested) pair, most pixels first. */
  pairs: ClassPair[];
}

/** Pools region scores into an image score. `scores` must be sorted descending for 'top3'. */
export function poolScores(scores: readonly number[], pooling: Pooling): number {
  if (scores.length === 0) return 0;
  switch (pooling) {
    case 'sum':
      return scores.reduce((a, b) => a + b, 0);
    case 'max':
      return Math.max(...scores);
    case 'top3':
      return scores.slice(0, 3).reduce((a, b) => a + b, 0);
    case 'lse': {
      // Temperature in score units: a soft maximum that still adds up many medium regions.
      const T = 10;
      const m = Math.max(...scores);
      let s = 0;
      for (const v of scores) s += Math.exp((v - m) / T);
      return m + T * Math.log(s);
    }
  }
}

/** Whether class `c` is a label within `r` pixels (chessboard) of pixel i. */
function labelNear(label: Uint8Array, w: number, h: number, i: number, c: number, r: number): boolean {
  const x = i % w;
  const y = (i - x) / w;
  const x0 = Math.max(0, x - r);
  const x1 = Math.min(w - 1, x + r);
  for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
    const row = yy * w;
    for (let xx = x0; xx <= x1; xx++) if (label[row + xx] === c) return true;
  }
  return false;
}

/**
 * Per-pixel pass shared by the scorer and its tests: fills `sugg` (0 = not suspect, else suggested
 * class + 1) and `mass`. A suspect pixel in the band of `bandRadius` (-1: no band) is down-weighted
 * when its suggestion is a label within `bandReach` pixels (-1: always). Returns [suspect pixels,
 * suspect outside band].
 */
export function suspectPixels(
  label: Uint8Array,
  probs: Uint8Array,
  K: number,
  w: number,
  h: number,
  thresholds: ClassThresholds,
  bandRadius: number,
  bandReach: number,
  bandWeight: number,
  ignore: number | null,
  sugg: Uint8Array,
  mass: Float32Array,
  /** When given, set to 1 at every suspect pixel that is down-weighted as boundary-ambiguous. */
  band?: Uint8Array,
): [number, number] {
  const HW = w * h;
  if (thresholds.k !== K) throw new Error(`scoreImage: thresholds are for ${thresholds.k} classes, probs for ${K}`);
  // Thresholds in quantised units.
  const tq = new Float64Array(K);
  for (let k = 0; k < K; k++) tq[k] = thresholds.t[k] * 255;
  // Quick reject (exact): the planes of a pixel sum to at most 255 + K/2 after rounding, so no other
  // class can reach its threshold when 255 + K/2 − p(y) is below the smallest other threshold.
  const reject = new Float64Array(K);
  for (let y = 0; y < K; y++) {
    let m = Infinity;
    for (let k = 0; k < K; k++) if (k !== y && tq[k] < m) m = tq[k];
    // p(y) above this value leaves every other class below its threshold.
    reject[y] = 255 + K / 2 - m;
  }
  const ig = ignore === null ? -1 : ignore;
  let nSuspect = 0;
  let nOutside = 0;
  for (let i = 0; i < HW; i++) {
    const y = label[i];
    if (y >= K || y === ig) continue;
    const py = probs[y * HW + i];
    if (py >= tq[y] || py > reject[y]) continue;
    let best = -1;
    let bestP = -1;
    for (let k = 0, off = i; k < K; k++, off += HW) {
      if (k === y) continue;
      const pk = probs[off];
      if (pk >= tq[k] && pk > bestP) {
        bestP = pk;
        best = k;
      }
    }
    if (best < 0) continue;
    sugg[i] = best + 1;
    const inBand = bandRadius >= 0 && inEdgeBand(label, w, h, i, bandRadius) && (bandReach < 0 || labelNear(label, w, h, i, best, bandReach));
    // A class below its own threshold can still be above the label's probability; such a pixel is
    // suspect by the rule but carries no mass (the teacher does not prefer the suggestion).
    mass[i] = (Math.max(0, bestP - py) / 255) * (inBand ? bandWeight : 1);
    nSuspect++;
    if (!inBand) nOutside++;
    else if (band) band[i] = 1;
  }
  return [nSuspect, nOutside];
}

/**
 * Hysteresis growth of the suspect map (see the file header): pixels where the teacher's arg-max a is
 * not the label and p(a) > p(label) ("weak" suspects) join the map when they are 8-connected to a strong
 * (confident-learning) suspect through weak or strong pixels; components of weak pixels alone are
 * dropped. Fills `sugg`/`mass` for the pixels that join; returns the new [suspect, outside band] counts
 * and the components (reused by regionsFromSuspects).
 */
export function growSuspects(
  label: Uint8Array,
  probs: Uint8Array,
  K: number,
  w: number,
  h: number,
  bandRadius: number,
  bandReach: number,
  bandWeight: number,
  ignore: number | null,
  sugg: Uint8Array,
  mass: Float32Array,
  nSuspect: number,
  nOutside: number,
  /** As in suspectPixels: marks the joining pixels that are down-weighted as boundary-ambiguous. */
  band?: Uint8Array,
): { counts: [number, number]; components: { ids: Int32Array; count: number } } {
  const HW = w * h;
  const ig = ignore === null ? -1 : ignore;
  const weak = new Uint8Array(HW);
  const weakMass = new Float32Array(HW);
  const sel = new Uint8Array(HW);
  for (let i = 0; i < HW; i++) {
    if (sugg[i] !== 0) {
      sel[i] = 1;
      continue;
    }
    const y = label[i];
    if (y >= K || y === ig) continue;
    const py = probs[y * HW + i];
    // p(y) >= 1/2 leaves no room for another class above it.
    if (py >= 128) continue;
    let best = -1;
    let bestP = py;
    for (let k = 0, off = i; k < K; k++, off += HW) {
      if (k !== y && probs[off] > bestP) {
        bestP = probs[off];
        best = k;
      }
    }
    if (best < 0) continue;
    weak[i] = best + 1;
    const inBand = bandRadius >= 0 && inEdgeBand(label, w, h, i, bandRadius) && (bandReach < 0 || labelNear(label, w, h, i, best, bandReach));
    weakMass[i] = ((bestP - py) / 255) * (inBand ? bandWeight : 1);
    sel[i] = inBand ? 3 : 2;
  }
  const { ids, count } = connectedComponents(sel, w, h);
  const hasStrong = new Uint8Array(count);
  for (let i = 0; i < HW; i++) if (sugg[i] !== 0) hasStrong[ids[i]] = 1;
  for (let i = 0; i < HW; i++) {
    if (weak[i] === 0 || !hasStrong[ids[i]]) continue;
    sugg[i] = weak[i];
    mass[i] = weakMass[i];
    nSuspect++;
    if (sel[i] === 2) nOutside++;
    else if (band) band[i] = 1;
  }
  // The suspect map is now a union of whole components of `sel`, so these are its components too
  // (dropped components keep their ids but no suspect pixel).
  return { counts: [nSuspect, nOutside], components: { ids, count } };
}

export function scoreImage(
  label: Uint8Array,
  probs: Uint8Array,
  K: number,
  w: number,
  h: number,
  thresholds: ClassThresholds,
  options: ScoreOptions = {},
): NoiseScore {
  checkProbs(label, probs, K, w, h);
  const o = { ...DEFAULT_SCORE_OPTIONS, ...options };
  const HW = w * h;
  // Band radius, or -1 when no pixel is down-weighted. The band is tested per suspect pixel
  // (inEdgeBand), never built for the whole image.
  const bandRadius = o.bandRadius >= 0 && o.bandWeight < 1 ? Math.floor(o.bandRadius) : -1;
  const sugg = new Uint8Array(HW);
  const mass = new Float32Array(HW);
  // Reach of the "suggestion across the edge" test; -1 = every band pixel is down-weighted.
  const reach = o.bandAcross ? Math.max(0, Math.floor(o.bandRadius)) + 1 : -1;
  const band = o.minFirmShare > 0 && bandRadius >= 0 ? new Uint8Array(HW) : undefined;
  const [nStrong, nStrongOutside] = suspectPixels(label, probs, K, w, h, thresholds, bandRadius, reach, o.bandWeight, o.ignore, sugg, mass, band);
  if (nStrong === 0 || !o.grow) return regionsFromSuspects(label, sugg, mass, K, w, h, nStrong, nStrongOutside, o, undefined, band);
  const g = growSuspects(label, probs, K, w, h, bandRadius, reach, o.bandWeight, o.ignore, sugg, mass, nStrong, nStrongOutside, band);
  return regionsFromSuspects(label, sugg, mass, K, w, h, g.counts[0], g.counts[1], o, g.components, band);
}

/** Components, region statistics, pooling and the pair summary from a filled suspect map. */
export function regionsFromSuspects(
  label: Uint8Array,
  sugg: Uint8Array,
  mass: Float32Array,
  K: number,
  w: number,
  h: number,
  nSuspect: number,
  nOutside: number,
  o: Required<ScoreOptions>,
  /** Components of the suspect map when already known (ids of non-suspect pixels are not read). */
  components?: { ids: Int32Array; count: number },
  /** Boundary-ambiguous suspect pixels (suspectPixels' `band`), read for `o.minFirmShare`. */
  band?: Uint8Array,
): NoiseScore {
  const HW = w * h;
  const pairCounts = new Float64Array(K * K);
  if (nSuspect === 0) return { suspectPixels: 0, suspectOutsideBand: 0, regions: [], imageScore: 0, pairs: [] };
  const { ids, count } = components ?? connectedComponents(sugg, w, h);
  const area = new Float64Array(count);
  const score = new Float64Array(count);
  const bx0 = new Int32Array(count).fill(w);
  const by0 = new Int32Array(count).fill(h);
  const bx1 = new Int32Array(count).fill(-1);
  const by1 = new Int32Array(count).fill(-1);
  const labelHist = new Float64Array(count * K);
  // Pixels of each region that are not boundary-ambiguous (counted only for o.minFirmShare).
  const firm = o.minFirmShare > 0 && band !== undefined ? new Float64Array(count) : null;
  const bandMass = firm && o.restoreBand && o.bandWeight > 0 ? new Float64Array(count) : null;
  for (let i = 0; i < HW; i++) {
    const s = sugg[i];
    if (s === 0) continue;
    const id = ids[i];
    const x = i % w;
    const y = (i - x) / w;
    area[id]++;
    score[id] += mass[i];
    if (firm && band![i] === 0) firm[id]++;
    else if (bandMass) bandMass[id] += mass[i];
    if (x < bx0[id]) bx0[id] = x;
    if (x > bx1[id]) bx1[id] = x;
    if (y < by0[id]) by0[id] = y;
    if (y > by1[id]) by1[id] = y;
    const l = label[i];
    labelHist[id * K + l]++;
    pairCounts[l * K + s - 1]++;
  }
  const argmaxRow = (arr: Float64Array, r: number): number => {
    let best = 0;
    for (let k = 1; k < K; k++) if (arr[r * K + k] > arr[r * K + best]) best = k;
    return best;
  };
  // Whether region r holds at least partCover of the label parts its pixels of its label class belong
  // to (see ScoreOptions): a flood fill over that class from those pixels, stopped as soon as the parts
  // are too big, so a strip along a large part costs about its own area.
  let part: { head: Int32Array; next: Int32Array; seen: Uint8Array; queue: Int32Array } | null = null;
  const coversPart = (r: number): boolean => {
    if (o.partCover > 1) return false;
    if (!part) {
      // Pixel lists per region, built once and only when a region needs the test.
      const head = new Int32Array(count).fill(-1);
      const next = new Int32Array(HW);
      for (let i = HW - 1; i >= 0; i--) {
        if (sugg[i] === 0) continue;
        next[i] = head[ids[i]];
        head[ids[i]] = i;
      }
      part = { head, next, seen: new Uint8Array(HW), queue: new Int32Array(64) };
    }
    const { head, next, seen } = part;
    const c = argmaxRow(labelHist, r);
    const limit = labelHist[r * K + c] / o.partCover;
    // The fill stops once it holds more than `limit` pixels, so the queue needs floor(limit) + 1 slots.
    if (part.queue.length < limit + 1) part.queue = new Int32Array(Math.max(Math.floor(limit) + 1, 2 * part.queue.length));
    const queue = part.queue;
    let qn = 0;
    let covers = true;
    for (let i = head[r]; i >= 0; i = next[i]) {
      if (label[i] === c && seen[i] === 0) {
        seen[i] = 1;
        queue[qn++] = i;
      }
    }
    fill: for (let qi = 0; qi < qn; qi++) {
      const i = queue[qi];
      const x = i % w;
      const y = (i - x) / w;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const j = yy * w + xx;
          if (label[j] !== c || seen[j] !== 0) continue;
          seen[j] = 1;
          queue[qn++] = j;
          if (qn > limit) {
            covers = false;
            break fill;
          }
        }
      }
    }
    // Every pixel marked is in the queue: unmark them for the next region.
    for (let k = 0; k < qn; k++) seen[queue[k]] = 0;
    return covers;
  };
  // The image score pools every component of at least minRegionArea pixels, so the ranking of images
  // does not depend on the reporting threshold minRegionScore.
  const pooled: number[] = [];
  const kept: number[] = [];
  for (let r = 0; r < count; r++) {
    if (area[r] === 0 || area[r] < o.minRegionArea) continue;
    if (firm && firm[r] < o.minFirmShare * area[r] && !coversPart(r)) continue;
    if (bandMass) score[r] += bandMass[r] * (1 / o.bandWeight - 1);
    pooled.push(score[r]);
    if (score[r] >= o.minRegionScore) kept.push(r);
  }
  pooled.sort((a, b) => b - a);
  kept.sort((a, b) => score[b] - score[a] || a - b);
  if (kept.length > o.maxRegions) kept.length = o.maxRegions;
  // The suggested class is the suggestion with the most mass among the region's pixels OF ITS LABEL
  // CLASS, never the label class itself: a region that straddles two labels (skin suggested as hair
  // next to hair suggested as skin) would otherwise read "hair -> hair". One more pass over the pixels
  // of the kept regions.
  const labelOfRegion = new Int32Array(count).fill(-1);
  for (const r of kept) labelOfRegion[r] = argmaxRow(labelHist, r);
  const ownSugg = new Float64Array(count * K);
  if (kept.length > 0) {
    for (let i = 0; i < HW; i++) {
      const s = sugg[i];
      if (s === 0) continue;
      const r = ids[i];
      if (labelOfRegion[r] === label[i]) ownSugg[r * K + s - 1] += mass[i] + 1e-9;
    }
  }
  const regions: NoiseRegion[] = kept.map((r) => {
    const bbox: BBox = [bx0[r], by0[r], bx1[r] + 1, by1[r] + 1];
    const reg: NoiseRegion = {
      bbox,
      area: area[r],
      labelClass: labelOfRegion[r],
      suggestedClass: argmaxRow(ownSugg, r),
      score: score[r],
    };
    if (o.withPixels) reg.pixels = cropMask(ids, w, r, bbox);
    return reg;
  });
  const pairs: ClassPair[] = [];
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) if (pairCounts[a * K + b] > 0) pairs.push({ from: a, to: b, pixels: pairCounts[a * K + b] });
  pairs.sort((p, q) => q.pixels - p.pixels || p.from - q.from || p.to - q.to);
  return {
    suspectPixels: nSuspect,
    suspectOutsideBand: nOutside,
    regions,
    imageScore: poolScores(pooled, o.pooling),
    pairs,
  };
}
