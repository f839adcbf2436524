/**
 * Project screen: a one-row header (name, counts, actions; rarely used ones in the "More" menu, so it
 * fits 1280 px), the grid toolbar (status tabs with counts, search, order, mask overlay), the grid and
 * the status bar (provider, jobs). "Add folder…" opens its form in a row under the header.
 */
import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent, type ReactNode } from 'react';
import type { AddFolderReport, ImageSort, JobProgress, LabelSchema, ProjectInfo } from '../../../shared/api/types';
import { IMAGE_STATUSES } from '../../../shared/api/types';
import { ErrorBox, fmtInt, STATUS_LABEL, toShownError, useClient, type ShownError } from './common';
import { BrowseButton, usePathBase } from './picker/BrowseButton';
import { resolveTyped } from './picker/paths';
import type { GridSession, StatusFilter } from './gridSession';
import { ThumbGrid } from './ThumbGrid';
import { EnvironmentEntry } from './env/EnvironmentEntry';
import { ExportEntry } from './export/ExportEntry';
import { ImportEntry } from './import/ImportEntry';
import { ModelsEntry } from './models/ModelsEntry';
import { ReviewEntry } from './review/ReviewEntry';
import { StatsEntry } from './stats/StatsEntry';
import { StatusBar } from './StatusBar';

interface Props {
  project: ProjectInfo;
  schema: LabelSchema | null;
  session: GridSession;
  nativeDialogs: boolean;
  onOpenImage: (id: number) => void;
}

export const SORT_LABEL: Record<ImageSort, string> = {
  added: 'Added',
  name: 'Name',
  folder: 'Folder',
  status: 'Status',
  noise: 'Noise score',
  edited: 'Last edited',
};

export function ProjectView({ project, schema, session, nativeDialogs, onOpenImage }: Props) {
  useSyncExternalStore(session.subscribe, session.getVersion);
  // An empty project opens with the add-folder form shown.
  const [adding, setAdding] = useState(project.counts.total === 0);
  const counts = project.counts;
  const splits = Object.entries(counts.bySplit);
  const splitText = splits.map(([k, v]) => `${k} ${fmtInt(v)}`).join(' · ');

  return (
    <div className="project">
      <div className="project-head">
        <h1 title={project.path}>{project.name}</h1>
        <div className="stats" title={[schema?.description, splitText && `split: ${splitText}`].filter(Boolean).join('\n')}>
          <span>
            schema <b>{schema?.name ?? project.schemaId}</b>
          </span>
          <span>
            <b data-testid="total-count">{fmtInt(counts.total)}</b> images
          </span>
          {splits.length > 0 && (
            <span>
              split{' '}
              {splits.map(([k, v], i) => (
                <span key={k}>
                  {i > 0 && ' · '}
                  {k} <b>{fmtInt(v)}</b>
                </span>
              ))}
            </span>
          )}
        </div>
        <div className="head-actions">
          <button type="button" className="toggle" aria-pressed={adding} aria-expanded={adding} onClick={() => setAdding((a) => !a)} data-testid="open-add-folder">
            Add folder…
          </button>
          <ImportEntry project={project} schema={schema} nativeDialogs={nativeDialogs} />
          <ExportEntry project={project} schema={schema} />
          <ModelsEntry project={project} session={session} nativeDialogs={nativeDialogs} />
          <ReviewEntry project={project} schema={schema} onOpenImage={onOpenImage} />
          <MoreMenu>
            <StatsEntry project={project} schema={schema} onOpenImage={onOpenImage} />
            <EnvironmentEntry />
          </MoreMenu>
        </div>
      </div>
      <AddFolder nativeDialogs={nativeDialogs} shown={adding} onClose={() => setAdding(false)} />
      <div className="toolbar" role="toolbar" aria-label="Grid filter and order">
        <div className="tabs" role="group" aria-label="Status filter">
          <FilterButton session={session} value="all" label="All" count={counts.total} />
          {IMAGE_STATUSES.map((s) => (
            <FilterButton key={s} session={session} value={s} label={STATUS_LABEL[s]} count={counts.byStatus[s] ?? 0} />
          ))}
        </div>
        <SearchBox session={session} />
        <label className="sort">
          <span className="dim">Sort</span>
          <select aria-label="Sort by" value={session.sort} onChange={(e) => session.setSort(e.target.value as ImageSort)} data-testid="grid-sort">
            {(Object.keys(SORT_LABEL) as ImageSort[]).map((k) => (
              <option key={k} value={k}>
                {SORT_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="toggle icon"
          aria-pressed={session.reverse}
          aria-label="Reverse order"
          title="Reverse the order"
          onClick={() => session.setSort(session.sort, !session.reverse)}
          data-testid="grid-reverse"
        >
          ⇅
        </button>
        <label className="check" title="Show each image's current mask over its thumbnail">
          <input type="checkbox" checked={session.overlay} onChange={(e) => session.setOverlay(e.target.checked)} data-testid="grid-overlay" />
          Masks
        </label>
        {session.search && session.total !== null && (
          <span className="dim" data-testid="search-total">
            {fmtInt(session.total)} found
          </span>
        )}
        <span className="spacer" />
        <span className="kbd-hint faint">
          <kbd>←</kbd>
          <kbd>→</kbd>
          <kbd>↑</kbd>
          <kbd>↓</kbd> select · <kbd>Enter</kbd> open
        </span>
      </div>
      <ThumbGrid session={session} onOpen={onOpenImage} />
      <StatusBar />
    </div>
  );
}

function FilterButton({ session, value, label, count }: { session: GridSession; value: StatusFilter; label: string; count: number }) {
  const active = session.filter === value;
  return (
    <button className="toggle tab" aria-pressed={active} data-filter={value} onClick={() => session.setFilter(value)}>
      {label}
      <span className="count">{fmtInt(count)}</span>
    </button>
  );
}

/** Search by path: applied 250 ms after the last key (each change is a new backend query). */
function SearchBox({ session }: { session: GridSession }) {
  const [text, setText] = useState(session.search);
  useEffect(() => {
    const t = setTimeout(() => session.setSearch(text), 250);
    return () => clearTimeout(t);
  }, [text, session]);
  return (
    <input
      type="search"
      className="grid-search"
      aria-label="Search images by name or folder"
      placeholder="Search name or folder…"
      value={text}
      spellCheck={false}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setText('');
        if (e.key === 'Enter') session.setSearch(text);
      }}
      data-testid="grid-search"
    />
  );
}

/**
 * A drop-down for rarely used actions. Its children (entries that own a button and the dialog it
 * opens) stay mounted when the menu closes, so an opened dialog outlives the menu; only the buttons
 * are hidden (styles.css `.menu-pop.closed`).
 */
function MoreMenu({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  return (
    <div className="menu" ref={ref}>
      <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen((o) => !o)} data-testid="open-more">
        More ▾
      </button>
      <div
        className={open ? 'menu-pop' : 'menu-pop closed'}
        role="menu"
        onClick={(e) => {
          // A click on one of the menu's own buttons (not inside a dialog it opened) closes the menu.
          if ((e.target as HTMLElement).closest('.modal-backdrop') === null) setOpen(false);
        }}
      >
        {children}
      </div>
    </div>
  );
}

/** The add-folder form; stays on screen while a run, its error or its report is there even if closed. */
function AddFolder({ nativeDialogs, shown, onClose }: { nativeDialogs: boolean; shown: boolean; onClose: () => void }) {
  const client = useClient();
  const [folder, setFolder] = useState('');
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [report, setReport] = useState<AddFolderReport | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const base = usePathBase();

  useEffect(() => {
    if (!running) return;
    // The job id is only known when the call returns; while ours runs, show the add-folder job's events.
    return client.on('job:progress', (p) => {
      if (p.kind === 'add-folder') setProgress(p);
    });
  }, [client, running]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    // A relative path is read against the project's folder (shown in the field's tooltip).
    const f = base ? resolveTyped(folder, base) : folder.trim();
    if (!f) {
      setError({ code: null, message: 'Enter a folder path.' });
      return;
    }
    setError(null);
    setReport(null);
    setProgress(null);
    setRunning(true);
    try {
      setReport(await client.call('image:addFolder', { folder: f, recursive: true }));
    } catch (err) {
      setError(toShownError(err));
    } finally {
      setRunning(false);
      setProgress(null);
    }
  }

  const pct = progress && progress.total > 0 ? Math.min(100, (100 * progress.done) / progress.total) : 0;

  return (
    <div className="addfolder-row" hidden={!shown && !running && !error && !report}>
      <form className="addfolder" onSubmit={submit} aria-label="Add folder">
        <input
          type="text"
          aria-label="Folder to add"
          placeholder="Folder of images to add…"
          title={base ? `Relative paths are read from ${base}` : undefined}
          value={folder}
          onChange={(e) => setFolder(e.target.value)}
          spellCheck={false}
          disabled={running}
        />
        <BrowseButton kind="folder" native={nativeDialogs} value={folder} onPick={setFolder} onError={setError} disabled={running} />
        <button type="submit" className="primary" disabled={running}>
          Add folder
        </button>
        <button type="button" onClick={onClose} disabled={running}>
          Close
        </button>
      </form>
      {(running || error || report) && (
        <div>
          {running && (
            <div className="progress" role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}>
              <span>{progress?.phase ?? 'starting'}</span>
              <div className="bar">
                <div style={{ width: `${pct}%` }} />
              </div>
              <span className="mono">
                {progress ? `${fmtInt(progress.done)} / ${fmtInt(progress.total)}` : '…'}
              </span>
              {progress?.message && <span className="dim">{progress.message}</span>}
            </div>
          )}
          {error && (
            <div style={{ padding: '0 12px 8px' }}>
              <ErrorBox error={error} />
            </div>
          )}
          {report && <Report report={report} onClose={() => setReport(null)} />}
        </div>
      )}
    </div>
  );
}

function Report({ report, onClose }: { report: AddFolderReport; onClose: () => void }) {
  return (
    <div className="report" data-testid="add-report">
      <div className="report-head">
        <span>
          Scanned <b>{fmtInt(report.scanned)}</b> files:
        </span>
        <span className="ok" data-testid="report-added">
          {fmtInt(report.added)} added
        </span>
        <span className={report.duplicates.length ? 'warn' : 'dim'}>
          {fmtInt(report.duplicates.length)} duplicates skipped
        </span>
        <span className={report.failed.length ? 'bad' : 'dim'}>{fmtInt(report.failed.length)} unreadable</span>
        <span className="spacer" />
        <button onClick={onClose}>Dismiss</button>
      </div>
      {report.duplicates.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Skipped duplicate</th>
              <th>Same content as</th>
            </tr>
          </thead>
          <tbody>
            {report.duplicates.slice(0, 500).map((d) => (
              <tr key={d.path}>
                <td>{d.path}</td>
                <td>{d.existingPath}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.failed.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Unreadable file</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {report.failed.slice(0, 500).map((d) => (
              <tr key={d.path}>
                <td>{d.path}</td>
                <td>{d.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.duplicates.length + report.failed.length > 1000 && (
        <div className="dim">(lists truncated to 500 rows each)</div>
      )}
    </div>
  );
}
