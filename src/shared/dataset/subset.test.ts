import { describe, expect, it } from 'vitest';
import type { ImageStatus } from '../api/types';
import { getSchema } from '../schema';
import { Rng } from '../random';
import { apportion, assignSplits, compileFilter, mixQuotas, selectSubset, stratifiedSample, SubsetError, type Candidate } from './subset';

const A = getSchema('celebamask-hq-a');
const STATUSES: ImageStatus[] = ['unlabeled', 'prelabeled', 'in_progress', 'done', 'reviewed'];

function candidates(n: number, seed: number): Candidate[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i): Candidate => {
    const hasMask = rng.chance(0.9);
    const present = [0, 1];
    for (let c = 2; c < 19; c++) if (rng.chance(0.4)) present.push(c);
    return {
      imageId: n - i, // deliberately not in id order
      revisionId: hasMask ? 1000 + i : null,
      status: rng.pick(STATUSES),
      kind: hasMask ? rng.pick(['import', 'model', 'human'] as const) : null,
      author: hasMask ? rng.pick(['ann', 'bob']) : null,
      split: rng.pick([null, 'train', 'val', 'test']),
      source: rng.pick([null, 'synthetic', 'real']),
      tags: rng.chance(0.3) ? ['hard'] : [],
      present,
    };
  });
}

const base = { filter: {}, sampling: {}, splits: { mode: 'keep' as const }, seed: 1 };

describe('subset', () => {
  it('apportion sums exactly and is within 1 of the exact share', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 200; t++) {
      const w = Array.from({ length: rng.int(1, 6) }, () => rng.int(0, 9));
      const total = rng.int(0, 1000);
      const q = apportion(total, w);
      const sum = w.reduce((a, b) => a + b, 0);
      if (sum === 0) continue;
      expect(q.reduce((a, b) => a + b, 0)).toBe(total);
      q.forEach((x, i) => expect(Math.abs(x - (total * w[i]) / sum)).toBeLessThan(1));
    }
  });

  it('filters match a brute-force predicate', () => {
    const cs = candidates(3000, 5);
    const filter = {
      status: ['done', 'reviewed'] as ImageStatus[],
      revisionKind: ['import' as const, 'human' as const],
      revisionAuthor: ['ann'],
      split: ['train', 'none', 'val'],
      source: ['synthetic'],
      classesPresent: ['hair'],
      classesAbsent: ['hat'],
    };
    const got = selectSubset(cs, A, { ...base, filter }).items.map((i) => i.imageId);
    const want = cs
      .filter(
        (c) =>
          c.revisionId !== null &&
          ['done', 'reviewed'].includes(c.status) &&
          ['import', 'human'].includes(c.kind!) &&
          c.author === 'ann' &&
          ['train', null, 'val'].includes(c.split) &&
          c.source === 'synthetic' &&
          c.present.includes(13) &&
          !c.present.includes(14),
      )
      .map((c) => c.imageId)
      .sort((a, b) => a - b);
    expect(got).toEqual(want);
    expect(want.length).toBeGreaterThan(0);
    const tagged = selectSubset(cs, A, { ...base, filter: { tagsAny: ['hard'] } }).items;
    expect(tagged.length).toBe(cs.filter((c) => c.revisionId !== null && c.tags.includes('hard')).length);
  });

  it('refuses unknown and contradictory class filters', () => {
    expect(() => compileFilter({ classesPresent: ['beard'] }, A)).toThrow(/classes present: "beard" is not a class of schema celebamask-hq-a/);
    expect(() => compileFilter({ classesPresent: ['hat'], classesAbsent: ['hat'] }, A)).toThrow(/"hat" is required both present and absent/);
  });

  it('stratified sampling keeps class-presence proportions (to rounding) and is seeded', () => {
    const cs = candidates(1000, 7).filter((c) => c.revisionId !== null);
    const by = [13, 14]; // hair, hat
    const rate = (xs: Candidate[], k: number) => xs.filter((c) => c.present.includes(k)).length / xs.length;
    const s1 = stratifiedSample(cs, 200, by, new Rng(9));
    const s2 = stratifiedSample(cs, 200, by, new Rng(9));
    expect(s1.map((c) => c.imageId)).toEqual(s2.map((c) => c.imageId));
    expect(s1.length).toBe(200);
    for (const k of by) expect(Math.abs(rate(s1, k) - rate(cs, k))).toBeLessThan(0.02);
    expect(stratifiedSample(cs, 200, by, new Rng(10)).map((c) => c.imageId)).not.toEqual(s1.map((c) => c.imageId));
  });

  it('source mixing: exact quotas, and a clear error naming the source, the need and the supply', () => {
    expect(mixQuotas({ synthetic: 800, real: 300 }, { synthetic: 1, real: 1 }, 500)).toEqual({ real: 250, synthetic: 250 });
    expect(mixQuotas({ synthetic: 800, real: 300 }, { synthetic: 1, real: 1 })).toEqual({ real: 300, synthetic: 300 });
    expect(mixQuotas({ synthetic: 800, real: 301 }, { synthetic: 7, real: 3 })).toEqual({ real: 301, synthetic: 702 });
    let err: SubsetError | null = null;
    try {
      mixQuotas({ synthetic: 800, real: 300 }, { synthetic: 1, real: 1 }, 1000);
    } catch (e) {
      err = e as SubsetError;
    }
    expect(err?.message).toMatch(/source "real" cannot supply its share: .* needs 500 from "real", but only 300 matching images/);
    expect(err?.details).toEqual({ source: 'real', needed: 500, available: 300 });
    expect(() => mixQuotas({ synthetic: 10 }, { synthetic: 1, scanned: 1 })).toThrow(/source "scanned" cannot supply its share/);
    expect(() => mixQuotas({ a: 1 }, { a: 0 })).toThrow(/ratio for "a" must be a positive number/);
  });

  it('mix in selectSubset: 50:50 synthetic:real', () => {
    const cs = candidates(600, 11);
    const sel = selectSubset(cs, A, { ...base, sampling: { mix: { synthetic: 1, real: 1 }, limit: 100 } });
    expect(sel.items.filter((i) => i.source === 'synthetic').length).toBe(50);
    expect(sel.items.filter((i) => i.source === 'real').length).toBe(50);
  });

  it('seeded split assignment: exact counts per ratio, stable under the same seed, different under another', () => {
    const cs = candidates(500, 13).filter((c) => c.revisionId !== null);
    const a = assignSplits(cs, [0.8, 0.1, 0.1], [], new Rng(1));
    const b = assignSplits(cs, [0.8, 0.1, 0.1], [], new Rng(1));
    expect([...a.entries()]).toEqual([...b.entries()]);
    const count = (m: Map<number, string>, s: string) => [...m.values()].filter((v) => v === s).length;
    const n = cs.length;
    expect(count(a, 'train') + count(a, 'val') + count(a, 'test')).toBe(n);
    expect(Math.abs(count(a, 'train') - 0.8 * n)).toBeLessThan(1);
    expect(Math.abs(count(a, 'val') - 0.1 * n)).toBeLessThan(1);
    expect([...assignSplits(cs, [0.8, 0.1, 0.1], [], new Rng(2)).entries()]).not.toEqual([...a.entries()]);
    expect(() => assignSplits(cs, [0, 0, 0], [], new Rng(1))).toThrow(/positive sum/);
  });

  it('selection is ordered by image id and counts images without masks', () => {
    const cs = candidates(100, 17);
    const sel = selectSubset(cs, A, { ...base, splits: { mode: 'assign', ratios: [1, 1, 1] }, sampling: { limit: 30, stratifyBy: ['hair'] }, seed: 4 });
    const ids = sel.items.map((i) => i.imageId);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(sel.items.length).toBe(30);
    expect(sel.withoutMask).toBe(cs.filter((c) => c.revisionId === null).length);
    expect(new Set(sel.items.map((i) => i.split))).toEqual(new Set(['train', 'val', 'test']));
  });
});
