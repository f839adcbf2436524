/**
 * The jobs panel: every job of this app session (add folder, import, export, pre-label, noise scan,
 * probability import, statistics, sample project), running or finished, with its outcome — done,
 * failed with the reason, cancelled — counts, start time and duration. Opened from the status bar.
 * Below, the pre-labelling jobs stored in the project (`job:list`), which outlive the session.
 */
import { useEffect, useState } from 'react';
import type { JobHistoryEntry } from '../../../../shared/api/methods-jobs';
import type { JobRecord } from '../../../../shared/api/methods-models';
import { useClient } from '../common';
import { jobLine, jobState } from '../models/format';
import { fmtCounts, fmtDuration, jobKindLabel } from './format';
import './jobs.css';

export function JobsPanel({ entries, onClose }: { entries: JobHistoryEntry[]; onClose: () => void }) {
  // Running durations tick once a second.
  const client = useClient();
  const [stored, setStored] = useState<JobRecord[] | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    let cancelled = false;
    client
      .call('job:list', { kind: 'prelabel' })
      .then((j) => !cancelled && setStored(j))
      .catch(() => !cancelled && setStored([]));
    return () => {
      cancelled = true;
    };
  }, [client, entries]);
  const running = entries.some((e) => e.status === 'running');
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [running]);

  return (
    <div className="modal-backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="modal-panel jobs-panel" role="dialog" aria-label="Jobs">
        <div className="jobs-head">
          <h2>Jobs</h2>
          <span className="faint">this session, newest first</span>
          <span className="spacer" />
          <button type="button" onClick={onClose} autoFocus>
            Close
          </button>
        </div>
        {entries.length === 0 ? (
          <div className="faint jobs-empty">No job has run since the app started.</div>
        ) : (
          <div className="jobs-scroll">
            <table className="jobs-table" data-testid="jobs-table">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Outcome</th>
                  <th>Items</th>
                  <th>Started</th>
                  <th>Duration</th>
                  <th>Details</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.key} data-job-kind={e.kind} data-job-status={e.status}>
                    <td>{jobKindLabel(e.kind)}</td>
                    <td>
                      <span className={`job-status j-${e.status}`}>{e.status}</span>
                    </td>
                    <td className="mono">{fmtCounts(e)}</td>
                    <td className="mono" title={e.startedAt}>
                      {new Date(e.startedAt).toLocaleTimeString()}
                    </td>
                    <td className="mono">{fmtDuration(e.durationMs ?? (e.status === 'running' ? now - Date.parse(e.startedAt) : null))}</td>
                    <td className="job-details" title={[e.message, e.project].filter(Boolean).join('\n')}>
                      {e.status === 'running' ? e.phase : (e.message ?? (e.status === 'done' ? '' : e.phase))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {stored && stored.length > 0 && (
          <>
            <h3 className="jobs-sub">Pre-labelling jobs stored in this project</h3>
            <div className="jobs-scroll short">
              <table className="jobs-table" data-testid="stored-jobs">
                <thead>
                  <tr>
                    <th>Job</th>
                    <th>State</th>
                    <th>Items</th>
                    <th>Created</th>
                    <th>Last update</th>
                    <th>Details</th>
                  </tr>
                </thead>
                <tbody>
                  {stored.map((j) => (
                    <tr key={j.id}>
                      <td>#{j.id}</td>
                      <td>{jobState(j)}</td>
                      <td className="mono">{jobLine(j)}</td>
                      <td className="mono" title={j.createdAt}>
                        {new Date(j.createdAt).toLocaleString()}
                      </td>
                      <td className="mono" title={j.updatedAt}>
                        {new Date(j.updatedAt).toLocaleString()}
                      </td>
                      <td className="job-details" title={j.message ?? ''}>
                        {j.message ?? ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
