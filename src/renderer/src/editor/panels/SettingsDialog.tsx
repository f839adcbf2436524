/** The settings dialog: author, autosave delay, brush defaults and the shortcut map (conflicts shown). */
import { useMemo, useState } from 'react';
import type { LabelSchema } from '../../../../shared/api/types';
import {
  comboOfEvent,
  defaultShortcuts,
  findConflicts,
  normalizeCombo,
  resolveShortcuts,
  SHORTCUT_ACTIONS,
  type Settings,
  type ShortcutMap,
} from '../../../../shared/settings';
import { ErrorBox, toShownError, type ShownError } from '../../views/common';
import { titleOf } from './shortcutText';

export function SettingsDialog({
  settings,
  schema,
  onSave,
  onClose,
}: {
  settings: Settings;
  schema: LabelSchema | null;
  onSave: (patch: Partial<Settings>) => Promise<void>;
  onClose: () => void;
}) {
  const [author, setAuthor] = useState(settings.authorName);
  const [autosave, setAutosave] = useState(String(settings.autosaveMs));
  const [size, setSize] = useState(String(settings.brush.size));
  const [shape, setShape] = useState(settings.brush.shape);
  const [map, setMap] = useState<ShortcutMap>(() => resolveShortcuts(settings.shortcuts));
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const defaults = useMemo(defaultShortcuts, []);
  const conflicts = useMemo(() => findConflicts(map), [map]);
  const conflicted = new Set(conflicts.flatMap((c) => c.actions));
  const actions = [...SHORTCUT_ACTIONS, ...(schema?.classes ?? []).map((c) => `class.${c.index}`)];

  const save = async () => {
    setBusy(true);
    setError(null);
    const overrides: ShortcutMap = {};
    for (const a of actions) {
      const now = map[a] ?? [];
      const def = defaults[a] ?? [];
      if (now.join(',') !== def.join(',')) overrides[a] = now;
    }
    try {
      await onSave({
        authorName: author,
        autosaveMs: Number(autosave),
        brush: { size: Number(size), shape },
        shortcuts: overrides,
      });
      onClose();
    } catch (err) {
      setError(toShownError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="ed-modal-back">
      <div className="ed-modal ed-settings" role="dialog" aria-label="Settings" data-testid="settings">
        <div className="ed-modal-head">
          <h2>Settings</h2>
          <button onClick={onClose}>Cancel</button>
          <button className="primary" onClick={() => void save()} disabled={busy || conflicts.length > 0}>
            Save
          </button>
        </div>
        <div className="ed-form">
          <label>
            Author name (on your revisions)
            <input type="text" value={author} onChange={(e) => setAuthor(e.target.value)} aria-label="Author name" />
          </label>
          <label>
            Autosave after idle (ms)
            <input type="text" inputMode="numeric" value={autosave} onChange={(e) => setAutosave(e.target.value)} />
          </label>
          <label>
            Default brush size (px)
            <input type="text" inputMode="numeric" value={size} onChange={(e) => setSize(e.target.value)} />
          </label>
          <label>
            Default brush shape
            <select value={shape} onChange={(e) => setShape(e.target.value as 'round' | 'square')}>
              <option value="round">round</option>
              <option value="square">square</option>
            </select>
          </label>
        </div>
        <h3>
          Shortcuts <span className="faint">— click a field and press the keys; Backspace clears; Tab moves on</span>
        </h3>
        {conflicts.length > 0 && (
          <div className="error" role="alert">
            {conflicts.map((c) => `${c.combo} is bound to ${c.actions.map((a) => titleOf(a, schema)).join(' and ')}`).join('; ')}
          </div>
        )}
        <ErrorBox error={error} />
        <div className="ed-keys">
          {actions.map((a) => (
            <label key={a} className={conflicted.has(a) ? 'conflict' : ''}>
              <span>{titleOf(a, schema)}</span>
              <input
                type="text"
                readOnly
                value={(map[a] ?? []).join(', ')}
                aria-label={`Shortcut for ${titleOf(a, schema)}`}
                onKeyDown={(e) => {
                  if (e.key === 'Tab') return;
                  e.preventDefault();
                  e.stopPropagation();
                  if (e.key === 'Backspace' || e.key === 'Delete') {
                    setMap({ ...map, [a]: [] });
                    return;
                  }
                  const c = comboOfEvent(e.nativeEvent);
                  if (c && normalizeCombo(c)) setMap({ ...map, [a]: [c] });
                }}
              />
              {(map[a] ?? []).join(',') !== (defaults[a] ?? []).join(',') && (
                <button className="link" onClick={() => setMap({ ...map, [a]: defaults[a] ?? [] })} title="Back to the default">
                  reset
                </button>
              )}
            </label>
          ))}
        </div>
      </div>
    </div>
  );
}
