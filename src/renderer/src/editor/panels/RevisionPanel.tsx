/** The image's revision history: pick A and B, show the changes A→B, zoom to them, revert to A. */
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
