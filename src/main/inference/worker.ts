/**
 * Inference worker (worker_threads): owns the onnxruntime sessions so that `session.run`, which blocks
 * its thread, never blocks the main thread. Protocol (see engine.ts):
 *   main → worker: { type: 'init', init } | { type: 'item', id, item, probs } | { type: 'close' }
 *   worker → main: { type: 'ready', info } | { type: 'init-error', message }
 *                | { type: 'result', id, prediction } | { type: 'error', id, message } | { type: 'closed' }
 * Items are prepared (decoded/resized, sharp in libuv's pool) as soon as they arrive; session.run happens
 * in a second worker (session-worker.ts), one item after another, so this thread post-processes item i
 * and prepares item i+2 while item i+1 is in session.run. Result buffers are transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { Runner, type RunnerInit } from './runner';
import type { BatchItem } from './types';

type InMsg =
  | { type: 'init'; init: RunnerInit }
  | { type: 'item'; id: number; item: BatchItem; probs: boolean }
  | { type: 'close' };

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

let runner: Runner | null = null;
/** session.run of successive items, one after the other (in the session worker). */
let runChain: Promise<unknown> = Promise.resolve();
/** Post-processing and replies, in arrival order; overlaps the next item's session.run. */
let chain: Promise<void> = Promise.resolve();

port.on('message', (msg: InMsg) => {
  if (msg.type === 'init') {
    Runner.create(msg.init).then(
      (r) => {
        runner = r;
        port.postMessage({ type: 'ready', info: r.info });
      },
      (e: unknown) => port.postMessage({ type: 'init-error', message: e instanceof Error ? e.message : String(e) }),
    );
  } else if (msg.type === 'item') {
    const r = runner;
    if (!r) {
      port.postMessage({ type: 'error', id: msg.id, message: 'engine not initialised' });
      return;
    }
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
    chain = chain.then(async () => {
      try {
        const { p: pr, raw } = await ran;
        const p = r.finish(pr, await raw, msg.probs);
        const transfer: ArrayBuffer[] = [p.labels.buffer as ArrayBuffer];
        if (p.probs) transfer.push(p.probs.buffer as ArrayBuffer);
        port.postMessage({ type: 'result', id: msg.id, prediction: p }, transfer);
      } catch (e) {
        port.postMessage({ type: 'error', id: msg.id, message: e instanceof Error ? e.message : String(e) });
      }
    });
  } else if (msg.type === 'close') {
    chain = chain.then(async () => {
      await runner?.release();
      runner = null;
      port.postMessage({ type: 'closed' });
    });
  }
});
