/**
 * A process-wide pool of identical worker threads (worker-rpc.ts protocol), started on first use and
 * kept: its threads hold the process open only while a request is pending. `pick()` gives the thread
 * with the fewest requests in flight, replaces threads that died, and gives null when the worker
 * script cannot be found (a bundle built without it): callers then do the work on their own thread.
 */
import { availableParallelism } from 'node:os';
import { startWorker } from './spawn';
import { WorkerRpc } from './worker-rpc';

/** Threads for CPU work beside the main thread: the cores but one, at least 2, at most 4. */
export const POOL_THREADS = Math.max(2, Math.min(4, availableParallelism() - 1));

export class WorkerPool {
  private threads: WorkerRpc[] = [];
  private unavailable = false;

  /** `source`/`here` as for startWorker (spawn.ts); `name` says which thread in messages. */
  constructor(
    private readonly source: string,
    private readonly here: string,
    private readonly name: string,
    private readonly size = POOL_THREADS,
  ) {}

  pick(): WorkerRpc | null {
    if (this.unavailable) return null;
    this.threads = this.threads.filter((w) => !w.dead);
    try {
      while (this.threads.length < this.size) this.threads.push(new WorkerRpc(startWorker(this.source, this.here), this.name, true));
    } catch {
      if (this.threads.length === 0) {
        this.unavailable = true;
        return null;
      }
    }
    let best = this.threads[0];
    for (const w of this.threads) if (w.inFlight < best.inFlight) best = w;
    return best;
  }
}
