/**
 * Pre-label dialog: a model set, the scope (whole project, the grid's current status filter, or the
 * selected image), "overwrite human revisions" (off by default, with a warning when on), the execution
 * provider; then progress (done/total, failed, ETA, the provider in use and every provider warning, in
 * plain sight), cancel, and a summary. Unfinished jobs (paused after the app was killed, cancelled with
 * items left) are offered for resume, and jobs with failed images for "Retry N failed" (once the file
 * is fixed); a job already running is shown when the dialog opens.
 * All rules live in the pre-labelling service (`prelabel:*`, `job:list`): this view asks and shows.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import type { JobRecord, ModelSetRecord, ProvidersInfo } from '../../../../shared/api/methods-models';
import type { JobProgress, ProjectInfo } from '../../../../shared/api/types';
import { providerNotes } from '../../../../shared/models/provider-notes';
import { ErrorBox, fmtInt, STATUS_LABEL, toShownError, useClient, type ShownError } from '../common';
import type { GridSession } from '../gridSession';
import { facesLabel, fmtEta, isFinalStatus, jobLine, jobState, percent, providerLabel } from './format';
import './models.css';

type Scope = 'all' | 'filter' | 'selection';

/** What the progress panel shows: the latest event, or the job row when no event came yet. */
interface Shown {
  done: number;
  total: number;
  failed: number;
  etaSeconds: number | null;
  provider: string | null;
  warnings: string[];
  phase: string;
  message: string | null;
}

function fromEvent(p: JobProgress): Shown {
  return {
    done: p.done,
    total: p.total,
    failed: p.failed ?? 0,
    etaSeconds: p.etaSeconds ?? null,
    provider: p.provider ?? null,
    warnings: p.warnings ?? [],
    phase: p.phase,
    message: p.message ?? null,
  };
}

function fromRecord(j: JobRecord): Shown {
  return { done: j.done, total: j.total, failed: j.failed, etaSeconds: null, provider: j.provider, warnings: j.warnings, phase: j.status, message: j.message };
}

/**
 * Provider warnings, shown prominently: one plain line per provider that did not start and the one in
 * use ("CUDA add-on not installed — using CPU"); ONNX Runtime's own text behind Details.
 */
export function ProviderWarnings({ warnings, provider, testId }: { warnings: string[]; provider: string | null | undefined; testId: string }) {
  const notes = providerNotes(warnings, provider);
  if (notes.length === 0) return null;
  return (
    <div className="provider-warnings" role="alert" data-testid={testId}>
      <b>Execution provider{notes.length > 1 ? 's' : ''}:</b>
      <ul>
        {notes.map((n, i) => (
          <li key={i} data-testid="provider-note">
            {n.plain}
          </li>
        ))}
      </ul>
      <details data-testid="provider-details">
        <summary>Details</summary>
        <pre className="provider-raw">{notes.map((n) => n.raw).join('\n')}</pre>
      </details>
    </div>
  );
}

function Summary({ job, sets }: { job: JobRecord; sets: ModelSetRecord[] }) {
  const set = sets.find((s) => s.id === job.modelSetId);
  const left = job.total - job.done - job.failed;
  // Skipped images either kept someone's revision (prediction cached) or were left alone with a reason.
  const kept = job.skipped - job.skipReasons.reduce((n, r) => n + r.images, 0);
  return (
    <div className="prelabel-summary" data-testid="prelabel-summary" data-status={job.status}>
      <div>
        {job.status === 'done' ? (
          <b className="okc">Pre-labelling finished.</b>
        ) : job.status === 'cancelled' ? (
          <b className="warnc">Pre-labelling cancelled.</b>
        ) : job.status === 'failed' ? (
          <b className="badc">Pre-labelling failed.</b>
        ) : (
          <b className="warnc">Pre-labelling stopped ({job.status}).</b>
        )}{' '}
        Job #{job.id}
        {set && (
          <>
            {' '}
            with <b>{set.name}</b>
          </>
        )}
        .
      </div>
      <div>
        <b data-testid="summary-done">{fmtInt(job.done)}</b> of {fmtInt(job.total)} images done
        {kept > 0 && <> ({fmtInt(kept)} kept their human revision: prediction cached only)</>}
        {job.skipReasons.map((r) => (
          <span key={r.reason} data-testid="summary-skipped">
            {' '}
            · {fmtInt(r.images)} skipped: {r.reason}
          </span>
        ))}{' '}
        · <b data-testid="summary-failed">{fmtInt(job.failed)}</b> failed
        {left > 0 && <> · {fmtInt(left)} not done</>} · provider <b data-testid="summary-provider">{providerLabel(job.provider)}</b>
        {job.force && <span className="warnc"> · human revisions overwritten</span>}
      </div>
      {job.status === 'cancelled' && job.done > 0 && <div className="dim">The finished images keep their model revisions.</div>}
      {job.message && <div className="dim">{job.message}</div>}
      <ProviderWarnings warnings={job.warnings} provider={job.provider} testId="summary-warnings" />
      {job.skips.length > 0 && (
        <table className="models-table" aria-label="Skipped images">
          <thead>
            <tr>
              <th>Image</th>
              <th>Skipped because</th>
            </tr>
          </thead>
          <tbody>
            {job.skips.map((k) => (
              <tr key={k.imageId}>
                <td className="mono">#{k.imageId}</td>
                <td>{k.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {job.failures.length > 0 && (
        <table className="models-table" aria-label="Failed images">
          <thead>
            <tr>
              <th>Image</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {job.failures.map((f) => (
              <tr key={f.imageId}>
                <td className="mono">#{f.imageId}</td>
                <td>{f.error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

interface Props {
  project: ProjectInfo;
  session: GridSession;
  onClose: () => void;
}

export function PrelabelDialog({ project, session, onClose }: Props) {
  const client = useClient();
  useSyncExternalStore(session.subscribe, session.getVersion);
  const [sets, setSets] = useState<ModelSetRecord[] | null>(null);
  const [providers, setProviders] = useState<ProvidersInfo | null>(null);
  const [jobs, setJobs] = useState<JobRecord[]>([]);
  const [setId, setSetId] = useState<number | ''>('');
  const [scope, setScope] = useState<Scope>('all');
  const [force, setForce] = useState(false);
  const [provider, setProvider] = useState('');
  const [watching, setWatching] = useState<number | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  const [summary, setSummary] = useState<JobRecord | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  /** Latest event per job id, kept from the moment the dialog opened (events can beat start's answer). */
  const latest = useRef(new Map<string, JobProgress>());
  const watchingRef = useRef<number | null>(null);

  const selected = session.get(session.selected);
  const filterStatus = session.filter === 'all' ? null : session.filter;

  const loadJobs = useCallback(async (): Promise<JobRecord[]> => {
    const list = await client.call('job:list', { kind: 'prelabel' });
    setJobs(list);
    return list;
  }, [client]);

  const finish = useCallback(
    async (jobId: number) => {
      if (watchingRef.current !== jobId) return;
      watchingRef.current = null;
      setWatching(null);
      try {
        // The job leaves the active list just after its last event: ask again until it has.
        let list = await loadJobs();
        for (let i = 0; i < 10 && list.find((j) => j.id === jobId)?.active; i++) {
          await new Promise((r) => setTimeout(r, 200));
          list = await loadJobs();
        }
        const rec = list.find((j) => j.id === jobId);
        if (rec) setSummary(rec);
        else setError({ code: 'NOT_FOUND', message: `job #${jobId} is no longer listed by job:list` });
        // The job cached predictions: the sets' counts (read when the dialog opened) are stale.
        const s = await client.call('modelSet:list', {});
        setSets(s.filter((x) => x.imported === null));
      } catch (err) {
        setError(toShownError(err));
      }
    },
    [client, loadJobs],
  );

  const watch = useCallback(
    (jobId: number, record?: JobRecord) => {
      watchingRef.current = jobId;
      setWatching(jobId);
      setSummary(null);
      const ev = latest.current.get(String(jobId));
      setShown(ev ? fromEvent(ev) : record ? fromRecord(record) : null);
      // A short job can end before its start (or resume) call has answered.
      if (ev && isFinalStatus(ev.status)) void finish(jobId);
    },
    [finish],
  );

  // Progress events of pre-labelling jobs.
  useEffect(
    () =>
      client.on('job:progress', (p) => {
        if (p.kind !== 'prelabel') return;
        latest.current.set(p.jobId, p);
        const w = watchingRef.current;
        if (w === null || p.jobId !== String(w)) return;
        setShown(fromEvent(p));
        if (isFinalStatus(p.status)) void finish(w);
      }),
    [client, finish],
  );

  // What there is to choose from; a job already running in this process is shown at once.
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const [s, pr, list] = await Promise.all([
          client.call('modelSet:list', {}),
          client.call('models:providers', {}),
          client.call('job:list', { kind: 'prelabel' }),
        ]);
        if (cancelled) return;
        // Sets of imported predictions have no models to run.
        setSets(s.filter((x) => x.imported === null));
        setProviders(pr);
        setJobs(list);
        const runnable = s.filter((x) => x.imported === null);
        if (runnable.length > 0) setSetId((cur) => (cur === '' ? runnable[runnable.length - 1].id : cur));
        const running = list.find((j) => j.active);
        if (running && watchingRef.current === null) watch(running.id, running);
      } catch (err) {
        if (!cancelled) setError(toShownError(err));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [client, watch]);

  // Backstop while a job runs: the job row says when it stopped even if its last event was missed
  // (a browser-mode reconnect), and fills the panel before the first event.
  useEffect(() => {
    if (watching === null) return;
    const t = setInterval(() => {
      client
        .call('job:list', { kind: 'prelabel' })
        .then((list) => {
          const rec = list.find((j) => j.id === watching);
          if (!rec) return;
          if (!latest.current.has(String(watching))) setShown(fromRecord(rec));
          if (isFinalStatus(rec.status) || (!rec.active && rec.status === 'paused')) void finish(watching);
        })
        .catch(() => undefined);
    }, 1500);
    return () => clearInterval(t);
  }, [client, watching, finish]);

  async function start(e: FormEvent) {
    e.preventDefault();
    if (setId === '') {
      setError({ code: null, message: 'Choose a model set (create one in Models… first).' });
      return;
    }
    let target: { imageIds?: number[]; filter?: { status: [NonNullable<typeof filterStatus>] } };
    if (scope === 'selection') {
      if (!selected) {
        setError({ code: null, message: 'No image is selected in the grid.' });
        return;
      }
      target = { imageIds: [selected.id] };
    } else if (scope === 'filter') {
      if (!filterStatus) {
        setError({ code: null, message: 'The grid shows every image: choose a status filter first, or pre-label the whole project.' });
        return;
      }
      target = { filter: { status: [filterStatus] } };
    } else target = {};
    setBusy(true);
    setError(null);
    try {
      const r = await client.call('prelabel:start', { modelSetId: setId, force, ...target, ...(provider ? { providers: [provider] } : {}) });
      watch(r.jobId);
      setShown((s) => s ?? { done: 0, total: r.total, failed: 0, etaSeconds: null, provider: r.provider, warnings: r.warnings, phase: 'starting', message: null });
      void loadJobs().catch(() => undefined);
    } catch (err) {
      setError(toShownError(err));
    } finally {
      setBusy(false);
    }
  }

  async function resume(job: JobRecord, retryFailed = false) {
    setBusy(true);
    setError(null);
    try {
      // Events of the job's earlier run are stale; those of this run may arrive before the answer.
      latest.current.delete(String(job.id));
      const r = await client.call('prelabel:resume', { jobId: job.id, retryFailed, ...(provider ? { providers: [provider] } : {}) });
      watch(r.jobId, { ...job, provider: r.provider, warnings: r.warnings, status: 'running', message: null });
      void loadJobs().catch(() => undefined);
    } catch (err) {
      setError(toShownError(err));
    } finally {
      setBusy(false);
    }
  }

  async function cancel() {
    if (watching === null) return;
    try {
      await client.call('prelabel:cancel', { jobId: watching });
    } catch (err) {
      setError(toShownError(err));
    }
  }

  const running = watching !== null;
  const pct = shown ? percent(shown.done + shown.failed, shown.total) : 0;
  const set = sets?.find((s) => s.id === setId);
  const unfinished = jobs.filter((j) => (j.resumable || j.retryable) && !j.active && j.id !== watching);
  const setName = (id: number | null) => sets?.find((s) => s.id === id)?.name ?? (id === null ? '—' : `set #${id}`);

  return (
    <div className="modal-backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="modal-panel models-dialog prelabel-dialog" role="dialog" aria-modal="true" aria-label="Pre-label images">
        <h2>
          Pre-label {project.name} <span className="dim">(schema {project.schemaId})</span>
        </h2>
        <ErrorBox error={error} />
        {summary && <Summary job={summary} sets={sets ?? []} />}

        {!running && (
          <form onSubmit={start} aria-label="Pre-labelling options">
            <fieldset disabled={busy}>
              <div className="models-row">
                <label htmlFor="pl-set">Model set</label>
                <select id="pl-set" autoFocus value={setId} onChange={(e) => setSetId(e.target.value === '' ? '' : Number(e.target.value))}>
                  {sets !== null && sets.length === 0 && <option value="">no model sets: create one in Models…</option>}
                  {sets?.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </div>
              {set && (
                <div className="models-row">
                  <span className="lbl" />
                  <span className="dim">
                    {set.modelIds.length} model{set.modelIds.length > 1 ? 's' : ''} · {set.labels} ({set.classes} classes) · TTA {set.tta} · faces {facesLabel(set)} ·{' '}
                    {fmtInt(set.predictions)} cached predictions
                    {set.remap && (
                      <span className="warnc" data-testid="set-remap" title={set.remap.text}>
                        {' '}
                        · remapped onto the project's {set.remap.target} ({set.remap.moved.join(', ') || 'same class names'})
                      </span>
                    )}
                  </span>
                </div>
              )}
              <div className="models-row">
                <span className="lbl">Images</span>
                <div className="checks" role="radiogroup" aria-label="Images to pre-label">
                  <label>
                    <input type="radio" name="pl-scope" checked={scope === 'all'} onChange={() => setScope('all')} />
                    Whole project ({fmtInt(project.counts.total)})
                  </label>
                  <label>
                    <input type="radio" name="pl-scope" checked={scope === 'filter'} onChange={() => setScope('filter')} disabled={!filterStatus} />
                    {filterStatus
                      ? `Current filter: ${STATUS_LABEL[filterStatus]} (${fmtInt(project.counts.byStatus[filterStatus] ?? 0)})`
                      : 'Current filter (the grid shows all images)'}
                  </label>
                  <label>
                    <input type="radio" name="pl-scope" checked={scope === 'selection'} onChange={() => setScope('selection')} disabled={!selected} />
                    {selected ? `Selected image: ${selected.path}` : 'Selected image (none)'}
                  </label>
                </div>
              </div>
              <div className="models-row">
                <label htmlFor="pl-provider">Execution provider</label>
                <select id="pl-provider" value={provider} onChange={(e) => setProvider(e.target.value)}>
                  <option value="">Automatic{providers ? ` (${providers.order.map(providerLabel).join(' → ')})` : ''}</option>
                  {providers?.order.map((p) => (
                    <option key={p} value={p}>
                      {p === 'cpu' ? 'CPU only' : `${providerLabel(p)}, then CPU`}
                    </option>
                  ))}
                </select>
              </div>
              <div className="models-row">
                <span className="lbl" />
                <label>
                  <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Overwrite human revisions
                </label>
              </div>
              {force ? (
                <div className="force-warning" role="alert" data-testid="force-warning">
                  Model revisions will be written on top of <b>human, import and fix revisions</b> too: those images' current masks become the
                  model's and their status goes back to Prelabeled. The earlier revisions stay in each image's history, where they can be reverted.
                </div>
              ) : (
                <p className="faint note">Images with a human, import or fix revision keep it: only unlabelled and model-labelled images get the new prediction.</p>
              )}
              <div className="actions">
                <button type="submit" className="primary" disabled={setId === ''}>
                  Start pre-labelling
                </button>
              </div>
            </fieldset>
          </form>
        )}

        {running && (
          <div className="prelabel-progress" data-testid="prelabel-progress">
            <div className="progress" role="progressbar" aria-label="Pre-labelling progress" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}>
              <span>{shown?.phase ?? 'starting'}</span>
              <div className="bar">
                <div style={{ width: `${pct}%` }} />
              </div>
              <span className="mono" data-testid="prelabel-count">
                {shown ? `${fmtInt(shown.done)} / ${fmtInt(shown.total)}` : '…'}
              </span>
            </div>
            <div className="prelabel-facts">
              <span>
                job <b>#{watching}</b>
              </span>
              <span>
                failed <b data-testid="prelabel-failed" className={shown && shown.failed > 0 ? 'badc' : ''}>{fmtInt(shown?.failed ?? 0)}</b>
              </span>
              <span>
                ETA <b data-testid="prelabel-eta">{fmtEta(shown?.etaSeconds)}</b>
              </span>
              <span>
                provider <b className="provider-name" data-testid="prelabel-provider">{providerLabel(shown?.provider)}</b>
              </span>
              {shown?.message && <span className="dim">{shown.message}</span>}
            </div>
            <ProviderWarnings warnings={shown?.warnings ?? []} provider={shown?.provider} testId="prelabel-warnings" />
          </div>
        )}

        {unfinished.length > 0 && (
          <section aria-label="Unfinished jobs">
            <h3>Unfinished jobs</h3>
            <ul className="unfinished">
              {unfinished.map((j) => (
                <li key={j.id} data-job={j.id}>
                  <span>
                    Job #{j.id} · {setName(j.modelSetId)} · {jobLine({ ...j, status: jobState(j) })}
                    {j.force && <span className="warnc"> · overwrites human revisions</span>}
                    <span className="faint"> · started {j.createdAt}</span>
                  </span>
                  {j.resumable && (
                    <button type="button" onClick={() => resume(j)} disabled={busy || running} aria-label={`Resume job ${j.id}`}>
                      Resume
                    </button>
                  )}
                  {j.retryable && (
                    <button
                      type="button"
                      onClick={() => resume(j, true)}
                      disabled={busy || running}
                      aria-label={`Retry the failed images of job ${j.id}`}
                      title={j.failures.slice(0, 5).map((f) => `image ${f.imageId}: ${f.error}`).join('\n')}
                    >
                      Retry {fmtInt(j.failed)} failed{j.resumable ? ' and resume' : ''}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </section>
        )}

        <div className="actions">
          {running && (
            <button type="button" onClick={cancel}>
              Cancel pre-labelling
            </button>
          )}
          <button type="button" onClick={onClose}>
            {running ? 'Hide (keeps running)' : 'Close'}
          </button>
        </div>
      </div>
    </div>
  );
}
