/** The editor's dialogs and side panels: help overlay, settings, revision history, conflict choice. */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { LabelSchema, RevisionSummary } from '../../../shared/api/types';
import {
  ACTION_TITLES,
  comboOfEvent,
  defaultShortcuts,
  findConflicts,
  normalizeCombo,
  resolveShortcuts,
  SHORTCUT_ACTIONS,
  type Settings,
  type ShortcutMap,
} from '../../../shared/settings';
import { ErrorBox, toShownError, type ShownError } from '../views/common';

const GROUPS: { title: string; actions: string[] }[] = [
  { title: 'Tools', actions: ['tool.brush', 'tool.eraser', 'tool.fill', 'tool.polygon', 'tool.pick', 'tool.lasso', 'tool.rect', 'tool.faceBox'] },
  {
    title: 'Tool options',
    actions: ['brush.smaller', 'brush.larger', 'brush.shape', 'polygon.mode', 'fill.connectivity', 'selection.reassign'],
  },
  { title: 'Edit', actions: ['edit.undo', 'edit.redo', 'edit.save', 'status.toggleDone'] },
  {
    title: 'View',
    actions: ['view.fit', 'view.actual', 'view.zoomIn', 'view.zoomOut', 'view.hideMask', 'view.outline', 'view.grid'],
  },
  { title: 'Images', actions: ['nav.next', 'nav.previous', 'help'] },
];

function titleOf(action: string, schema: LabelSchema | null): string {
  const m = /^class\.(\d+)$/.exec(action);
  if (m) {
    const c = schema?.classes.find((k) => k.index === Number(m[1]));
    return c ? `Class ${c.index} ${c.title}` : `Class ${m[1]}`;
  }
  return ACTION_TITLES[action as keyof typeof ACTION_TITLES] ?? action;
}

function Combos({ combos }: { combos: string[] | undefined }) {
  if (!combos || combos.length === 0) return <span className="faint">—</span>;
  return (
    <>
      {combos.map((c, i) => (
        <span key={c}>
          {i > 0 && ' '}
          <kbd>{c}</kbd>
        </span>
      ))}
    </>
  );
}

export function HelpOverlay({ shortcuts, schema, onClose }: { shortcuts: ShortcutMap; schema: LabelSchema | null; onClose: () => void }) {
  const classes = schema?.classes ?? [];
  return (
    <div className="ed-modal-back" onClick={onClose}>
      <div className="ed-modal ed-help" role="dialog" aria-label="Keyboard help" data-testid="help" onClick={(e) => e.stopPropagation()}>
        <div className="ed-modal-head">
          <h2>Keyboard</h2>
          <button onClick={onClose}>Close (Esc)</button>
        </div>
        <div className="ed-help-cols">
          {GROUPS.map((g) => (
            <section key={g.title}>
              <h3>{g.title}</h3>
              <table>
                <tbody>
                  {g.actions.map((a) => (
                    <tr key={a}>
                      <td>{titleOf(a, schema)}</td>
                      <td>
                        <Combos combos={shortcuts[a]} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
          <section>
            <h3>Classes</h3>
            <table>
              <tbody>
                {classes.map((c) => (
                  <tr key={c.index}>
                    <td>
                      {c.index} {c.title}
                    </td>
                    <td>
                      <Combos combos={shortcuts[`class.${c.index}`]} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section>
            <h3>Mouse</h3>
            <table className="mouse">
              <tbody>
                <tr>
                  <td>Zoom around the cursor</td>
                  <td>wheel</td>
                </tr>
                <tr>
                  <td>Pan</td>
                  <td>
                    <kbd>Space</kbd>+drag, middle drag
                  </td>
                </tr>
                <tr>
                  <td>Pick class (brush, eraser)</td>
                  <td>
                    <kbd>Alt</kbd>+click
                  </td>
                </tr>
                <tr>
                  <td>Polygon: close / drop vertex / cancel</td>
                  <td>
                    click 1st vertex, double-click, <kbd>Enter</kbd> / <kbd>Backspace</kbd> / <kbd>Escape</kbd>
                  </td>
                </tr>
                <tr>
                  <td>Clear selection, else back to grid</td>
                  <td>
                    <kbd>Escape</kbd>
                  </td>
                </tr>
              </tbody>
            </table>
          </section>
        </div>
      </div>
    </div>
  );
}

// ---- settings -----------------------------------------------------------------------------------------

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

// ---- revisions ----------------------------------------------------------------------------------------

export interface DiffInfo {
  a: number;
  b: number;
  count: number;
  rect: { x0: number; y0: number; x1: number; y1: number } | null;
}

function shortTime(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return d.toDateString() === today.toDateString() ? hm : `${d.toLocaleDateString()} ${hm}`;
}

export function RevisionPanel({
  revisions,
  headId,
  diff,
  busy,
  onCompare,
  onClearDiff,
  onZoomDiff,
  onRevert,
}: {
  revisions: RevisionSummary[];
  headId: number | null;
  diff: DiffInfo | null;
  busy: boolean;
  onCompare: (a: number, b: number) => void;
  onClearDiff: () => void;
  onZoomDiff: () => void;
  onRevert: (id: number) => void;
}) {
  const [a, setA] = useState<number | null>(null);
  const [b, setB] = useState<number | null>(null);
  const diffRef = useRef<HTMLDivElement>(null);
  // A new comparison: bring its result into view (the panel scrolls).
  useEffect(() => {
    diffRef.current?.scrollIntoView({ block: 'nearest' });
  }, [diff]);
  // Defaults: B = the head, A = the one before it.
  const effB = b ?? headId ?? revisions[0]?.id ?? null;
  const effA = a ?? revisions.find((r) => r.id !== effB)?.id ?? null;
  return (
    <div className="ed-revs" data-testid="revisions">
      <table>
        <thead>
          <tr>
            <th title="Compare from">A</th>
            <th title="Compare to">B</th>
            <th>#</th>
            <th>kind · author</th>
          </tr>
        </thead>
        <tbody>
          {revisions.map((r) => (
            <tr key={r.id} className={r.id === headId ? 'head' : ''} data-rev={r.id} title={r.note ?? undefined}>
              <td>
                <input type="radio" name="rev-a" checked={effA === r.id} onChange={() => setA(r.id)} aria-label={`Compare from #${r.id}`} />
              </td>
              <td>
                <input type="radio" name="rev-b" checked={effB === r.id} onChange={() => setB(r.id)} aria-label={`Compare to #${r.id}`} />
              </td>
              <td className="mono">
                {r.id}
                {r.id === headId ? '•' : ''}
              </td>
              <td>
                <div>
                  <span className={`kind k-${r.kind}`}>{r.kind}</span> {r.author}
                </div>
                <div className="faint">{shortTime(r.createdAt)}</div>
                {r.note && <div className="faint note">{r.note}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {revisions.length === 0 && <div className="faint">No revisions yet.</div>}
      <div className="ed-rev-actions">
        <button disabled={busy || effA === null || effB === null || effA === effB} onClick={() => onCompare(effA!, effB!)}>
          Show changes A→B
        </button>
        <button
          disabled={busy || effA === null || effA === headId}
          onClick={() => onRevert(effA!)}
          title="Save revision A's mask as a new revision on top of the head"
        >
          Revert to A
        </button>
      </div>
      {diff && (
        <div className="ed-diff" data-testid="diff" ref={diffRef}>
          <div>
            #{diff.a} → #{diff.b}: <b data-testid="diff-count">{diff.count.toLocaleString('en-US')}</b> px changed
            {diff.rect && (
              <span className="faint">
                {' '}
                in x {diff.rect.x0}–{diff.rect.x1 - 1}, y {diff.rect.y0}–{diff.rect.y1 - 1}
              </span>
            )}
          </div>
          <div className="row">
            <button onClick={onZoomDiff} disabled={!diff.rect}>
              Zoom to changes
            </button>
            <button onClick={onClearDiff}>Hide</button>
          </div>
        </div>
      )}
    </div>
  );
}

// ---- conflict -----------------------------------------------------------------------------------------

/** Draws the photo with a mask over it (LUT colours at 60 %), scaled to fit `max` CSS pixels. */
function MaskThumb({ img, mask, width, height, lut, label }: { img: HTMLImageElement | null; mask: Uint8Array; width: number; height: number; lut: Uint32Array; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const scale = Math.min(1, 320 / Math.max(width, height));
    c.width = Math.round(width * scale);
    c.height = Math.round(height * scale);
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const off = document.createElement('canvas');
    off.width = width;
    off.height = height;
    const octx = off.getContext('2d');
    if (!octx) return;
    const id = octx.createImageData(width, height);
    const px = new Uint32Array(id.data.buffer);
    for (let i = 0; i < mask.length; i++) px[i] = lut[mask[i]];
    octx.putImageData(id, 0, 0);
    if (img) ctx.drawImage(img, 0, 0, c.width, c.height);
    ctx.globalAlpha = 0.6;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, c.width, c.height);
  }, [img, mask, width, height, lut]);
  return (
    <figure>
      <canvas ref={ref} aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

export interface ConflictInfo {
  headRevisionId: number | null;
  head: RevisionSummary | null;
  theirs: Uint8Array | null;
  changed: number | null;
}

export function ConflictDialog({
  info,
  mine,
  width,
  height,
  img,
  lut,
  busy,
  error,
  onKeepMine,
  onTakeTheirs,
}: {
  info: ConflictInfo;
  mine: Uint8Array;
  width: number;
  height: number;
  img: HTMLImageElement | null;
  lut: Uint32Array;
  busy: boolean;
  error: ShownError | null;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
}) {
  const h = info.head;
  return (
    <div className="ed-modal-back">
      <div className="ed-modal ed-conflict" role="dialog" aria-label="Conflict" data-testid="conflict">
        <div className="ed-modal-head">
          <h2>Someone else saved this image</h2>
        </div>
        <p>
          While you were editing, revision <b>#{info.headRevisionId ?? '—'}</b>
          {h && (
            <>
              {' '}
              ({h.kind} by {h.author}, {new Date(h.createdAt).toLocaleTimeString()})
            </>
          )}{' '}
          became the head. Your changes were not written over it.
          {info.changed !== null && (
            <>
              {' '}
              The two versions differ in <b data-testid="conflict-changed">{info.changed.toLocaleString('en-US')}</b> pixels.
            </>
          )}
        </p>
        <div className="ed-conflict-views">
          <MaskThumb img={img} mask={mine} width={width} height={height} lut={lut} label="Mine (this window)" />
          {info.theirs ? (
            <MaskThumb img={img} mask={info.theirs} width={width} height={height} lut={lut} label={`Theirs (#${info.headRevisionId})`} />
          ) : (
            <figure className="faint">loading theirs…</figure>
          )}
        </div>
        <ErrorBox error={error} />
        <div className="ed-modal-foot">
          <button className="primary" disabled={busy} onClick={onKeepMine} title="Save my mask as a new revision on top of theirs">
            Keep mine (new revision on top)
          </button>
          <button disabled={busy || !info.theirs} onClick={onTakeTheirs} title="Mine is kept in the history (not the head); Ctrl+Z brings it back">
            Take theirs (mine kept in history)
          </button>
        </div>
      </div>
    </div>
  );
}
