/**
 * Import wizard: folder → detected format (overridable; CelebAMask-HQ paint order, Helen threshold) →
 * dry-run report (every problem, grouped by kind, with file names and counts) → skip or abort → run
 * with progress and cancel → summary. All rules live in the import service (`import:*`); this view
 * only asks and shows the answers.
 */
import { useState, type FormEvent } from 'react';
import {
  IMPORT_FORMATS,
  type ImportDetectReport,
  type ImportFormatId,
  type ImportPlanReport,
  type ImportProblem,
  type ImportRunReport,
} from '../../../../shared/api/methods-import';
import type { LabelSchema, ProjectInfo } from '../../../../shared/api/types';
import { ErrorBox, fmtInt, JobProgressBar, toShownError, useClient, type ShownError } from '../common';
import { useJob } from '../useJob';
import './import.css';

const FORMAT_LABEL: Record<ImportFormatId, string> = {
  'celebamask-hq': 'CelebAMask-HQ (per-part binary masks)',
  lapa: 'LaPa (index PNG + landmarks)',
  helen: 'Helen (11 probability maps)',
  ibugmask: 'iBugMask',
  facesynthetics: 'FaceSynthetics',
  'index-png': 'Folder of index PNGs (images/ + masks/)',
  'color-png': 'Colour PNGs + CVAT labelmap.txt',
  coco: 'COCO (RLE annotations.json)',
  'dml-csr': 'DML-CSR training layout',
};

const ORDERS = [
  ['celebamask-hq-a', 'A: official g_mask.py'],
  ['celebamask-hq-b', 'B: BiSeNet face-parsing.PyTorch'],
  ['celebamask-hq-c', 'C: FaRL / facer'],
] as const;
type Order = (typeof ORDERS)[number][0];

type Step = 'folder' | 'format' | 'report' | 'running' | 'summary';

function groupByKind(problems: ImportProblem[]): [string, ImportProblem[]][] {
  const m = new Map<string, ImportProblem[]>();
  for (const p of problems) {
    const l = m.get(p.kind);
    if (l) l.push(p);
    else m.set(p.kind, [p]);
  }
  return [...m];
}

export function ProblemList({ problems }: { problems: ImportProblem[] }) {
  if (problems.length === 0) return <p data-testid="no-problems">No problems found.</p>;
  return (
    <div data-testid="problems">
      {groupByKind(problems).map(([kind, list]) => (
        <details key={kind} open={list.length <= 10} data-kind={kind}>
          <summary>
            <b>{kind}</b> <span data-testid={`count-${kind}`}>{fmtInt(list.length)}</span>
          </summary>
          <ul>
            {list.slice(0, 500).map((p, i) => (
              <li key={i} title={p.file}>
                {p.message}
              </li>
            ))}
            {list.length > 500 && <li>… and {fmtInt(list.length - 500)} more</li>}
          </ul>
        </details>
      ))}
    </div>
  );
}

function PlanTable({ plan }: { plan: ImportPlanReport }) {
  return (
    <table data-testid="plan">
      <tbody>
        <tr>
          <th>Format</th>
          <td>
            {FORMAT_LABEL[plan.format]}
            {plan.paintOrder && ` · paint order ${plan.paintOrder}`}
          </td>
        </tr>
        <tr>
          <th>Items</th>
          <td>
            <b data-testid="plan-items">{fmtInt(plan.items)}</b> · importable <b data-testid="plan-importable">{fmtInt(plan.importable)}</b> · already imported{' '}
            {fmtInt(plan.alreadyImported)} · with problems <b data-testid="plan-bad">{fmtInt(plan.badItems)}</b>
          </td>
        </tr>
        <tr>
          <th>Splits</th>
          <td>
            {Object.entries(plan.bySplit)
              .map(([k, v]) => `${k} ${fmtInt(v)}`)
              .join(' · ')}
          </td>
        </tr>
        <tr>
          <th>Landmarks</th>
          <td>{fmtInt(plan.withLandmarks)}</td>
        </tr>
        {plan.ignoreValue !== null && (
          <tr>
            <th>Ignore value</th>
            <td data-testid="plan-ignore">{plan.ignoreValue}</td>
          </tr>
        )}
        {plan.skippedFiles.length > 0 && (
          <tr>
            <th>Skipped</th>
            <td>
              <details data-testid="plan-skipped">
                <summary>{fmtInt(plan.skippedFiles.length)} files that are not dataset content</summary>
                <ul>
                  {plan.skippedFiles.slice(0, 200).map((f) => (
                    <li key={f.file}>
                      {f.file} <span className="dim">({f.reason})</span>
                    </li>
                  ))}
                </ul>
              </details>
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export function ImportWizard({
  project,
  schema,
  nativeDialogs,
  onClose,
}: {
  project: ProjectInfo;
  schema: LabelSchema | null;
  nativeDialogs: boolean;
  onClose: () => void;
}) {
  const client = useClient();
  const [step, setStep] = useState<Step>('folder');
  const [path, setPath] = useState('');
  const [detect, setDetect] = useState<ImportDetectReport | null>(null);
  const [format, setFormat] = useState<ImportFormatId | ''>('');
  const [order, setOrder] = useState<Order | ''>('');
  const [helenThreshold, setHelenThreshold] = useState(false);
  const [plan, setPlan] = useState<ImportPlanReport | null>(null);
  const [onProblem, setOnProblem] = useState<'skip' | 'abort'>('abort');
  const job = useJob('import', (c, jobId) => c.call('import:cancel', { jobId }));
  const { progress } = job;
  const [result, setResult] = useState<ImportRunReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);

  const request = () => ({
    path: path.trim(),
    ...(format ? { format } : {}),
    ...(format === 'celebamask-hq' && order ? { celebaOrder: order } : {}),
    helenThreshold: format === 'helen' && helenThreshold,
  });

  async function runDetect(e: FormEvent) {
    e.preventDefault();
    if (!path.trim()) {
      setError({ code: null, message: 'Enter the dataset folder.' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const d = await client.call('import:detect', { path: path.trim() });
      setDetect(d);
      setFormat(d.best ?? '');
      setStep('format');
    } catch (err) {
      setError(toShownError(err));
    } finally {
      setBusy(false);
    }
  }

  async function runPlan() {
    if (!format) {
      setError({ code: null, message: 'Pick a format.' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setPlan(await client.call('import:plan', request()));
      setStep('report');
    } catch (err) {
      setError(toShownError(err));
    } finally {
      setBusy(false);
    }
  }

  async function runImport() {
    setStep('running');
    setError(null);
    const req = request();
    try {
      setResult(await job.start((jobId) => client.call('import:run', { ...req, onProblem, jobId })));
      setStep('summary');
    } catch (err) {
      setError(toShownError(err));
      setStep('report');
    }
  }

  const cancel = job.cancel;

  async function browse() {
    try {
      const r = await client.call('dialog:pick', { kind: 'folder' });
      if (r.path) setPath(r.path);
    } catch (err) {
      setError(toShownError(err));
    }
  }

  const steps: [Step, string][] = [
    ['folder', '1 Folder'],
    ['format', '2 Format'],
    ['report', '3 Check'],
    ['running', '4 Import'],
    ['summary', '5 Summary'],
  ];

  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-label="Import dataset">
      <div className="modal-panel import-dialog" data-testid="import-wizard">
        <h2>
          Import a dataset into {project.name} <span className="dim">(schema {schema?.name ?? project.schemaId})</span>
        </h2>
        <div className="steps">
          {steps.map(([s, label]) => (
            <span key={s} className={s === step ? 'on' : 'dim'}>
              {label}
            </span>
          ))}
        </div>
        <ErrorBox error={error} />

        {step === 'folder' && (
          <form className="row" onSubmit={runDetect}>
            <input
              type="text"
              aria-label="Dataset folder"
              placeholder="Dataset folder (e.g. …/CelebAMask-HQ)"
              value={path}
              onChange={(e) => setPath(e.target.value)}
              spellCheck={false}
              autoFocus
            />
            {nativeDialogs && (
              <button type="button" onClick={browse}>
                Browse…
              </button>
            )}
            <button type="submit" className="primary" disabled={busy} data-testid="import-detect">
              Next
            </button>
          </form>
        )}

        {step === 'format' && detect && (
          <>
            <div className="row">
              <label>
                Format{' '}
                <select aria-label="Format" value={format} onChange={(e) => setFormat(e.target.value as ImportFormatId)} data-testid="import-format">
                  <option value="">(choose)</option>
                  {IMPORT_FORMATS.map((f) => (
                    <option key={f} value={f}>
                      {FORMAT_LABEL[f]}
                    </option>
                  ))}
                </select>
              </label>
              {format === 'celebamask-hq' && (
                <label>
                  Paint order{' '}
                  <select aria-label="Paint order" value={order} onChange={(e) => setOrder(e.target.value as Order | '')}>
                    <option value="">default (the project's schema, else A)</option>
                    {ORDERS.map(([id, label]) => (
                      <option key={id} value={id}>
                        {label}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              {format === 'helen' && (
                <label>
                  <input type="checkbox" checked={helenThreshold} onChange={(e) => setHelenThreshold(e.target.checked)} /> threshold maps at
                  127 instead of arg-max
                </label>
              )}
            </div>
            <table data-testid="detect">
              <tbody>
                {detect.candidates.map((c) => (
                  <tr key={c.format} className={c.confidence > 0 ? '' : 'dim'}>
                    <td>{FORMAT_LABEL[c.format]}</td>
                    <td className="mono">{Math.round(c.confidence * 100)}%</td>
                    <td>{c.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="actions">
              <button type="button" onClick={() => setStep('folder')}>
                Back
              </button>
              <button type="button" className="primary" onClick={runPlan} disabled={busy || !format} data-testid="import-check">
                {busy ? 'Checking every file…' : 'Check (dry run)'}
              </button>
            </div>
          </>
        )}

        {step === 'report' && plan && (
          <>
            <PlanTable plan={plan} />
            <ProblemList problems={plan.problems} />
            {plan.problems.length > 0 && (
              <fieldset className="row" style={{ border: 0, padding: 0 }}>
                <label>
                  <input type="radio" name="onProblem" checked={onProblem === 'skip'} onChange={() => setOnProblem('skip')} data-testid="on-problem-skip" /> skip the
                  items with problems, import the rest
                </label>
                <label>
                  <input type="radio" name="onProblem" checked={onProblem === 'abort'} onChange={() => setOnProblem('abort')} /> abort: import nothing
                </label>
              </fieldset>
            )}
            <div className="actions">
              <button type="button" onClick={() => setStep('format')}>
                Back
              </button>
              <button
                type="button"
                className="primary"
                onClick={runImport}
                disabled={plan.importable === 0 || (plan.problems.length > 0 && onProblem === 'abort')}
                data-testid="import-run"
              >
                Import {fmtInt(plan.importable)} images
              </button>
            </div>
          </>
        )}

        {step === 'running' && (
          <>
            <JobProgressBar progress={progress} />
            <div className="actions">
              <button type="button" onClick={cancel} data-testid="import-cancel">
                Cancel
              </button>
            </div>
          </>
        )}

        {step === 'summary' && result && (
          <>
            <p data-testid="import-summary">
              {result.status === 'done' ? 'Done' : result.status === 'cancelled' ? 'Cancelled' : 'Aborted'}: imported{' '}
              <b data-testid="summary-imported">{fmtInt(result.imported)}</b>, skipped <b data-testid="summary-skipped">{fmtInt(result.skipped)}</b>, already
              imported {fmtInt(result.alreadyImported)}.
            </p>
            <ProblemList problems={result.problems} />
          </>
        )}

        <div className="actions">
          <button type="button" onClick={onClose} disabled={step === 'running'} data-testid="import-close">
            {step === 'summary' ? 'Close' : 'Cancel'}
          </button>
        </div>
      </div>
    </div>
  );
}
