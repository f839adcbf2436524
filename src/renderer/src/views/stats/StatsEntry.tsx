/**
 * The Project screen's Statistics dialog (issue 5: agreement and dataset statistics, the figures the
 * papers report): per-class pixel ratios and presence counts of a label source, and the agreement
 * (per-class F1 / IoU, mean F1 without background, mIoU, pixel accuracy, Helen overall F1 where the
 * schema is Helen-like) between two label sources: the head, the latest revision of a kind, the latest
 * by an author, or a model set's cached prediction. The least agreeing images open in the editor.
 * Conventions (one confusion matrix summed over the selection): FORMATS.md, src/shared/metrics.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { ModelSetRecord } from '../../../../shared/api/methods-models';
import type { AgreementFigures, AgreementResult, LabelSource, MetricsSelection, StatsResult } from '../../../../shared/api/methods-metrics';
import { IMAGE_STATUSES, REVISION_KINDS, type ImageStatus, type LabelSchema, type ProjectInfo } from '../../../../shared/api/types';
import { ClassLabel, ErrorBox, fmtInt, STATUS_LABEL, toShownError, useClient, type ShownError } from '../common';
import { useJob } from '../useJob';
import './stats.css';

/** Images listed under "least agreeing". */
const WORST = 20;

export function StatsEntry({ project, schema, onOpenImage }: { project: ProjectInfo; schema: LabelSchema | null; onOpenImage: (id: number) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} data-testid="open-stats">
        Statistics…
      </button>
      {open && <StatsDialog project={project} schema={schema} onClose={() => setOpen(false)} onOpenImage={onOpenImage} />}
    </>
  );
}

/** A label source as the form holds it: 'head', 'kind:<kind>', 'author', 'set:<id>'. */
type SourceKey = string;

/** The form's choice as a label source, or why it is not one yet. */
function toSource(key: SourceKey, author: string): { source: LabelSource } | { problem: string } {
  if (key === 'head') return { source: 'head' };
  if (key.startsWith('kind:')) return { source: { kind: key.slice(5) as (typeof REVISION_KINDS)[number] } };
  if (key.startsWith('set:')) return { source: { modelSet: Number(key.slice(4)) } };
  const a = author.trim();
  return a ? { source: { author: a } } : { problem: 'Author: type the author name.' };
}

function SourcePicker({ label, value, author, sets, onChange, onAuthor, testId }: {
  label: string;
  value: SourceKey;
  author: string;
  sets: ModelSetRecord[];
  onChange: (k: SourceKey) => void;
  onAuthor: (a: string) => void;
  testId: string;
}) {
  return (
    <span className="stats-source">
      <label>
        {label}{' '}
        <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
          <option value="head">Head revision</option>
          {REVISION_KINDS.map((k) => (
            <option key={k} value={`kind:${k}`}>
              Latest {k} revision
            </option>
          ))}
          <option value="author">Latest revision by author…</option>
          {sets.map((s) => (
            <option key={s.id} value={`set:${s.id}`}>
              Model set {s.name} ({fmtInt(s.predictions)} cached)
            </option>
          ))}
        </select>
      </label>
      {value === 'author' && <input type="text" aria-label={`${label} author`} value={author} onChange={(e) => onAuthor(e.target.value)} placeholder="author name" style={{ width: 120 }} />}
    </span>
  );
}

const pct = (v: number | null, digits = 1) => (v === null ? '—' : `${(100 * v).toFixed(digits)}`);

function Summary({ f, helenLike }: { f: AgreementFigures; helenLike: boolean }) {
  return (
    <span className="stats-figures mono">
      mean F1 <b data-testid="agree-meanf1">{pct(f.meanF1)}</b> · mIoU <b data-testid="agree-miou">{pct(f.mIoU)}</b> · pixel acc. <b>{pct(f.pixelAccuracy)}</b>
      {helenLike && (
        <>
          {' '}
          · Helen overall F1 <b data-testid="agree-helen">{pct(f.helenOverallF1)}</b>
        </>
      )}
    </span>
  );
}

function StatsDialog({ project, schema, onClose, onOpenImage }: { project: ProjectInfo; schema: LabelSchema | null; onClose: () => void; onOpenImage: (id: number) => void }) {
  const client = useClient();
  const [tab, setTab] = useState<'classes' | 'agreement'>('classes');
  const [split, setSplit] = useState('');
  const [status, setStatus] = useState<ImageStatus | ''>('');
  const [sets, setSets] = useState<ModelSetRecord[]>([]);
  const [src, setSrc] = useState<SourceKey>('head');
  const [srcAuthor, setSrcAuthor] = useState('');
  const [a, setA] = useState<SourceKey>('kind:import');
  const [aAuthor, setAAuthor] = useState('');
  const [b, setB] = useState<SourceKey>('head');
  const [bAuthor, setBAuthor] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [stats, setStats] = useState<StatsResult | null>(null);
  const [agree, setAgree] = useState<AgreementResult | null>(null);
  const [worst, setWorst] = useState<(AgreementResult['perImage'][number] & { path: string })[]>([]);
  // Closing the dialog stops a computation it started.
  const job = useJob('metrics', (c, jobId) => c.call('metrics:cancel', { jobId }), { cancelOnUnmount: true });
  const { progress } = job;

  useEffect(() => {
    client
      .call('modelSet:list', {})
      .then((list) => {
        setSets(list);
        if (list.length > 0) setB(`set:${list[0].id}`);
      })
      .catch(() => setSets([]));
  }, [client]);

  const selection = useMemo((): MetricsSelection => ({ ...(split && { split: [split] }), ...(status && { status: [status] }) }), [split, status]);
  const splits = Object.keys(project.counts.bySplit);

  async function run(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const s = toSource(src, srcAuthor);
    const sa = toSource(a, aAuthor);
    const sb = toSource(b, bAuthor);
    const bad = tab === 'classes' ? ('problem' in s ? s.problem : null) : 'problem' in sa ? `A: ${sa.problem}` : 'problem' in sb ? `B: ${sb.problem}` : null;
    if (bad) {
      setError({ code: null, message: bad });
      return;
    }
    setBusy(true);
    try {
      if (tab === 'classes' && 'source' in s) {
        const source = s.source;
        setStats(await job.start((jobId) => client.call('metrics:stats', { selection, source, jobId })));
      } else if ('source' in sa && 'source' in sb) {
        const [srcA, srcB] = [sa.source, sb.source];
        const r = await job.start((jobId) => client.call('metrics:agreement', { a: srcA, b: srcB, selection, perImage: true, jobId }));
        const key = (f: AgreementFigures) => f.meanF1 ?? f.pixelAccuracy ?? 1;
        const least = [...r.perImage].sort((x, y) => key(x.figures) - key(y.figures) || x.imageId - y.imageId).slice(0, WORST);
        const details = await Promise.all(least.map((p) => client.call('image:get', { id: p.imageId }).catch(() => null)));
        setWorst(least.map((p, i) => ({ ...p, path: details[i]?.path ?? `image ${p.imageId}` })));
        setAgree(r);
      }
    } catch (err) {
      setError(toShownError(err));
    } finally {
      setBusy(false);
    }
  }

  const cancel = () => void job.cancel();

  return (
    <div className="modal-backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="modal-panel stats-dialog" role="dialog" aria-label="Statistics">
        <div className="stats-head">
          <h2>Statistics</h2>
          <span role="radiogroup" aria-label="What to compute" className="stats-tabs">
            <button type="button" className="toggle" aria-pressed={tab === 'classes'} onClick={() => setTab('classes')}>
              Classes
            </button>
            <button type="button" className="toggle" aria-pressed={tab === 'agreement'} onClick={() => setTab('agreement')} data-testid="tab-agreement">
              Agreement
            </button>
          </span>
          <span className="spacer" />
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>

        <form className="stats-form" onSubmit={run} aria-label={tab === 'classes' ? 'Class statistics' : 'Agreement'}>
          <label>
            Split{' '}
            <select value={split} onChange={(e) => setSplit(e.target.value)}>
              <option value="">all</option>
              {splits.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Status{' '}
            <select value={status} onChange={(e) => setStatus(e.target.value as ImageStatus | '')}>
              <option value="">any</option>
              {IMAGE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
            </select>
          </label>
          {tab === 'classes' ? (
            <SourcePicker label="Labels" value={src} author={srcAuthor} sets={sets} onChange={setSrc} onAuthor={setSrcAuthor} testId="stats-source" />
          ) : (
            <>
              <SourcePicker label="A" value={a} author={aAuthor} sets={sets} onChange={setA} onAuthor={setAAuthor} testId="agree-a" />
              <SourcePicker label="vs B" value={b} author={bAuthor} sets={sets} onChange={setB} onAuthor={setBAuthor} testId="agree-b" />
            </>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Computing…' : tab === 'classes' ? 'Compute' : 'Compare'}
          </button>
          {busy && (
            <>
              <button type="button" onClick={cancel}>
                Cancel
              </button>
              <span className="mono dim" data-testid="stats-progress">
                {progress ? `${fmtInt(progress.done)} / ${fmtInt(progress.total)} images` : 'starting'}
              </span>
            </>
          )}
        </form>
        <ErrorBox error={error} />

        {tab === 'classes' && stats && (
          <div data-testid="stats-result">
            <div className="dim">
              {stats.status === 'cancelled' && <b className="warn-text">Cancelled: partial figures. </b>}
              {fmtInt(stats.images)} images, {fmtInt(stats.pixels)} labelled pixels
              {stats.withoutMask > 0 && `; ${fmtInt(stats.withoutMask)} of the selection have no such labels`}
              {stats.ignoredPixels > 0 && `; ${fmtInt(stats.ignoredPixels)} ignore pixels`}
              {stats.outOfRangePixels > 0 && `; ${fmtInt(stats.outOfRangePixels)} pixels outside the schema`}
            </div>
            <div className="stats-table-wrap">
              <table className="stats-table" aria-label="Classes">
                <thead>
                  <tr>
                    <th>Class</th>
                    <th className="n">Pixels %</th>
                    <th />
                    <th className="n">Images</th>
                    <th className="n">%</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.classes.map((c) => (
                    <tr key={c.index} data-class={c.name}>
                      <td>
                        <ClassLabel schema={schema} index={c.index} showIndex />
                      </td>
                      <td className="n mono">{pct(c.ratio, 2)}</td>
                      <td className="bar-cell">
                        <span className="bar" style={{ width: `${Math.max(c.ratio > 0 ? 1 : 0, Math.round(100 * c.ratio))}%` }} />
                      </td>
                      <td className="n mono">{fmtInt(c.presentIn)}</td>
                      <td className="n mono">{pct(c.presence)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )}

        {tab === 'agreement' && agree && (
          <div data-testid="agree-result">
            <div>
              {agree.status === 'cancelled' && <b className="warn-text">Cancelled: partial figures. </b>}
              <b>{fmtInt(agree.images)}</b> images compared
              {agree.skippedCount > 0 && (
                <span className="dim" title={agree.skipped.slice(0, 5).map((s) => `image ${s.imageId}: ${s.reason}`).join('\n')}>
                  {' '}
                  ({fmtInt(agree.skippedCount)} skipped: {agree.skipped[0]?.reason})
                </span>
              )}
              {' · '}
              <Summary f={agree.overall} helenLike={agree.helenLike} />
            </div>
            <div className="stats-two">
              <div className="stats-table-wrap">
                <table className="stats-table" aria-label="Per-class agreement">
                  <thead>
                    <tr>
                      <th>Class</th>
                      <th className="n">F1 %</th>
                      <th className="n">IoU %</th>
                    </tr>
                  </thead>
                  <tbody>
                    {agree.overall.classes.map((c) => (
                      <tr key={c.index} data-class={c.name}>
                        <td>
                        <ClassLabel schema={schema} index={c.index} showIndex />
                      </td>
                        <td className="n mono">{pct(c.f1)}</td>
                        <td className="n mono">{pct(c.iou)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div className="stats-table-wrap">
                <table className="stats-table" aria-label="Least agreeing images">
                  <thead>
                    <tr>
                      <th>Least agreeing images</th>
                      <th className="n">mean F1 %</th>
                      <th className="n">mIoU %</th>
                    </tr>
                  </thead>
                  <tbody>
                    {worst.map((p) => (
                      <tr key={p.imageId} data-testid="worst-image" data-image-id={p.imageId}>
                        <td>
                          <button type="button" className="link mono" onClick={() => onOpenImage(p.imageId)} title={`Open image ${p.imageId} in the editor`}>
                            {p.path}
                          </button>
                        </td>
                        <td className="n mono">{pct(p.figures.meanF1)}</td>
                        <td className="n mono">{pct(p.figures.mIoU)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
