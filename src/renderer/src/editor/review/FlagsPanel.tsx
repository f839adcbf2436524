/**
 * Label-noise flags of the open image (editor side panel) and the overlay layer that shows the
 * disagreement heat map or the model's arg-max over the photo. Logic lives in useNoiseReview.
 */
import { useEffect, useRef } from 'react';
import type { LabelSchema } from '../../../../shared/api/types';
import { bigFlagReason } from '../../../../shared/noise/big-flag';
import { ClassLabel, ErrorBox } from '../../views/common';
import type { View } from '../viewport';
import type { NoiseReview } from './useNoiseReview';
import './review.css';

export function FlagsPanel({
  review,
  schema,
  acceptKey,
  dismissKey,
  reopenKey,
}: {
  review: NoiseReview;
  schema: LabelSchema | null;
  acceptKey?: string;
  dismissKey?: string;
  reopenKey?: string;
}) {
  const { scan, flags } = review;
  if (!scan || flags.length === 0) return null;
  const cls = (k: number) => schema?.classes.find((c) => c.index === k);
  const name = (k: number) => cls(k)?.title ?? String(k);
  const open = flags.filter((f) => f.status === 'open').length;
  const stale = scan.headRevisionId !== scan.revisionId;
  const selected = flags.find((f) => f.id === review.selectedId) ?? null;
  // Decisions only on an open flag; with none selected, A / D (keys) may still move on to the next image.
  const closed = selected !== null && selected.status !== 'open';
  const confirm = review.confirming;
  const why = confirm?.size ? bigFlagReason(confirm.size, name(confirm.labelClass)) : null;
  return (
    <div className="ed-flags" data-testid="flags-panel">
      <h3>
        <span>
          Noise flags · {open} open of {flags.length}
        </span>
        {review.queuePosition && (
          <span className="dim" style={{ textTransform: 'none', letterSpacing: 0 }}>
            queue {review.queuePosition.index + 1} / {review.queuePosition.total}
            {review.focusPair && (
              <span data-testid="focus-pair" title="The review queue is filtered by this pair: A / D go through its flags, then to the next image">
                {' '}
                · {name(review.focusPair.from)} → {name(review.focusPair.to)}
              </span>
            )}
          </span>
        )}
      </h3>
      {stale && (
        <div className="dim" data-testid="flags-stale">
          Scanned on revision {scan.revisionId}; the mask has changed since (accepted fixes or edits). A rescan updates the flags.
        </div>
      )}
      <ul className="ed-flag-list" aria-label="Noise flags">
        {flags.map((f) => (
          <li
            key={f.id}
            data-testid="flag-item"
            data-flag-id={f.id}
            data-status={f.status}
            className={`${f.id === review.selectedId ? 'current' : ''} ${f.status}`}
            onClick={() => review.select(f.id)}
            title={`bbox ${f.bbox.join(', ')} — click to zoom to it`}
          >
            <ClassLabel schema={schema} index={f.labelClass} />
            <span className="dim">→</span>
            <ClassLabel schema={schema} index={f.suggestedClass} />
            <span className="dim mono">{f.area} px</span>
            <span className="dim mono">{f.score.toFixed(1)}</span>
            {f.status !== 'open' && <span className="dim">{f.status}</span>}
          </li>
        ))}
      </ul>
      {confirm && (
        <div className="ed-flag-confirm" role="alertdialog" aria-label="Confirm a big flag" data-testid="flag-confirm">
          <div>
            Accept flag {confirm.id} ({name(confirm.labelClass)} → {name(confirm.suggestedClass)}, {confirm.area} px)? {why && <>It is big: {why}.</>}
          </div>
          <div className="ed-flag-actions">
            <button type="button" className="primary" onClick={() => void review.accept()} disabled={review.busy} data-testid="flag-confirm-accept">
              Accept {acceptKey && <kbd>{acceptKey}</kbd>} <kbd>Enter</kbd>
            </button>
            <button type="button" onClick={() => review.editByHand()} data-testid="flag-confirm-edit" title="Brush with the suggested class, painting only over the flag's class, zoomed to the region">
              Edit by hand
            </button>
            <button type="button" onClick={() => review.cancelConfirm()} data-testid="flag-confirm-cancel">
              Cancel <kbd>Esc</kbd>
            </button>
          </div>
        </div>
      )}
      <div className="ed-flag-actions">
        <button
          type="button"
          onClick={() => void review.accept()}
          disabled={review.busy || closed}
          title={closed ? `This flag is ${selected!.status}` : 'Write a fix revision that changes only this region to the suggested class'}
        >
          Accept {acceptKey && <kbd>{acceptKey}</kbd>}
        </button>
        <button type="button" onClick={() => void review.dismiss()} disabled={review.busy || closed} title={closed ? `This flag is ${selected!.status}` : 'Not an error: remembered across rescans'}>
          Dismiss {dismissKey && <kbd>{dismissKey}</kbd>}
        </button>
        {closed && (
          <button
            type="button"
            onClick={() => void review.reopen()}
            disabled={review.busy || selected!.status !== 'dismissed'}
            title={selected!.status === 'dismissed' ? 'Open this flag again (a rescan keeps it open)' : 'A fixed flag reopens when its accept is undone (Ctrl+Z)'}
          >
            Reopen {reopenKey && <kbd>{reopenKey}</kbd>}
          </button>
        )}
      </div>
      <div className="ed-flag-overlay" role="radiogroup" aria-label="Model overlay">
        {(['none', 'heat', 'model'] as const).map((k) => (
          <button key={k} type="button" className="toggle" aria-pressed={review.overlay === k} onClick={() => review.setOverlay(k)} data-testid={`overlay-${k}`}>
            {k === 'none' ? 'No overlay' : k === 'heat' ? 'Disagreement' : 'Model'}
          </button>
        ))}
      </div>
      {review.message && (
        <div className="dim" data-testid="flag-message">
          {review.message}
        </div>
      )}
      <ErrorBox error={review.error} />
    </div>
  );
}

/**
 * Over the photo: the overlay canvas (image-sized; heat map or model classes) and the selected flag's
 * bounding box. Both follow the editor's view through CSS positioning updated once per animation frame
 * while shown (the view changes imperatively, outside React).
 */
export function ReviewOverlay({ canvas, box, getView }: { canvas: HTMLCanvasElement | null; box: [number, number, number, number] | null; getView: () => View }) {
  const host = useRef<HTMLDivElement>(null);
  const boxEl = useRef<HTMLDivElement>(null);
  const shown = canvas !== null || box !== null;
  useEffect(() => {
    const el = host.current;
    if (!el || !shown) return;
    if (canvas) {
      canvas.className = 'ed-review-overlay';
      el.insertBefore(canvas, el.firstChild);
    }
    let raf = 0;
    let last = '';
    const tick = () => {
      const v = getView();
      const key = `${v.x},${v.y},${v.scale}`;
      if (key !== last) {
        last = key;
        if (canvas) canvas.style.transform = `translate(${v.x}px, ${v.y}px) scale(${v.scale})`;
        const b = boxEl.current;
        if (b && box) {
          // bbox is inclusive: the box surrounds pixels x0..x1, y0..y1.
          b.style.left = `${box[0] * v.scale + v.x - 2}px`;
          b.style.top = `${box[1] * v.scale + v.y - 2}px`;
          b.style.width = `${(box[2] + 1 - box[0]) * v.scale + 4}px`;
          b.style.height = `${(box[3] + 1 - box[1]) * v.scale + 4}px`;
        }
      }
      raf = requestAnimationFrame(tick);
    };
    tick();
    return () => {
      cancelAnimationFrame(raf);
      canvas?.remove();
    };
  }, [canvas, box, getView, shown]);
  if (!shown) return null;
  return (
    <div ref={host} className="ed-review-host" data-testid={canvas ? 'review-overlay' : undefined}>
      {box && <div ref={boxEl} className="ed-flag-box" data-testid="flag-box" />}
    </div>
  );
}
