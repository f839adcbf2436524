/** Someone else saved the image while it was edited here: keep mine (on top) or take theirs. */
import type { RevisionSummary } from '../../../../shared/api/types';
import { ErrorBox, type ShownError } from '../../views/common';
import { MaskThumb } from './MaskThumb';

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
