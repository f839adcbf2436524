/**
 * Status bar at the bottom of the Project screen: the execution provider of the active or latest
 * inference job and any fallback warning, one plain line per provider that did not start (the raw
 * text in the tooltip); the banner can be dismissed for the rest of the session (sessionStorage), the
 * provider stays shown with a ⚠ whose tooltip keeps the lines. Also a compact indicator of a running
 * pre-labelling job, and the Jobs button: running count or the latest job's outcome, opening the jobs
 * panel (so a job that ends unseen still leaves a record). Fed by `models:providers` and `job:list` when
 * shown, then by `job:progress` events; jobs by `job:history`.
 */
import { useEffect, useState } from 'react';
import type { JobProgress } from '../../../shared/api/types';
import { providerNotes } from '../../../shared/models/provider-notes';
import { toShownError, useClient, type ShownError } from './common';
import { isFinalStatus, percent, progressLine, providerLabel } from './models/format';
import { requestModelsDialog } from './models/openRequests';
import { jobSummary } from './jobs/format';
import { JobsPanel } from './jobs/JobsPanel';
import { useJobHistory } from './jobs/useJobHistory';
import './statusbar.css';

const DISMISSED_KEY = 'parsel.providerBanner.dismissed';

function readDismissed(): boolean {
  try {
    return sessionStorage.getItem(DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

interface ProviderState {
  provider: string;
  warnings: string[];
}

export function StatusBar() {
  const client = useClient();
  const [provider, setProvider] = useState<ProviderState | null>(null);
  const [job, setJob] = useState<JobProgress | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const history = useJobHistory();
  const [jobsOpen, setJobsOpen] = useState(false);
  const runningJobs = history.filter((e) => e.status === 'running').length;
  const latest = history[0];
  const [dismissed, setDismissed] = useState(readDismissed);

  useEffect(() => {
    let cancelled = false;
    Promise.all([client.call('models:providers', {}), client.call('job:list', { kind: 'prelabel' })]).then(
      ([info, jobs]) => {
        if (cancelled) return;
        if (info.last) setProvider((cur) => cur ?? { provider: info.last!.provider, warnings: info.last!.warnings });
        const active = jobs.find((j) => j.active);
        if (active)
          setJob(
            (cur) =>
              cur ?? {
                jobId: String(active.id),
                kind: 'prelabel',
                done: active.done,
                total: active.total,
                failed: active.failed,
                phase: active.status,
                etaSeconds: null,
                status: active.status,
              },
          );
      },
      (err: unknown) => {
        if (!cancelled) setError(toShownError(err));
      },
    );
    const off = client.on('job:progress', (p) => {
      if (p.kind !== 'prelabel') return;
      if (p.provider) setProvider({ provider: p.provider, warnings: p.warnings ?? [] });
      setJob(isFinalStatus(p.status) ? null : p);
    });
    return () => {
      cancelled = true;
      off();
    };
  }, [client]);

  const notes = provider ? providerNotes(provider.warnings, provider.provider) : [];
  const warning = notes.map((n) => n.plain).join(' · ');
  const raw = notes.map((n) => n.raw).join('\n');
  const dismiss = () => {
    setDismissed(true);
    try {
      sessionStorage.setItem(DISMISSED_KEY, '1');
    } catch {
      // no storage: dismissed until reload
    }
  };
  return (
    <div className="statusbar" role="status" aria-label="Status bar">
      <span data-testid="status-provider" title="Execution provider of the active or latest inference job">
        Provider <b>{provider ? providerLabel(provider.provider) : '—'}</b>
        {!provider && <span className="faint"> (no model run yet)</span>}
        {warning && dismissed && (
          <span className="warnc" data-testid="status-warning-dismissed" title={warning}>
            {' '}
            ⚠
          </span>
        )}
      </span>
      {warning && !dismissed && (
        <span className="statusbar-warning-wrap">
          <span className="statusbar-warning" data-testid="status-warning" title={`${warning}\n\n${raw}`}>
            ⚠ {warning}
          </span>
          <button type="button" className="statusbar-dismiss" aria-label="Dismiss the provider warning" title="Dismiss (for this session)" onClick={dismiss}>
            ×
          </button>
        </span>
      )}
      {error && (
        <span className="statusbar-error" title={error.message}>
          {error.code ? `${error.code}: ` : ''}
          {error.message}
        </span>
      )}
      <span className="spacer" />
      {job && (
        <button type="button" className="statusbar-job" data-testid="status-job" onClick={() => requestModelsDialog('prelabel')} title="Show the pre-labelling job">
          <span className="minibar" aria-hidden="true">
            <span style={{ width: `${percent(job.done + (job.failed ?? 0), job.total)}%` }} />
          </span>
          {progressLine(job)}
        </button>
      )}
      <button
        type="button"
        className={`statusbar-jobs${latest?.status === 'failed' && runningJobs === 0 ? ' failed' : ''}`}
        onClick={() => setJobsOpen(true)}
        title={latest ? jobSummary(latest) : 'No job has run since the app started'}
        data-testid="open-jobs"
      >
        Jobs
        {runningJobs > 0 ? (
          <b> · {runningJobs} running</b>
        ) : (
          latest && <span data-testid="jobs-latest"> · {jobSummary(latest)}</span>
        )}
      </button>
      {jobsOpen && <JobsPanel entries={history} onClose={() => setJobsOpen(false)} />}
    </div>
  );
}
