/**
 * One concurrency limiter for the whole app: a weighted FIFO semaphore (`Limiter`) and `mapLimit`, a
 * bounded parallel map over it. A plain count limit is weight 1 per task; a memory budget is the same
 * limiter with capacity in bytes (or declared pixels) and each task weighing what it will hold, so one
 * limiter can bound "4 files at a time" and "at most 512 MB of decoded pixels" alike.
 *
 * Rules: waiters are served strictly in arrival order (a heavy task at the head is not overtaken by
 * lighter ones behind it, so it cannot starve); a task heavier than the whole capacity runs alone once
 * everything before it has finished (it is never refused, never deadlocks); weights are positive
 * numbers. Pure TypeScript, no platform API: main, workers, CLI and tests share it.
 */
export class Limiter {
  private used = 0;
  private running = 0;
  private readonly queue: { weight: number; grant: () => void }[] = [];

  /** `capacity`: total weight that may be held at once (≥ 1 task always runs). */
  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`Limiter capacity must be positive, got ${capacity}`);
  }

  /** Weight held now, tasks holding it, and tasks waiting. */
  get inUse(): number {
    return this.used;
  }
  get active(): number {
    return this.running;
  }
  get waiting(): number {
    return this.queue.length;
  }

  private fits(weight: number): boolean {
    return this.running === 0 || this.used + Math.min(weight, this.capacity) <= this.capacity;
  }

  /** Waits for `weight` (default 1) to be free, takes it, and resolves with its release (idempotent). */
  acquire(weight = 1): Promise<() => void> {
    if (!(weight > 0) || !Number.isFinite(weight)) return Promise.reject(new RangeError(`Limiter weight must be a positive number, got ${weight}`));
    const take = (): (() => void) => {
      const w = Math.min(weight, this.capacity);
      this.used += w;
      this.running++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.used -= w;
        this.running--;
        this.drain();
      };
    };
    if (this.queue.length === 0 && this.fits(weight)) return Promise.resolve(take());
    return new Promise((resolve) => this.queue.push({ weight, grant: () => resolve(take()) }));
  }

  private drain(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0].weight)) this.queue.shift()!.grant();
  }

  /** Runs `fn` holding `weight`; releases it however `fn` ends. */
  async run<T>(fn: () => Promise<T> | T, weight = 1): Promise<T> {
    const release = await this.acquire(weight);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

export interface MapLimitOptions<T> {
  /** Weight of an item (default 1 each): with a Limiter of a byte budget, its bytes. */
  weight?: (item: T, index: number) => number;
  /** Checked before each item starts: true stops starting items (those running finish). */
  stop?: () => boolean;
}

/**
 * `fn` over `items` with at most `limit` running at once (a number: that many at a time; a Limiter:
 * its capacity, shared with whoever else uses it), results in input order. The first failure stops
 * items from starting; mapLimit rejects with it once the running ones have settled, so nothing is
 * still working when the caller cleans up. A `stop()` leaves the results of unstarted items undefined.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number | Limiter, fn: (item: T, index: number) => Promise<R>, opts: MapLimitOptions<T> = {}): Promise<R[]> {
  const out = new Array<R>(items.length);
  if (items.length === 0) return out;
  const shared = typeof limit !== 'number';
  const limiter = shared ? limit : new Limiter(Math.max(1, Math.floor(limit)));
  let failure: { err: unknown } | null = null;
  const running = new Set<Promise<void>>();
  for (let i = 0; i < items.length; i++) {
    if (failure || opts.stop?.()) break;
    const weight = opts.weight ? opts.weight(items[i], i) : 1;
    // Own count limit: do not queue every item up front (a long list would hold a closure each).
    if (!shared) while (running.size >= limiter.capacity) await Promise.race(running);
    const release = await limiter.acquire(weight);
    if (failure || opts.stop?.()) {
      release();
      break;
    }
    const p: Promise<void> = fn(items[i], i).then(
      (r) => {
        out[i] = r;
      },
      (err: unknown) => {
        failure ??= { err };
      },
    );
    const tracked = p.finally(() => {
      release();
      running.delete(tracked);
    });
    running.add(tracked);
  }
  await Promise.all(running);
  if (failure) throw (failure as { err: unknown }).err;
  return out;
}
