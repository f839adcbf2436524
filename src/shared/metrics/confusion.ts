/**
 * Confusion matrices and the face-parsing agreement metrics of FORMATS.md ("Evaluation conventions").
 *
 * Convention: rows are the REFERENCE map (ground truth / the labels being judged against), columns the
 * OTHER map (prediction). `m[r * K + c]` counts pixels with reference r and other c. Pixels where either
 * map holds the ignore value (255 by default) are dropped; values >= K that are not the ignore value are
 * counted in `outOfRange` and otherwise dropped (a caller that cares can check it).
 *
 * Dataset figures are computed from the matrix SUMMED over the set (FaRL scorer, DML-CSR `miou.py`),
 * never by averaging per-image scores: accumulate every image into one matrix, then call the metric.
 *
 * A class with no pixels in either map has F1 and IoU NaN ("not defined"); the means skip NaN entries.
 *
 * Pure TypeScript (no Node/DOM).
 */

export const DEFAULT_IGNORE = 255;

export class ConfusionMatrix {
  readonly k: number;
  /** K*K counts, row = reference class, column = other class. Float64 so sums over big sets stay exact. */
  readonly m: Float64Array;
  /** Pixels where either value was >= K and not the ignore value. */
  outOfRange = 0;
  /** Pixels dropped because either map held the ignore value. */
  ignored = 0;

  constructor(k: number) {
    if (!Number.isInteger(k) || k < 1 || k > 255) throw new Error(`ConfusionMatrix: bad class count ${k}`);
    this.k = k;
    this.m = new Float64Array(k * k);
  }

  /** Adds one pair of maps (same length). Returns this. */
  add(reference: Uint8Array, other: Uint8Array, ignore: number | null = DEFAULT_IGNORE): this {
    if (reference.length !== other.length) {
      throw new Error(`ConfusionMatrix.add: maps differ in size (${reference.length} vs ${other.length})`);
    }
    const K = this.k;
    // Count pairs as 16-bit codes into a 65536-bin histogram: one typed-array increment per pixel.
    const hist = new Uint32Array(65536);
    for (let i = 0; i < reference.length; i++) hist[(reference[i] << 8) | other[i]]++;
    const ig = ignore === null ? -1 : ignore;
    for (let r = 0; r < 256; r++) {
      for (let c = 0; c < 256; c++) {
        const n = hist[(r << 8) | c];
        if (n === 0) continue;
        if (r === ig || c === ig) this.ignored += n;
        else if (r >= K || c >= K) this.outOfRange += n;
        else this.m[r * K + c] += n;
      }
    }
    return this;
  }

  /** Adds another matrix of the same K. Returns this. */
  merge(o: ConfusionMatrix): this {
    if (o.k !== this.k) throw new Error(`ConfusionMatrix.merge: K differs (${this.k} vs ${o.k})`);
    for (let i = 0; i < this.m.length; i++) this.m[i] += o.m[i];
    this.outOfRange += o.outOfRange;
    this.ignored += o.ignored;
    return this;
  }

  get(reference: number, other: number): number {
    return this.m[reference * this.k + other];
  }

  total(): number {
    let s = 0;
    for (let i = 0; i < this.m.length; i++) s += this.m[i];
    return s;
  }

  /** Pixels of each class in the reference map (row sums). */
  referenceCounts(): Float64Array {
    const K = this.k;
    const out = new Float64Array(K);
    for (let r = 0; r < K; r++) for (let c = 0; c < K; c++) out[r] += this.m[r * K + c];
    return out;
  }

  /** Pixels of each class in the other map (column sums). */
  otherCounts(): Float64Array {
    const K = this.k;
    const out = new Float64Array(K);
    for (let r = 0; r < K; r++) for (let c = 0; c < K; c++) out[c] += this.m[r * K + c];
    return out;
  }

  static of(k: number, reference: Uint8Array, other: Uint8Array, ignore: number | null = DEFAULT_IGNORE) {
    return new ConfusionMatrix(k).add(reference, other, ignore);
  }
}

/** Per-class F1 = 2·TP / (GT + Pred); NaN where GT + Pred = 0. */
export function perClassF1(cm: ConfusionMatrix): Float64Array {
  const K = cm.k;
  const gt = cm.referenceCounts();
  const pr = cm.otherCounts();
  const out = new Float64Array(K);
  for (let c = 0; c < K; c++) {
    const d = gt[c] + pr[c];
    out[c] = d === 0 ? NaN : (2 * cm.m[c * K + c]) / d;
  }
  return out;
}

/** Per-class IoU = TP / (GT + Pred − TP); NaN where GT + Pred = 0. */
export function perClassIoU(cm: ConfusionMatrix): Float64Array {
  const K = cm.k;
  const gt = cm.referenceCounts();
  const pr = cm.otherCounts();
  const out = new Float64Array(K);
  for (let c = 0; c < K; c++) {
    const tp = cm.m[c * K + c];
    const d = gt[c] + pr[c] - tp;
    out[c] = d === 0 ? NaN : tp / d;
  }
  return out;
}

/** Mean of the defined (non-NaN) entries at the given indices (all indices when omitted); NaN if none. */
export function nanMean(values: ArrayLike<number>, indices?: readonly number[]): number {
  let s = 0;
  let n = 0;
  const idx = indices ?? Array.from({ length: values.length }, (_, i) => i);
  for (const i of idx) {
    const v = values[i];
    if (!Number.isNaN(v)) {
      s += v;
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
}

/**
 * Mean F1 over the foreground classes (every class except `background`, index 0 by default): the
 * CelebAMask-HQ (18 classes) and LaPa (10 classes) convention.
 */
export function meanF1(cm: ConfusionMatrix, background: number | null = 0): number {
  const f1 = perClassF1(cm);
  const idx: number[] = [];
  for (let c = 0; c < cm.k; c++) if (c !== background) idx.push(c);
  return nanMean(f1, idx);
}

/** mIoU over ALL classes including background (ignore pixels were already dropped by `add`). */
export function meanIoU(cm: ConfusionMatrix): number {
  return nanMean(perClassIoU(cm));
}

/**
 * F1 of a merged group: the classes in `group` form one binary region in both maps, and confusions
 * inside the group count as correct. TP = Σ m[r][c] for r, c in the group; GT = Σ rows; Pred = Σ cols.
 * NaN when neither map has a group pixel.
 */
export function groupF1(cm: ConfusionMatrix, group: readonly number[]): number {
  const K = cm.k;
  const inG = new Uint8Array(K);
  for (const g of group) if (g >= 0 && g < K) inG[g] = 1;
  let tp = 0;
  let gt = 0;
  let pr = 0;
  for (let r = 0; r < K; r++) {
    for (let c = 0; c < K; c++) {
      const n = cm.m[r * K + c];
      if (inG[r]) gt += n;
      if (inG[c]) pr += n;
      if (inG[r] && inG[c]) tp += n;
    }
  }
  return gt + pr === 0 ? NaN : (2 * tp) / (gt + pr);
}

/** Canonical names of the Helen "overall" group: brows, eyes, nose and mouth (inner mouth + both lips). */
export const HELEN_OVERALL_NAMES = ['l_brow', 'r_brow', 'l_eye', 'r_eye', 'nose', 'mouth', 'u_lip', 'l_lip'] as const;

/** Indices of the Helen overall group in a schema (matched by canonical class name). */
export function helenOverallGroup(schema: { classes: readonly { index: number; name: string }[] }): number[] {
  const names = new Set<string>(HELEN_OVERALL_NAMES);
  return schema.classes.filter((c) => names.has(c.name)).map((c) => c.index);
}

/** Helen overall F1 (FORMATS.md): one region = brows + eyes + nose + mouth; skin, hair, background excluded. */
export function helenOverallF1(
  cm: ConfusionMatrix,
  schema: { classes: readonly { index: number; name: string }[] },
): number {
  return groupF1(cm, helenOverallGroup(schema));
}
