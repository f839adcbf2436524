/**
 * Home: open the sample project (SamplePanel), create a project (new `*.parsel` path + label schema), open one by path, recent projects.
 * Text fields always work; "Browse…" opens the native dialog (Electron) or the server-side picker
 * (browser mode). A typed relative path is read against the base shown under the field.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { LabelSchema, ProjectInfo, RecentProject } from '../../../shared/api/types';
import { ErrorBox, rgbCss, toShownError, useClient, type ShownError } from './common';
import { EnvironmentEntry } from './env/EnvironmentEntry';
import { BrowseButton, PathBaseHint, usePathBase } from './picker/BrowseButton';
import { resolveTyped } from './picker/paths';
import { SamplePanel } from './SamplePanel';

interface Props {
  nativeDialogs: boolean;
  schemas: LabelSchema[];
  onOpened: (p: ProjectInfo) => void;
}

export function HomeView({ nativeDialogs, schemas, onOpened }: Props) {
  const client = useClient();
  const [createPath, setCreatePath] = useState('');
  const [name, setName] = useState('');
  const [schemaId, setSchemaId] = useState(() => schemas[0]?.id ?? '');
  const [openPath, setOpenPath] = useState('');
  const [createError, setCreateError] = useState<ShownError | null>(null);
  const [openError, setOpenError] = useState<ShownError | null>(null);
  const [recent, setRecent] = useState<RecentProject[] | null>(null);
  const [recentError, setRecentError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const base = usePathBase();

  useEffect(() => {
    client
      .call('app:recent', {})
      .then(setRecent)
      .catch((e: unknown) => setRecentError(toShownError(e)));
  }, [client]);

  useEffect(() => {
    if (!schemaId && schemas[0]) setSchemaId(schemas[0].id);
  }, [schemas, schemaId]);

  const schema = schemas.find((s) => s.id === schemaId) ?? null;

  async function create(e: FormEvent) {
    e.preventDefault();
    setCreateError(null);
    let path = base ? resolveTyped(createPath, base) : createPath.trim();
    if (!path) {
      setCreateError({ code: null, message: 'Enter the path of the new project file.' });
      return;
    }
    if (!/\.parsel$/i.test(path)) path += '.parsel';
    setBusy(true);
    try {
      const p = await client.call('project:create', { path, schemaId, name: name.trim() || undefined });
      onOpened(p);
    } catch (err) {
      setCreateError(toShownError(err));
    } finally {
      setBusy(false);
    }
  }

  async function open(path: string) {
    setOpenError(null);
    if (!path.trim()) {
      setOpenError({ code: null, message: 'Enter the path of a .parsel file.' });
      return;
    }
    setBusy(true);
    try {
      onOpened(await client.call('project:open', { path: base ? resolveTyped(path, base) : path.trim() }));
    } catch (err) {
      setOpenError(toShownError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="home">
      <div style={{ display: 'flex', flexDirection: 'column', gap: 18 }}>
        <SamplePanel onOpened={onOpened} disabled={busy} />
        <form className="panel" onSubmit={create} aria-label="New project" data-testid="create-form">
          <h2>New project</h2>
          <div className="field">
            <label htmlFor="create-path">File</label>
            <input
              id="create-path"
              type="text"
              placeholder="/data/celeba/celeba.parsel"
              value={createPath}
              onChange={(e) => setCreatePath(e.target.value)}
              spellCheck={false}
            />
            <BrowseButton kind="saveProject" native={nativeDialogs} value={createPath} onPick={setCreatePath} onError={setCreateError} />
            <PathBaseHint base={base} value={createPath} />
          </div>
          <div className="field">
            <label htmlFor="create-name">Name</label>
            <input
              id="create-name"
              type="text"
              placeholder="(from the file name)"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <span />
          </div>
          <div className="field">
            <label htmlFor="create-schema">Schema</label>
            <select id="create-schema" value={schemaId} onChange={(e) => setSchemaId(e.target.value)}>
              {schemas.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} — {s.classes.length} classes
                </option>
              ))}
            </select>
            <span />
          </div>
          {schema && (
            <>
              <div className="schema-desc">{schema.description}</div>
              <div className="chips" aria-label="Classes">
                {schema.classes.map((c) => (
                  <span className="chip" key={c.index} title={`${c.index}: ${c.title} (${c.name})`}>
                    <span className="swatch" style={{ background: rgbCss(c.color) }} />
                    {c.title}
                  </span>
                ))}
              </div>
            </>
          )}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !schemaId}>
              Create project
            </button>
          </div>
          <ErrorBox error={createError} />
        </form>

        <form
          className="panel"
          aria-label="Open project"
          onSubmit={(e) => {
            e.preventDefault();
            void open(openPath);
          }}
        >
          <h2>Open project</h2>
          <div className="field">
            <label htmlFor="open-path">File</label>
            <input
              id="open-path"
              type="text"
              placeholder="/data/celeba/celeba.parsel"
              value={openPath}
              onChange={(e) => setOpenPath(e.target.value)}
              spellCheck={false}
            />
            <BrowseButton kind="openProject" native={nativeDialogs} value={openPath} onPick={setOpenPath} onError={setOpenError} />
            <PathBaseHint base={base} value={openPath} />
          </div>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Open
            </button>
          </div>
          <ErrorBox error={openError} />
        </form>
        <div className="faint">
          Something missing? <EnvironmentEntry /> says what and how to fix it.
        </div>
      </div>

      <div className="panel" style={{ alignSelf: 'start' }}>
        <h2>Recent projects</h2>
        <ErrorBox error={recentError} />
        {recent && recent.length === 0 && <div className="faint">No recent projects.</div>}
        {recent && recent.length > 0 && (
          <ul className="recent">
            {recent.map((r) => (
              <li key={r.path} className={r.exists ? '' : 'missing'} title={r.path}>
                {r.exists ? (
                  <button className="link name" onClick={() => void open(r.path)} disabled={busy}>
                    {r.name}
                  </button>
                ) : (
                  <span className="name">{r.name}</span>
                )}
                <span className="path mono dim">{`\u200E${r.path}\u200E`}</span>
                {!r.exists && <span className="tag missing">missing</span>}
                <span className="faint" style={{ fontSize: 11 }}>
                  {fmtDate(r.openedAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

function fmtDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}
