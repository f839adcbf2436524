/**
 * InferenceEngine: the main-thread handle of an inference worker. Sessions, decoding, pre- and
 * post-processing all happen in the worker, so the main (UI/IPC) thread stays responsive during long
 * batches; pixel buffers cross as transferred ArrayBuffers.
 */
import { startWorker } from './spawn';
import { ownBuffers, WorkerRpc } from './worker-rpc';
import type { RunnerInfo } from './runner';
import type { BatchItem, BatchResult, EngineOptions, PredictOptions, Prediction, RgbImage, RunOptions, RunSummary } from './types';
import type { ProbRemap } from '../../shared/models/prob-remap';

export class InferenceEngine {
  /** Execution provider of the (first) model's session: 'cuda', 'webgpu', 'cpu', … */
  readonly provider: string;
  /** Provider per model of the set. */
  readonly providers: string[];
  /** Everything that did not go as asked (failed providers and the fallback taken). Never empty on fallback. */
  readonly warnings: string[];
  /** Number of classes and schema id of the predictions (the target schema's when remapped, else the cards'). */
  readonly classes: number;
  readonly schemaId: string;
  /** The remap of the models' schema onto `schemaId`, or null. */
  readonly remap: ProbRemap | null;
  /** ORT intra-op threads per session. */
  readonly intraOpThreads: number;
  /** Execution provider of the face detector's session (null without a detector). */
  readonly detectorProvider: string | null;

  private constructor(
    private readonly rpc: WorkerRpc,
    info: RunnerInfo,
  ) {
    this.provider = info.provider;
    this.providers = info.providers;
    this.warnings = info.warnings;
    this.classes = info.classes;
    this.schemaId = info.schemaId;
    this.remap = info.remap;
    this.intraOpThreads = info.intraOpThreads;
    this.detectorProvider = info.detectorProvider;
  }

  /**
   * Starts a worker, creates one session per model (providers tried in order, CPU last; failures are
   * in `warnings`), and checks every card against its graph. Rejects with all card problems listed.
   */
  static async create(opts: EngineOptions): Promise<InferenceEngine> {
    const rpc = new WorkerRpc(startWorker('worker', import.meta.url, opts.workerUrl), 'inference worker');
    try {
      const info = await rpc.request<RunnerInfo>({
        type: 'init',
        init: { models: opts.models, detector: opts.detector, tta: opts.tta ?? 'none', providers: opts.providers, intraOpThreads: opts.intraOpThreads, targetSchema: opts.targetSchema },
      });
      return new InferenceEngine(rpc, info);
    } catch (e) {
      await rpc.worker.terminate();
      throw e;
    }
  }

  private send(item: BatchItem, probs: boolean, transfer: boolean): Promise<Prediction> {
    let msgItem = item;
    if ('rgb' in item && !transfer) msgItem = { ...item, rgb: item.rgb.slice() };
    return this.rpc.request<Prediction>({ type: 'item', item: msgItem, probs }, 'rgb' in msgItem ? ownBuffers(msgItem.rgb) : []);
  }

  /**
   * Predicts one image. `labels` (and `probs`, default on) are at the image's size; see `Prediction`.
   * Face models need `faces`. The image is copied to the worker unless `transfer` is set.
   */
  predict(image: RgbImage, opts: PredictOptions = {}): Promise<Prediction> {
    return this.send({ key: '', rgb: image.rgb, width: image.width, height: image.height, faces: opts.faces }, opts.probs ?? true, opts.transfer ?? false);
  }

  /**
   * Runs a batch: items are read from `items` while at most `concurrency` are in flight, so the worker
   * decodes/resizes later items (sharp, in libuv's thread pool) while earlier ones are in session.run.
   * In-memory items are transferred (their arrays are detached). `onResult` gets every item, failed
   * ones with `ok: false` and the message; results come in input order. Stops reading on `signal`.
   */
  async run(items: AsyncIterable<BatchItem> | Iterable<BatchItem>, opts: RunOptions): Promise<RunSummary> {
    const t0 = performance.now();
    const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
    const inflight: Promise<void>[] = [];
    let done = 0;
    let failed = 0;
    let cancelled = false;
    // Results are delivered in order: each item's handler waits for the previous one.
    let order: Promise<void> = Promise.resolve();
    for await (const item of items) {
      if (opts.signal?.aborted) {
        cancelled = true;
        break;
      }
      const p = this.send(item, opts.probs ?? false, true).then(
        (pred): BatchResult => ({ key: item.key, ok: true, ...pred }),
        (e: Error): BatchResult => ({ key: item.key, ok: false, error: e.message }),
      );
      const delivered = (order = order.then(async () => {
        const r = await p;
        if (r.ok) done++;
        else failed++;
        await opts.onResult(r);
      }));
      inflight.push(delivered);
      if (inflight.length >= concurrency) await inflight.shift();
    }
    if (!cancelled && opts.signal?.aborted) cancelled = true;
    await Promise.all(inflight);
    await order;
    return { done, failed, cancelled, seconds: (performance.now() - t0) / 1000 };
  }

  /** Releases the sessions and ends the worker. Pending predictions are finished first. */
  async close(): Promise<void> {
    await this.rpc.close();
  }
}
