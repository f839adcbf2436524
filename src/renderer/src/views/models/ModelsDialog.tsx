/**
 * Models dialog: the project's models (name, file, schema and classes, input size, whole image or face
 * crop, availability, the set using them), adding one (path typed, or picked with the native dialog in
 * Electron; an optional card JSON), checking one against its graph (every problem listed, with the
 * graph's tensors), removing one (the refusal when a set uses it is shown), and model sets (create
 * from selected models with flip-TTA and face handling; list). All rules live in the models service
 * (`models:*`, `modelSet:*`): this view asks and shows the answers.
 */
import { Fragment, useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  FACE_MODES,
  TTA_MODES,
  type FaceMode,
  type ModelCheck,
  type ModelRecord,
  type ModelSetRecord,
  type TtaModeName,
} from '../../../../shared/api/methods-models';
import type { ProjectInfo } from '../../../../shared/api/types';
import { describeAveraging } from '../../../../shared/models/averaging';
import { formatShape } from '../../../../shared/models/shape';
import { ErrorBox, fmtInt, toShownError, useClient, type ShownError } from '../common';
import { detailProblems, expectsLabel, facesLabel, inputLabel, parseCardText } from './format';
import { BrowseButton, PathBaseHint, usePathBase } from '../picker/BrowseButton';
import { resolveTyped } from '../picker/paths';
import './models.css';

const FACE_MODE_TEXT: Record<FaceMode, string> = {
  whole: 'Whole image (one box)',
  landmarks: 'Landmarks stored with the image',
  box: 'Boxes drawn in the editor',
  detector: 'Face-detector model',
};

const TTA_TEXT: Record<TtaModeName, string> = {
  none: 'None',
  flip: 'Horizontal flip (left/right classes swapped back)',
};

/** An error shown with the problem list it carries (a refused card lists one message per problem). */
interface Refusal {
  error: ShownError;
  problems: string[];
  check: ModelCheck | null;
}

function refusalOf(err: unknown): Refusal {
  return { error: toShownError(err), problems: detailProblems(err), check: null };
}

export function CheckReport({ check, testId }: { check: ModelCheck; testId: string }) {
  return (
    <div className={`model-check ${check.ok ? 'ok' : 'bad'}`} data-testid={testId} data-ok={check.ok}>
      <div>
        {check.ok ? <b className="okc">The card fits the graph.</b> : <b className="badc">The card does not fit the model ({fmtInt(check.problems.length)} problems):</b>}{' '}
        <span className="dim">
          card from {check.cardSource === 'file' ? <span className="mono">{check.cardPath}</span> : (check.cardSource ?? 'nowhere')}
        </span>
      </div>
      {check.averaging && (
        <div className="dim" data-testid="averaging-note">
          {describeAveraging(check.averaging)}
        </div>
      )}
      {check.problems.length > 0 && (
        <ul className="problems" aria-label="Card problems">
          {check.problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      {check.graph && (
        <div className="dim mono graph">
          {check.graph.inputs.map((t) => (
            <div key={`i-${t.name}`}>
              input "{t.name}" {t.type} {formatShape(t.shape)}
            </div>
          ))}
          {check.graph.outputs.map((t) => (
            <div key={`o-${t.name}`}>
              output "{t.name}" {t.type} {formatShape(t.shape)}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

function RefusalBox({ refusal, testId }: { refusal: Refusal; testId: string }) {
  // When the check report lists the problems, the error's own list would only repeat them.
  const shown = refusal.check ? [] : refusal.problems.filter((p) => !refusal.error.message.includes(p));
  return (
    <div data-testid={testId}>
      <ErrorBox error={refusal.error} />
      {shown.length > 0 && (
        <ul className="problems" aria-label="Problems">
          {shown.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      {refusal.check && <CheckReport check={refusal.check} testId={`${testId}-check`} />}
    </div>
  );
}

function AddModel({ nativeDialogs, onAdded }: { nativeDialogs: boolean; onAdded: (m: ModelRecord) => void }) {
  const client = useClient();
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [cardText, setCardText] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [check, setCheck] = useState<ModelCheck | null>(null);
  const base = usePathBase();

  function request(): { path: string; card?: Record<string, unknown> } | null {
    // A relative path is read against the base shown under the field, not the server's working directory.
    const p = base ? resolveTyped(path, base) : path.trim();
    if (!p) {
      setRefusal({ error: { code: null, message: 'Enter the path of an .onnx model file.' }, problems: [], check: null });
      return null;
    }
    const c = parseCardText(cardText);
    if ('error' in c) {
      setRefusal({ error: { code: null, message: c.error }, problems: [], check: null });
      return null;
    }
    return { path: p, ...(c.card ? { card: c.card } : {}) };
  }

  async function add(e: FormEvent) {
    e.preventDefault();
    setRefusal(null);
    setCheck(null);
    const req = request();
    if (!req) return;
    setBusy(true);
    try {
      const r = await client.call('models:add', { ...req, ...(name.trim() ? { name: name.trim() } : {}) });
      setPath('');
      setName('');
      setCardText('');
      onAdded(r.model);
    } catch (err) {
      // The message lists every card-vs-graph problem; "Check" shows them with the graph's tensors.
      setRefusal(refusalOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function runCheck() {
    setRefusal(null);
    setCheck(null);
    const req = request();
    if (!req) return;
    setBusy(true);
    try {
      setCheck(await client.call('models:check', req));
    } catch (err) {
      setRefusal(refusalOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="models-add" onSubmit={add} aria-label="Add model">
      <div className="row">
        <input
          type="text"
          aria-label="Model file"
          autoFocus
          placeholder="Model file (…/bisenet.onnx; its card: …/bisenet.card.json or the ONNX metadata)"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          spellCheck={false}
          disabled={busy}
          className="grow"
        />
        <BrowseButton kind="model" native={nativeDialogs} value={path} onPick={setPath} onError={(e) => setRefusal(e ? { error: e, problems: [], check: null } : null)} disabled={busy} />
        <input type="text" aria-label="Model name" placeholder="Name (default: the card's)" value={name} onChange={(e) => setName(e.target.value)} disabled={busy} />
        <button type="button" onClick={runCheck} disabled={busy}>
          Check
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Add model
        </button>
      </div>
      <PathBaseHint base={base} value={path} />
      <details>
        <summary className="dim">Card JSON (optional: when the model has no card file or metadata, or to try another)</summary>
        <textarea
          aria-label="Card JSON"
          rows={6}
          spellCheck={false}
          placeholder='{ "name": "BiSeNet", "input": { "name": "input", "width": 512, "height": 512, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225] }, "output": { "kind": "logits" }, "labels": "celebamask-hq-b" }'
          value={cardText}
          onChange={(e) => setCardText(e.target.value)}
          disabled={busy}
        />
      </details>
      {refusal && <RefusalBox refusal={refusal} testId="model-add-error" />}
      {check && <CheckReport check={check} testId="model-check" />}
    </form>
  );
}

function ModelTable({
  models,
  sets,
  onRemoved,
}: {
  models: ModelRecord[];
  sets: ModelSetRecord[];
  onRemoved: () => void;
}) {
  const client = useClient();
  const [checks, setChecks] = useState<Record<number, ModelCheck>>({});
  const [errors, setErrors] = useState<Record<number, Refusal>>({});
  const [busy, setBusy] = useState<number | null>(null);
  const setName = (id: number) => sets.find((s) => s.id === id)?.name ?? `#${id}`;

  async function check(m: ModelRecord) {
    setBusy(m.id);
    setErrors(({ [m.id]: _gone, ...rest }) => rest);
    try {
      const c = await client.call('models:check', { modelId: m.id });
      setChecks((cs) => ({ ...cs, [m.id]: c }));
    } catch (err) {
      setErrors((es) => ({ ...es, [m.id]: refusalOf(err) }));
    } finally {
      setBusy(null);
    }
  }

  async function remove(m: ModelRecord) {
    setBusy(m.id);
    setErrors(({ [m.id]: _gone, ...rest }) => rest);
    try {
      await client.call('models:remove', { id: m.id });
      onRemoved();
    } catch (err) {
      setErrors((es) => ({ ...es, [m.id]: refusalOf(err) }));
    } finally {
      setBusy(null);
    }
  }

  if (models.length === 0) return <p className="dim" data-testid="no-models">No models yet. Add an ONNX face-parsing model with its card.</p>;
  return (
    <table className="models-table" aria-label="Models">
      <thead>
        <tr>
          <th>Name</th>
          <th>File</th>
          <th>Schema</th>
          <th>Classes</th>
          <th>Input</th>
          <th>Sees</th>
          <th>Status</th>
          <th>Used by</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <Fragment key={m.id}>
            <tr data-model={m.name} className={m.available ? '' : 'unavailable'}>
              <td>
                {m.name}
                {m.averaging && (
                  <>
                    {' '}
                    <span className="tag" data-testid="model-averaged" title={describeAveraging(m.averaging)}>
                      averaged ×{m.averaging.checkpoints.length}
                      {m.averaging.best ? ' + best' : ''}
                    </span>
                  </>
                )}
              </td>
              <td className="mono path" title={`${m.path}\nsha256 ${m.sha256}`}>
                <bdi>{m.path}</bdi>
              </td>
              <td>{m.labels ?? (m.kind === 'detector' ? 'face detector' : 'promptable (clicks, box)')}</td>
              <td className="n">{m.kind === 'parser' ? m.classes : '—'}</td>
              <td className="mono">{inputLabel(m)}</td>
              <td>{expectsLabel(m)}</td>
              <td data-testid="model-status">
                {m.available ? (
                  checks[m.id] ? (
                    checks[m.id].ok ? (
                      <span className="okc">checked: fits</span>
                    ) : (
                      <span className="badc">checked: {fmtInt(checks[m.id].problems.length)} problems</span>
                    )
                  ) : (
                    <span className="okc">available</span>
                  )
                ) : (
                  <span className="badc">{m.unavailableReason ?? 'unavailable'}</span>
                )}
              </td>
              <td>{m.usedBy.length ? m.usedBy.map(setName).join(', ') : <span className="faint">—</span>}</td>
              <td className="acts">
                <button type="button" onClick={() => check(m)} disabled={busy !== null} aria-label={`Check ${m.name}`}>
                  Check
                </button>
                <button type="button" onClick={() => remove(m)} disabled={busy !== null} aria-label={`Remove ${m.name}`}>
                  Remove
                </button>
              </td>
            </tr>
            {(checks[m.id] && !checks[m.id].ok) || errors[m.id] ? (
              <tr className="detail">
                <td colSpan={9}>
                  {errors[m.id] && <RefusalBox refusal={errors[m.id]} testId={`model-error-${m.id}`} />}
                  {checks[m.id] && !checks[m.id].ok && <CheckReport check={checks[m.id]} testId={`model-check-${m.id}`} />}
                </td>
              </tr>
            ) : null}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function CreateSet({ models, onCreated }: { models: ModelRecord[]; onCreated: (s: ModelSetRecord) => void }) {
  const client = useClient();
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<number[]>([]);
  const [tta, setTta] = useState<TtaModeName>('none');
  const [mode, setMode] = useState<FaceMode>('whole');
  const [margin, setMargin] = useState('0.25');
  const [detector, setDetector] = useState<number | ''>('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);

  const usable = models.filter((m) => m.available && m.kind === 'parser');
  const detectors = models.filter((m) => m.available && m.kind === 'detector');
  const facesMatter = picked.some((id) => {
    const c = models.find((m) => m.id === id)?.card;
    return c !== undefined && c.task === 'face-parsing' && c.expects === 'face';
  });

  async function create(e: FormEvent) {
    e.preventDefault();
    setRefusal(null);
    const marginValue = Number(margin);
    if (!name.trim()) return setRefusal({ error: { code: null, message: 'Name the model set.' }, problems: [], check: null });
    if (picked.length === 0) return setRefusal({ error: { code: null, message: 'Select at least one model for the set.' }, problems: [], check: null });
    if (!(margin.trim() !== '' && Number.isFinite(marginValue) && marginValue >= 0 && marginValue <= 4))
      return setRefusal({ error: { code: null, message: 'Face margin must be a number from 0 to 4 (a fraction of the box added on each side).' }, problems: [], check: null });
    if (mode === 'detector' && detector === '') return setRefusal({ error: { code: null, message: 'Choose the face-detector model.' }, problems: [], check: null });
    setBusy(true);
    try {
      const s = await client.call('modelSet:create', {
        name: name.trim(),
        modelIds: picked,
        tta,
        faces: { mode, margin: marginValue, ...(mode === 'detector' && detector !== '' ? { detectorModelId: detector } : {}) },
      });
      setName('');
      setPicked([]);
      onCreated(s);
    } catch (err) {
      setRefusal(refusalOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="models-set-form" onSubmit={create} aria-label="Create model set">
      <fieldset disabled={busy}>
        <legend>New model set</legend>
        <div className="models-row">
          <label htmlFor="ms-name">Name</label>
          <input id="ms-name" type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. bisenet+farl flip" />
        </div>
        <div className="models-row">
          <span className="lbl">Models</span>
          <div className="checks" role="group" aria-label="Models in the set">
            {usable.length === 0 && <span className="faint">no available models</span>}
            {usable.map((m) => (
              <label key={m.id}>
                <input
                  type="checkbox"
                  checked={picked.includes(m.id)}
                  onChange={() => setPicked((p) => (p.includes(m.id) ? p.filter((x) => x !== m.id) : [...p, m.id]))}
                />
                {m.name} <span className="faint">({m.labels}, {inputLabel(m)})</span>
              </label>
            ))}
          </div>
        </div>
        <div className="models-row">
          <label htmlFor="ms-tta">Test-time augmentation</label>
          <select id="ms-tta" value={tta} onChange={(e) => setTta(e.target.value as TtaModeName)}>
            {TTA_MODES.map((t) => (
              <option key={t} value={t}>
                {TTA_TEXT[t]}
              </option>
            ))}
          </select>
        </div>
        <div className="models-row">
          <label htmlFor="ms-faces">Faces</label>
          <select id="ms-faces" value={mode} onChange={(e) => setMode(e.target.value as FaceMode)}>
            {FACE_MODES.map((f) => (
              <option key={f} value={f}>
                {FACE_MODE_TEXT[f]}
              </option>
            ))}
          </select>
        </div>
        {mode === 'detector' && (
          <div className="models-row">
            <label htmlFor="ms-detector">Detector model</label>
            <select id="ms-detector" value={detector} onChange={(e) => setDetector(e.target.value === '' ? '' : Number(e.target.value))}>
              <option value="">{detectors.length ? '(choose)' : '(no face-detector model added)'}</option>
              {detectors.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="models-row">
          <label htmlFor="ms-margin">Face margin</label>
          <input id="ms-margin" type="text" inputMode="decimal" value={margin} onChange={(e) => setMargin(e.target.value)} size={6} />
        </div>
        {picked.length > 0 && !facesMatter && (
          <p className="faint note">The selected models see the whole image: the face settings are not used by them.</p>
        )}
        <div className="actions">
          <button type="submit" className="primary">
            Create set
          </button>
        </div>
        {refusal && <RefusalBox refusal={refusal} testId="set-error" />}
      </fieldset>
    </form>
  );
}

function SetTable({ sets, models }: { sets: ModelSetRecord[]; models: ModelRecord[] }) {
  const modelName = (id: number) => models.find((m) => m.id === id)?.name;
  if (sets.length === 0) return <p className="dim" data-testid="no-sets">No model sets yet. A set is what pre-labelling runs: one model, or several averaged.</p>;
  return (
    <table className="models-table" aria-label="Model sets">
      <thead>
        <tr>
          <th>Name</th>
          <th>Models</th>
          <th>TTA</th>
          <th>Faces</th>
          <th>Schema</th>
          <th>Cached predictions</th>
        </tr>
      </thead>
      <tbody>
        {sets.map((s) => (
          <tr key={s.id} data-set={s.name}>
            <td>{s.name}</td>
            <td title={s.imported ? `read from ${s.imported.dir} (parsel import-probs)` : undefined}>
              {s.imported ? <span className="dim">imported predictions</span> : s.modelIds.map((id) => modelName(id) ?? `#${id}`).join(' + ')}
            </td>
            <td>{s.tta === 'flip' ? 'flip' : 'none'}</td>
            <td>{facesLabel(s, modelName)}</td>
            <td title={s.remap?.text}>
              {s.labels} ({s.classes}){s.remap && <span className="warnc"> → {s.remap.target}</span>}
            </td>
            <td className="n">{fmtInt(s.predictions)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModelsDialog({ project, nativeDialogs, onClose }: { project: ProjectInfo; nativeDialogs: boolean; onClose: () => void }) {
  const client = useClient();
  const [models, setModels] = useState<ModelRecord[] | null>(null);
  const [sets, setSets] = useState<ModelSetRecord[]>([]);
  const [error, setError] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const [m, s] = await Promise.all([client.call('models:list', {}), client.call('modelSet:list', {})]);
      setModels(m);
      setSets(s);
      setError(null);
    } catch (err) {
      setError(toShownError(err));
    }
  }, [client]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return (
    <div className="modal-backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="modal-panel models-dialog" role="dialog" aria-modal="true" aria-label="Models">
        <h2>
          Models of {project.name} <span className="dim">(project schema {project.schemaId})</span>
        </h2>
        <ErrorBox error={error} />
        {notice && (
          <div className="models-notice" role="status">
            {notice}
          </div>
        )}
        <section aria-label="Model list">
          <h3>Models</h3>
          {models === null ? <p className="dim">Loading…</p> : <ModelTable models={models} sets={sets} onRemoved={() => void reload()} />}
          <AddModel
            nativeDialogs={nativeDialogs}
            onAdded={(m) => {
              setNotice(`Added ${m.name} (${m.kind === 'detector' ? 'face detector' : m.kind === 'promptable' ? 'promptable: the editor\'s Segment tool' : `${m.labels}, ${m.classes} classes`}, ${inputLabel(m)}).`);
              void reload();
            }}
          />
        </section>
        <section aria-label="Model set list">
          <h3>Model sets</h3>
          <SetTable sets={sets} models={models ?? []} />
          <CreateSet
            models={models ?? []}
            onCreated={(s) => {
              setNotice(`Created model set ${s.name}.`);
              void reload();
            }}
          />
        </section>
        <div className="actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
