/**
 * The memory budget of concurrent decodes: the app's one limiter (shared/limiter.ts `Limiter`) with a
 * capacity in bytes. Each decode holds what its header declares it will need (pixels × bytes per
 * pixel: png.ts `pngDecodeCost`, bmp.ts `bmpDecodeCost`, formats/masks.ts `MaskPlan.cost`) and waits
 * until that fits, so four huge masks decode one after another while four hundred small ones run side
 * by side. A file count cannot do that (issue 15: four 1.5 GB decodes at once exhausted the main process).
 *
 * It lives in the main process only. Decodes run in mask threads (services/mask-pool.ts) are held
 * here by the main thread from before the job is sent until its result arrives; threads have none of
 * their own. The Limiter's rules apply: first come, first served (a large request is not starved by
 * small ones behind it); a request larger than the whole budget holds all of it and runs alone.
 */
import { totalmem } from 'node:os';
import { Limiter } from '../../shared/limiter';

/**
 * `PARSEL_DECODE_BUDGET_MB` (a positive number of MiB) when set, else a quarter of the machine's
 * memory, at least 256 MiB and at most 2 GiB (one decode at the PNG cap).
 */
export function defaultDecodeBudgetBytes(total = totalmem(), env: string | undefined = process.env.PARSEL_DECODE_BUDGET_MB): number {
  const mb = env === undefined || env.trim() === '' ? NaN : Number(env);
  if (Number.isFinite(mb) && mb > 0) return Math.ceil(mb * 1024 * 1024);
  return Math.max(256 * 1024 * 1024, Math.min(2 * 1024 * 1024 * 1024, Math.floor(total / 4)));
}

/**
 * The Limiter weight of a decode declaring `bytes`: whole bytes, at least 1 (a decode whose header
 * declares nothing, or could not be read, still takes the smallest turn; the Limiter refuses 0).
 */
export function decodeWeight(bytes: number): number {
  return Number.isFinite(bytes) && bytes > 1 ? Math.ceil(bytes) : 1;
}

/** The process-wide budget every decode of the project's own decoders (PNG masks, BMP) takes from. */
export const decodeBudget = new Limiter(defaultDecodeBudgetBytes());
