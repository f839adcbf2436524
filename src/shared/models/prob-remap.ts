/**
 * Pre-labelling with a model trained on another schema than the project's (a CelebAMask-HQ BiSeNet on
 * a LaPa project): the model's probabilities are mapped onto the project's classes before they are
 * cached and labelled, so the cache, the scan and the revisions are all in the project's schema.
 *
 * Each model class goes to the project class with the same canonical name; a class the project lacks
 * goes where an annotator of that dataset would put it, the rules the synthetic generator follows
 * (shared/schema/parts.ts: ears, neck, cloth, hat, hair → background where missing; nose, brows, eyes,
 * lips → skin; inner mouth → lower lip, else skin; beard → skin), except the see-through and small
 * accessories (glasses, earrings, necklace, FaceSynthetics' facewear), which are labelled as what lies
 * beneath them: their probability is dropped and the rest renormalised, so the pixel takes the model's
 * next most likely class (the eye behind the lens).
 *
 * Probabilities of classes mapped to one project class add up. Pure TypeScript.
 */
import type { LabelSchema } from '../api/types';
import { BENEATH, PARTS, resolveLabels, type Part } from '../schema/parts';

/** Where a model class goes: a project class index, or BENEATH (-1). */
export interface ProbRemapEntry {
  from: number;
  fromName: string;
  /** Project class index, or -1: dropped (the class beneath takes the pixel). */
  to: number;
  toName: string;
  rule: 'same-name' | 'fallback' | 'beneath';
}

export interface ProbRemap {
  source: string;
  target: string;
  /** Per model class index (0..Ks-1): project class index or -1. */
  to: Int16Array;
  targetClasses: number;
  entries: ProbRemapEntry[];
}

export const BENEATH_NAME = 'beneath';

/** Canonical names outside the generator's parts, and where they go. */
const EXTRA: Record<string, Part | 'beneath'> = { beard: 'skin', facewear: 'beneath' };

/** The remap from a model's schema to the project's; null when they are the same schema. */
export function buildProbRemap(source: LabelSchema, target: LabelSchema): ProbRemap | null {
  if (source.id === target.id) return null;
  const map = resolveLabels(target);
  const byName = new Map(target.classes.map((c) => [c.name, c.index] as [string, number]));
  const nameOf = (i: number) => target.classes.find((c) => c.index === i)?.name ?? String(i);
  const Ks = Math.max(...source.classes.map((c) => c.index)) + 1;
  const to = new Int16Array(Ks).fill(-1);
  const entries: ProbRemapEntry[] = source.classes.map((c) => {
    const same = byName.get(c.name);
    let t: number;
    let rule: ProbRemapEntry['rule'];
    if (same !== undefined) {
      t = same;
      rule = 'same-name';
    } else {
      const extra = EXTRA[c.name];
      const part = (PARTS as readonly string[]).includes(c.name) ? (c.name as Part) : extra === undefined ? 'background' : extra;
      t = part === 'beneath' ? BENEATH : map.of[part];
      rule = t === BENEATH ? 'beneath' : 'fallback';
    }
    to[c.index] = t;
    return { from: c.index, fromName: c.name, to: t, toName: t === BENEATH ? BENEATH_NAME : nameOf(t), rule };
  });
  const targetClasses = Math.max(...target.classes.map((c) => c.index)) + 1;
  if (entries.every((e) => e.to === BENEATH)) throw new Error(`no class of ${source.id} maps onto ${target.id}`);
  return { source: source.id, target: target.id, to, targetClasses, entries };
}

/**
 * Maps Ks probability planes of n pixels onto the project's classes: sums per target class, then
 * divides by the kept mass where classes were dropped (a pixel whose whole mass was dropped goes to
 * class 0, background). `p` must hold probabilities (softmax applied).
 */
export function applyProbRemap(p: Float32Array, n: number, r: ProbRemap): Float32Array {
  const Ks = r.to.length;
  const out = new Float32Array(r.targetClasses * n);
  const dropped = r.entries.some((e) => e.to === BENEATH);
  for (let s = 0; s < Ks; s++) {
    const t = r.to[s];
    if (t < 0) continue;
    const src = s * n;
    const dst = t * n;
    for (let i = 0; i < n; i++) out[dst + i] += p[src + i];
  }
  if (!dropped) return out;
  // Plane by plane (planes are n apart): the mass kept per pixel, then each plane scaled by its inverse.
  const Kt = r.targetClasses;
  const kept = new Float64Array(n);
  for (let t = 0; t < Kt; t++) {
    const o = t * n;
    for (let i = 0; i < n; i++) kept[i] += out[o + i];
  }
  const empty: number[] = [];
  for (let i = 0; i < n; i++) {
    if (kept[i] > 1e-12) kept[i] = 1 / kept[i];
    else empty.push(i);
  }
  for (let t = 0; t < Kt; t++) {
    const o = t * n;
    for (let i = 0; i < n; i++) out[o + i] *= kept[i];
  }
  for (const i of empty) {
    for (let t = 0; t < Kt; t++) out[t * n + i] = 0;
    out[i] = 1;
  }
  return out;
}

/** The classes that do not keep their name: "eye_g → beneath", "hat → background". */
export function movedClasses(r: ProbRemap): string[] {
  return r.entries.filter((e) => e.rule !== 'same-name').map((e) => `${e.fromName} → ${e.toName}`);
}

/** "celebamask-hq-a → lapa-11: eye_g → beneath, hat → background, …" (the entries that are not same-name). */
export function describeProbRemap(r: ProbRemap): string {
  const moved = movedClasses(r);
  return `${r.source} → ${r.target}${moved.length ? `: ${moved.join(', ')}` : ''}`;
}
