/**
 * Project screen: header with counts, "Add folder" with progress and a report, status filter, grid.
 */
import { useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';
import type { AddFolderReport, JobProgress, LabelSchema, ProjectInfo } from '../../../shared/api/types';
import { IMAGE_STATUSES } from '../../../shared/api/types';
import { ErrorBox, fmtInt, STATUS_LABEL, toShownError, useClient, type ShownError } from './common';
import { BrowseButton, usePathBase } from './picker/BrowseButton';
import { resolveTyped } from './picker/paths';
import type { GridSession, StatusFilter } from './gridSession';
import { ThumbGrid } from './ThumbGrid';
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

export function ProjectView({ project, schema, session, nativeDialogs, onOpenImage }: Props) {
  useSyncExternalStore(session.subscribe, session.getVersion);
  const counts = project.counts;
  const splits = Object.entries(counts.bySplit);

  return (
    <div className="project">
      <div className="project-head">
        <h1 title={project.path}>{project.name}</h1>
        <div className="stats">
          <span title={schema?.description}>
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
        <AddFolder nativeDialogs={nativeDialogs} />
        <ImportEntry project={project} schema={schema} nativeDialogs={nativeDialogs} />
        <ExportEntry project={project} schema={schema} />
        <ModelsEntry project={project} session={session} nativeDialogs={nativeDialogs} />
        <ReviewEntry project={project} schema={schema} onOpenImage={onOpenImage} />
        <StatsEntry project={project} schema={schema} onOpenImage={onOpenImage} />
      </div>
      <div className="toolbar" role="toolbar" aria-label="Status filter">
        <FilterButton session={session} value="all" label="All" count={counts.total} />
        {IMAGE_STATUSES.map((s) => (
          <FilterButton key={s} session={session} value={s} label={STATUS_LABEL[s]} count={counts.byStatus[s] ?? 0} />
        ))}
        <span className="spacer" />
        <span className="faint" style={{ fontSize: 11 }}>
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
    <button className="toggle" aria-pressed={active} data-filter={value} onClick={() => session.setFilter(value)}>
      {label}
      <span className="count">{fmtInt(count)}</span>
    </button>
  );
}

function AddFolder({ nativeDialogs }: { nativeDialogs: boolean }) {
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
    <>
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
      </form>
      {(running || error || report) && (
        <div style={{ flexBasis: '100%', margin: '0 -12px -8px' }}>
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
    </>
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
