/**
 * Synthetic faces on disk: the sample project's images (JPEG) with their labels kept in memory
 * (encoded), made in generator threads (sample-worker.ts). Image i is
 * shared/sample makeSampleItem(i, ...), so the files and labels are the same however many threads
 * made them.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { EncodedMask } from '../../shared/api/types';
import { encodeMask } from '../../shared/mask/codec';
import { getSchema } from '../../shared/schema';
import {
  SAMPLE_SCHEMA_ID,
  makeSampleItem,
  pickCorrupted,
  sampleFileName,
  type SampleCorruption,
  type SampleOptions,
} from '../../shared/sample';
import { startWorker } from '../inference/spawn';
import sharp from '../sharp';

/** What the project needs of one written image. */
export interface WrittenFace {
  index: number;
  /** Absolute path of the JPEG. */
  path: string;
  /** The label to store (clean, or with its corruption). */
  label: EncodedMask;
  corruptions: SampleCorruption[];
}

/** Messages of the sample worker (sample-worker.ts). */
export type SampleWorkerRequest = { indices: number[]; opts: SampleOptions; corrupted: number[] };
export type SampleWorkerReply =
  | { type: 'item'; index: number; rgb: Uint8Array; label: EncodedMask; corruptions: SampleCorruption[] }
  | { type: 'done' }
  | { type: 'error'; message: string };

export async function writeJpeg(path: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toFile(path);
}

/**
 * Write the sample's images into `imagesDir` (which must exist) as JPEG; returns them in index order.
 * `threads`: generator threads (default: the machine's cores, at most 8); 1 makes them on this thread.
 */
export async function writeSampleFaces(
  imagesDir: string,
  o: SampleOptions,
  opts: { threads?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<WrittenFace[]> {
  const corrupted = pickCorrupted(o);
  const out: WrittenFace[] = new Array(o.count);
  let done = 0;
  const pending: Promise<void>[] = [];
  const accept = (index: number, rgb: Uint8Array, label: EncodedMask, corruptions: SampleCorruption[]): Promise<void> => {
    const path = join(imagesDir, sampleFileName(index));
    const p = writeJpeg(path, rgb, o.size, o.size).then(() => {
      out[index] = { index, path, label, corruptions };
      opts.onProgress?.(++done, o.count);
    });
    pending.push(p);
    return p;
  };

  const threads = Math.max(1, Math.min(opts.threads ?? Math.min(8, availableParallelism()), Math.ceil(o.count / 16)));
  if (threads === 1) {
    const schema = getSchema(SAMPLE_SCHEMA_ID);
    for (let i = 0; i < o.count; i++) {
      const item = makeSampleItem(i, o, schema, corrupted.has(i));
      const label = encodeMask(item.label, item.width, item.height);
      // Keep at most a few encodes in flight so memory stays flat.
      if (pending.length >= 8) await Promise.all(pending.splice(0, pending.length));
      void accept(i, item.rgb, label, item.corruptions);
    }
    await Promise.all(pending);
    return out;
  }

  // Worker k makes images k, k + threads, k + 2·threads, … so every thread has the same mix of work.
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads }, (_, k) => {
        const indices: number[] = [];
        for (let i = k; i < o.count; i += threads) indices.push(i);
        const w = startWorker('sample-worker', import.meta.url);
        workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.on('message', (m: SampleWorkerReply) => {
            if (m.type === 'item') void accept(m.index, m.rgb, m.label, m.corruptions).catch(reject);
            else if (m.type === 'done') resolve();
            else reject(new Error(`sample generator: ${m.message}`));
          });
          w.on('error', reject);
          w.on('exit', (code) => reject(new Error(`sample generator thread exited (code ${code}) before it finished`)));
          const req: SampleWorkerRequest = {
            indices,
            opts: { count: o.count, size: o.size, noise: o.noise, seed: o.seed },
            corrupted: indices.filter((i) => corrupted.has(i)),
          };
          w.postMessage(req);
        });
      }),
    );
    await Promise.all(pending);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}
