/**
 * The browser-mode file/folder picker (issue 13): a dialog over `fs:list`, which lists only folders
 * under the server's allowed roots (home and the project's folder by default). Modes: choose a folder,
 * choose a file (optionally by extension), or name a new file in a folder (save).
 */
import { useCallback, useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import type { FsListing } from '../../../../shared/api/methods-fs';
import { ErrorBox, toShownError, useClient, type ShownError } from '../common';
import { joinPath } from './paths';
import './picker.css';

export type PickMode = 'folder' | 'file' | 'save';

export interface FilePickerProps {
  mode: PickMode;
  title: string;
  /** Files shown (lower case, with the dot); omitted: all. */
  extensions?: string[];
  /** Folder to start in (absolute); omitted or refused: the roots. */
  start?: string | null;
  /** Save mode: the file name proposed. */
  defaultName?: string;
  onPick: (path: string) => void;
  onClose: () => void;
}

export function FilePicker({ mode, title, extensions, start, defaultName = '', onPick, onClose }: FilePickerProps) {
  const client = useClient();
  const [listing, setListing] = useState<FsListing | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState(defaultName);
  const [goTo, setGoTo] = useState('');
  const [error, setError] = useState<ShownError | null>(null);

  const load = useCallback(
    async (path: string | null, quiet = false): Promise<boolean> => {
      try {
        const l = await client.call('fs:list', {
          ...(path ? { path } : {}),
          show: mode === 'folder' ? 'folders' : 'all',
          ...(extensions ? { extensions } : {}),
        });
        setListing(l);
        setSelected(null);
        setError(null);
        setGoTo(l.path ?? '');
        return true;
      } catch (err) {
        if (!quiet) setError(toShownError(err));
        return false;
      }
    },
    [client, mode, extensions],
  );

  useEffect(() => {
    void (async () => {
      if (start && (await load(start, true))) return;
      await load(null);
    })();
    // Only when opened.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const here = listing?.path ?? null;
  const chosen = mode === 'folder' ? here : mode === 'file' ? selected : here && name.trim() ? joinPath(here, name.trim()) : null;
  const saveNameBad = mode === 'save' && /[\\/]/.test(name);

  const go = () => {
    if (goTo.trim()) void load(goTo.trim());
  };

  // In a portal, with no form of its own: the picker opens from inside other forms (New project, Add
  // folder), whose submit must not see its Enter or its buttons. React events still bubble to those
  // components, so they are stopped here.
  return createPortal(
    <div
      className="modal-backdrop picker-backdrop"
      role="presentation"
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Escape') onClose();
      }}
      onSubmit={(e) => e.stopPropagation()}
    >
      <div className="modal-panel picker" role="dialog" aria-modal="true" aria-label={title}>
        <h2>{title}</h2>
        <div className="picker-roots" role="group" aria-label="Places">
          {listing?.roots.map((r) => (
            <button type="button" key={r.path} onClick={() => void load(r.path)} title={r.path} className={here?.startsWith(r.path) ? 'active' : ''}>
              {r.label}
            </button>
          ))}
        </div>
        <div className="picker-go">
          <input
            type="text"
            aria-label="Folder path"
            value={goTo}
            onChange={(e) => setGoTo(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                go();
              }
            }}
            spellCheck={false}
            placeholder="/absolute/folder"
          />
          <button type="button" onClick={go}>
            Go
          </button>
          <button type="button" disabled={!listing?.parent} onClick={() => listing?.parent && void load(listing.parent)} aria-label="Up one folder" title="Up one folder">
            ↑ Up
          </button>
        </div>
        <ErrorBox error={error} />
        <ul className="picker-list" aria-label={here ? `Contents of ${here}` : 'Places'} data-testid="picker-list">
          {listing && listing.entries.length === 0 && <li className="faint">(empty)</li>}
          {listing?.entries.map((e) => (
            <li key={e.path}>
              <button
                type="button"
                className={`picker-entry ${e.kind}${selected === e.path ? ' selected' : ''}`}
                data-kind={e.kind}
                title={e.path}
                onClick={() => {
                  if (e.kind === 'folder') void load(e.path);
                  else if (mode === 'file') setSelected(e.path);
                  else if (mode === 'save') setName(e.name);
                }}
                onDoubleClick={() => {
                  if (e.kind === 'file' && mode === 'file') onPick(e.path);
                }}
              >
                <span aria-hidden="true">{e.kind === 'folder' ? '📁' : '📄'}</span> {e.name}
                {e.size !== null && <span className="faint"> {fmtSize(e.size)}</span>}
              </button>
            </li>
          ))}
        </ul>
        {mode === 'save' && (
          <div className="picker-save">
            <label htmlFor="picker-name">File name</label>
            <input
              id="picker-name"
              type="text"
              value={name}
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') e.preventDefault();
              }}
              spellCheck={false}
            />
          </div>
        )}
        {saveNameBad && <div className="error">A file name, not a path: choose the folder above.</div>}
        <div className="picker-chosen mono" data-testid="picker-chosen">
          {chosen ?? (mode === 'file' ? 'Choose a file' : 'Open a folder')}
        </div>
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={!chosen || saveNameBad} onClick={() => chosen && onPick(chosen)}>
            {mode === 'folder' ? 'Choose this folder' : mode === 'file' ? 'Open' : 'Use this path'}
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}

function fmtSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
