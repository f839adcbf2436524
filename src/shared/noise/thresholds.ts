/**
 * Per-class thresholds in the manner of confident learning (Northcutt et al., "Confident Learning",
 * 2021): the threshold of class k is the teacher's MEAN self-confidence p_k(x) over the pixels x labelled
 * k, accumulated over a selection of images. A class the teacher is usually unsure about (a tail class
 * such as necklace) gets a low threshold, a class it is sure about (skin, background) a high one.
 *
 * Thresholds are probabilities in [0, 1]. A class with no labelled pixels in the selection gets
 * `fallback` (default 0.5).
 */
import { checkProbs } from './probs';

export interface ClassThresholds {
  k: number;
  /** Threshold per class, probability 0..1. */
  t: Float64Array;
  /** Labelled pixels per class that went into the mean (0 = fallback used). */
  pixels: Float64Array;
}

export interface ThresholdOptions {
  /** Ignore value (never counted); default 255. */
  ignore?: number | null;
  /** Threshold of a class with no labelled pixels; default 0.5. */
  fallback?: number;
}

export class ThresholdAccumulator {
  private readonly sum: Float64Array;
  private readonly n: Float64Array;
  private readonly ignore: number;

  constructor(
    readonly k: number,
    private readonly opts: ThresholdOptions = {},
  ) {
    this.sum = new Float64Array(k);
    this.n = new Float64Array(k);
    this.ignore = opts.ignore === undefined ? 255 : opts.ignore === null ? -1 : opts.ignore;
  }

  /** Adds one image: label map (w×h) and its quantised class-major probabilities (see probs.ts). */
  add(label: Uint8Array, probs: Uint8Array, w: number, h: number): this {
    checkProbs(label, probs, this.k, w, h);
    const HW = w * h;
    const K = this.k;
    // Per-class integer sums for this image (exact: 255 * 2^24 pixels fits a double).
    const s = new Float64Array(K);
    const c = new Float64Array(K);
    for (let i = 0; i < HW; i++) {
      const y = label[i];
      if (y >= K || y === this.ignore) continue;
      s[y] += probs[y * HW + i];
      c[y]++;
    }
    for (let j = 0; j < K; j++) {
      this.sum[j] += s[j];
      this.n[j] += c[j];
    }
    return this;
  }

  result(): ClassThresholds {
    const fb = this.opts.fallback ?? 0.5;
    const t = new Float64Array(this.k);
    for (let j = 0; j < this.k; j++) t[j] = this.n[j] > 0 ? this.sum[j] / this.n[j] / 255 : fb;
    return { k: this.k, t, pixels: this.n.slice() };
  }
}

export interface ThresholdSample {
  label: Uint8Array;
  probs: Uint8Array;
  width: number;
  height: number;
}

/** Confident-learning thresholds over a selection of images. */
export function estimateClassThresholds(
  samples: Iterable<ThresholdSample>,
  k: number,
  opts: ThresholdOptions = {},
): ClassThresholds {
  const acc = new ThresholdAccumulator(k, opts);
  for (const s of samples) acc.add(s.label, s.probs, s.width, s.height);
  return acc.result();
}

/** Thresholds given directly (tests, or a curator's override). */
export function fixedThresholds(t: ArrayLike<number>): ClassThresholds {
  return { k: t.length, t: Float64Array.from(t), pixels: new Float64Array(t.length) };
}
