/** The editor's status line: size, cursor position and class (written imperatively), history, status, save state. */
import type { Ref } from 'react';
import type { ImageDetail } from '../../../shared/api/types';
import { STATUS_LABEL } from '../views/common';
import { HISTORY_BUDGET_BYTES } from './core';
import type { SaveState } from './saver';
import type { HistoryInfo } from './useEditorSession';

export function StatusLine({
  detail,
  posRef,
  classRef,
  history,
  saveState,
  author,
}: {
  detail: ImageDetail | null;
  /** Filled by the editor on pointer moves (no re-render). */
  posRef: Ref<HTMLSpanElement>;
  classRef: Ref<HTMLSpanElement>;
  history: HistoryInfo;
  saveState: SaveState;
  author: string;
}) {
  return (
    <div className="viewer-status">
      <span>{detail ? `${detail.width}×${detail.height}` : '—'}</span>
      <span ref={posRef}>—</span>
      <span ref={classRef} data-testid="class-under-cursor">
        —
      </span>
      <span className="spacer" />
      <span title={`History within a budget of ${HISTORY_BUDGET_BYTES / 1048576} MiB`}>
        undo {history.undo} · redo {history.redo} · {formatBytes(history.bytes)}
      </span>
      {detail && <span data-testid="image-status">{STATUS_LABEL[detail.status]}</span>}
      <span data-testid="save-state" className={`save-${saveState.kind}`}>
        {saveText(saveState)}
      </span>
      <span className="dim">{author}</span>
    </div>
  );
}

export function saveText(s: SaveState): string {
  switch (s.kind) {
    case 'saved':
      return s.revisionId === null ? 'no revision yet' : `saved · rev ${s.revisionId}`;
    case 'dirty':
      return 'unsaved changes';
    case 'saving':
      return 'saving…';
    case 'conflict':
      return 'conflict — choose a version';
    case 'error':
      return `not saved: ${s.message}`;
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1048576).toFixed(1)} MiB`;
}
