/**
 * Which images an export takes, and in which split: filters as data, stratified sampling by class
 * presence, source mixing ratios and seeded train/val/test assignment. Pure and deterministic: the
 * same candidates, spec and seed give the same selection on every platform (seeded PRNG of
 * shared/random.ts; candidates are ordered by image id first).
 *
 * Pure TypeScript (no Node, no DOM).
 */
import type { ImageStatus, LabelSchema, RevisionKind } from '../api/types';
import { hash32, Rng } from '../random';

export const NO_VALUE = 'none';
export const SPLIT_NAMES = ['train', 'val', 'test'] as const;

/** One image as the selector sees it (its head revision, and the classes present in that mask). */
export interface Candidate {
  imageId: number;
  /** Head revision, or null when the image has no mask (never exported). */
  revisionId: number | null;
  status: ImageStatus;
  kind: RevisionKind | null;
  author: string | null;
  split: string | null;
  source: string | null;
  tags: string[];
  /** Class indices present in the head mask (source schema), ascending. */
  present: number[];
  /** Image noise score of the latest label-noise scan and its model set; null / absent when never scanned. */
  noise?: { score: number; modelSetId: number } | null;
}

export interface ExportFilter {
  status?: ImageStatus[];
  revisionKind?: RevisionKind[];
  revisionAuthor?: string[];
  /** Stored split; 'none' matches images without one. */
  split?: string[];
  /** Image source; 'none' matches images without one. */
  source?: string[];
  /** The image has at least one of these tags. */
  tagsAny?: string[];
  /** Every listed class (canonical name in the project's schema) is present in the mask. */
  classesPresent?: string[];
  /** None of the listed classes is present. */
  classesAbsent?: string[];
  /** Latest noise scan's image score in [min, max] (by `modelSetId` when given); unscanned images never match. */
  noiseScore?: { min?: number; max?: number; modelSetId?: number };
}

export interface Sampling {
  /** Take at most this many images (after mixing). */
  limit?: number;
  /** Class names whose presence/absence pattern defines strata; sampling and split assignment keep their proportions. */
  stratifyBy?: string[];
  /** Source → ratio weight (e.g. { synthetic: 1, real: 1 }). Sources not listed are left out. */
  mix?: Record<string, number>;
}

export type SplitSpec = { mode: 'keep' } | { mode: 'assign'; ratios: [number, number, number] };

export class SubsetError extends Error {
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface Selected {
  imageId: number;
  revisionId: number;
  split: string;
  source: string;
  present: number[];
}

export interface Selection {
  items: Selected[];
  /** Images left out because they have no mask. */
  withoutMask: number;
  /** Images that passed the filters (with a mask), before sampling. */
  matched: number;
}

function classIndex(schema: LabelSchema, name: string, what: string): number {
  const c = schema.classes.find((k) => k.name === name);
  if (!c) {
    throw new SubsetError(
      `${what}: "${name}" is not a class of schema ${schema.id} (classes: ${schema.classes.map((k) => k.name).join(', ')})`,
    );
  }
  return c.index;
}

/** Filters as data → predicate. Unknown class names are refused. */
export function compileFilter(filter: ExportFilter, schema: LabelSchema): (c: Candidate) => boolean {
  const present = (filter.classesPresent ?? []).map((n) => classIndex(schema, n, 'classes present'));
  const absent = (filter.classesAbsent ?? []).map((n) => classIndex(schema, n, 'classes absent'));
  const both = present.filter((i) => absent.includes(i));
  if (both.length > 0) {
    throw new SubsetError(`class "${schema.classes[both[0]]?.name}" is required both present and absent: no image can match`);
  }
  const set = (xs?: string[]) => (xs && xs.length > 0 ? new Set(xs) : null);
  const status = set(filter.status);
  const kind = set(filter.revisionKind);
  const author = set(filter.revisionAuthor);
  const split = set(filter.split);
  const source = set(filter.source);
  const tags = set(filter.tagsAny);
  const noise = filter.noiseScore;
  if (noise && noise.min !== undefined && noise.max !== undefined && noise.min > noise.max) {
    throw new SubsetError(`noise score range: min ${noise.min} is above max ${noise.max}: no image can match`);
  }
  return (c) => {
    if (status && !status.has(c.status)) return false;
    if (kind && (c.kind === null || !kind.has(c.kind))) return false;
    if (author && (c.author === null || !author.has(c.author))) return false;
    if (split && !split.has(c.split ?? NO_VALUE)) return false;
    if (source && !source.has(c.source ?? NO_VALUE)) return false;
    if (tags && !c.tags.some((t) => tags.has(t))) return false;
    for (const i of present) if (!c.present.includes(i)) return false;
    for (const i of absent) if (c.present.includes(i)) return false;
    if (noise) {
      if (!c.noise) return false;
      if (noise.modelSetId !== undefined && c.noise.modelSetId !== noise.modelSetId) return false;
      if (noise.min !== undefined && c.noise.score < noise.min) return false;
      if (noise.max !== undefined && c.noise.score > noise.max) return false;
    }
    return true;
  };
}

/**
 * Split `total` into integer parts proportional to `weights` (largest remainder; ties to the lower
 * position), summing exactly to `total`.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k].i]++;
  return out;
}

/** Seeded Fisher–Yates on a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** Group by presence pattern of the stratify classes; groups ordered by key, members by image id. */
export function strata<T extends { imageId: number; present: number[] }>(items: readonly T[], by: number[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const key = by.map((i) => (it.present.includes(i) ? '1' : '0')).join('');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(it);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g.sort((x, y) => x.imageId - y.imageId));
}

/** Take `n` of `items`, stratified (proportional allocation per stratum, seeded choice inside). */
export function stratifiedSample<T extends { imageId: number; present: number[] }>(items: readonly T[], n: number, by: number[], rng: Rng): T[] {
  if (n >= items.length) return items.slice();
  const groups = strata(items, by);
  const quotas = apportion(
    n,
    groups.map((g) => g.length),
  );
  const out: T[] = [];
  groups.forEach((g, k) => out.push(...shuffled(g, rng).slice(0, quotas[k])));
  return out;
}

/** Per-source quotas for a mix; throws SubsetError naming the source that cannot supply its share. */
export function mixQuotas(available: Record<string, number>, mix: Record<string, number>, limit?: number): Record<string, number> {
  const names = Object.keys(mix).sort();
  if (names.length === 0) throw new SubsetError('source mix is empty');
  for (const s of names) {
    if (!(mix[s] > 0) || !Number.isFinite(mix[s])) throw new SubsetError(`source mix: ratio for "${s}" must be a positive number, got ${mix[s]}`);
  }
  const weights = names.map((s) => mix[s]);
  const ratioText = names.map((s) => `${s}=${mix[s]}`).join(', ');
  const fits = (total: number) => apportion(total, weights).every((q, k) => q <= (available[names[k]] ?? 0));
  let total: number;
  if (limit !== undefined) {
    total = limit;
    const q = apportion(total, weights);
    names.forEach((s, k) => {
      const have = available[s] ?? 0;
      if (q[k] > have) {
        throw new SubsetError(
          `source "${s}" cannot supply its share: a mix of ${ratioText} over ${total} images needs ${q[k]} from "${s}", ` +
            `but only ${have} matching images come from it`,
          { source: s, needed: q[k], available: have },
        );
      }
    });
  } else {
    const sum = weights.reduce((a, b) => a + b, 0);
    total = Math.min(...names.map((s, k) => Math.floor(((available[s] ?? 0) * sum) / weights[k])));
    while (total > 0 && !fits(total)) total--;
    if (total === 0) {
      const empty = names.find((s) => (available[s] ?? 0) === 0) ?? names[0];
      throw new SubsetError(`source "${empty}" cannot supply its share: the mix ${ratioText} needs images from it, but 0 matching images come from it`, {
        source: empty,
        needed: 1,
        available: available[empty] ?? 0,
      });
    }
  }
  const q = apportion(total, weights);
  return Object.fromEntries(names.map((s, k) => [s, q[k]]));
}

/** Seeded train/val/test assignment (per stratum when `by` is given). Returns imageId → split. */
export function assignSplits<T extends { imageId: number; present: number[] }>(
  items: readonly T[],
  ratios: readonly [number, number, number],
  by: number[],
  rng: Rng,
): Map<number, string> {
  if (ratios.some((r) => !(r >= 0) || !Number.isFinite(r)) || ratios.reduce((a, b) => a + b, 0) <= 0) {
    throw new SubsetError(`split ratios must be non-negative with a positive sum, got ${ratios.join(',')}`);
  }
  const out = new Map<number, string>();
  for (const g of strata(items, by)) {
    const counts = apportion(g.length, ratios);
    const order = shuffled(g, rng);
    let k = 0;
    counts.forEach((n, s) => {
      for (let j = 0; j < n; j++) out.set(order[k++].imageId, SPLIT_NAMES[s]);
    });
  }
  return out;
}

/** The whole selection: filter → mix → stratified sample → split, ordered by image id. */
export function selectSubset(
  candidates: readonly Candidate[],
  schema: LabelSchema,
  spec: { filter: ExportFilter; sampling: Sampling; splits: SplitSpec; seed: number },
): Selection {
  const pred = compileFilter(spec.filter, schema);
  const by = (spec.sampling.stratifyBy ?? []).map((n) => classIndex(schema, n, 'stratify by'));
  const sorted = candidates.slice().sort((a, b) => a.imageId - b.imageId);
  const withoutMask = sorted.filter((c) => c.revisionId === null).length;
  const matched = sorted.filter((c) => c.revisionId !== null && pred(c));
  const sampleRng = new Rng(hash32(spec.seed, 1));
  const splitRng = new Rng(hash32(spec.seed, 2));
  const { limit, mix } = spec.sampling;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new SubsetError(`limit must be a positive integer, got ${limit}`);

  let chosen: Candidate[];
  if (mix && Object.keys(mix).length > 0) {
    const bySource = new Map<string, Candidate[]>();
    for (const c of matched) {
      const s = c.source ?? NO_VALUE;
      if (!(s in mix)) continue;
      let g = bySource.get(s);
      if (!g) bySource.set(s, (g = []));
      g.push(c);
    }
    const available = Object.fromEntries(Object.keys(mix).map((s) => [s, bySource.get(s)?.length ?? 0]));
    const quotas = mixQuotas(available, mix, limit);
    chosen = [];
    for (const s of Object.keys(quotas).sort()) chosen.push(...stratifiedSample(bySource.get(s) ?? [], quotas[s], by, sampleRng));
  } else if (limit !== undefined) {
    chosen = stratifiedSample(matched, limit, by, sampleRng);
  } else {
    chosen = matched;
  }
  chosen.sort((a, b) => a.imageId - b.imageId);

  const assigned = spec.splits.mode === 'assign' ? assignSplits(chosen, spec.splits.ratios, by, splitRng) : null;
  return {
    withoutMask,
    matched: matched.length,
    items: chosen.map((c) => ({
      imageId: c.imageId,
      revisionId: c.revisionId as number,
      split: assigned ? (assigned.get(c.imageId) as string) : (c.split ?? NO_VALUE),
      source: c.source ?? NO_VALUE,
      present: c.present,
    })),
  };
}
