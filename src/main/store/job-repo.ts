/**
 * Jobs and their items (migration 5 `job`, `job_item`): pre-labelling runs that resume exactly where a
 * killed process stopped. The spec JSON is decoded here, once, with zod.
 */
import { z } from 'zod';
import { ParselError } from '../../shared/api/errors';
import { JOB_STATUSES, type JobStatus } from '../../shared/api/methods-models';
import type { Db } from './db';
import { decodeJsonColumn } from './json-column';

/** A job's spec as stored (pre-labelling: services/prelabel.ts). */
export const jobSpecSchema = z.looseObject({
  modelSetId: z.number().int(),
  force: z.boolean(),
  providers: z.array(z.string()).optional(),
  /** The latest run: who runs it (a resume refuses while that process is alive) and its provider. */
  run: z.object({ pid: z.number().int(), host: z.string(), startedAt: z.string(), provider: z.string(), warnings: z.array(z.string()) }).optional(),
});
export type JobSpec = z.infer<typeof jobSpecSchema>;

export interface JobEntry {
  id: number;
  kind: string;
  spec: JobSpec;
  status: JobStatus;
  total: number;
  done: number;
  failed: number;
  message: string | null;
  created_at: string;
  updated_at: string;
}

interface JobRow extends Omit<JobEntry, 'spec'> {
  spec: string;
}

/** An item still to do, with its image. */
export interface TodoRow {
  image_id: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
}

export type ItemState = 'todo' | 'done' | 'skipped' | 'failed';

function toJob(r: JobRow): JobEntry {
  const spec = decodeJsonColumn(jobSpecSchema, r.spec, `job ${r.id}: stored spec`, { jobId: r.id });
  if (!(JOB_STATUSES as readonly string[]).includes(r.status)) throw new ParselError('INVALID_INPUT', `job ${r.id}: unknown status "${r.status}"`, { jobId: r.id });
  return { ...r, spec };
}

export class JobRepo {
  constructor(private readonly db: Db) {}

  /** A new job with one 'todo' item per image. Run inside the caller's write transaction. */
  create(kind: string, spec: JobSpec, imageIds: readonly number[], at: string): number {
    const id = Number(
      this.db
        .prepare("INSERT INTO job(kind, spec, status, total, done, failed, created_at, updated_at) VALUES (?, ?, 'pending', ?, 0, 0, ?, ?)")
        .run(kind, JSON.stringify(spec), imageIds.length, at, at).lastInsertRowid,
    );
    const ins = this.db.prepare("INSERT INTO job_item(job_id, image_id, state) VALUES (?, ?, 'todo')");
    for (const i of imageIds) ins.run(id, i);
    return id;
  }

  /** The job, or NOT_FOUND. */
  get(id: number): JobEntry {
    const r = this.db.prepare('SELECT * FROM job WHERE id = ?').get(id) as JobRow | undefined;
    if (!r) throw new ParselError('NOT_FOUND', `job ${id} does not exist in this project`, { jobId: id });
    return toJob(r);
  }

  /** Jobs (of one kind), newest first. */
  list(kind?: string): JobEntry[] {
    const rows = (kind ? this.db.prepare('SELECT * FROM job WHERE kind = ? ORDER BY id DESC').all(kind) : this.db.prepare('SELECT * FROM job ORDER BY id DESC').all()) as JobRow[];
    return rows.map(toJob);
  }

  counters(id: number): { total: number; done: number; failed: number } {
    return this.db.prepare('SELECT total, done, failed FROM job WHERE id = ?').get(id) as { total: number; done: number; failed: number };
  }

  /** Number of the job's items per state. */
  itemStates(id: number): Map<string, number> {
    return new Map((this.db.prepare('SELECT state, count(*) AS n FROM job_item WHERE job_id = ? GROUP BY state').all(id) as { state: string; n: number }[]).map((s) => [s.state, s.n]));
  }

  todoCount(id: number): number {
    return this.db.prepare("SELECT count(*) FROM job_item WHERE job_id = ? AND state = 'todo'").pluck().get(id) as number;
  }

  /** The first `limit` failed items with their errors, by image id. */
  failures(id: number, limit: number): { imageId: number; error: string }[] {
    return (this.db.prepare("SELECT image_id, error FROM job_item WHERE job_id = ? AND state = 'failed' ORDER BY image_id LIMIT ?").all(id, limit) as { image_id: number; error: string | null }[]).map((f) => ({
      imageId: f.image_id,
      error: f.error ?? '',
    }));
  }

  /** The first `limit` items skipped with a reason, by image id. */
  skips(id: number, limit: number): { imageId: number; reason: string }[] {
    return (this.db.prepare("SELECT image_id, error FROM job_item WHERE job_id = ? AND state = 'skipped' AND error IS NOT NULL ORDER BY image_id LIMIT ?").all(id, limit) as { image_id: number; error: string }[]).map((f) => ({
      imageId: f.image_id,
      reason: f.error,
    }));
  }

  /** Skip reasons with their image counts, by reason. */
  skipReasons(id: number): { reason: string; images: number }[] {
    return this.db.prepare("SELECT error AS reason, count(*) AS images FROM job_item WHERE job_id = ? AND state = 'skipped' AND error IS NOT NULL GROUP BY error ORDER BY error").all(id) as { reason: string; images: number }[];
  }

  /** Up to `limit` 'todo' items after image id `after`, with their images. */
  todoPage(id: number, after: number, limit: number): TodoRow[] {
    return this.db
      .prepare(
        `SELECT ji.image_id, i.path, i.sha256, i.width, i.height FROM job_item ji JOIN image i ON i.id = ji.image_id
         WHERE ji.job_id = ? AND ji.state = 'todo' AND ji.image_id > ? ORDER BY ji.image_id LIMIT ?`,
      )
      .all(id, after, limit) as TodoRow[];
  }

  /** The job's failed items become 'todo' again (the failure count drops by as many); how many. Inside a transaction. */
  retryFailed(id: number, at: string): number {
    const n = this.db.prepare("UPDATE job_item SET state = 'todo', error = NULL WHERE job_id = ? AND state = 'failed'").run(id).changes;
    if (n > 0) this.db.prepare('UPDATE job SET failed = failed - ?, updated_at = ? WHERE id = ?').run(n, at, id);
    return n;
  }

  /** A job of `kind` left pending/running/paused becomes cancelled; false when it was none of those. */
  cancelIdle(id: number, kind: string, at: string): boolean {
    return this.db.prepare("UPDATE job SET status = 'cancelled', updated_at = ? WHERE id = ? AND kind = ? AND status IN ('pending','running','paused')").run(at, id, kind).changes > 0;
  }

  setStatus(id: number, status: JobStatus, message: string | null, at: string): void {
    this.db.prepare('UPDATE job SET status = ?, message = ?, updated_at = ? WHERE id = ?').run(status, message, at, id);
  }

  /** The job runs (again) with this spec (its `run` filled in). */
  markRunning(id: number, spec: JobSpec, at: string): void {
    this.db.prepare("UPDATE job SET status = 'running', spec = ?, message = NULL, updated_at = ? WHERE id = ?").run(JSON.stringify(spec), at, id);
  }

  itemState(id: number, imageId: number): ItemState | null {
    return (this.db.prepare('SELECT state FROM job_item WHERE job_id = ? AND image_id = ?').pluck().get(id, imageId) as ItemState | undefined) ?? null;
  }

  /** A finished item ('done' or 'skipped' after a prediction) counts towards `done`. Inside a transaction. */
  finishItem(id: number, imageId: number, state: 'done' | 'skipped', at: string): void {
    this.db.prepare('UPDATE job_item SET state = ?, error = NULL WHERE job_id = ? AND image_id = ?').run(state, id, imageId);
    this.db.prepare('UPDATE job SET done = done + 1, updated_at = ? WHERE id = ?').run(at, id);
  }

  /**
   * A 'todo' item ends `failed` (counted in `failed`) or `skipped` (counted in `done`) with its reason;
   * false when it was not 'todo'. Inside a transaction.
   */
  endTodo(id: number, imageId: number, state: 'failed' | 'skipped', reason: string, at: string): boolean {
    const n = this.db.prepare("UPDATE job_item SET state = ?, error = ? WHERE job_id = ? AND image_id = ? AND state = 'todo'").run(state, reason, id, imageId).changes;
    if (n) this.db.prepare(`UPDATE job SET ${state === 'failed' ? 'failed = failed + 1' : 'done = done + 1'}, updated_at = ? WHERE id = ?`).run(at, id);
    return n > 0;
  }
}
