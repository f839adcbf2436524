/**
 * Inference worker (worker_threads): owns the onnxruntime sessions so that `session.run`, which blocks
 * its thread, never blocks the main thread. Protocol (see engine.ts):
 *   main → worker: { type: 'init', init } | { type: 'item', id, item, probs } | { type: 'close' }
 *   worker → main: { type: 'ready', info } | { type: 'init-error', message }
 *                | { type: 'result', id, prediction } | { type: 'error', id, message } | { type: 'closed' }
 * Items are prepared (decoded/resized) as soon as they arrive and run in arrival order, so decoding of
 * later items overlaps inference of earlier ones. Result buffers are transferred, not copied.
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
    prep.catch(() => undefined); // handled in order below
    chain = chain.then(async () => {
      try {
        const p = await r.infer(await prep, msg.probs);
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
