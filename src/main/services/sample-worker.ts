/**
 * Sample-project generator thread (worker_threads): makes the images it is given (shared/sample) and
 * sends each one's pixels and encoded label back; the caller writes the JPEGs (sample-faces.ts).
 * Protocol: main → worker one SampleWorkerRequest; worker → main one 'item' per image, then 'done'
 * (or 'error').
 */
import { parentPort } from 'node:worker_threads';
import { sampleItemPayload, type SampleWorkerReply, type SampleWorkerRequest } from './sample-faces';

const port = parentPort;
if (!port) throw new Error('sample-worker.ts must run in a worker thread');

port.once('message', (req: SampleWorkerRequest) => {
  try {
    const corrupted = new Set(req.corrupted);
    for (const i of req.indices) {
      const { item, label } = sampleItemPayload(i, req.opts, corrupted.has(i));
      const msg: SampleWorkerReply = { type: 'item', index: i, rgb: item.rgb, label, corruptions: item.corruptions };
      port.postMessage(msg); // copied, not transferred: the buffers may be views of larger ones
    }
    port.postMessage({ type: 'done' } satisfies SampleWorkerReply);
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies SampleWorkerReply);
  }
});
