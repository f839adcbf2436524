import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { softminBaseline } from './baseline';
import { argmaxProbs, checkProbs, quantizeProbs } from './probs';
import { maskHas } from './regions';
import { DEFAULT_SCORE_OPTIONS, growSuspects, poolScores, regionsFromSuspects, scoreImage, suspectPixels } from './score';
import { estimateClassThresholds, fixedThresholds, ThresholdAccumulator } from './thresholds';

// Classes of the hand-built cases (any K-class schema works; the scorer needs no names).
const BG = 0;
const SKIN = 1;
const GLASSES = 2;
const EYE = 3;
const HAIR = 4;
const K = 5;
const W = 32;
const H = 32;

/** Teacher planes: pixel i gets `hi` on class truth(i) and shares the rest evenly. */
function teacher(truth: (x: number, y: number) => number, hi = 0.9, k = K, w = W, h = H): Uint8Array {
  const p = new Float64Array(k * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = truth(x, y);
      for (let c = 0; c < k; c++) p[c * w * h + y * w + x] = c === t ? hi : (1 - hi) / (k - 1);
    }
  }
  return quantizeProbs(p);
}

function labelOf(f: (x: number, y: number) => number, w = W, h = H): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m[y * w + x] = f(x, y);
  return m;
}

const inRect = (x: number, y: number, x0: number, y0: number, x1: number, y1: number) => x >= x0 && x < x1 && y >= y0 && y < y1;
/** A face: skin square on background, an eye block. */
const face = (eyeLabel: number) => (x: number, y: number) => (inRect(x, y, 10, 12, 20, 18) ? eyeLabel : inRect(x, y, 4, 4, 28, 28) ? SKIN : BG);
const q = (p: number) => Math.floor(p * 255 + 0.5);
const T05 = fixedThresholds([0.5, 0.5, 0.5, 0.5, 0.5]);

describe('scoreImage on hand-built cases', () => {
  it('flags eyes labelled as glasses with the right label class, suggested class and score', () => {
    const probs = teacher(face(EYE));
    const res = scoreImage(labelOf(face(GLASSES)), probs, K, W, H, T05);
    expect(res.regions).toHaveLength(1);
    const r = res.regions[0];
    expect(r.bbox).toEqual([10, 12, 20, 18]);
    expect(r.area).toBe(60);
    expect(r.labelClass).toBe(GLASSES);
    expect(r.suggestedClass).toBe(EYE);
    // Full weight although the block is all band: the suggested class (eye) is nowhere in the label.
    const margin = (q(0.9) - q(0.025)) / 255;
    expect(r.score).toBeCloseTo(60 * margin, 4);
    expect(res.imageScore).toBeCloseTo(60 * margin, 4);
    expect(res.suspectPixels).toBe(60);
    expect(res.suspectOutsideBand).toBe(60);
    expect(res.pairs).toEqual([{ from: GLASSES, to: EYE, pixels: 60 }]);
    // The plain DML-CSR band (every suspect band pixel down-weighted): the 10x6 block is all band at r = 2.
    // Without the region rule it weighs a tenth.
    const plain = scoreImage(labelOf(face(GLASSES)), probs, K, W, H, T05, { bandAcross: false, bandRadius: 2, minFirmShare: 0 });
    expect(plain.suspectOutsideBand).toBe(0);
    expect(plain.imageScore).toBeCloseTo(60 * margin * 0.1, 4);
    expect(plain.regions).toEqual([]);
    // With the region rule (the default) it is all band, but it is the whole glasses part (partCover):
    // kept, at full weight.
    expect(scoreImage(labelOf(face(GLASSES)), probs, K, W, H, T05, { bandAcross: false, bandRadius: 2 }).imageScore).toBeCloseTo(60 * margin, 4);
    expect(scoreImage(labelOf(face(GLASSES)), probs, K, W, H, T05, { bandAcross: false, bandRadius: 2, partCover: 2 }).imageScore).toBe(0);
  });

  it('never suggests the label class: a region straddling two labels suggests for its majority label', () => {
    // Rows 10-19: hair labelled at columns 8-13 (60 px) where the teacher says skin (p 0.55), skin
    // labelled at columns 14-17 (40 px) where it says hair (p 0.95). One 8-connected region, majority
    // label hair; by mass over the whole region the top suggestion is hair (40 · 0.9375 > 60 · 0.4375).
    const lab = labelOf((x, y) => (y >= 10 && y < 20 && x >= 8 && x < 14 ? HAIR : y >= 10 && y < 20 && x >= 14 && x < 18 ? SKIN : BG));
    const probs = teacher((x, y) => (y >= 10 && y < 20 && x >= 8 && x < 14 ? SKIN : y >= 10 && y < 20 && x >= 14 && x < 18 ? HAIR : BG));
    // Per-pixel probabilities: the HAIR block's teacher is SKIN at 0.9 by default; soften it to 0.55.
    const soft = (x: number, y: number) => y >= 10 && y < 20 && x >= 8 && x < 14;
    const HW = W * H;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (!soft(x, y)) continue;
        const i = y * W + x;
        for (let c = 0; c < K; c++) probs[c * HW + i] = c === SKIN ? q(0.55) : q(0.1125);
      }
    }
    const res = scoreImage(lab, probs, K, W, H, T05, { bandWeight: 1, minFirmShare: 0, grow: false });
    expect(res.regions).toHaveLength(1);
    expect(res.regions[0]).toMatchObject({ area: 100, labelClass: HAIR, suggestedClass: SKIN });
    // The pair summary still counts both directions.
    expect(res.pairs).toEqual([
      { from: HAIR, to: SKIN, pixels: 60 },
      { from: SKIN, to: HAIR, pixels: 40 },
    ]);
  });

  it('never reports a region whose label class equals its suggested class (random teachers)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        let st = seed;
        const rnd = () => ((st = (Math.imul(st, 1664525) + 1013904223) >>> 0) / 2 ** 32);
        // Blocky labels and a blocky teacher that disagree in places, with varied confidence.
        const blockL = Array.from({ length: 16 }, () => Math.floor(rnd() * K));
        const blockT = Array.from({ length: 16 }, (_, b) => (rnd() < 0.5 ? blockL[b] : Math.floor(rnd() * K)));
        const lab = labelOf((x, y) => blockL[Math.floor(y / 8) * 4 + Math.floor(x / 8)]);
        const probs = teacher((x, y) => blockT[Math.floor(y / 8) * 4 + Math.floor(x / 8)], 0.5 + rnd() * 0.45);
        const res = scoreImage(lab, probs, K, W, H, T05, { minRegionScore: 0, minFirmShare: 0 });
        for (const r of res.regions) expect(r.suggestedClass).not.toBe(r.labelClass);
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it('gives a confidently correct label no region and image score 0', () => {
    const res = scoreImage(labelOf(face(EYE)), teacher(face(EYE)), K, W, H, T05);
    expect(res).toEqual({ suspectPixels: 0, suspectOutsideBand: 0, regions: [], imageScore: 0, pairs: [] });
  });

  it('down-weights a boundary off by one pixel (the suggestion is the label across the edge)', () => {
    // Label boundary skin|hair at x = 16; the teacher puts it at x = 17.
    const label = labelOf((x) => (x < 16 ? SKIN : HAIR));
    const probs = teacher((x) => (x < 17 ? SKIN : HAIR));
    const res = scoreImage(label, probs, K, W, H, T05);
    const margin = (q(0.9) - q(0.025)) / 255;
    expect(res.suspectPixels).toBe(32);
    expect(res.suspectOutsideBand).toBe(0);
    // Every pixel of the region is in the band: by default (minFirmShare 0.3) it is boundary imprecision,
    // neither a flag nor part of the image score.
    expect(res.regions).toEqual([]);
    expect(res.imageScore).toBe(0);
    // Without the region rule: band weight 0.1, 32 px of margin 0.88 weigh 2.8 < minRegionScore 6, no flag.
    const weighted = scoreImage(label, probs, K, W, H, T05, { minFirmShare: 0 });
    expect(weighted.regions).toEqual([]);
    expect(weighted.imageScore).toBeCloseTo(32 * margin * 0.1, 4);
    const full = scoreImage(label, probs, K, W, H, T05, { bandWeight: 1 });
    expect(full.regions).toHaveLength(1);
    expect(full.regions[0].score).toBeCloseTo(32 * margin, 4);
    expect(full.regions[0]).toMatchObject({ bbox: [16, 0, 17, 32], labelClass: HAIR, suggestedClass: SKIN });
  });

  it('with minFirmShare, drops a region of (mostly) band pixels and keeps one that reaches past the band', () => {
    const margin = (q(0.9) - q(0.025)) / 255;
    // Off by one pixel: the whole region is boundary-ambiguous, so it is neither reported nor pooled.
    const jitter = scoreImage(labelOf((x) => (x < 16 ? SKIN : HAIR)), teacher((x) => (x < 17 ? SKIN : HAIR)), K, W, H, T05, {
      minFirmShare: 0.01,
      minRegionScore: 0,
    });
    expect(jitter.suspectPixels).toBe(32);
    expect(jitter.regions).toEqual([]);
    expect(jitter.imageScore).toBe(0);
    // Off by four: x = 16, 17 lie in the band (edge at 15|16 widened by 1) and weigh 0.1; x = 18, 19 are
    // firm, so the region stays, band pixels included in its score.
    const label = labelOf((x) => (x < 16 ? SKIN : HAIR));
    const probs = teacher((x) => (x < 20 ? SKIN : HAIR));
    const shifted = scoreImage(label, probs, K, W, H, T05, { minFirmShare: 0.5, restoreBand: false });
    expect(shifted.suspectOutsideBand).toBe(64);
    expect(shifted.regions).toHaveLength(1);
    expect(shifted.regions[0]).toMatchObject({ bbox: [16, 0, 20, 32], area: 128, labelClass: HAIR, suggestedClass: SKIN });
    expect(shifted.regions[0].score).toBeCloseTo(64 * margin + 64 * margin * 0.1, 4);
    expect(scoreImage(label, probs, K, W, H, T05, { minFirmShare: 0, restoreBand: false }).regions).toEqual(shifted.regions);
    // restoreBand: a region that passes the share counts its band pixels at full weight.
    const restored = scoreImage(label, probs, K, W, H, T05, { minFirmShare: 0.5, restoreBand: true });
    expect(restored.regions[0].score).toBeCloseTo(128 * margin, 4);
    expect(restored.imageScore).toBeCloseTo(128 * margin, 4);
    // Half its pixels are firm: a share above one half drops it.
    const strict = scoreImage(label, probs, K, W, H, T05, { minFirmShare: 0.51, restoreBand: false });
    expect(strict.regions).toEqual([]);
    expect(strict.imageScore).toBe(0);
  });

  it('keeps a whole thin part with the wrong label although it is all band (partCover)', () => {
    // Two 2-px stripes swapped, like upper and lower lip at 128²: every pixel is band, and its suggestion
    // is the label across the edge, so no pixel is firm.
    const stripes = (swap: boolean) => (x: number, y: number) =>
      x >= 8 && x < 24 && y >= 10 && y < 14 ? ((y < 12) !== swap ? EYE : GLASSES) : SKIN;
    const label = labelOf(stripes(true));
    const probs = teacher(stripes(false));
    const margin = (q(0.9) - q(0.025)) / 255;
    const res = scoreImage(label, probs, K, W, H, T05);
    expect(res.suspectOutsideBand).toBe(0);
    expect(res.regions).toHaveLength(1);
    expect(res.regions[0]).toMatchObject({ bbox: [8, 10, 24, 14], area: 64 });
    // Kept as a part: band pixels at full weight.
    expect(res.regions[0].score).toBeCloseTo(64 * margin, 4);
    // Without the exception it would be taken for boundary imprecision.
    expect(scoreImage(label, probs, K, W, H, T05, { partCover: 2 }).regions).toEqual([]);
  });

  it('does not down-weight a band pixel whose suggestion is not across its edge', () => {
    // A one-pixel column labelled hair inside skin where the teacher sees an eye (eye absent from the label).
    const label = labelOf((x) => (x === 16 ? HAIR : SKIN));
    const probs = teacher((x) => (x === 16 ? EYE : SKIN));
    const res = scoreImage(label, probs, K, W, H, T05);
    expect(res.suspectOutsideBand).toBe(32);
    expect(res.regions[0]).toMatchObject({ area: 32, labelClass: HAIR, suggestedClass: EYE });
  });

  it('follows the confident-learning rule: another class must reach its own threshold', () => {
    const label = labelOf(() => SKIN);
    const flat = quantizeProbs(new Float64Array(K * W * H).fill(0.2));
    // p(skin) = 0.2 < 0.5, but no other class reaches 0.5: nothing is suspect.
    expect(scoreImage(label, flat, K, W, H, T05).suspectPixels).toBe(0);
    // Lower the eye threshold: every pixel is suspect with suggestion eye, but the teacher does not
    // prefer it (0.2 vs 0.2), so the mass is 0 and nothing is reported.
    const res = scoreImage(label, flat, K, W, H, fixedThresholds([0.5, 0.5, 0.5, 0.1, 0.5]));
    expect(res.suspectPixels).toBe(W * H);
    expect(res.pairs).toEqual([{ from: SKIN, to: EYE, pixels: W * H }]);
    expect(res.regions).toEqual([]);
    expect(res.imageScore).toBe(0);
  });

  it('never flags ignore pixels or out-of-range values', () => {
    const probs = teacher(face(EYE));
    const label = labelOf(face(GLASSES));
    for (let i = 0; i < label.length; i++) if (label[i] === GLASSES) label[i] = i % 2 ? 255 : 9;
    const res = scoreImage(label, probs, K, W, H, T05);
    expect(res.suspectPixels).toBe(0);
    // With ignore = null, 255 is out of range (>= K) and still never flagged.
    expect(scoreImage(label, probs, K, W, H, T05, { ignore: null }).suspectPixels).toBe(0);
  });

  it('grows a region into connected pixels the teacher gives to another class, and drops weak-only ones', () => {
    // Label all skin. Teacher: eye core (p 0.9) in a rim where eye 0.45 > skin 0.4 (below eye's threshold
    // 0.6, so not suspect by the rule); a separate weak-only blob far away.
    const core = (x: number, y: number) => inRect(x, y, 12, 12, 16, 16);
    const rim = (x: number, y: number) => inRect(x, y, 10, 10, 18, 18) && !core(x, y);
    const weakOnly = (x: number, y: number) => inRect(x, y, 24, 24, 28, 28);
    const p = new Float64Array(K * W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const [ps, pe] = core(x, y) ? [0.05, 0.9] : rim(x, y) || weakOnly(x, y) ? [0.4, 0.45] : [0.9, 0.05];
        p[SKIN * W * H + i] = ps;
        p[EYE * W * H + i] = pe;
        p[BG * W * H + i] = (1 - ps - pe) / 3;
        p[GLASSES * W * H + i] = (1 - ps - pe) / 3;
        p[HAIR * W * H + i] = (1 - ps - pe) / 3;
      }
    }
    const probs = quantizeProbs(p);
    const thr = fixedThresholds([0.5, 0.5, 0.5, 0.6, 0.5]);
    const label = labelOf(() => SKIN);
    const grown = scoreImage(label, probs, K, W, H, thr, { withPixels: true });
    expect(grown.regions).toHaveLength(1);
    expect(grown.regions[0].area).toBe(64);
    expect(grown.regions[0].bbox).toEqual([10, 10, 18, 18]);
    expect(maskHas(grown.regions[0].pixels!, 10, 10)).toBe(true);
    expect(grown.regions[0].score).toBeCloseTo((16 * (q(0.9) - q(0.05)) + 48 * (q(0.45) - q(0.4))) / 255, 4);
    const plain = scoreImage(label, probs, K, W, H, thr, { grow: false });
    expect(plain.regions[0].area).toBe(16);
    expect(plain.suspectPixels).toBe(16);
  });

  it('keeps at most maxRegions, highest score first, and pools every region of minimum area', () => {
    // Three eye blocks of 4x4, 3x3 and 2x2 mislabelled as glasses.
    const blocks: [number, number, number][] = [[2, 2, 4], [10, 2, 3], [20, 2, 2]];
    const inAny = (x: number, y: number) => blocks.some(([bx, by, s]) => inRect(x, y, bx, by, bx + s, by + s));
    const label = labelOf((x, y) => (inAny(x, y) ? GLASSES : SKIN));
    const probs = teacher((x, y) => (inAny(x, y) ? EYE : SKIN));
    const m = (q(0.9) - q(0.025)) / 255;
    const res = scoreImage(label, probs, K, W, H, T05, { minRegionScore: 0, maxRegions: 1 });
    expect(res.regions.map((r) => r.area)).toEqual([16]);
    // The 2x2 block is below minRegionArea 8: not pooled.
    expect(res.imageScore).toBeCloseTo(25 * m, 4);
    expect(scoreImage(label, probs, K, W, H, T05, { pooling: 'max' }).imageScore).toBeCloseTo(16 * m, 4);
  });

  it('refuses thresholds for another class count and probs of the wrong size', () => {
    const label = labelOf(() => SKIN);
    expect(() => scoreImage(label, teacher(() => SKIN), K, W, H, fixedThresholds([0.5, 0.5]))).toThrow(/thresholds are for 2 classes, probs for 5/);
    expect(() => scoreImage(label, new Uint8Array(10), K, W, H, T05)).toThrow(/probs has 10 values, expected K\*H\*W = 5\*32\*32/);
  });
});

describe('grown components reused for the regions', () => {
  it('give the same regions as labelling the final suspect map afresh', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 4, max: 24 }), fc.integer({ min: 4, max: 24 }), (seed, w, h) => {
        let st = seed | 0;
        const rnd = () => ((st = (Math.imul(st, 1103515245) + 12345) | 0) >>> 16) / 65536;
        const k = 4;
        const label = new Uint8Array(w * h);
        for (let i = 0; i < w * h; i++) label[i] = i > 0 && rnd() < 0.7 ? label[i - 1] : Math.floor(rnd() * k);
        const p = new Float64Array(k * w * h);
        for (let i = 0; i < w * h; i++) {
          const raw = Array.from({ length: k }, () => rnd() ** 3);
          const sum = raw.reduce((a, b) => a + b, 0);
          raw.forEach((v, c) => (p[c * w * h + i] = v / sum));
        }
        const probs = quantizeProbs(p);
        const thr = fixedThresholds([0.4, 0.5, 0.3, 0.6]);
        const o = { ...DEFAULT_SCORE_OPTIONS, minRegionScore: 0, withPixels: true };
        const sugg = new Uint8Array(w * h);
        const mass = new Float32Array(w * h);
        // Boundary-ambiguous pixels, for the region rule (minFirmShare / restoreBand defaults).
        const band = new Uint8Array(w * h);
        const [a, b] = suspectPixels(label, probs, k, w, h, thr, 1, 2, 0.1, 255, sugg, mass, band);
        const g = growSuspects(label, probs, k, w, h, 1, 2, 0.1, 255, sugg, mass, a, b, band);
        const reused = regionsFromSuspects(label, sugg, mass, k, w, h, g.counts[0], g.counts[1], o, g.components, band);
        const fresh = regionsFromSuspects(label, sugg, mass, k, w, h, g.counts[0], g.counts[1], o, undefined, band);
        const key = (r: { bbox: number[]; area: number; score: number }) => `${r.bbox.join(',')}:${r.area}:${r.score.toFixed(9)}`;
        expect(reused.regions.map(key).sort()).toEqual(fresh.regions.map(key).sort());
        expect(reused.imageScore).toBeCloseTo(fresh.imageScore, 9);
        expect(reused.pairs).toEqual(fresh.pairs);
        // And scoreImage is exactly this pipeline.
        const direct = scoreImage(label, probs, k, w, h, thr, o);
        expect(direct.regions.map(key).sort()).toEqual(fresh.regions.map(key).sort());
      }),
      { numRuns: 200 },
    );
  });
});

describe('poolScores', () => {
  it('sum, max, top3 and lse', () => {
    const s = [9, 5, 3, 1];
    expect(poolScores(s, 'sum')).toBe(18);
    expect(poolScores(s, 'max')).toBe(9);
    expect(poolScores(s, 'top3')).toBe(17);
    expect(poolScores([], 'lse')).toBe(0);
    expect(poolScores([4], 'lse')).toBeCloseTo(4, 12);
  });

  it('lse lies between the max and the max plus T·log n', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 1, maxLength: 30 }), (s) => {
        const v = poolScores(s, 'lse');
        const m = Math.max(...s);
        expect(v).toBeGreaterThanOrEqual(m - 1e-9);
        expect(v).toBeLessThanOrEqual(m + 10 * Math.log(s.length) + 1e-9);
      }),
    );
  });
});

describe('class thresholds (confident learning)', () => {
  it('are the mean self-confidence per class over the selection, with a fallback for absent classes', () => {
    // Image 1: 2 skin pixels (p 0.8, 0.6), 1 hair pixel (p 0.4), 1 ignore pixel.
    // Image 2: 1 skin pixel (p 1.0).
    const k = 3;
    const img = (labels: number[], p: number[][]) => {
      const n = labels.length;
      const probs = new Float64Array(k * n);
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) probs[c * n + i] = p[i][c];
      return { label: Uint8Array.from(labels), probs: quantizeProbs(probs), width: n, height: 1 };
    };
    const a = img([1, 1, 2, 255], [[0.2, 0.8, 0], [0.4, 0.6, 0], [0.6, 0, 0.4], [0, 0, 1]]);
    const b = img([1], [[0, 1, 0]]);
    const t = estimateClassThresholds([a, b], k, { fallback: 0.3 });
    expect(t.t[1]).toBeCloseTo((q(0.8) + q(0.6) + q(1)) / 3 / 255, 12);
    expect(t.t[2]).toBeCloseTo(q(0.4) / 255, 12);
    expect(t.t[0]).toBe(0.3);
    expect(Array.from(t.pixels)).toEqual([0, 3, 1]);
    // ignore: null counts 255 as out of range, still skipped; accumulating image by image is the same.
    const acc = new ThresholdAccumulator(k, { ignore: null });
    acc.add(a.label, a.probs, 4, 1).add(b.label, b.probs, 1, 1);
    expect(Array.from(acc.result().t.slice(1))).toEqual(Array.from(t.t.slice(1)));
    expect(acc.result().t[0]).toBe(0.5);
  });

  it('refuses probabilities that do not match the label', () => {
    expect(() => new ThresholdAccumulator(3).add(new Uint8Array(4), new Uint8Array(8), 4, 1)).toThrow(/probs has 8 values/);
    expect(() => checkProbs(new Uint8Array(4), new Uint8Array(4), 1, 4, 1)).toThrow(/bad class count 1/);
  });
});

describe('softmin baseline', () => {
  it('image score = 1 − softmin_T of the self-confidence; regions below 0.5 with the arg-max suggestion', () => {
    // 8x1: six pixels labelled skin with p 1, two labelled glasses where the teacher says eye (p(glasses) 0.1).
    const n = 8;
    const label = Uint8Array.from([1, 1, 1, 1, 1, 1, 2, 2]);
    const p = new Float64Array(K * n);
    for (let i = 0; i < 6; i++) p[SKIN * n + i] = 1;
    for (let i = 6; i < 8; i++) {
      p[GLASSES * n + i] = 0.1;
      p[EYE * n + i] = 0.9;
    }
    const probs = quantizeProbs(p);
    const T = 0.1;
    const c = q(0.1) / 255;
    const res = softminBaseline(label, probs, K, n, 1);
    const expected = 1 + T * Math.log((6 * Math.exp(-1 / T) + 2 * Math.exp(-c / T)) / 8);
    expect(res.imageScore).toBeCloseTo(expected, 10);
    expect(res.regions).toHaveLength(1);
    expect(res.regions[0]).toMatchObject({ area: 2, bbox: [6, 0, 8, 1], labelClass: GLASSES, suggestedClass: EYE });
    expect(res.regions[0].score).toBeCloseTo(1 + T * Math.log((2 * Math.exp(-c / T)) / 8), 6);
  });

  it('a uniform confidence c gives 1 − c; no labelled pixel gives 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (v) => {
        const n = 6;
        const probs = new Uint8Array(2 * n).fill(255 - v);
        probs.fill(v, n);
        const res = softminBaseline(new Uint8Array(n).fill(1), probs, 2, n, 1);
        expect(res.imageScore).toBeCloseTo(1 - v / 255, 10);
      }),
    );
    expect(softminBaseline(new Uint8Array(4).fill(255), new Uint8Array(8), 2, 4, 1).imageScore).toBe(0);
  });
});

describe('probs', () => {
  it('quantise rounds and clamps; argmax breaks ties to the lower class', () => {
    expect(Array.from(quantizeProbs([0, 1, 0.5, -0.2, 1.3, 0.0019]))).toEqual([0, 255, 128, 0, 255, 0]);
    // 3 pixels, 3 classes.
    // Class-major planes: class 0 = [10, 50, 30], class 1 = [10, 50, 40], class 2 = [10, 20, 50].
    const probs = Uint8Array.from([10, 50, 30, 10, 50, 40, 10, 20, 50]);
    expect(Array.from(argmaxProbs(probs, 3, 3, 1))).toEqual([0, 0, 2]);
  });
});
