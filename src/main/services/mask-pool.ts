/**
 * Import's mask building off the main thread: each dataset item's mask file(s) are read, decoded and
 * painted (formats/masks.ts buildMask) in a pool of mask threads (mask-worker.ts), so the main thread
 * keeps to hashing, SQL and the event loop while the image decodes run on libuv's threads. Same
 * result and the same problems (an ItemProblem thrown in the thread is thrown here again) as calling
 * buildMask directly, which is what happens where the worker script cannot be found.
 */
import { buildMask, ItemProblem, type BuildContext } from '../formats/masks';
import type { MaskSpec } from '../formats/dataset';
import type { ImportProblem } from '../../shared/api/methods-import';
import type { IndexImage } from '../formats/png';
import { WorkerPool } from '../inference/worker-pool';

const pool = new WorkerPool('mask-worker', import.meta.url, 'mask building thread');

export async function buildMaskOffThread(spec: MaskSpec, ctx: BuildContext): Promise<IndexImage> {
  const w = pool.pick();
  if (!w) return buildMask(spec, ctx);
  const r = await w.request<{ mask: IndexImage } | { problem: Omit<ImportProblem, 'item'> }>({ type: 'mask', spec, ctx });
  if ('problem' in r) throw new ItemProblem(r.problem);
  return r.mask;
}
