/**
 * One pre-labelled image, committed in ONE transaction: the cached prediction, a `model` revision
 * (unless the image has someone's work and the job is not forced; its parent is the head read in the
 * same transaction, so the conflict rule holds), the image status move (saveRevision), and the job
 * item's completion with the job's counter. Runs in the writer thread (prelabel-writer.ts), so the
 * blob write and its fsync never block the main thread.
 */
import type { EncodedMask, RevisionKind } from '../../shared/api/types';
import type { ProjectStore } from '../store/project-store';
import { writePrediction, type PredictionRow } from './predictions';

/** Revision kinds a pre-label never writes over unless forced: someone's work. */
const PROTECTED_KINDS: RevisionKind[] = ['human', 'import', 'fix', 'merge'];

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
  return store.transaction((): ItemOutcome => {
    // Another run of this job already did it (cannot happen with one writer per job; cheap to guard).
    if (store.jobs.itemState(w.jobId, w.imageId) !== 'todo') return 'stale';
    writePrediction(store, w, { deflated: w.deflated, rawLength: w.rawLength });
    const keep = !w.force && store.hasRevisionOfKinds(w.imageId, PROTECTED_KINDS);
    if (!keep) {
      const parentId = store.imageRow(w.imageId)?.head_revision_id ?? null;
      store.saveRevision({ imageId: w.imageId, parentId, kind: 'model', author: w.author, note: w.note, width: w.mask.width, height: w.mask.height, encoding: w.mask.encoding, mask: w.mask.data });
    }
    const outcome: ItemOutcome = keep ? 'skipped' : 'done';
    store.jobs.finishItem(w.jobId, w.imageId, outcome, new Date().toISOString());
    return outcome;
  });
}

/** Marks a 'todo' item failed with its reason; false when it was not 'todo'. */
export function commitFailure(store: ProjectStore, jobId: number, imageId: number, error: string): boolean {
  return store.transaction(() => store.jobs.endTodo(jobId, imageId, 'failed', error, new Date().toISOString()));
}

/**
 * Marks a 'todo' item skipped with its reason (e.g. "no face box drawn"): nothing predicted, nothing
 * written to the image; counted as finished (done) so the job completes. False when it was not 'todo'.
 */
export function commitSkip(store: ProjectStore, jobId: number, imageId: number, reason: string): boolean {
  return store.transaction(() => store.jobs.endTodo(jobId, imageId, 'skipped', reason, new Date().toISOString()));
}
