/**
 * The image's revision history, by per-image number (#1, #2, …; ids stay internal): kind, author,
 * time, message, and whether it is this editing session's working revision (autosaved in place until
 * the image is left or saved). "Save revision…" ends the session's revision now, with an optional
 * message. Pick A and B, show the changes A→B, zoom to them, revert to A.
 */
import { useEffect, useRef, useState } from 'react';
import type { RevisionSummary } from '../../../../shared/api/types';

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
  onSaveRevision,
  saveKey,
  revisions,
  headId,
  diff,
  busy,
  onCompare,
  onClearDiff,
  onZoomDiff,
  onRevert,
}: {
  onSaveRevision: (message: string | null) => Promise<void>;
  saveKey?: string;
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
  const [asking, setAsking] = useState(false);
  const [message, setMessage] = useState('');
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    setSaving(true);
    try {
      await onSaveRevision(message.trim() || null);
      setAsking(false);
      setMessage('');
    } finally {
      setSaving(false);
    }
  };
  const diffRef = useRef<HTMLDivElement>(null);
  // A new comparison: bring its result into view (the panel scrolls).
  useEffect(() => {
    diffRef.current?.scrollIntoView({ block: 'nearest' });
  }, [diff]);
  // Defaults: B = the head, A = the one before it.
  const effB = b ?? headId ?? revisions[0]?.id ?? null;
  const effA = a ?? revisions.find((r) => r.id !== effB)?.id ?? null;
  const numberOf = (id: number) => revisions.find((r) => r.id === id)?.number ?? `?`;
  return (
    <div className="ed-revs" data-testid="revisions">
      <div className="ed-rev-save">
        {!asking ? (
          <button onClick={() => setAsking(true)} title={`Save now as a finished revision, with a message${saveKey ? ` (${saveKey} saves without one)` : ''}`}>
            Save revision…
          </button>
        ) : (
          <form
            aria-label="Save revision"
            onSubmit={(e) => {
              e.preventDefault();
              e.stopPropagation();
              void submit();
            }}
          >
            <input
              type="text"
              aria-label="Revision message"
              placeholder="What changed (optional)"
              value={message}
              autoFocus
              maxLength={2000}
              onChange={(e) => setMessage(e.target.value)}
              onKeyDown={(e) => {
                e.stopPropagation(); // typing is not a shortcut
                if (e.key === 'Escape') setAsking(false);
              }}
            />
            <button type="submit" className="primary" disabled={saving}>
              Save
            </button>
            <button type="button" onClick={() => setAsking(false)} disabled={saving}>
              Cancel
            </button>
          </form>
        )}
      </div>
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
            <tr key={r.id} className={r.id === headId ? 'head' : ''} data-rev={r.id} data-number={r.number} data-state={r.state} title={r.note ?? undefined}>
              <td>
                <input type="radio" name="rev-a" checked={effA === r.id} onChange={() => setA(r.id)} aria-label={`Compare from #${r.number}`} />
              </td>
              <td>
                <input type="radio" name="rev-b" checked={effB === r.id} onChange={() => setB(r.id)} aria-label={`Compare to #${r.number}`} />
              </td>
              <td className="mono" data-testid="rev-number">
                #{r.number}
                {r.id === headId ? '•' : ''}
              </td>
              <td>
                <div>
                  <span className={`kind k-${r.kind}`}>{r.kind}</span> <span data-testid="rev-author">{r.author}</span>
                  {r.state === 'working' && (
                    <span className="rev-working" title="This editing session's revision: autosaves update it until you leave the image or save">
                      {' '}
                      · editing
                    </span>
                  )}
                </div>
                <div className="faint">{shortTime(r.state === 'working' ? r.updatedAt : r.createdAt)}</div>
                {r.note && (
                  <div className="faint note" data-testid="rev-note">
                    {r.note}
                  </div>
                )}
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
            #{numberOf(diff.a)} → #{numberOf(diff.b)}: <b data-testid="diff-count">{diff.count.toLocaleString('en-US')}</b> px changed
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
