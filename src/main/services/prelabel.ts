/**
 * Pre-labelling jobs: run a model set over images and store, per image and in ONE transaction, the
 * cached soft prediction, a `model` revision (only where no human/import/fix/merge revision exists,
 * unless forced), the image status move (unlabeled → prelabeled, by saveRevision) and the job item's
 * completion. A job is a `job` row with one `job_item` per image, so a job killed mid-way (app closed,
 * SIGKILL) is resumed with exactly the items still 'todo'.
 *
 * Threads: sessions, decode/resize and post-processing run in the engine's worker threads; the commits
 * (megabyte blobs, an fsync each, WAL checkpoints) in a writer thread with its own connection
 * (prelabel-writer.ts); this (main) thread reads rows, deflates in libuv's pool (async zlib) and encodes
 * the label mask.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { extname } from 'node:path';
import { ParselError } from '../../shared/api/errors';
import type { FaceSpec, JobRecord, JobStatus, ModelSetRecord, PrelabelStarted, ProvidersInfo, SetRemap } from '../../shared/api/methods-models';
import type { ImageStatus, LabelSchema } from '../../shared/api/types';
import { encodeMask } from '../../shared/mask/codec';
import { isDetectorCard, type ModelCard } from '../../shared/models/card';
import { buildProbRemap, describeProbRemap, movedClasses } from '../../shared/models/prob-remap';
import { getSchema } from '../../shared/schema';
import { decodeBmp, isBmp, rgbOf } from '../formats/bmp';
import { InferenceEngine, boxFromLandmarks, type BatchItem, type BatchResult, type Box, type DetectorSpec } from '../inference';
import { startWorker } from '../inference/spawn';
import { ownBuffers, WorkerRpc } from '../inference/worker-rpc';
import type { JobSpec, TodoRow } from '../store/job-repo';
import type { ModelSetEntry } from '../store/model-repo';
import type { ProjectStore } from '../store/project-store';
import type { ServiceContext } from './context';
import { modelRow, verifyModelFile } from './model-check';
import { deflateProbs, predictionCounts } from './predictions';
import type { ItemOutcome, ItemWrite } from './prelabel-commit';
import { processAlive } from './process-alive';

export const PRELABEL_KIND = 'prelabel';
/** Items in flight in the engine (decode of later items overlaps inference of earlier ones). */
const CONCURRENCY = 3;
const PROGRESS_MS = 200;

type SetRow = ModelSetEntry;

export function setRow(store: ProjectStore, id: number): SetRow {
  return store.models.set(id);
}

export function memberCards(store: ProjectStore, set: SetRow): { id: number; name: string; path: string; sha256: string; card: ModelCard }[] {
  return set.members.map((id) => {
    const m = modelRow(store, id);
    return { id: m.id, name: m.name, path: m.path, sha256: m.sha256, card: m.card as ModelCard };
  });
}

export function toSetRecord(store: ProjectStore, r: SetRow, counts = predictionCounts(store)): ModelSetRecord {
  if (r.imported !== null) {
    // Predictions read from a file: in the project's schema (K was checked against it), whole images.
    const imported = r.imported;
    const schema = store.schema();
    return {
      id: r.id,
      name: r.name,
      modelIds: [],
      tta: r.tta,
      faces: { margin: 0.25, ...r.faces } as FaceSpec,
      labels: schema.id,
      classes: schema.classes.length,
      expects: 'image',
      createdAt: r.created_at,
      predictions: counts.get(r.id) ?? 0,
      remap: null,
      imported,
    };
  }
  const cards = memberCards(store, r).map((m) => m.card);
  return {
    id: r.id,
    name: r.name,
    modelIds: r.members,
    tta: r.tta,
    faces: { margin: 0.25, ...r.faces } as FaceSpec,
    labels: cards[0].labels,
    classes: getSchema(cards[0].labels).classes.length,
    expects: cards[0].expects,
    createdAt: r.created_at,
    predictions: counts.get(r.id) ?? 0,
    remap: setRemap(cards[0].labels, store.schema()),
    imported: null,
  };
}

function setRemap(modelSchema: string, project: LabelSchema): SetRemap | null {
  const r = buildProbRemap(getSchema(modelSchema), project);
  if (!r) return null;
  return { target: r.target, moved: movedClasses(r), text: describeProbRemap(r) };
}

/** A set of imported predictions has no models to run. */
function refuseImported(set: SetRow): void {
  if (set.imported === null) return;
  throw new ParselError(
    'INVALID_INPUT',
    `model set ${set.id} "${set.name}" holds predictions imported from ${set.imported.dir} (parsel import-probs) and has no models: it cannot pre-label. Scan or compare with it; to change its predictions, import them again under a new name`,
    { modelSetId: set.id },
  );
}


const now = () => new Date().toISOString();

/** Why an image of a faces-mode "box" set without boxes is skipped (its job item's reason). */
export const NO_FACE_BOX = 'no face box drawn';

/** Why an image of a faces-mode "detector" set is skipped when the detector finds no face in it. */
export const NO_FACE_FOUND = 'no face found';

/** The face detector of a faces-mode "detector" set: its model row, file verified, detector card. */
async function faceDetectorSpec(store: ProjectStore, set: SetRow, id: number | undefined): Promise<DetectorSpec> {
  if (id === undefined) throw new ParselError('INVALID_INPUT', `model set ${set.id} "${set.name}" finds faces with a detector but names none (faces.detectorModelId)`, { modelSetId: set.id });
  const m = modelRow(store, id);
  const card = m.card;
  if (!isDetectorCard(card)) {
    throw new ParselError('INVALID_INPUT', `model set ${set.id} "${set.name}": its face detector, model ${id} "${m.name}", has no face-detector card`, { modelSetId: set.id, modelId: id });
  }
  await verifyModelFile(m);
  return { path: m.path, card };
}

/** An image the job leaves alone, with the reason (job item 'skipped'; nothing predicted or written). */
class SkipItem extends Error {}

/** Main-thread handle of the writer thread (prelabel-writer.ts): requests are handled one at a time, in order. */
class WriterHandle {
  private constructor(private readonly rpc: WorkerRpc) {}

  static async open(path: string, nativeBinding: string | undefined): Promise<WriterHandle> {
    const rpc = new WorkerRpc(startWorker('prelabel-writer', import.meta.url), 'the pre-labelling writer thread');
    try {
      await rpc.request({ type: 'open', path, ...(nativeBinding ? { nativeBinding } : {}) });
    } catch (e) {
      await rpc.worker.terminate();
      throw e;
    }
    return new WriterHandle(rpc);
  }

  item(write: ItemWrite): Promise<ItemOutcome> {
    // The blobs are the writer's from here on (transferred, not copied) when they own their buffer.
    return this.rpc.request<ItemOutcome>({ type: 'item', write }, ownBuffers(write.deflated, write.mask.data));
  }

  fail(jobId: number, imageId: number, error: string): Promise<boolean> {
    return this.rpc.request<boolean>({ type: 'fail', jobId, imageId, error });
  }

  skip(jobId: number, imageId: number, reason: string): Promise<boolean> {
    return this.rpc.request<boolean>({ type: 'skip', jobId, imageId, reason });
  }

  /** Closes the writer's connection (after every pending write) and ends the thread. */
  async close(): Promise<void> {
    await this.rpc.close();
  }
}

export class PrelabelJobs {
  private readonly active = new Map<number, { abort: AbortController; finished: Promise<void>; modelSetId: number }>();
  /** Jobs whose engine is starting: not in `active` yet, but already busy (listed active, cancellable). */
  private readonly starting = new Map<number, { abort: AbortController; modelSetId: number }>();
  /** Provider of the latest engine started in this process (the status bar's "CPU (CUDA failed: …)"). */
  last: ProvidersInfo['last'] = null;

  constructor(private readonly ctx: ServiceContext) {}

  /** Creates the job (all items 'todo') and starts it. */
  async start(req: { modelSetId: number; imageIds?: number[]; filter?: { status?: ImageStatus[]; split?: string }; force: boolean; providers?: string[] }): Promise<PrelabelStarted> {
    const { store } = this.ctx.project();
    refuseImported(setRow(store, req.modelSetId));
    this.refuseBusy(req.modelSetId);
    if (req.imageIds && req.filter) throw new ParselError('BAD_REQUEST', 'prelabel:start: give imageIds or filter, not both');
    let ids: number[];
    if (req.imageIds) {
      ids = [...new Set(req.imageIds)];
      const missing = store.missingImageIds(ids);
      if (missing.length) {
        throw new ParselError('NOT_FOUND', `images not in this project: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ` (+${missing.length - 20} more)` : ''}`, { missing });
      }
    } else {
      ids = store.selectImages({ status: req.filter?.status, split: req.filter?.split }).map((r) => r.id);
    }
    if (ids.length === 0) throw new ParselError('INVALID_INPUT', req.filter ? 'no image matches the filter' : 'the project has no images to pre-label');
    const spec: JobSpec = { modelSetId: req.modelSetId, force: req.force, ...(req.providers ? { providers: req.providers } : {}) };
    const t = now();
    const jobId = store.transaction(() => store.jobs.create(PRELABEL_KIND, spec, ids, t));
    return this.launch(store, jobId, req.providers);
  }

  /**
   * Continues a job that is not running (killed, cancelled, failed) with its items still 'todo'; with
   * `retryFailed`, its failed items first become 'todo' again (the failure count drops by as many).
   */
  async resume(jobId: number, providers?: string[], retryFailed = false): Promise<PrelabelStarted> {
    const { store } = this.ctx.project();
    const job = store.jobs.get(jobId);
    if (job.kind !== PRELABEL_KIND) throw new ParselError('INVALID_INPUT', `job ${jobId} is a ${job.kind} job, not a pre-labelling job`);
    if (this.active.has(jobId) || this.starting.has(jobId)) throw new ParselError('CONFLICT', `job ${jobId} is already running`);
    const spec = job.spec;
    this.refuseBusy(spec.modelSetId);
    if (job.status === 'running' && spec.run && spec.run.host === hostname() && spec.run.pid !== process.pid && processAlive(spec.run.pid)) {
      throw new ParselError(
        'CONFLICT',
        `job ${jobId} is running in another process (pid ${spec.run.pid}); if that process is not Parsel any more, cancel the job (prelabel:cancel) and resume it`,
        { jobId, pid: spec.run.pid },
      );
    }
    if (retryFailed) {
      store.transaction(() => store.jobs.retryFailed(jobId, now()));
    }
    return this.launch(store, jobId, providers ?? spec.providers);
  }

  cancel(jobId: number): boolean {
    const a = this.active.get(jobId) ?? this.starting.get(jobId);
    if (a) {
      a.abort.abort();
      return true;
    }
    const p = this.ctx.current();
    if (!p) return false;
    // A job left 'running' by a killed process: mark it cancelled (still resumable).
    return p.store.jobs.cancelIdle(jobId, PRELABEL_KIND, now());
  }

  /** Resolves when the job's current run has ended (tests, CLI). */
  async wait(jobId: number): Promise<void> {
    await this.active.get(jobId)?.finished;
  }

  /** Stops every running job (project closing): items finished so far stay stored. */
  async stopAll(): Promise<void> {
    for (const a of this.active.values()) a.abort.abort();
    await Promise.all([...this.active.values()].map((a) => a.finished));
  }

  list(kind?: string): JobRecord[] {
    const { store } = this.ctx.project();
    return store.jobs.list(kind).map((r): JobRecord => {
      const spec = r.spec;
      const by = store.jobs.itemStates(r.id);
      const active = this.active.has(r.id) || this.starting.has(r.id);
      return {
        id: r.id,
        kind: r.kind,
        status: r.status,
        total: r.total,
        done: r.done,
        failed: r.failed,
        skipped: by.get('skipped') ?? 0,
        message: r.message,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        modelSetId: spec.modelSetId ?? null,
        force: spec.force ?? false,
        provider: spec.run?.provider ?? null,
        warnings: spec.run?.warnings ?? [],
        active,
        resumable: r.kind === PRELABEL_KIND && !active && r.status !== 'done' && (by.get('todo') ?? 0) > 0,
        retryable: r.kind === PRELABEL_KIND && !active && (by.get('failed') ?? 0) > 0,
        failures: store.jobs.failures(r.id, 50),
        skips: store.jobs.skips(r.id, 50),
        skipReasons: store.jobs.skipReasons(r.id),
      };
    });
  }

  /** Two jobs of one set at once would pre-label the same images twice (and split the CPU/GPU). */
  private refuseBusy(modelSetId: number): void {
    for (const [id, a] of [...this.active, ...this.starting]) {
      if (a.modelSetId === modelSetId) {
        throw new ParselError('CONFLICT', `job ${id} is already pre-labelling with model set ${modelSetId}; wait for it or cancel it`, { jobId: id });
      }
    }
  }

  /** Starts an engine for the job's model set, marks the job running and runs its 'todo' items in the background. */
  private async launch(store: ProjectStore, jobId: number, providers: string[] | undefined): Promise<PrelabelStarted> {
    const job = store.jobs.get(jobId);
    const spec = job.spec;
    const todo = store.jobs.todoCount(jobId);
    if (todo === 0) {
      store.jobs.setStatus(jobId, 'done', job.message, now());
      throw new ParselError('INVALID_INPUT', `job ${jobId} has nothing left to do (${job.done} done, ${job.failed} failed)`);
    }
    let set: SetRow;
    let engine: InferenceEngine;
    // Busy from here, not only once the engine has started: a second start of this set (or resume of
    // this job) while the engine starts is refused by refuseBusy / resume, job:list shows it active, and
    // a cancel meanwhile aborts the run before it reads any item.
    const abort = new AbortController();
    this.starting.set(jobId, { abort, modelSetId: spec.modelSetId });
    try {
      set = setRow(store, spec.modelSetId);
      engine = await this.engineFor(store, set, providers);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.ctx.current()?.store === store) store.jobs.setStatus(jobId, 'failed', message, now());
      if (err instanceof ParselError) throw err;
      throw new ParselError('INVALID_INPUT', message, { jobId });
    } finally {
      this.starting.delete(jobId);
    }
    if (this.ctx.current()?.store !== store) {
      // Closed while the engine started: its store is gone; end the engine's threads, leave the job as it was.
      await engine.close().catch(() => undefined);
      throw new ParselError('NO_PROJECT', `the project was closed while job ${jobId} was starting; it did not run (resume it once the project is open)`, { jobId });
    }
    this.last = { provider: engine.provider, warnings: [...engine.warnings], at: now(), jobId };
    spec.run = { pid: process.pid, host: hostname(), startedAt: now(), provider: engine.provider, warnings: [...engine.warnings] };
    store.jobs.markRunning(jobId, spec, now());
    const finished = this.loop(store, jobId, set, spec, engine, abort.signal, todo).finally(() => this.active.delete(jobId));
    this.active.set(jobId, { abort, finished, modelSetId: set.id });
    return { jobId, total: job.total, todo, provider: engine.provider, warnings: [...engine.warnings] };
  }

  /** An engine for the set's models (also the editor's re-parse / proposal, domains/assist.ts). */
  async engineFor(store: ProjectStore, set: SetRow, providers: string[] | undefined): Promise<InferenceEngine> {
    // Read before the awaits below: the project may be closed meanwhile (launch handles that).
    const targetSchema = store.schema().id;
    refuseImported(set);
    const members = memberCards(store, set);
    for (const m of members) await verifyModelFile(m);
    const faces = set.faces;
    const models = members.map((m) => ({
      path: m.path,
      // The set's margin overrides the card's for face-crop models (the crop is the set's choice).
      card: m.card.expects === 'face' && faces.margin !== undefined ? { ...m.card, crop: { ...m.card.crop, margin: faces.margin } } : m.card,
    }));
    const detector = faces.mode === 'detector' ? await faceDetectorSpec(store, set, faces.detectorModelId) : undefined;
    try {
      // Predictions come out in the project's schema (remapped when the models label another one).
      return await InferenceEngine.create({ models, tta: set.tta, targetSchema, ...(detector ? { detector } : {}), ...(providers ? { providers } : {}) });
    } catch (err) {
      throw new ParselError('INVALID_INPUT', `model set ${set.id} "${set.name}": ${err instanceof Error ? err.message : String(err)}`, { modelSetId: set.id });
    }
  }

  private async loop(store: ProjectStore, jobId: number, set: SetRow, spec: JobSpec, engine: InferenceEngine, signal: AbortSignal, todoAtStart: number): Promise<void> {
    const ctx = this.ctx;
    const faces = { mode: 'whole', margin: 0.25, ...set.faces } as FaceSpec;
    const faceModel = memberCards(store, set)[0].card.expects === 'face';
    const author = `model set "${set.name}"`;
    const note = `pre-labelled by job ${jobId} (${engine.provider}${set.tta === 'flip' ? ', flip TTA' : ''})`;
    const rows = new Map<number, TodoRow>();

    const t0 = performance.now();
    let finishedThisRun = 0;
    let lastEmit = 0;
    let changed: number[] = [];
    let projectGone = false;
    let fatal: string | null = null;
    const stopper = new AbortController();
    if (signal.aborted) stopper.abort(); // cancelled while the engine started
    else signal.addEventListener('abort', () => stopper.abort(), { once: true });

    const stillOpen = () => {
      if (ctx.current()?.store === store) return true;
      projectGone = true;
      stopper.abort();
      return false;
    };
    const emit = (status: JobStatus, force = false) => {
      const t = performance.now();
      if (!force && t - lastEmit < PROGRESS_MS) return;
      lastEmit = t;
      const c = store.jobs.counters(jobId);
      const left = c.total - c.done - c.failed;
      const rate = finishedThisRun / ((t - t0) / 1000);
      ctx.bus.emit('job:progress', {
        jobId: String(jobId),
        kind: PRELABEL_KIND,
        done: c.done,
        total: c.total,
        failed: c.failed,
        phase: status === 'running' ? 'inference' : status,
        status,
        etaSeconds: status === 'running' && finishedThisRun >= 2 && rate > 0 ? Math.round(left / rate) : null,
        provider: engine.provider,
        warnings: engine.warnings,
      });
      if (changed.length) {
        ctx.bus.emit('project:changed', { reason: 'revision-saved', imageIds: changed });
        changed = [];
      }
    };
    const fail = async (imageId: number, error: string): Promise<void> => {
      if (!stillOpen()) return;
      await writer.fail(jobId, imageId, error);
      finishedThisRun++;
      emit('running');
    };

    const skip = async (imageId: number, reason: string): Promise<void> => {
      if (!stillOpen()) return;
      await writer.skip(jobId, imageId, reason);
      finishedThisRun++;
      emit('running');
    };

    async function itemOf(r: TodoRow): Promise<BatchItem> {
      const abs = ctx.project().paths.toAbsolute(r.path);
      let boxes: Box[] | undefined;
      if (faceModel) {
        if (faces.mode === 'landmarks') {
          const sets = store.landmarks(r.image_id).filter((p) => p.length > 0);
          if (sets.length === 0) throw new Error(`image ${r.image_id} (${r.path}) has no landmarks; the model set finds faces from landmarks`);
          boxes = sets.map((p) => boxFromLandmarks(p));
        } else if (faces.mode === 'box') {
          const drawn = store.faces.of(r.image_id);
          if (drawn.length === 0) throw new SkipItem(NO_FACE_BOX);
          boxes = drawn.map((b): Box => [b.x0, b.y0, b.x1, b.y1]);
        } else if (faces.mode === 'detector') {
          boxes = undefined; // the engine's face detector finds them
        } else {
          boxes = [[0, 0, r.width, r.height]];
        }
      }
      if (extname(abs).toLowerCase() === '.bmp') {
        // sharp (in the worker) reads no BMP: decode here with our decoder and hand over pixels.
        const buf = await readFile(abs);
        if (isBmp(buf)) {
          const d = decodeBmp(buf);
          return { key: String(r.image_id), rgb: rgbOf(d), width: d.width, height: d.height, faces: boxes };
        }
      }
      return { key: String(r.image_id), path: abs, faces: boxes };
    }

    async function* items(): AsyncGenerator<BatchItem> {
      let after = 0;
      for (;;) {
        if (stopper.signal.aborted || !stillOpen()) return;
        const batch = store.jobs.todoPage(jobId, after, 64);
        if (batch.length === 0) return;
        for (const r of batch) {
          after = r.image_id;
          if (stopper.signal.aborted) return;
          try {
            const item = await itemOf(r);
            rows.set(r.image_id, r);
            yield item;
          } catch (err) {
            try {
              if (err instanceof SkipItem) await skip(r.image_id, err.message);
              else await fail(r.image_id, err instanceof Error ? err.message : String(err));
            } catch (e) {
              fatal = `image ${r.image_id}: ${e instanceof Error ? e.message : String(e)}`;
              stopper.abort();
            }
          }
        }
      }
    }

    const onResult = async (res: BatchResult): Promise<void> => {
      // Never throw from here: a throw would abandon the engine's in-flight items.
      const imageId = Number(res.key);
      const row = rows.get(imageId);
      rows.delete(imageId);
      try {
        if (!row || !stillOpen()) return;
        // The engine's message may not name the file (sharp: "Input file contains unsupported image format").
        if (!res.ok) return await fail(imageId, res.error.includes(row.path) ? res.error : `${row.path}: ${res.error}`);
        if (res.detections && res.detections.length === 0) return await skip(imageId, NO_FACE_FOUND);
        if (res.width !== row.width || res.height !== row.height) {
          return await fail(imageId, `${row.path} decodes to ${res.width}×${res.height} but the project has it as ${row.width}×${row.height} (file replaced?)`);
        }
        if (!res.probs) return await fail(imageId, 'the engine returned no probabilities');
        const rawLength = res.probs.length;
        const deflated = await deflateProbs(res.probs);
        const mask = encodeMask(res.labels, res.width, res.height);
        if (!stillOpen()) return;
        const outcome = await writer.item({
          jobId,
          imageId,
          modelSetId: set.id,
          imageSha256: row.sha256,
          width: res.width,
          height: res.height,
          classes: res.classes,
          provider: engine.provider,
          deflated,
          rawLength,
          force: spec.force,
          author,
          note,
          mask,
        });
        finishedThisRun++;
        if (outcome === 'done') changed.push(imageId); // a new revision: the grid and editor refresh it
        emit('running');
      } catch (err) {
        fatal = `image ${imageId}: ${err instanceof Error ? err.message : String(err)}`;
        stopper.abort();
      }
    };

    let writer: WriterHandle;
    try {
      writer = await WriterHandle.open(store.path, ctx.opts.sqliteNativeBinding);
    } catch (err) {
      await engine.close().catch(() => undefined);
      if (!stillOpen()) return; // closed meanwhile: nothing can be recorded (the job resumes later)
      fatal = `cannot start the writer: ${err instanceof Error ? err.message : String(err)}`;
      store.jobs.setStatus(jobId, 'failed', fatal, now());
      this.active.delete(jobId);
      emit('failed', true);
      return;
    }
    try {
      emit('running', true);
      await engine.run(items(), { concurrency: CONCURRENCY, probs: true, onResult, signal: stopper.signal });
    } catch (err) {
      fatal = err instanceof Error ? err.message : String(err);
    } finally {
      await engine.close().catch(() => undefined);
      await writer.close();
    }
    // The store is closed (maybe only during the last item's commit, after every stillOpen check): the
    // job stays 'running' in the file and resumes later. Touching the closed store here would reject
    // `finished`, which nobody awaits: an unhandled rejection.
    if (projectGone || !stillOpen()) return;
    const left = store.jobs.todoCount(jobId);
    const status: JobStatus = fatal ? 'failed' : left === 0 ? 'done' : signal.aborted ? 'cancelled' : 'paused';
    const c = store.jobs.counters(jobId);
    const skipped = store.jobs.skipReasons(jobId).map((r) => ({ error: r.reason, n: r.images }));
    const message =
      fatal ??
      `${c.done} of ${c.total} done (${c.failed} failed${left ? `, ${left} left` : ''}${skipped.map((k) => `, ${k.n} skipped: ${k.error}`).join('')}) on ${engine.provider}; this run: ${finishedThisRun} of ${todoAtStart} in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    store.jobs.setStatus(jobId, status, message, now());
    // Not active any more before the final event: a listener may resume or list it at once.
    this.active.delete(jobId);
    emit(status, true);
  }
}
