/**
 * Mask building thread for imports (mask-pool.ts): reads a dataset item's mask file(s), checks their
 * headers, then decodes and paints them into one index mask (formats/masks.ts planMask), off the main
 * thread. The decode waits for the main thread's decode budget: the thread first answers what it will
 * hold, and decodes only when asked to (by then the main thread holds that much for it). It keeps no
 * budget of its own.
 * Protocol: inference/worker-rpc.ts,
 *   { type: 'plan', spec, ctx } → { ticket, cost } | { problem } (an ItemProblem's record; bad headers are refused here)
 *   { type: 'build', ticket } → { mask: IndexImage } (its pixels transferred) | { problem }.
 *   Every plan is built (the main thread's grant always comes, in turn). Other errors reject.
 */
import { parentPort } from 'node:worker_threads';
import { ItemProblem, planMask, type BuildContext, type MaskPlan } from '../formats/masks';
import type { MaskSpec } from '../formats/dataset';
import { ownBuffers, serve, withTransfer } from '../inference/worker-rpc';

type InMsg =
  | { id: number; type: 'plan'; spec: MaskSpec; ctx: BuildContext }
  | { id: number; type: 'build'; ticket: number }
  | { id: number; type: 'close' };

const port = parentPort;
if (!port) throw new Error('mask-worker.ts must run in a worker thread');

/** Plans checked and waiting for the main thread's grant (their compressed bytes only). */
const planned = new Map<number, MaskPlan>();
let nextTicket = 1;

function asProblem(err: unknown): { problem: ItemProblem['problem'] } {
  if (err instanceof ItemProblem) return { problem: err.problem };
  throw err;
}

serve<InMsg>(port, async (m) => {
  switch (m.type) {
    case 'close':
      return null;
    case 'plan':
      try {
        const plan = await planMask(m.spec, m.ctx);
        const ticket = nextTicket++;
        planned.set(ticket, plan);
        return { ticket, cost: plan.cost };
      } catch (err) {
        return asProblem(err);
      }
    case 'build': {
      const plan = planned.get(m.ticket);
      planned.delete(m.ticket);
      if (!plan) throw new Error(`mask building thread: no plan ${m.ticket}`);
      try {
        const mask = await plan.build();
        return withTransfer({ mask }, ownBuffers(mask.data));
      } catch (err) {
        return asProblem(err);
      }
    }
  }
});
