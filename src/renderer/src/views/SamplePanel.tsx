/**
 * Home's first action: "Open the sample project" (`app:openSample`). The first time it makes the project
 * (a few seconds: its `job:progress` events, kind 'sample', drive the bar), later it opens it.
 */
import { useEffect, useState } from 'react';
import type { JobProgress, ProjectInfo, SampleOpened } from '../../../shared/api/types';
import { SAMPLE_DEFAULTS } from '../../../shared/sample';
import { ErrorBox, fmtInt, JobProgressBar, toShownError, useClient, type ShownError } from './common';

export function SamplePanel({ onOpened, disabled }: { onOpened: (p: ProjectInfo) => void; disabled?: boolean }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  /** Opened without demo models: say so before going on to the project. */
  const [noModels, setNoModels] = useState<SampleOpened | null>(null);

  useEffect(() => client.on('job:progress', (p) => p.kind === 'sample' && setProgress(p)), [client]);

  async function open() {
    setError(null);
    setNoModels(null);
    setProgress(null);
    setBusy(true);
    try {
      const r = await client.call('app:openSample', {});
      if (r.modelSet === null) setNoModels(r);
      else onOpened(r.project);
    } catch (e) {
      setError(toShownError(e));
    } finally {
      setBusy(false);
    }
  }

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
        <JobProgressBar progress={progress} className="sample-progress" label="Making the sample project" />
      )}
      {noModels && (
        <div className="sample-note" role="status">
          <p>
            The sample project is ready ({fmtInt(noModels.images)} images, {fmtInt(noModels.corrupted)} labels corrupted), but no
            demo models were found ({noModels.modelsNote}). Add models in the project with <b>Models…</b> and make a model
            set of them (docs/demo.md), then pre-label and scan.
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => onOpened(noModels.project)}>
              Go to the sample project
            </button>
          </div>
        </div>
      )}
      <ErrorBox error={error} />
    </section>
  );
}
