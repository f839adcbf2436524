/**
 * Export dialog: format, remap, filters, sampling, seed and splits, with live counts from
 * `export:preview`; destination; run with progress and cancel; a summary with the manifest path.
 * All rules live in the export service: this view only builds the spec and shows answers.
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { EXPORT_FORMATS, type ExportFormatId, type ExportPreview, type ExportResult, type ExportSpecInput } from '../../../../shared/api/methods-export';
import { IMAGE_STATUSES, REVISION_KINDS, type ImageStatus, type LabelSchema, type ProjectInfo, type RevisionKind } from '../../../../shared/api/types';
import { parseOverrides, RemapError } from '../../../../shared/dataset/remap';
import { ErrorBox, fmtInt, JobProgressBar, STATUS_LABEL, toShownError, useClient, type ShownError } from '../common';
import { BrowseButton, PathBaseHint } from '../picker/BrowseButton';
import { resolveTyped } from '../picker/paths';
import { useJob } from '../useJob';
import './export.css';

const FORMAT_LABEL: Record<ExportFormatId, string> = {
  'celebamask-hq': 'CelebAMask-HQ (per-part binary masks)',
  lapa: 'LaPa',
  helen: 'Helen (11 maps of 0/255)',
  ibugmask: 'iBugMask',
  facesynthetics: 'FaceSynthetics',
  'index-png': 'Index PNG folder',
  'color-png': 'Colour PNG + CVAT labelmap.txt',
  coco: 'COCO (RLE annotations.json)',
  'dml-csr': 'DML-CSR training layout',
};

/** Suggested remap target per format (the user can change it). */
const SUGGESTED_TARGET: Partial<Record<ExportFormatId, string>> = {
  lapa: 'lapa-11',
  helen: 'helen-11',
  ibugmask: 'ibugmask-11',
  facesynthetics: 'facesynthetics',
};

function words(text: string): string[] | undefined {
  const xs = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return xs.length ? xs : undefined;
}

function parseMix(text: string): Record<string, number> | undefined {
  const parts = words(text);
  if (!parts) return undefined;
  const out: Record<string, number> = {};
  for (const p of parts) {
    const eq = p.lastIndexOf('=');
    const r = Number(p.slice(eq + 1));
    if (eq <= 0 || !(r > 0)) throw new Error(`mix: "${p}" must be source=ratio with a positive ratio (e.g. synthetic=1, real=1)`);
    out[p.slice(0, eq).trim()] = r;
  }
  return out;
}

interface Form {
  format: ExportFormatId;
  target: string;
  ignoreIndex: string;
  overrides: string;
  /** Class (of the output schema) that ignore pixels become; '' keeps the ignore value. */
  ignoreAs?: string;
  status: ImageStatus[];
  kinds: RevisionKind[];
  authors: string;
  split: string;
  source: string;
  tags: string;
  present: string;
  absent: string;
  /** Noise score range of the latest label-noise scan ('' = no bound); unscanned images never match. */
  noiseMin?: string;
  noiseMax?: string;
  stratify: string;
  limit: string;
  mix: string;
  assign: boolean;
  ratios: [string, string, string];
  seed: string;
  dest: string;
}

/** The spec for a form, or the reason it cannot be built yet. */
export function specOf(f: Form): { spec: ExportSpecInput } | { error: string } {
  try {
    const ignore = Number(f.ignoreIndex);
    if (f.target && (!Number.isInteger(ignore) || ignore < 0 || ignore > 255)) return { error: 'ignore index must be an integer 0-255' };
    const limit = f.limit.trim() ? Number(f.limit) : undefined;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) return { error: 'limit must be a positive integer' };
    const seed = Number(f.seed || '0');
    if (!Number.isInteger(seed) || seed < 0) return { error: 'seed must be a non-negative integer' };
    const ratios = f.ratios.map(Number) as [number, number, number];
    if (f.assign && (ratios.some((r) => !(r >= 0)) || ratios[0] + ratios[1] + ratios[2] <= 0)) return { error: 'split ratios must be non-negative with a positive sum' };
    const noiseMin = f.noiseMin?.trim() ? Number(f.noiseMin) : undefined;
    const noiseMax = f.noiseMax?.trim() ? Number(f.noiseMax) : undefined;
    if ((noiseMin !== undefined && !(noiseMin >= 0)) || (noiseMax !== undefined && !(noiseMax >= 0))) return { error: 'noise score bounds must be numbers >= 0' };
    if (noiseMin !== undefined && noiseMax !== undefined && noiseMin > noiseMax) return { error: 'noise score: min is above max' };
    return {
      spec: {
        format: f.format,
        remap: f.target ? { target: f.target, ignoreIndex: ignore, overrides: parseOverrides(f.overrides) } : null,
        ignoreAs: f.ignoreAs ? f.ignoreAs : null,
        filter: {
          status: f.status.length ? f.status : undefined,
          revisionKind: f.kinds.length ? f.kinds : undefined,
          revisionAuthor: words(f.authors),
          split: words(f.split),
          source: words(f.source),
          tagsAny: words(f.tags),
          classesPresent: words(f.present),
          classesAbsent: words(f.absent),
          noiseScore: noiseMin === undefined && noiseMax === undefined ? undefined : { min: noiseMin, max: noiseMax },
        },
        sampling: { limit, stratifyBy: words(f.stratify), mix: parseMix(f.mix) },
        splits: f.assign ? { mode: 'assign', ratios } : { mode: 'keep' },
        seed,
      },
    };
  } catch (err) {
    return { error: err instanceof RemapError || err instanceof Error ? err.message : String(err) };
  }
}

function Counts({ title, counts }: { title: string; counts: Record<string, number> }) {
  const entries = Object.entries(counts);
  return (
    <table data-testid={`preview-${title.toLowerCase()}`}>
      <thead>
        <tr>
          <th>{title}</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {entries.length === 0 && (
          <tr>
            <td className="dim">—</td>
          </tr>
        )}
        {entries.map(([k, v]) => (
          <tr key={k} data-key={k}>
            <td>{k}</td>
            <td className="n">{fmtInt(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The dialog's fields when it opens: no filters, index PNGs, splits 80/10/10, seed 0. */
export function initialForm(dest: string): Form {
  return {
    format: 'index-png',
    target: '',
    ignoreIndex: '255',
    overrides: '',
    status: [],
    kinds: [],
    authors: '',
    split: '',
    source: '',
    tags: '',
    present: '',
    absent: '',
    stratify: '',
    limit: '',
    mix: '',
    assign: false,
    ratios: ['0.8', '0.1', '0.1'],
    seed: '0',
    dest,
  };
}

interface Props {
  project: ProjectInfo;
  schema: LabelSchema | null;
  onClose: () => void;
}

export function ExportDialog({ project, schema, onClose }: Props) {
  const client = useClient();
  const [schemas, setSchemas] = useState<LabelSchema[]>([]);
  const [form, setForm] = useState<Form>(() => initialForm(`${project.root}/${project.name}-export`));
  const [preview, setPreview] = useState<ExportPreview | null>(null);
  const [previewError, setPreviewError] = useState<ShownError | null>(null);
  const job = useJob('export', (c, jobId) => c.call('export:cancel', { jobId }));
  const { running, progress } = job;
  const [result, setResult] = useState<ExportResult | null>(null);
  const [runError, setRunError] = useState<ShownError | null>(null);
  const seq = useRef(0);

  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const built = useMemo(() => specOf(form), [form]);

  useEffect(() => {
    client.call('schema:list', {}).then(setSchemas, () => setSchemas([]));
  }, [client]);

  // Live preview, debounced; only the latest answer is shown.
  useEffect(() => {
    if ('error' in built) {
      setPreview(null);
      setPreviewError({ code: null, message: built.error });
      return;
    }
    const mine = ++seq.current;
    const t = setTimeout(() => {
      client.call('export:preview', { spec: built.spec }).then(
        (p) => {
          if (mine !== seq.current) return;
          setPreview(p);
          setPreviewError(null);
        },
        (err) => {
          if (mine !== seq.current) return;
          setPreview(null);
          setPreviewError(toShownError(err));
        },
      );
    }, 250);
    return () => clearTimeout(t);
  }, [client, built]);

  async function run(e: FormEvent) {
    e.preventDefault();
    if ('error' in built) return;
    const spec = built.spec;
    setResult(null);
    setRunError(null);
    try {
      // A relative destination is read against the project's folder (shown under the field).
      const dir = resolveTyped(form.dest, project.root);
      setResult(await job.start((jobId) => client.call('export:run', { dir, spec, jobId })));
    } catch (err) {
      setRunError(toShownError(err));
    }
  }

  const cancel = job.cancel;

  function onFormat(format: ExportFormatId) {
    setForm((f) => ({ ...f, format, target: SUGGESTED_TARGET[format] && schema?.id !== SUGGESTED_TARGET[format] ? SUGGESTED_TARGET[format]! : f.target }));
  }

  const toggle = <T extends string>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
  const classNames = schema?.classes.map((c) => c.name).join(', ') ?? '';
  const outSchema = form.target ? schemas.find((s) => s.id === form.target) : schema;
  const canRun = !running && !('error' in built) && !!preview && preview.problems.length === 0 && preview.total > 0 && form.dest.trim() !== '';

  return (
    <div className="modal-backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && !running && onClose()}>
      <form className="modal-panel export-dialog" role="dialog" aria-label="Export dataset" onSubmit={run}>
        <h2>Export {project.name}</h2>
        <div>
          <fieldset disabled={!!running}>
            <legend>Format</legend>
            <div className="export-row">
              <label htmlFor="ex-format">Format</label>
              <select id="ex-format" value={form.format} onChange={(e) => onFormat(e.target.value as ExportFormatId)}>
                {EXPORT_FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {FORMAT_LABEL[f]}
                  </option>
                ))}
              </select>
            </div>
            <div className="export-row">
              <label htmlFor="ex-remap">Remap to</label>
              <select id="ex-remap" value={form.target} onChange={(e) => set('target', e.target.value)}>
                <option value="">no remap ({schema?.id ?? project.schemaId})</option>
                {schemas.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </div>
            {form.target && (
              <>
                <div className="export-row">
                  <label htmlFor="ex-ignore">Ignore index</label>
                  <input id="ex-ignore" type="number" min={0} max={255} value={form.ignoreIndex} onChange={(e) => set('ignoreIndex', e.target.value)} />
                </div>
                <div className="export-row">
                  <label htmlFor="ex-overrides">Overrides</label>
                  <input id="ex-overrides" type="text" placeholder="eye_g=skin, hat=ignore" value={form.overrides} onChange={(e) => set('overrides', e.target.value)} />
                </div>
              </>
            )}
            <div className="export-row" title="Helen, COCO and CelebAMask-HQ have no ignore value: choose the class ignore pixels become. Other formats keep the ignore value unless a class is chosen.">
              <label htmlFor="ex-ignore-as">Ignore becomes</label>
              <select id="ex-ignore-as" value={form.ignoreAs ?? ''} onChange={(e) => set('ignoreAs', e.target.value)}>
                <option value="">the ignore value (if the format has one)</option>
                {(outSchema?.classes ?? []).map((c) => (
                  <option key={c.index} value={c.name}>
                    {c.name}
                  </option>
                ))}
              </select>
            </div>
          </fieldset>
          <fieldset disabled={!!running}>
            <legend>Filters</legend>
            <div className="export-row">
              <label>Status</label>
              <div className="export-checks">
                {IMAGE_STATUSES.map((s) => (
                  <label key={s}>
                    <input type="checkbox" checked={form.status.includes(s)} onChange={() => set('status', toggle(form.status, s))} data-status={s} />
                    {STATUS_LABEL[s]}
                  </label>
                ))}
              </div>
            </div>
            <div className="export-row">
              <label>Revision kind</label>
              <div className="export-checks">
                {REVISION_KINDS.map((k) => (
                  <label key={k}>
                    <input type="checkbox" checked={form.kinds.includes(k)} onChange={() => set('kinds', toggle(form.kinds, k))} />
                    {k}
                  </label>
                ))}
              </div>
            </div>
            {(
              [
                ['authors', 'Revision author', 'ann, bob'],
                ['split', 'Stored split', 'train, val, none'],
                ['source', 'Source', 'synthetic, real'],
                ['tags', 'Any of tags', 'hard'],
                ['present', 'Classes present', 'hair, hat'],
                ['absent', 'Classes absent', 'eye_g'],
              ] as const
            ).map(([k, label, ph]) => (
              <div className="export-row" key={k}>
                <label htmlFor={`ex-${k}`}>{label}</label>
                <input id={`ex-${k}`} type="text" placeholder={ph} value={form[k]} onChange={(e) => set(k, e.target.value)} title={k === 'present' || k === 'absent' ? classNames : undefined} />
              </div>
            ))}
            <div className="export-row" title="Image noise score of the latest label-noise scan (Review queue). Images never scanned are left out when a bound is set.">
              <label htmlFor="ex-noise-min">Noise score</label>
              <span>
                <input id="ex-noise-min" type="number" min={0} step="any" placeholder="min" style={{ width: 70 }} value={form.noiseMin ?? ''} onChange={(e) => set('noiseMin', e.target.value)} />
                {' – '}
                <input id="ex-noise-max" type="number" min={0} step="any" placeholder="max" style={{ width: 70 }} value={form.noiseMax ?? ''} onChange={(e) => set('noiseMax', e.target.value)} />
                <span className="dim"> unscanned images are left out</span>
              </span>
            </div>
          </fieldset>
          <fieldset disabled={!!running}>
            <legend>Sampling and splits</legend>
            <div className="export-row">
              <label htmlFor="ex-limit">Limit</label>
              <input id="ex-limit" type="number" min={1} placeholder="all" value={form.limit} onChange={(e) => set('limit', e.target.value)} />
            </div>
            <div className="export-row">
              <label htmlFor="ex-stratify">Stratify by</label>
              <input id="ex-stratify" type="text" placeholder="hair, hat" value={form.stratify} onChange={(e) => set('stratify', e.target.value)} title={classNames} />
            </div>
            <div className="export-row">
              <label htmlFor="ex-mix">Source mix</label>
              <input id="ex-mix" type="text" placeholder="synthetic=1, real=1" value={form.mix} onChange={(e) => set('mix', e.target.value)} />
            </div>
            <div className="export-row">
              <label>Splits</label>
              <div className="export-checks">
                <label>
                  <input type="radio" name="ex-splits" checked={!form.assign} onChange={() => set('assign', false)} />
                  keep stored
                </label>
                <label>
                  <input type="radio" name="ex-splits" checked={form.assign} onChange={() => set('assign', true)} data-testid="assign-splits" />
                  assign
                </label>
                {form.assign &&
                  (['train', 'val', 'test'] as const).map((s, i) => (
                    <label key={s}>
                      {s}
                      <input
                        type="text"
                        size={4}
                        aria-label={`${s} ratio`}
                        value={form.ratios[i]}
                        onChange={(e) => set('ratios', form.ratios.map((r, j) => (j === i ? e.target.value : r)) as [string, string, string])}
                      />
                    </label>
                  ))}
              </div>
            </div>
            <div className="export-row">
              <label htmlFor="ex-seed">Seed</label>
              <input id="ex-seed" type="number" min={0} value={form.seed} onChange={(e) => set('seed', e.target.value)} />
            </div>
          </fieldset>
          <div className="export-row">
            <label htmlFor="ex-dest">Destination</label>
            <input id="ex-dest" type="text" value={form.dest} onChange={(e) => set('dest', e.target.value)} spellCheck={false} disabled={!!running} />
            <BrowseButton kind="folder" native={false} value={form.dest} onPick={(p) => set('dest', p)} onError={setRunError} disabled={!!running} />
          </div>
          <PathBaseHint base={project.root} value={form.dest} />
        </div>
        <div className="export-preview" aria-live="polite">
          <div style={{ marginBottom: 6 }}>
            <b data-testid="preview-total">{preview ? fmtInt(preview.total) : '…'}</b> images to export
            {preview && (
              <span className="dim">
                {' '}
                (matched {fmtInt(preview.matched)}, without a mask {fmtInt(preview.withoutMask)}; masks in {preview.outputSchemaId})
              </span>
            )}
          </div>
          <ErrorBox error={previewError} />
          {preview?.remap?.sides && (
            <div className="dim" data-testid="preview-sides">
              Sides: {preview.remap.sides}
            </div>
          )}
          {preview && (
            <div className="dim" data-testid="preview-ignore" data-possible={String(preview.ignore.possible)}>
              Ignore: {preview.ignore.note}
            </div>
          )}
          {preview && preview.problems.length > 0 && (
            <ul className="problems" data-testid="preview-problems">
              {preview.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          {preview && (
            <>
              <Counts title="Split" counts={preview.bySplit} />
              <Counts title="Source" counts={preview.bySource} />
              <Counts title="Class" counts={preview.byClass} />
            </>
          )}
        </div>
        {running && (
          <JobProgressBar progress={progress} style={{ gridColumn: '1 / -1' }} />
        )}
        {runError && (
          <div style={{ gridColumn: '1 / -1' }}>
            <ErrorBox error={runError} />
          </div>
        )}
        {result && (
          <div className="export-summary" data-testid="export-summary" data-status={result.status}>
            {result.status === 'done' ? (
              <>
                Exported <b>{fmtInt(result.images)}</b> images ({fmtInt(result.files)} files) to <span className="mono">{result.dir}</span>
                <br />
                Manifest: <span className="mono" data-testid="manifest-path">{result.manifestPath}</span>
              </>
            ) : (
              <>Export cancelled: nothing was written.</>
            )}
            {result.staleRemoved.length > 0 && (
              <div className="dim" data-testid="stale-removed">
                Removed {result.staleRemoved.length === 1 ? 'a temporary folder' : `${result.staleRemoved.length} temporary folders`} of exports that did not finish:{' '}
                {result.staleRemoved.map((s) => s.path).join(', ')}
              </div>
            )}
          </div>
        )}
        <div className="export-actions">
          <span className="spacer" />
          {running ? (
            <button type="button" onClick={cancel}>
              Cancel export
            </button>
          ) : (
            <button type="button" onClick={onClose}>
              Close
            </button>
          )}
          <button type="submit" className="primary" disabled={!canRun}>
            Export
          </button>
        </div>
      </form>
    </div>
  );
}
