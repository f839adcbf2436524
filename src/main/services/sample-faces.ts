/**
 * Synthetic faces on disk: the sample project's dataset in the generic index-PNG layout
 * (docs/formats.md `index-png`): `images/face_00000.jpg` (JPEG) and `masks/face_00000.png` (its label,
 * corrupted for the corrupted share), made in generator threads (sample-worker.ts). Image i is
 * shared/sample makeSampleItem(i, ...), so the files are the same however many threads made them.
 */
import { promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { getSchema } from '../../shared/schema';
import {
  SAMPLE_SCHEMA_ID,
  makeSampleItem,
  pickCorrupted,
  sampleFileName,
  type SampleCorruption,
  type SampleOptions,
} from '../../shared/sample';
import { encodePng } from '../formats/png';
import { startWorker } from '../inference/spawn';
import sharp from '../sharp';

/** One written image. */
export interface WrittenFace {
  index: number;
  /** Absolute path of the JPEG. */
  path: string;
  /** Absolute path of its label (single-channel index PNG): clean, or with its corruption. */
  maskPath: string;
  corruptions: SampleCorruption[];
}

/** Messages of the sample worker (sample-worker.ts). */
export type SampleWorkerRequest = { indices: number[]; opts: SampleOptions; corrupted: number[] };
export type SampleWorkerReply =
  | { type: 'item'; index: number; rgb: Uint8Array; png: Uint8Array; corruptions: SampleCorruption[] }
  | { type: 'done' }
  | { type: 'error'; message: string };

export async function writeJpeg(path: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toFile(path);
}

/**
 * Write the sample's dataset into `dir`/images and `dir`/masks (created); returns it in index order.
 * `threads`: generator threads (default: the machine's cores, at most 8); 1 makes them on this thread.
 */
export async function writeSampleFaces(
  dir: string,
  o: SampleOptions,
  opts: { threads?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<WrittenFace[]> {
  const imagesDir = join(dir, 'images');
  const masksDir = join(dir, 'masks');
  await fs.mkdir(imagesDir, { recursive: true });
  await fs.mkdir(masksDir, { recursive: true });
  const corrupted = pickCorrupted(o);
  const out: WrittenFace[] = new Array(o.count);
  let done = 0;
  const pending: Promise<void>[] = [];
  const accept = (index: number, rgb: Uint8Array, png: Uint8Array, corruptions: SampleCorruption[]): Promise<void> => {
    const name = sampleFileName(index);
    const path = join(imagesDir, name);
    const maskPath = join(masksDir, name.replace(/\.jpg$/, '.png'));
    const p = Promise.all([writeJpeg(path, rgb, o.size, o.size), fs.writeFile(maskPath, png)]).then(() => {
      out[index] = { index, path, maskPath, corruptions };
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
      // Keep at most a few writes in flight so memory stays flat.
      if (pending.length >= 8) await Promise.all(pending.splice(0, pending.length));
      void accept(i, item.rgb, encodePng(item.label, item.width, item.height, 1), item.corruptions);
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
            if (m.type === 'item') void accept(m.index, m.rgb, m.png, m.corruptions).catch(reject);
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
