/**
 * Sample-project generator thread (worker_threads): makes the images it is given (shared/sample) and
 * sends each one's pixels and encoded label back; the caller writes the JPEGs (sample-faces.ts).
 * Protocol: main → worker one SampleWorkerRequest; worker → main one 'item' per image, then 'done'
 * (or 'error').
 */
import { parentPort } from 'node:worker_threads';
import { encodeMask } from '../../shared/mask/codec';
import { getSchema } from '../../shared/schema';
import { SAMPLE_SCHEMA_ID, makeSampleItem } from '../../shared/sample';
import type { SampleWorkerReply, SampleWorkerRequest } from './sample-faces';

const port = parentPort;
if (!port) throw new Error('sample-worker.ts must run in a worker thread');

port.once('message', (req: SampleWorkerRequest) => {
  try {
    const corrupted = new Set(req.corrupted);
    const schema = getSchema(SAMPLE_SCHEMA_ID);
    for (const i of req.indices) {
      const item = makeSampleItem(i, req.opts, schema, corrupted.has(i));
      const label = encodeMask(item.label, item.width, item.height);
      const msg: SampleWorkerReply = { type: 'item', index: i, rgb: item.rgb, label, corruptions: item.corruptions };
      port.postMessage(msg); // copied, not transferred: the buffers may be views of larger ones
    }
    port.postMessage({ type: 'done' } satisfies SampleWorkerReply);
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies SampleWorkerReply);
  }
});
