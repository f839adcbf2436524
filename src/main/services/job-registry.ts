/**
 * Cancellable runs of one service by job id (scan, export, import, statistics): a run is refused with
 * CONFLICT while another of the same id is running, and `cancel` sets the flag the run polls.
 */
import { randomUUID } from 'node:crypto';
import { ParselError } from '../../shared/api/errors';
import type { EventBus } from './backend';
import { jobLogOf } from './job-log';

export interface JobRegistry {
  /** The run's id (a new UUID when none is given); CONFLICT when one of that id is running. */
  free(jobId: string | undefined): string;
  /** Runs `body` under the id (see `free`) with the cancel flag it polls; the id is released after. */
  run<R>(jobId: string | undefined, body: (id: string, cancelled: () => boolean) => Promise<R>): Promise<R>;
  /** Sets the cancel flag of a running job; `cancelled: false` when none runs under that id. */
  cancel(jobId: string): { cancelled: boolean };
}

/**
 * `conflict(id)`: the message of the CONFLICT error ("scan job … is already running"). With `track`,
 * each run is recorded in the bus's job history (job-log.ts) from its start to its outcome: done,
 * cancelled (the flag was set, or the result says `status: 'cancelled'`) or failed with the error's message.
 */
export function jobRegistry(conflict: (id: string) => string, track?: { bus: EventBus; kind: string }): JobRegistry {
  const running = new Map<string, { cancelled: boolean }>();
  const free = (jobId: string | undefined) => {
    const id = jobId ?? randomUUID();
    if (running.has(id)) throw new ParselError('CONFLICT', conflict(id));
    return id;
  };
  return {
    free,
    async run(jobId, body) {
      const id = free(jobId);
      const job = { cancelled: false };
      running.set(id, job);
      const log = track ? jobLogOf(track.bus) : null;
      log?.begin(id, track!.kind);
      try {
        const result = await body(id, () => job.cancelled);
        const saysCancelled = (result as { status?: unknown } | null)?.status === 'cancelled';
        log?.end(id, track!.kind, job.cancelled || saysCancelled ? 'cancelled' : 'done');
        return result;
      } catch (err) {
        log?.end(id, track!.kind, job.cancelled ? 'cancelled' : 'failed', err instanceof Error ? err.message : String(err));
        throw err;
      } finally {
        running.delete(id);
      }
    },
    cancel(jobId) {
      const job = running.get(jobId);
      if (job) job.cancelled = true;
      return { cancelled: job !== undefined };
    },
  };
}
