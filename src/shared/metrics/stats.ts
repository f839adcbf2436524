/**
 * Dataset statistics over a selection of label maps: per-class pixel counts and ratios, and class
 * presence counts (in how many images a class has at least one pixel). Ignore pixels (the schema's
 * ignore index, 255 by default) are counted apart and left out of the ratios.
 */

export interface DatasetStats {
  images: number;
  /** Labelled pixels (excluding ignore and out-of-range values). */
  pixels: number;
  ignoredPixels: number;
  /** Pixels with a value >= K that is not the ignore value. */
  outOfRangePixels: number;
  /** Per class: pixel count, share of labelled pixels, images containing it. */
  classes: { index: number; pixels: number; ratio: number; presentIn: number; presence: number }[];
}

export class StatsAccumulator {
  private readonly counts: Float64Array;
  private readonly present: Float64Array;
  private ignored = 0;
  private outOfRange = 0;
  private images = 0;
  private readonly hist = new Uint32Array(256);

  constructor(
    readonly k: number,
    readonly ignore: number | null = 255,
  ) {
    if (!Number.isInteger(k) || k < 1 || k > 255) throw new Error(`StatsAccumulator: bad class count ${k}`);
    this.counts = new Float64Array(k);
    this.present = new Float64Array(k);
  }

  add(label: Uint8Array): this {
    const h = this.hist;
    h.fill(0);
    for (let i = 0; i < label.length; i++) h[label[i]]++;
    for (let v = 0; v < 256; v++) {
      const n = h[v];
      if (n === 0) continue;
      if (v === this.ignore) this.ignored += n;
      else if (v >= this.k) this.outOfRange += n;
      else {
        this.counts[v] += n;
        this.present[v]++;
      }
    }
    this.images++;
    return this;
  }

  result(): DatasetStats {
    let pixels = 0;
    for (const c of this.counts) pixels += c;
    return {
      images: this.images,
      pixels,
      ignoredPixels: this.ignored,
      outOfRangePixels: this.outOfRange,
      classes: Array.from(this.counts, (n, index) => ({
        index,
        pixels: n,
        ratio: pixels === 0 ? 0 : n / pixels,
        presentIn: this.present[index],
        presence: this.images === 0 ? 0 : this.present[index] / this.images,
      })),
    };
  }
}

/** Statistics of a selection in one call. */
export function datasetStats(labels: Iterable<Uint8Array>, k: number, ignore: number | null = 255): DatasetStats {
  const acc = new StatsAccumulator(k, ignore);
  for (const l of labels) acc.add(l);
  return acc.result();
}
