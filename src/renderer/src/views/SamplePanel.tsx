/**
 * Home's first action: "Open the sample project" (`app:openSample`). The first time it makes the project
 * (a few seconds: its `job:progress` events, kind 'sample', drive the bar), later it opens it.
 */
import { useEffect, useState } from 'react';
import type { JobProgress, ProjectInfo } from '../../../shared/api/types';
import { SAMPLE_DEFAULTS } from '../../../shared/sample';
import { ErrorBox, fmtInt, toShownError, useClient, type ShownError } from './common';

export function SamplePanel({ onOpened, disabled }: { onOpened: (p: ProjectInfo) => void; disabled?: boolean }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [error, setError] = useState<ShownError | null>(null);

  useEffect(() => client.on('job:progress', (p) => p.kind === 'sample' && setProgress(p)), [client]);

  async function open() {
    setError(null);
    setProgress(null);
    setBusy(true);
    try {
      onOpened((await client.call('app:openSample', {})).project);
    } catch (e) {
      setError(toShownError(e));
    } finally {
      setBusy(false);
    }
  }

  const pct = progress && progress.total > 0 ? (100 * progress.done) / progress.total : 0;
  return (
    <section className="panel sample-panel" aria-label="Sample project">
      <div className="sample-row">
        <div>
          <h2>Sample project</h2>
          <div className="dim">
            {SAMPLE_DEFAULTS.count} synthetic faces, {Math.round(SAMPLE_DEFAULTS.noise * 100)} % of their labels corrupted on purpose:
            pre-label them with the demo models, scan, and find the corrupted ones at the top of the review queue.
          </div>
        </div>
        <button type="button" className="primary" onClick={() => void open()} disabled={busy || disabled}>
          Open the sample project
        </button>
      </div>
      {busy && (
        <div className="sample-progress" role="progressbar" aria-label="Making the sample project" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}>
          <span>{progress?.phase ?? 'starting'}</span>
          <div className="bar">
            <div style={{ width: `${pct}%` }} />
          </div>
          <span className="mono">{progress ? `${fmtInt(progress.done)} / ${fmtInt(progress.total)}` : '…'}</span>
        </div>
      )}
      <ErrorBox error={error} />
    </section>
  );
}
