/**
 * PNG encoding thread for exports (png-pool.ts): label masks and converted images are compressed here,
 * off the main thread, with the deterministic pure-TypeScript encoders of png-encode.ts.
 * Protocol: inference/worker-rpc.ts, request { type: 'png', kind: 'mask' | 'photo', data, width, height, channels } → PNG bytes.
 */
import { parentPort } from 'node:worker_threads';
import { ownBuffers, serve, withTransfer } from '../inference/worker-rpc';
import { encodeMaskPng, encodePhotoPng } from './png-encode';

type InMsg = { id: number; type: 'png'; kind: 'mask' | 'photo'; data: Uint8Array; width: number; height: number; channels: 1 | 3 } | { id: number; type: 'close' };

const port = parentPort;
if (!port) throw new Error('png-worker.ts must run in a worker thread');

serve<InMsg>(port, (m) => {
  if (m.type === 'close') return null;
  const png = (m.kind === 'mask' ? encodeMaskPng : encodePhotoPng)(m.data, m.width, m.height, m.channels);
  return withTransfer(png, ownBuffers(png));
});
