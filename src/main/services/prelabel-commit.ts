/**
 * One pre-labelled image, committed in ONE transaction: the cached prediction, a `model` revision
 * (unless the image has someone's work and the job is not forced; its parent is the head read in the
 * same transaction, so the conflict rule holds), the image status move (saveRevision), and the job
 * item's completion with the job's counter. Runs in the writer thread (prelabel-writer.ts), so the
 * blob write and its fsync never block the main thread.
 */
import type { EncodedMask } from '../../shared/api/types';
import type { ProjectStore } from '../store/project-store';
import { writePrediction, type PredictionRow } from './predictions';

/** Revision kinds a pre-label never writes over unless forced: someone's work. */
const PROTECTED_KINDS = "('human','import','fix','merge')";

/** The prediction row of the item, and what the job writes besides. */
export interface ItemWrite extends PredictionRow {
  jobId: number;
  /** Probability planes deflated with `deflateProbs`, and their raw length (K·H·W). */
  deflated: Uint8Array;
  rawLength: number;
  force: boolean;
  author: string;
  note: string;
  mask: EncodedMask;
}

/** 'done': model revision written; 'skipped': prediction cached, someone's revision kept; 'stale': the item was not 'todo'. */
export type ItemOutcome = 'done' | 'skipped' | 'stale';

export function commitItem(store: ProjectStore, w: ItemWrite): ItemOutcome {
  const db = store.db;
  return db
    .transaction((): ItemOutcome => {
      const item = db.prepare('SELECT state FROM job_item WHERE job_id = ? AND image_id = ?').get(w.jobId, w.imageId) as { state: string } | undefined;
      // Another run of this job already did it (cannot happen with one writer per job; cheap to guard).
      if (item?.state !== 'todo') return 'stale';
      writePrediction(store, w, { deflated: w.deflated, rawLength: w.rawLength });
      const keep = !w.force && db.prepare(`SELECT 1 FROM revision WHERE image_id = ? AND kind IN ${PROTECTED_KINDS} LIMIT 1`).get(w.imageId) !== undefined;
      if (!keep) {
        const parentId = (db.prepare('SELECT head_revision_id AS h FROM image WHERE id = ?').get(w.imageId) as { h: number | null }).h;
        store.saveRevision({ imageId: w.imageId, parentId, kind: 'model', author: w.author, note: w.note, width: w.mask.width, height: w.mask.height, encoding: w.mask.encoding, mask: w.mask.data });
      }
      const outcome: ItemOutcome = keep ? 'skipped' : 'done';
      db.prepare('UPDATE job_item SET state = ?, error = NULL WHERE job_id = ? AND image_id = ?').run(outcome, w.jobId, w.imageId);
      db.prepare('UPDATE job SET done = done + 1, updated_at = ? WHERE id = ?').run(new Date().toISOString(), w.jobId);
      return outcome;
    })
    .immediate();
}

/** Marks a 'todo' item failed with its reason; false when it was not 'todo'. */
export function commitFailure(store: ProjectStore, jobId: number, imageId: number, error: string): boolean {
  const db = store.db;
  return db
    .transaction((): boolean => {
      const n = db.prepare("UPDATE job_item SET state = 'failed', error = ? WHERE job_id = ? AND image_id = ? AND state = 'todo'").run(error, jobId, imageId).changes;
      if (n) db.prepare('UPDATE job SET failed = failed + 1, updated_at = ? WHERE id = ?').run(new Date().toISOString(), jobId);
      return n > 0;
    })
    .immediate();
}

/**
 * Marks a 'todo' item skipped with its reason (e.g. "no face box drawn"): nothing predicted, nothing
 * written to the image; counted as finished (done) so the job completes. False when it was not 'todo'.
 */
export function commitSkip(store: ProjectStore, jobId: number, imageId: number, reason: string): boolean {
  const db = store.db;
  return db
    .transaction((): boolean => {
      const n = db.prepare("UPDATE job_item SET state = 'skipped', error = ? WHERE job_id = ? AND image_id = ? AND state = 'todo'").run(reason, jobId, imageId).changes;
      if (n) db.prepare('UPDATE job SET done = done + 1, updated_at = ? WHERE id = ?').run(new Date().toISOString(), jobId);
      return n > 0;
    })
    .immediate();
}
