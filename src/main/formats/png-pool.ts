/**
 * Deterministic PNG encoding off the main thread: a process-wide pool of PNG threads (png-worker.ts),
 * started on first use and kept (they hold the process open only while encoding). Each call goes to
 * the thread with the fewest requests in flight. The bytes are those of png-encode.ts whichever
 * thread makes them, so where the worker script cannot be found (a bundle built without it) the same
 * encoder runs on the calling thread instead; a thread that died is replaced on the next call (the
 * calls it had fail with the reason). The pixels are transferred to the thread: callers pass arrays
 * they no longer need (a view into a larger buffer is copied first).
 */
import { WorkerPool } from '../inference/worker-pool';
import { ownBuffers } from '../inference/worker-rpc';
import { encodeMaskPng, encodePhotoPng } from './png-encode';

const pool = new WorkerPool('png-worker', import.meta.url, 'PNG encoding thread');

async function encode(kind: 'mask' | 'photo', data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<Uint8Array> {
  const w = pool.pick();
  if (!w) return (kind === 'mask' ? encodeMaskPng : encodePhotoPng)(data, width, height, channels);
  // The pixels move to the thread (no copy) when the array owns its buffer; the caller gives them up.
  const moved = ownBuffers(data);
  const pixels = moved.length ? data : data.slice();
  return w.request<Uint8Array>({ type: 'png', kind, data: pixels, width, height, channels }, moved.length ? moved : [pixels.buffer as ArrayBuffer]);
}

/** A label mask (1 channel: indices; 3: RGB colours) as PNG, encoded in a PNG thread. `data` is detached (transferred). */
export function encodeMaskPngAsync(data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<Uint8Array> {
  if (data.length !== width * height * channels) return Promise.reject(new Error(`PNG encode: ${data.length} bytes for ${width}×${height}×${channels}`));
  return encode('mask', data, width, height, channels);
}

/** A photo / converted image as PNG (adaptive filters + DEFLATE), encoded in a PNG thread. `data` is detached (transferred). */
export function encodePhotoPngAsync(data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<Uint8Array> {
  if (data.length !== width * height * channels) return Promise.reject(new Error(`PNG encode: ${data.length} bytes for ${width}×${height}×${channels}`));
  return encode('photo', data, width, height, channels);
}
