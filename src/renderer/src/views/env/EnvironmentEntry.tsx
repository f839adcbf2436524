/**
 * The Home screen's Environment panel (issue 17): the answer of `env:doctor` — one row per piece Parsel
 * needs, its status, what was found or why not, and the command that fixes it — as `parsel doctor`
 * prints it. Rendering only: the checks are the service's (src/main/services/doctor.ts).
 */
import { useCallback, useEffect, useState } from 'react';
import { ENV_NEEDS, type EnvNeed, type EnvReport } from '../../../../shared/api/methods-env';
import { ErrorBox, toShownError, useClient, type ShownError } from '../common';
import './env.css';

const NEED_LABEL: Record<EnvNeed, string> = {
  browser: 'Browser mode',
  tests: 'Tests',
  desktop: 'Desktop app',
  gpu: 'GPU inference',
  sample: 'Demo models',
};

/** A secondary link that opens the panel. */
export function EnvironmentEntry() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="link" onClick={() => setOpen(true)} data-testid="open-environment">
        Environment…
      </button>
      {open && <EnvironmentDialog onClose={() => setOpen(false)} />}
    </>
  );
}

export function EnvironmentDialog({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const [report, setReport] = useState<EnvReport | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);

  const check = useCallback(async () => {
    setBusy(true);
    setError(null);
    try {
      setReport(await client.call('env:doctor', {}));
    } catch (e) {
      setError(toShownError(e));
    } finally {
      setBusy(false);
    }
  }, [client]);

  useEffect(() => {
    void check();
  }, [check]);

  return (
    <div className="modal-backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="modal-panel env-dialog" role="dialog" aria-label="Environment">
        <div className="env-head">
          <h2>Environment</h2>
          {report && (
            <span className="faint mono">
              {report.platform} {report.arch} · {report.runtime} · {report.root}
            </span>
          )}
          <span className="spacer" />
          <button type="button" onClick={() => void check()} disabled={busy}>
            {busy ? 'Checking…' : 'Check again'}
          </button>
          <button type="button" onClick={onClose} autoFocus>
            Close
          </button>
        </div>
        <ErrorBox error={error} />
        {!report && busy && <div className="faint">Checking…</div>}
        {report && (
          <>
            <div className="env-ready" aria-label="Ready for">
              {ENV_NEEDS.map((n) => (
                <span key={n} className={`env-need ${report.ready[n] ? 'yes' : 'no'}`} data-need={n}>
                  {NEED_LABEL[n]}: {report.ready[n] ? 'ready' : n === 'gpu' ? 'CPU only' : 'not ready'}
                </span>
              ))}
            </div>
            <table className="env-table">
              <tbody>
                {report.checks.map((c) => (
                  <tr key={c.id} data-check={c.id} data-status={c.status}>
                    <td>
                      <span className={`env-status ${c.status}`}>{c.status}</span>
                    </td>
                    <th scope="row">{c.title}</th>
                    <td>
                      {c.status === 'ok' ? (
                        <span className="env-detail">{c.detail}</span>
                      ) : (
                        <>
                          <span className="env-reason">{c.reason}</span>
                          {c.fix && (
                            <div className="env-fix">
                              fix: <code>{c.fix}</code>
                            </div>
                          )}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="faint">
              The same report on the command line: <code>npm run parsel -- doctor</code> (exit code 0 when browser mode and the tests
              have what they need).
            </div>
          </>
        )}
      </div>
    </div>
  );
}
