/**
 * Above the review queue: the label-error estimate of the latest scans ("about 23 of 200 images likely
 * have a label error", with a switch that cuts the queue at that many images) and, when the teacher
 * agreed poorly with the labels it judged, a banner that says so with the figure (issue 12; the rules
 * are in shared/noise/teacher-check.ts).
 */
import type { QueueSummary } from '../../../../shared/api/methods-noise';
import { fmtInt } from '../common';

export function QueueSummaryBar({ summary, cut, onCut }: { summary: QueueSummary; cut: boolean; onCut: (cut: boolean) => void }) {
  const t = summary.teacher;
  return (
    <>
      {t && !t.ok && t.images > 0 && (
        <div className="review-teacher-warning" role="alert" data-testid="teacher-warning">
          The model set agrees poorly with these labels (mean F1 without background <b>{t.meanF1.toFixed(2)}</b>, below {t.minMeanF1} over {fmtInt(t.images)} images): its
          flags are kept but marked low-confidence. Check that the model labels this schema in this class order and has seen images like these (Statistics → Agreement).
        </div>
      )}
      {summary.scanned > 0 && (
        <div className="review-estimate" data-testid="label-error-estimate">
          <span title="Images whose latest scan found a confident disagreement that is not boundary imprecision (docs/noise.md, label-error estimate)">
            About <b>{fmtInt(summary.likelyImages)}</b> of {fmtInt(summary.scanned)} scanned images likely have a label error ({fmtInt(summary.likelyRegions)} region
            {summary.likelyRegions === 1 ? '' : 's'})
          </span>
          {summary.likelyImages > 0 && (
            <label>
              <input type="checkbox" checked={cut} onChange={(e) => onCut(e.target.checked)} data-testid="cut-at-estimate" /> Only the top {fmtInt(summary.likelyImages)}
            </label>
          )}
        </div>
      )}
    </>
  );
}
