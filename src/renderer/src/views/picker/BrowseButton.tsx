/**
 * "Browse…" next to a path field: the native dialog in Electron (`dialog:pick`), the server-side
 * picker (FilePicker over `fs:list`) in browser mode. And the base a typed relative path is read
 * against, shown under the field (`usePathBase`, `PathBaseHint`).
 */
import { useEffect, useState } from 'react';
import { toShownError, useClient, type ShownError } from '../common';
import { FilePicker, type PickMode } from './FilePicker';
import { dirOf, isAbsolutePath } from './paths';

type NativeKind = 'openProject' | 'saveProject' | 'folder' | 'model';

const MODE: Record<NativeKind, { mode: PickMode; title: string; extensions?: string[]; defaultName?: string }> = {
  openProject: { mode: 'file', title: 'Open a project', extensions: ['.parsel'] },
  saveProject: { mode: 'save', title: 'New project file', defaultName: 'project.parsel' },
  folder: { mode: 'folder', title: 'Choose a folder' },
  model: { mode: 'file', title: 'Choose a model', extensions: ['.onnx'] },
};

export function BrowseButton({
  kind,
  native,
  value,
  onPick,
  onError,
  disabled,
  label = 'Browse…',
}: {
  kind: NativeKind;
  native: boolean;
  /** The field's current text: the picker starts in its folder when it is absolute. */
  value: string;
  onPick: (path: string) => void;
  onError: (e: ShownError | null) => void;
  disabled?: boolean;
  label?: string;
}) {
  const client = useClient();
  const [open, setOpen] = useState(false);
  const m = MODE[kind];
  const v = value.trim();
  const start = v && isAbsolutePath(v) ? (m.mode === 'folder' ? v : dirOf(v)) : null;
  return (
    <>
      <button
        type="button"
        disabled={disabled}
        onClick={async () => {
          if (!native) {
            setOpen(true);
            return;
          }
          try {
            const r = await client.call('dialog:pick', { kind });
            if (r.path) onPick(r.path);
          } catch (e) {
            onError(toShownError(e));
          }
        }}
      >
        {label}
      </button>
      {open && (
        <FilePicker
          mode={m.mode}
          title={m.title}
          extensions={m.extensions}
          defaultName={m.defaultName}
          start={start}
          onClose={() => setOpen(false)}
          onPick={(p) => {
            setOpen(false);
            onPick(p);
          }}
        />
      )}
    </>
  );
}

/** The folder typed relative paths are read against: the open project's folder, else the home folder. */
export function usePathBase(): string | null {
  const client = useClient();
  const [base, setBase] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    client
      .call('fs:list', { show: 'folders' })
      .then((l) => live && setBase(l.base))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [client]);
  return base;
}

export function PathBaseHint({ base, value }: { base: string | null; value: string }) {
  if (!base) return null;
  const v = value.trim();
  return (
    <div className="faint path-base" data-testid="path-base">
      {v && !isAbsolutePath(v) ? (
        <>
          Relative to <span className="mono">{base}</span>
        </>
      ) : (
        <>
          Relative paths are read from <span className="mono">{base}</span>
        </>
      )}
    </div>
  );
}
