/**
 * Two scan-level judgements a curator needs besides the ranking (issue 12, DESIGN.md §5):
 *
 * Teacher check. Flags are only as good as the teacher: a model set that labels the images poorly
 * (wrong schema order, photos it never saw, an untrained export) disagrees with good labels everywhere,
 * and its flags are noise. Over the scanned images, the teacher's arg-max is compared with the labels
 * (one confusion matrix, FORMATS.md conventions); below `DEFAULT_MIN_TEACHER_F1` mean F1 without
 * background the scan says so with the figure, the flags are kept but marked low-confidence.
 *
 * Label-error estimate, in the manner of confident learning's count of label issues: a region counts as
 * a likely label error when it passed the scorer's region rule (a confident, firm disagreement that is
 * not boundary imprecision) with a score of at least `LIKELY_ERROR_SCORE`; an image is likely
 * mislabelled when it has one. The figure is chosen by measurement so that the count is neither
 * inflated by the teacher's own confident mistakes on clean images nor short of the errors the scorer
 * finds (docs/bench/noise.md, "Label-error estimate").
 */
import type { AgreementSummary } from '../metrics';

/** Mean F1 (no background) of the teacher's arg-max against the labels below which flags are low-confidence. */
export const DEFAULT_MIN_TEACHER_F1 = 0.5;

export interface TeacherCheck {
  /** Mean F1 without background of the teacher's arg-max against the scanned labels. */
  meanF1: number;
  pixelAccuracy: number;
  /** Images compared. */
  images: number;
  minMeanF1: number;
  /** meanF1 >= minMeanF1 (false also when nothing was compared). */
  ok: boolean;
}

export function teacherCheck(a: AgreementSummary, images: number, minMeanF1 = DEFAULT_MIN_TEACHER_F1): TeacherCheck {
  const meanF1 = Number.isFinite(a.meanF1) ? a.meanF1 : 0;
  return { meanF1, pixelAccuracy: a.pixelAccuracy, images, minMeanF1, ok: images > 0 && meanF1 >= minMeanF1 };
}

/** Region score from which a reported region counts as a likely label error (see the file header). */
export const LIKELY_ERROR_SCORE = 6;

/** Regions of one scored image that count as likely label errors. */
export function likelyErrors(regions: readonly { score: number }[], minScore = LIKELY_ERROR_SCORE): number {
  let n = 0;
  for (const r of regions) if (r.score >= minScore) n++;
  return n;
}
