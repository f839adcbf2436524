/**
 * The Project screen's entry to the label-noise review queue: a button that opens the queue (images
 * sorted by noise score, thumbnails, open flag counts and their label → suggested class pairs, "n of m
 * reviewed") with a scan form (model set, boundary band) and the queue's confusions (class pairs by
 * open flags) as a filter: work through all "eyes labelled as glasses" at once. Opening an image goes
 * to the editor, whose flags panel takes over (A / D, next flag, next image in the queue, which follows
 * the filter); coming back to the Project screen shows the queue again, filter kept.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ModelSetRecord } from '../../../../shared/api/methods-models';
import { samePair, type ClassPair, type QueuePage, type QueuePair, type ScanResult } from '../../../../shared/api/methods-noise';
import type { LabelSchema, ProjectInfo } from '../../../../shared/api/types';
import { DEFAULT_SCORE_OPTIONS } from '../../../../shared/noise/score';
import { ClassLabel, ErrorBox, fmtInt, toShownError, useClient, type ShownError } from '../common';
import { useJob } from '../useJob';
import { QueueSummaryBar } from './QueueSummary';
import { reviewQueue } from './queueStore';
import { ReviewSettingsRow } from './ReviewSettingsRow';
import './review.css';

const PAGE = 500;
/** Pairs shown as filter chips before "more". */
const CHIPS = 8;

export function ReviewEntry({ project, schema, onOpenImage }: { project: ProjectInfo; schema: LabelSchema | null; onOpenImage: (id: number) => void }) {
  const [open, setOpen] = useState(reviewQueue.reopen);
  const close = () => {
    reviewQueue.reopen = false;
    setOpen(false);
  };
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} data-testid="open-review">
        Review queue
      </button>
      {open && <ReviewQueue project={project} schema={schema} onClose={close} onOpenImage={onOpenImage} />}
    </>
  );
}

/** "label → suggested" of an image's flags, the pairs with open flags first. */
function RowPairs({ schema, pairs, active }: { schema: LabelSchema | null; pairs: QueuePair[]; active: ClassPair | null }) {
  const shown = pairs.slice(0, 3);
  return (
    <span className="row-pairs" data-testid="row-pairs">
      {shown.map((p) => (
        <span key={`${p.from}>${p.to}`} className={`${p.open > 0 ? 'open' : 'done'}${samePair(active, p) ? ' active' : ''}`} title={`${p.open} open of ${p.flags} flag${p.flags === 1 ? '' : 's'}`}>
          <ClassLabel schema={schema} index={p.from} />→<ClassLabel schema={schema} index={p.to} />
          {p.flags > 1 ? ` ×${p.flags}` : ''}
        </span>
      ))}
      {pairs.length > shown.length && <span className="dim">+{pairs.length - shown.length}</span>}
    </span>
  );
}

function ReviewQueue({ project, schema, onClose, onOpenImage }: { project: ProjectInfo; schema: LabelSchema | null; onClose: () => void; onOpenImage: (id: number) => void }) {
  const client = useClient();
  const [page, setPage] = useState<QueuePage | null>(null);
  const [limit, setLimit] = useState(PAGE);
  const [onlyOpen, setOnlyOpen] = useState(false);
  // Cut the queue at the label-error estimate: only its top `likelyImages` images.
  const [cut, setCut] = useState(false);
  // The estimate of the last answer (a ref: reading it must not make `load` run again).
  const cutAt = useRef<number | null>(null);
  const [pair, setPairState] = useState<ClassPair | null>(reviewQueue.pair);
  const [allChips, setAllChips] = useState(false);
  const setPair = (p: ClassPair | null) => {
    reviewQueue.pair = p;
    setPairState(p);
  };
  const [error, setError] = useState<ShownError | null>(null);
  const [sets, setSets] = useState<ModelSetRecord[] | null>(null);
  const [setsError, setSetsError] = useState<string | null>(null);
  const [modelSetId, setModelSetId] = useState<number | null>(null);
  // The scorer's default radius (chosen by measurement, docs/bench/noise.md).
  const [band, setBand] = useState(String(DEFAULT_SCORE_OPTIONS.bandRadius));
  const job = useJob('scan', (c, jobId) => c.call('noise:cancel', { jobId }));
  const { running: scanning, progress } = job;
  const [scanResult, setScanResult] = useState<ScanResult | null>(null);

  const load = useCallback(async () => {
    try {
      const p = await client.call('noise:queue', { onlyOpen, limit: cut && cutAt.current !== null ? Math.max(1, cutAt.current) : limit, offset: 0, ...(pair && { pair }) });
      setPage(p);
      cutAt.current = p.summary.likelyImages;
      reviewQueue.setOrder(p.items.map((i) => i.imageId));
      setError(null);
    } catch (err) {
      setError(toShownError(err));
    }
  }, [client, onlyOpen, limit, pair, cut]);

  useEffect(() => {
    void load();
  }, [load, project.path]);

  useEffect(() => {
    client
      .call('modelSet:list', {})
      .then((list) => {
        setSets(list);
        setModelSetId((cur) => cur ?? list[0]?.id ?? null);
      })
      .catch((err: unknown) => setSetsError(toShownError(err).message));
  }, [client]);

  async function scan(e: FormEvent) {
    e.preventDefault();
    if (modelSetId === null) return;
    const b = Number(band);
    if (!Number.isInteger(b) || b < 0 || b > 64) {
      setError({ code: null, message: 'Boundary band: a whole number of pixels, 0–64.' });
      return;
    }
    setScanResult(null);
    setError(null);
    try {
      setScanResult(await job.start((jobId) => client.call('noise:scan', { modelSetId, options: { bandRadius: b }, jobId })));
      await load();
    } catch (err) {
      setError(toShownError(err));
    }
  }

  const open = (id: number) => {
    reviewQueue.reopen = true;
    onOpenImage(id);
  };
  const selectedSet = sets?.find((x) => x.id === modelSetId) ?? null;
  const pct = progress && progress.total > 0 ? Math.min(100, (100 * progress.done) / progress.total) : 0;
  const reviewedPct = page && page.queued > 0 ? (100 * page.reviewed) / page.queued : 0;
  const activeSummary = pair ? page?.pairs.find((p) => samePair(pair, p)) : undefined;
  const chips = page ? (allChips ? page.pairs : page.pairs.slice(0, CHIPS)) : [];

  return (
    <div className="modal-backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && !scanning && onClose()}>
      <div className="modal-panel review-dialog" role="dialog" aria-label="Review queue">
        <div className="review-head">
          <h2>Review queue</h2>
          {page && (
            <span className="review-progress" data-testid="review-progress">
              <b>{fmtInt(page.reviewed)}</b> of <b>{fmtInt(page.queued)}</b> reviewed
              {pair && (
                <>
                  {' '}
                  for <ClassLabel schema={schema} index={pair.from} /> → <ClassLabel schema={schema} index={pair.to} />
                </>
              )}
              <span className="bar">
                <span style={{ width: `${reviewedPct}%` }} />
              </span>
            </span>
          )}
          <span className="spacer" />
          <button type="button" onClick={onClose} disabled={!!scanning}>
            Close
          </button>
        </div>

        <form className="review-scan" onSubmit={scan} aria-label="Scan for label noise">
          <label>
            Model set{' '}
            <select value={modelSetId ?? ''} onChange={(e) => setModelSetId(Number(e.target.value))} disabled={!sets || sets.length === 0 || !!scanning}>
              {(sets ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label title="Pixels within this distance of a label boundary count for a tenth: boundaries are ambiguous, not wrong">
            Boundary band <input type="number" min={0} max={64} value={band} onChange={(e) => setBand(e.target.value)} style={{ width: 48 }} disabled={!!scanning} /> px
          </label>
          <button type="submit" className="primary" disabled={modelSetId === null || !!scanning}>
            {scanning ? 'Scanning…' : 'Scan'}
          </button>
          {scanning && (
            <button type="button" onClick={() => void job.cancel()}>
              Cancel
            </button>
          )}
          {scanning && (
            <span className="progress-inline mono">
              {progress?.phase ?? 'starting'} {progress ? `${fmtInt(progress.done)} / ${fmtInt(progress.total)}` : ''}
              <span className="bar">
                <span style={{ width: `${pct}%` }} />
              </span>
            </span>
          )}
          {sets && sets.length === 0 && <span className="dim">No model set yet: create one and pre-label first (Models).</span>}
          {selectedSet && selectedSet.modelIds.length === 1 && (
            <span className="dim" data-testid="single-model-hint" title="docs/bench/noise.md: teacher made of one model against a set of three">
              One model: its confident mistakes look like label errors. A set of several models (snapshots, seeds or architectures) averages them out and flags fewer clean images.
            </span>
          )}
          {setsError && <span className="dim">Model sets unavailable: {setsError}</span>}
          {scanResult && (
            <span className="dim" data-testid="scan-result">
              {scanResult.status === 'cancelled' ? 'Cancelled. ' : ''}Scanned {fmtInt(scanResult.scanned)} images ({fmtInt(scanResult.withoutPrediction)} without a cached prediction): {fmtInt(scanResult.openFlags)} open flags,{' '}
              {fmtInt(scanResult.keptDismissed)} kept dismissed, {fmtInt(scanResult.closed)} closed as fixed
              {scanResult.failed.length > 0 ? `; ${scanResult.failed.length} failed (${scanResult.failed[0].reason})` : ''}
            </span>
          )}
        </form>
        <ErrorBox error={error} />
        <ReviewSettingsRow />

        {page && <QueueSummaryBar summary={page.summary} cut={cut} onCut={setCut} />}

        <div className="review-filter">
          <label>
            <input type="checkbox" checked={onlyOpen} onChange={(e) => setOnlyOpen(e.target.checked)} /> Only images with open flags
          </label>
          <span className="dim">
            Images never scanned are not in the queue, and an export's noise-score filter leaves them out.
          </span>
        </div>

        {page && (page.pairs.length > 0 || pair) && (
          <div className="review-pairs" role="group" aria-label="Confusions: label → suggested class">
            <span className="dim" title="Flags by label class → the class the model set suggests, most open flags first. Pick one to review only those images; A / D then work through them.">
              Confusions
            </span>
            <button type="button" className="pair-chip" aria-pressed={!pair} onClick={() => setPair(null)} data-testid="pair-all">
              All
            </button>
            {pair && !activeSummary && (
              <button type="button" className="pair-chip" aria-pressed onClick={() => setPair(null)} data-testid="pair-chip" data-from={pair.from} data-to={pair.to} title="No flag of this pair any more; click for all">
                <ClassLabel schema={schema} index={pair.from} /> → <ClassLabel schema={schema} index={pair.to} /> <span className="dim">none left</span>
              </button>
            )}
            {chips.map((p) => (
              <button
                key={`${p.from}>${p.to}`}
                type="button"
                className="pair-chip"
                aria-pressed={samePair(pair, p)}
                onClick={() => setPair(samePair(pair, p) ? null : { from: p.from, to: p.to })}
                data-testid="pair-chip"
                data-from={p.from}
                data-to={p.to}
                title={`${p.open} open of ${p.flags} flags, on ${p.openImages} of ${p.images} images`}
              >
                <ClassLabel schema={schema} index={p.from} /> → <ClassLabel schema={schema} index={p.to} />{' '}
                <span className={p.open > 0 ? 'count open' : 'count'}>{p.open > 0 ? `${fmtInt(p.open)} open` : 'done'}</span>
              </button>
            ))}
            {page.pairs.length > CHIPS && (
              <button type="button" className="link" onClick={() => setAllChips((v) => !v)}>
                {allChips ? 'fewer' : `${page.pairs.length - CHIPS} more`}
              </button>
            )}
          </div>
        )}

        {page && page.total === 0 && <div className="dim review-empty">No flagged image{page.queued > 0 ? ' left' : ''}. Run a scan over a model set’s cached predictions.</div>}
        <ul className="review-list" aria-label="Flagged images">
          {page?.items.map((it) => (
            <li key={it.imageId} data-testid="review-item" data-image-id={it.imageId}>
              <button type="button" className="review-row" onClick={() => open(it.imageId)} title={`Open image ${it.imageId} in the editor`}>
                <img loading="lazy" decoding="async" alt="" src={client.mediaUrl('thumb', it.imageId)} />
                <span className="path mono">{it.path}</span>
                <span className="score mono" title="Image noise score of the latest scan">
                  {it.score.toFixed(1)}
                </span>
                <span className={`flags ${it.openFlags > 0 ? 'open' : 'done'}`} data-testid="open-flags">
                  {it.openFlags > 0 ? `${it.openFlags} open` : 'reviewed'}
                </span>
                <RowPairs schema={schema} pairs={it.pairs} active={pair} />
                <span className="dim">
                  {it.fixedFlags > 0 ? `${it.fixedFlags} fixed ` : ''}
                  {it.dismissedFlags > 0 ? `${it.dismissedFlags} dismissed` : ''}
                </span>
                {it.headRevisionId !== it.revisionId && (
                  <span className="warn-text" title="The mask changed after the scan: scan again to update its flags">
                    edited since scan
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
        {page && !cut && page.total > page.items.length && (
          <button type="button" onClick={() => setLimit((l) => Math.min(5000, l + PAGE))}>
            Show more ({fmtInt(page.total - page.items.length)} left)
          </button>
        )}
      </div>
    </div>
  );
}
