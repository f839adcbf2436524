/**
 * Import's mask building off the main thread: each dataset item's mask file(s) are read, checked,
 * decoded and painted (formats/masks.ts planMask) in a pool of mask threads (mask-worker.ts), so the
 * main thread keeps to hashing, SQL and the event loop while the image decodes run on libuv's threads.
 *
 * The decodes stay bounded by the process's one decode budget (formats/decode-budget.ts) wherever
 * they run: the thread first reads the headers and answers what the decode will hold (a hostile file
 * is refused there, by name, before any pixel memory is taken); the main thread waits until that fits
 * in the budget, holds it, asks the thread to decode, and releases it when the mask (or the failure)
 * comes back. Same result and the same problems (an ItemProblem thrown in the thread is thrown here
 * again) as building on this thread, which is what happens where the worker script cannot be found.
 */
import { ItemProblem, planMask, type BuildContext } from '../formats/masks';
import type { MaskSpec } from '../formats/dataset';
import type { ImportProblem } from '../../shared/api/methods-import';
import type { IndexImage } from '../formats/png';
import { WorkerPool } from '../inference/worker-pool';
import { decodeBudget, decodeWeight } from '../formats/decode-budget';

const pool = new WorkerPool('mask-worker', import.meta.url, 'mask building thread');

type Problem = { problem: Omit<ImportProblem, 'item'> };

export async function buildMaskOffThread(spec: MaskSpec, ctx: BuildContext): Promise<IndexImage> {
  const w = pool.pick();
  if (!w) {
    const plan = await planMask(spec, ctx);
    return decodeBudget.run(() => plan.build(), decodeWeight(plan.cost));
  }
  const planned = await w.request<{ ticket: number; cost: number } | Problem>({ type: 'plan', spec, ctx });
  if ('problem' in planned) throw new ItemProblem(planned.problem);
  // decodeWeight is a valid weight, so this always grants (in turn); the thread then builds the plan.
  const release = await decodeBudget.acquire(decodeWeight(planned.cost));
  try {
    const r = await w.request<{ mask: IndexImage } | Problem>({ type: 'build', ticket: planned.ticket });
    if ('problem' in r) throw new ItemProblem(r.problem);
    return r.mask;
  } finally {
    release();
  }
}
