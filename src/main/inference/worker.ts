/**
 * Inference worker (worker_threads): owns the onnxruntime sessions so that `session.run`, which blocks
 * its thread, never blocks the main thread. Protocol: worker-rpc.ts
 * requests (see engine.ts) { type: 'init', init } → RunnerInfo | { type: 'item', item, probs } → Prediction
 * | { type: 'close' } (after every item in flight).
 * Items are prepared (decoded/resized, sharp in libuv's pool) as soon as they arrive; session.run happens
 * in a second worker (session-worker.ts), one item after another, so this thread post-processes item i
 * and prepares item i+2 while item i+1 is in session.run. Result buffers are transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { Runner, type RunnerInit } from './runner';
import type { BatchItem, Prediction } from './types';
import { ownBuffers, serve, withTransfer } from './worker-rpc';

type InMsg =
  | { id: number; type: 'init'; init: RunnerInit }
  | { id: number; type: 'item'; item: BatchItem; probs: boolean }
  | { id: number; type: 'close' };

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

let runner: Runner | null = null;
/** session.run of successive items, one after the other (in the session worker). */
let runChain: Promise<unknown> = Promise.resolve();
/** Post-processing and replies, in arrival order; overlaps the next item's session.run. */
let chain: Promise<unknown> = Promise.resolve();

serve<InMsg>(port, (msg) => {
  if (msg.type === 'init') {
    return Runner.create(msg.init).then((r) => {
      runner = r;
      return r.info;
    });
  }
  if (msg.type === 'item') {
    const r = runner;
    if (!r) throw new Error('engine not initialised');
    const prep = r.prepare(msg.item);
    // A failed prepare (missing file, bad image) is awaited and reported for ITS item below, maybe only
    // after earlier items' runs; mark it handled now, or Node's unhandled-rejection rule kills this
    // worker and every item in flight fails with this item's error.
    prep.catch(() => undefined);
    // Runs are posted to the session worker in arrival order as soon as each item is prepared; the
    // session worker queues them, so it never waits for this thread's post-processing.
    const ran = runChain.then(async () => {
      const p = await prep;
      return { p, raw: r.runModels(p) };
    });
    runChain = ran.catch(() => undefined);
    const result = chain.then(async () => {
      const { p: pr, raw } = await ran;
      const p: Prediction = r.finish(pr, await raw, msg.probs);
      return withTransfer(p, ownBuffers(p.labels, p.probs));
    });
    chain = result.catch(() => undefined);
    return result;
  }
  const closed = chain.then(async () => {
    await runner?.release();
    runner = null;
  });
  chain = closed;
  return closed;
});
