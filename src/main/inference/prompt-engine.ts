/**
 * PromptEngine: the main-thread handle of one promptable model's worker (prompt-worker.ts). `embed`
 * makes sure the worker holds an image's embedding (from memory, the cache file, or by running the
 * encoder, with phase callbacks while it does); `decode` runs one prompt on it. Requests are answered in
 * order; pixel buffers are transferred.
 */
import type { Worker } from 'node:worker_threads';
import type { PromptableCard } from '../../shared/models/card';
import type { PromptBox, PromptMask, PromptPoint } from '../../shared/api/methods-prompt';
import { startWorker } from './spawn';
import type { ProviderName } from './types';

export interface PromptEngineOptions {
  /** Absolute paths of the two ONNX files. */
  encoder: string;
  decoder: string;
  /** The card (its `encoder.sha256` keys the cache files: give the stored card). */
  card: PromptableCard;
  providers?: ProviderName[];
  intraOpThreads?: number;
  workerUrl?: string | URL;
}

export type EmbedPhase = 'decode' | 'encode' | 'write';

export interface Embedded {
  width: number;
  height: number;
  source: 'memory' | 'disk' | 'encoded';
  encodeMs: number | null;
}

export interface Decoded {
  width: number;
  height: number;
  candidates: PromptMask[];
  decodeMs: number;
  workerMs: number;
}

type OutMsg =
  | { type: 'ready'; provider: string; warnings: string[] }
  | { type: 'init-error'; message: string }
  | { type: 'phase'; id: number; phase: EmbedPhase; expectMs: number | null }
  | ({ type: 'embedded'; id: number } & Embedded)
  | { type: 'decoded'; id: number; result: Decoded }
  | { type: 'error'; id: number; message: string }
  | { type: 'closed' };

interface Pending {
  resolve: (v: never) => void;
  reject: (e: Error) => void;
  onPhase?: (phase: EmbedPhase, expectMs: number | null) => void;
}

export class PromptEngine {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    /** Execution provider of the sessions, and every fallback warning. */
    readonly provider: string,
    readonly warnings: string[],
  ) {
    worker.on('message', (m: OutMsg) => {
      if (m.type === 'phase') {
        this.pending.get(m.id)?.onPhase?.(m.phase, m.expectMs);
        return;
      }
      if (m.type !== 'embedded' && m.type !== 'decoded' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'error') p.reject(new Error(m.message));
      else if (m.type === 'decoded') p.resolve(m.result as never);
      else p.resolve({ width: m.width, height: m.height, source: m.source, encodeMs: m.encodeMs } as never);
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`prompt worker exited (code ${code})`));
    });
  }

  /** Starts the worker and both sessions (providers tried in order, CPU last). */
  static async create(o: PromptEngineOptions): Promise<PromptEngine> {
    const worker = startWorker('prompt-worker', import.meta.url, o.workerUrl);
    const ready = await new Promise<{ provider: string; warnings: string[] }>((resolve, reject) => {
      const onMsg = (m: OutMsg) => {
        if (m.type === 'ready') resolve(m);
        else if (m.type === 'init-error') reject(new Error(m.message));
        else return;
        worker.off('message', onMsg);
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`prompt worker exited during start (code ${code})`)));
      worker.postMessage({ type: 'init', encoder: o.encoder, decoder: o.decoder, card: o.card, providers: o.providers, intraOpThreads: o.intraOpThreads });
    }).catch(async (e: unknown) => {
      await worker.terminate();
      throw e;
    });
    worker.removeAllListeners('error');
    worker.removeAllListeners('exit');
    return new PromptEngine(worker, ready.provider, ready.warnings);
  }

  private send<T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = [], onPhase?: Pending['onPhase']): Promise<T> {
    if (this.closed) return Promise.reject(new Error('prompt engine is closed'));
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject, onPhase });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /**
   * Makes the worker hold the embedding of `key`: from memory, else `cacheFile` (when it is this
   * encoder's), else by decoding the image and running the encoder (then written to `cacheFile`).
   */
  embed(
    key: string,
    image: { path: string } | { rgb: Uint8Array; width: number; height: number },
    cacheFile: string | null,
    onPhase?: (phase: EmbedPhase, expectMs: number | null) => void,
  ): Promise<Embedded> {
    return this.send({ type: 'embed', key, image, cacheFile }, [], onPhase);
  }

  /** Decodes one prompt on an embedded image (`embed` it first). */
  decode(key: string, points: PromptPoint[], box: PromptBox | null): Promise<Decoded> {
    return this.send({ type: 'decode', key, points, box });
  }

  /** Releases the sessions and ends the worker (requests in flight are answered first). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.failure) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 10_000);
        const done = () => {
          clearTimeout(t);
          resolve();
        };
        this.worker.on('message', (m: OutMsg) => {
          if (m.type === 'closed') done();
        });
        this.worker.once('exit', done);
        this.worker.postMessage({ type: 'close' });
      });
    }
    await this.worker.terminate();
  }
}
