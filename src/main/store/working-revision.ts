/**
 * Editing sessions over the revision table (rules: docs/ARCHITECTURE.md, "Revisions").
 *
 * An editor session autosaves into ONE working revision, rewritten in place (each write a committed
 * transaction, so a killed app loses at most the last autosave interval). The session's revision
 * becomes final (immutable) when the session finishes it (image left, explicit save), when anything is
 * written on top of it (`ProjectStore.saveRevision`), when the session comes back after the project's
 * idle time, or when the project is opened again (`finishAllWorking`). A save whose mask equals the
 * session's parent writes nothing (and removes the working revision the session had made).
 */
import { ParselError, type ConflictDetails } from '../../shared/api/errors';
import type { SessionSaveResult } from '../../shared/api/types';
import { decodeMask } from '../../shared/mask/codec';
import type { ProjectStore } from './project-store';
import { storeDb } from './project-store';

export interface SessionSave {
  imageId: number;
  /** The revision the session's mask descends from, as the editor knows it (its working one after the first save). */
  parentId: number | null;
  session: string;
  author: string;
  /** Appended to the revision's note (a line per save that brings one). */
  note: string | null;
  /** Decoded pixels (compared with the parent) and their encoded form (stored). */
  pixels: Uint8Array;
  encoded: { width: number; height: number; encoding: string; data: Uint8Array };
  /** End the session's revision with this save (explicit save): it is final when this returns. */
  finish: boolean;
  /** A working revision not written for this long is not continued: the next save starts a new one. */
  idleMs: number;
  now?: Date;
}

interface HeadRow {
  id: number;
  parent_id: number | null;
  state: 'working' | 'final';
  session: string | null;
  updated_at: string;
  note: string | null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function headOf(store: ProjectStore, imageId: number): { headId: number | null; row: HeadRow | null } {
  const img = storeDb(store).prepare('SELECT head_revision_id AS h FROM image WHERE id = ?').get(imageId) as { h: number | null } | undefined;
  if (!img) throw new ParselError('NOT_FOUND', `image ${imageId} does not exist in this project`);
  if (img.h === null) return { headId: null, row: null };
  const row = storeDb(store).prepare('SELECT id, parent_id, state, session, updated_at, note FROM revision WHERE id = ?').get(img.h) as HeadRow;
  return { headId: img.h, row };
}

/** The pixels of revision `id`; null (no revision) is the editor's blank mask, all 0. */
function pixelsOf(store: ProjectStore, id: number | null, length: number): Uint8Array {
  if (id === null) return new Uint8Array(length);
  return decodeMask(store.revisionMask(id));
}

function conflict(imageId: number, parentId: number | null, headId: number | null, store: ProjectStore): ParselError {
  const details: ConflictDetails = { imageId, expectedParentId: parentId, headRevisionId: headId };
  const num = headId === null ? 'none' : `#${store.getRevision(headId).number}`;
  return new ParselError(
    'CONFLICT',
    `image ${imageId} changed since it was loaded: its head is revision ${num} (id ${headId ?? 'none'}), not id ${parentId ?? 'none'}`,
    details,
  );
}

function appendNote(old: string | null, add: string | null): string | null {
  if (add === null || add.trim() === '') return old;
  if (old === null || old === '') return add;
  return old.split('\n').includes(add) ? old : `${old}\n${add}`;
}

/** One autosave or explicit save of an editing session; one IMMEDIATE transaction. */
export function saveSession(store: ProjectStore, r: SessionSave): SessionSaveResult {
  const now = (r.now ?? new Date()).toISOString();
  const nowMs = Date.parse(now);
  const db = storeDb(store);
  const run = db.transaction((): { outcome: SessionSaveResult['outcome']; revisionId: number | null } => {
    const { headId, row } = headOf(store, r.imageId);
    if (headId !== r.parentId) throw conflict(r.imageId, r.parentId, headId, store);
    const ours =
      row !== null && row.state === 'working' && row.session === r.session && Date.parse(row.updated_at) + r.idleMs > nowMs;
    // The session's parent: what its working revision descends from, or the head it starts on.
    const base = ours ? row.parent_id : headId;
    const unchanged = sameBytes(r.pixels, pixelsOf(store, base, r.pixels.length));
    if (ours) {
      if (unchanged) {
        // Back to the parent: the working revision goes, unless something already refers to it (a scan's
        // flags, a detached revision): then it stays, rewritten to the parent's mask.
        try {
          db.transaction(() => {
            db.prepare('UPDATE image SET head_revision_id = ? WHERE id = ?').run(base, r.imageId);
            db.prepare('DELETE FROM revision WHERE id = ?').run(row.id);
          })();
          return { outcome: 'discarded', revisionId: base };
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') throw err;
        }
      }
      db.prepare(
        `UPDATE revision SET mask = ?, encoding = ?, note = ?, updated_at = ?, state = ? WHERE id = ?`,
      ).run(r.encoded.data, r.encoded.encoding, appendNote(row.note, r.note), now, r.finish ? 'final' : 'working', row.id);
      return { outcome: 'updated', revisionId: row.id };
    }
    if (unchanged) return { outcome: 'unchanged', revisionId: headId };
    const saved = store.saveRevision({
      imageId: r.imageId,
      parentId: headId,
      kind: 'human',
      author: r.author,
      note: r.note,
      width: r.encoded.width,
      height: r.encoded.height,
      encoding: r.encoded.encoding,
      mask: r.encoded.data,
      ...(r.finish ? {} : { session: r.session }),
      now,
    });
    return { outcome: 'created', revisionId: saved.id };
  });
  const { outcome, revisionId } = run.immediate();
  return {
    outcome,
    revision: revisionId === null ? null : store.getRevision(revisionId),
    headRevisionId: store.getImage(r.imageId).headRevisionId,
  };
}

/**
 * Ends the session's working revision on this image (image left, idle): it becomes final. Nothing to do
 * (null) when the head is not this session's working revision.
 */
export function finishSession(store: ProjectStore, imageId: number, session: string): SessionSaveResult {
  const run = storeDb(store).transaction((): number | null => {
    const { row } = headOf(store, imageId);
    if (!row || row.state !== 'working' || row.session !== session) return null;
    storeDb(store).prepare(`UPDATE revision SET state = 'final' WHERE id = ?`).run(row.id);
    return row.id;
  });
  const id = run.immediate();
  const headRevisionId = store.getImage(imageId).headRevisionId;
  return {
    outcome: id === null ? 'unchanged' : 'updated',
    revision: headRevisionId === null ? null : store.getRevision(headRevisionId),
    headRevisionId,
  };
}

/** Every working revision becomes final (on opening a project: no session of an earlier run continues). */
export function finishAllWorking(store: ProjectStore): number {
  // Read first (partial index): opening a project with nothing working writes nothing.
  const ids = storeDb(store).prepare(`SELECT id FROM revision WHERE state = 'working'`).pluck().all() as number[];
  if (ids.length === 0) return 0;
  const fin = storeDb(store).prepare(`UPDATE revision SET state = 'final' WHERE id = ?`);
  storeDb(store).transaction(() => ids.forEach((id) => fin.run(id))).immediate();
  return ids.length;
}
