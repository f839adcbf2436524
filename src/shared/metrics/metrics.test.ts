import { describe, expect, it } from 'vitest';
import { HELEN_11 } from '../schema';
import { agreement, AgreementAccumulator } from './agreement';
import { ConfusionMatrix, groupF1, meanF1, meanIoU, perClassF1, perClassIoU } from './confusion';
import { datasetStats } from './stats';

describe('confusion-matrix metrics, hand-computed', () => {
  // Reference (rows) and other (columns), 3 classes, one ignore pixel, one out-of-range pixel.
  //   ref:   0 0 0 1 1 2 2 255 7
  //   other: 0 0 1 1 2 2 2 0   0
  const ref = Uint8Array.from([0, 0, 0, 1, 1, 2, 2, 255, 7]);
  const oth = Uint8Array.from([0, 0, 1, 1, 2, 2, 2, 0, 0]);
  const cm = ConfusionMatrix.of(3, ref, oth);

  it('counts, drops ignore, counts out-of-range apart', () => {
    expect(Array.from(cm.m)).toEqual([2, 1, 0, 0, 1, 1, 0, 0, 2]);
    expect(cm.ignored).toBe(1);
    expect(cm.outOfRange).toBe(1);
  });

  it('F1 = 2TP/(GT+Pred), IoU = TP/(GT+Pred−TP), means', () => {
    // class 0: TP 2, GT 3, Pred 2 → F1 4/5, IoU 2/3. class 1: TP 1, GT 2, Pred 2 → 1/2, 1/3.
    // class 2: TP 2, GT 2, Pred 3 → 4/5, 2/3.
    expect(Array.from(perClassF1(cm))).toEqual([0.8, 0.5, 0.8].map((v) => expect.closeTo(v, 12)));
    expect(Array.from(perClassIoU(cm))).toEqual([2 / 3, 1 / 3, 2 / 3].map((v) => expect.closeTo(v, 12)));
    expect(meanF1(cm)).toBeCloseTo(0.65, 12);
    expect(meanF1(cm, null)).toBeCloseTo(2.1 / 3, 12);
    expect(meanIoU(cm)).toBeCloseTo(5 / 9, 12);
    // Group {1, 2}: TP = 1+1+0+2 = 4, GT 4, Pred 5 → 8/9.
    expect(groupF1(cm, [1, 2])).toBeCloseTo(8 / 9, 12);
  });

  it('a class absent from both maps is NaN and skipped by the means', () => {
    const c = ConfusionMatrix.of(4, Uint8Array.from([0, 1]), Uint8Array.from([0, 1]));
    expect(Number.isNaN(perClassF1(c)[3])).toBe(true);
    expect(meanF1(c)).toBe(1);
    expect(meanIoU(c)).toBe(1);
  });
});

describe('agreement conventions', () => {
  it('Helen overall F1 merges brows, eyes, nose and mouth: l_eye/r_eye confusions count as correct', () => {
    const idx = (n: string) => HELEN_11.classes.find((c) => c.name === n)!.index;
    const ref = Uint8Array.from([idx('skin'), idx('l_eye'), idx('l_eye'), idx('nose'), idx('hair')]);
    const oth = Uint8Array.from([idx('skin'), idx('r_eye'), idx('l_eye'), idx('skin'), idx('hair')]);
    const s = agreement(ref, oth, HELEN_11);
    // Group pixels: ref has 3 (eye, eye, nose), other has 2 (r_eye, l_eye), both in group for 2 → 4/5.
    expect(s.helenOverallF1).toBeCloseTo(0.8, 12);
    expect(s.f1[idx('l_eye')]).toBeCloseTo(2 / 3, 12);
    expect(s.f1[idx('r_eye')]).toBe(0);
    expect(s.pixelAccuracy).toBeCloseTo(3 / 5, 12);
  });

  it('a selection sums ONE matrix (not the mean of per-image scores)', () => {
    const acc = new AgreementAccumulator(null, { k: 2, keepPerImage: true });
    acc.add(Uint8Array.from([1, 1, 1, 1]), Uint8Array.from([1, 1, 1, 1]), 'a'); // class 1 F1 1
    acc.add(Uint8Array.from([1, 0]), Uint8Array.from([0, 0]), 'b'); // class 1 F1 0
    // Summed: TP 4, GT 5, Pred 4 → 8/9 (the per-image mean would be 1/2).
    expect(acc.result().f1[1]).toBeCloseTo(8 / 9, 12);
    expect(acc.perImage.map((p) => p.summary.f1[1])).toEqual([1, 0]);
  });
});

describe('dataset statistics', () => {
  it('pixel ratios over labelled pixels and presence counts', () => {
    const s = datasetStats([Uint8Array.from([0, 0, 1, 255]), Uint8Array.from([0, 2, 2, 9])], 3);
    expect(s).toMatchObject({ images: 2, pixels: 6, ignoredPixels: 1, outOfRangePixels: 1 });
    expect(s.classes.map((c) => [c.pixels, c.ratio, c.presentIn, c.presence])).toEqual([
      [3, 0.5, 2, 1],
      [1, 1 / 6, 1, 0.5],
      [2, 1 / 3, 1, 0.5],
    ]);
  });
});
