/**
 * A memory budget for concurrent decodes: each decode asks for the bytes its header says it will hold
 * (pixels × bytes per pixel: png.ts `pngDecodeCost`, bmp.ts `bmpDecodeCost`) and waits until they fit,
 * so four huge masks decode one after another while four hundred small ones run side by side. A file
 * count cannot do that (issue 15: four 1.5 GB decodes at once exhausted the main process).
 *
 * Rules: grants are first come, first served (a large request is not starved by small ones behind
 * it); a request larger than the whole budget runs alone, when nothing else holds any; a release is
 * idempotent. Self-contained on purpose (h-inference is writing the general concurrency limiter; this
 * can be folded into it).
 */
import { totalmem } from 'node:os';

export class MemoryBudget {
  private used = 0;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];

  constructor(readonly limit: number) {
    if (!(limit > 0)) throw new Error(`MemoryBudget: limit must be positive, got ${limit}`);
  }

  /** Bytes granted and not yet released. */
  get inUse(): number {
    return this.used;
  }

  /** Requests waiting for room. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Wait until `bytes` fit, then hold them; the returned function releases them (once). */
  acquire(bytes: number): Promise<() => void> {
    const n = Math.max(0, Math.ceil(bytes));
    return new Promise((resolve) => {
      this.waiting.push({
        bytes: n,
        grant: () => {
          this.used += n;
          let held = true;
          resolve(() => {
            if (!held) return;
            held = false;
            this.used -= n;
            this.pump();
          });
        },
      });
      this.pump();
    });
  }

  /** Run `fn` holding `bytes` of the budget; released when it settles. */
  async run<T>(bytes: number, fn: () => T | Promise<T>): Promise<T> {
    const release = await this.acquire(bytes);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      const head = this.waiting[0];
      if (this.used > 0 && this.used + head.bytes > this.limit) return;
      this.waiting.shift();
      head.grant();
    }
  }
}

/**
 * `PARSEL_DECODE_BUDGET_MB` (a positive number of MiB) when set, else a quarter of the machine's
 * memory, at least 256 MiB and at most 2 GiB (one decode at the PNG cap).
 */
export function defaultDecodeBudgetBytes(total = totalmem(), env: string | undefined = process.env.PARSEL_DECODE_BUDGET_MB): number {
  const mb = env === undefined || env.trim() === '' ? NaN : Number(env);
  if (Number.isFinite(mb) && mb > 0) return Math.ceil(mb * 1024 * 1024);
  return Math.max(256 * 1024 * 1024, Math.min(2 * 1024 * 1024 * 1024, Math.floor(total / 4)));
}

/** The process-wide budget every decode of the project's own decoders (PNG masks, BMP) takes from. */
export const decodeBudget = new MemoryBudget(defaultDecodeBudgetBytes());
