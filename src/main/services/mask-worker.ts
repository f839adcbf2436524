/**
 * Mask building thread for imports (mask-pool.ts): reads a dataset item's mask file(s), decodes and
 * paints them into one index mask (formats/masks.ts buildMask), off the main thread.
 * Protocol: inference/worker-rpc.ts, request { type: 'mask', spec, ctx } →
 *   { mask: IndexImage } (its pixels transferred) | { problem } (an ItemProblem's record); other errors reject.
 */
import { parentPort } from 'node:worker_threads';
import { buildMask, ItemProblem, type BuildContext } from '../formats/masks';
import type { MaskSpec } from '../formats/dataset';
import { ownBuffers, serve, withTransfer } from '../inference/worker-rpc';

type InMsg = { id: number; type: 'mask'; spec: MaskSpec; ctx: BuildContext } | { id: number; type: 'close' };

const port = parentPort;
if (!port) throw new Error('mask-worker.ts must run in a worker thread');

serve<InMsg>(port, async (m) => {
  if (m.type === 'close') return null;
  try {
    const mask = await buildMask(m.spec, m.ctx);
    return withTransfer({ mask }, ownBuffers(mask.data));
  } catch (err) {
    if (err instanceof ItemProblem) return { problem: err.problem };
    throw err;
  }
});
