/**
 * Deterministic PNG encoding off the main thread: a process-wide pool of PNG threads (png-worker.ts),
 * started on first use and kept (they hold the process open only while encoding). Each call goes to
 * the thread with the fewest requests in flight. The bytes are those of png-encode.ts whichever
 * thread makes them, so where the worker script cannot be found (a bundle built without it) or a
 * thread dies, the same encoder runs on the calling thread instead.
 */
import { availableParallelism } from 'node:os';
import { startWorker } from '../inference/spawn';
import { WorkerRpc } from '../inference/worker-rpc';
import { encodeMaskPng, encodePhotoPng } from './png-encode';

/** Threads: the cores but one (the main thread reads, hashes and writes), at least 2, at most 4. */
const THREADS = Math.max(2, Math.min(4, availableParallelism() - 1));

let pool: WorkerRpc[] | null = null;
let unavailable = false;

function threads(): WorkerRpc[] | null {
  if (unavailable) return null;
  if (pool) {
    pool = pool.filter((w) => !w.dead);
    if (pool.length > 0) return pool;
  }
  try {
    pool = Array.from({ length: THREADS }, () => new WorkerRpc(startWorker('png-worker', import.meta.url), 'PNG encoding thread', true));
  } catch {
    unavailable = true;
    return null;
  }
  return pool;
}

async function encode(kind: 'mask' | 'photo', data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<Uint8Array> {
  const ws = threads();
  const inline = () => (kind === 'mask' ? encodeMaskPng : encodePhotoPng)(data, width, height, channels);
  if (!ws) return inline();
  let w = ws[0];
  for (const x of ws) if (x.inFlight < w.inFlight) w = x;
  const copy = data.slice(); // the caller keeps its pixels
  try {
    return await w.request<Uint8Array>({ type: 'png', kind, data: copy, width, height, channels }, [copy.buffer]);
  } catch (err) {
    // A thread that died (never a bad input: the callers below check the sizes first) is replaced next time.
    if (!w.dead) throw err;
    return inline();
  }
}

/** A label mask (1 channel: indices; 3: RGB colours) as PNG, encoded in a PNG thread. */
export function encodeMaskPngAsync(data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<Uint8Array> {
  if (data.length !== width * height * channels) return Promise.reject(new Error(`PNG encode: ${data.length} bytes for ${width}×${height}×${channels}`));
  return encode('mask', data, width, height, channels);
}

/** A photo / converted image as PNG (adaptive filters + DEFLATE), encoded in a PNG thread. */
export function encodePhotoPngAsync(data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<Uint8Array> {
  if (data.length !== width * height * channels) return Promise.reject(new Error(`PNG encode: ${data.length} bytes for ${width}×${height}×${channels}`));
  return encode('photo', data, width, height, channels);
}
