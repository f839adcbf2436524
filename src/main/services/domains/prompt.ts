/**
 * Promptable segmentation services (`prompt:*`, contract in shared/api/methods-prompt.ts): one worker
 * per promptable model (inference/prompt-engine.ts), started on first use and kept while the project is
 * open; image embeddings cached on disk under `<project>.parsel.cache/embeddings/<key>/<image sha256>.emb`
 * where <key> is a hash of the encoder's sha256 and the card's encoder settings (4 MB per image for
 * SAM's 256×64×64 float32 embedding). Progress while the encoder runs is `job:progress` of kind
 * 'prompt-encode': phase 'decode' (reading the image), 'encode' (with an estimate from the previous
 * encode of this model, when there was one), 'write', then status 'done' or 'failed'.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import type { PromptPrepared, PromptResult } from '../../../shared/api/methods-prompt';
import { isPromptableCard, type AnyModelCard, type PromptableCard } from '../../../shared/models/card';
import { PromptEngine, type EmbedPhase, type Embedded } from '../../inference/prompt-engine';
import type { ProjectStore } from '../../store/project-store';
import type { DomainServices, ServiceContext } from '../context';
import { modelRow, verifyModelFile } from '../model-check';

interface Running {
  engine: Promise<PromptEngine>;
  sha256: string;
}

/** The cache folder of a card's encoder (its sha256 and every encoder setting that changes the embedding). */
export function embeddingKey(card: PromptableCard): string {
  const { file: _file, ...settings } = card.encoder;
  void _file;
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 16);
}

export class PromptSessions {
  private engines = new Map<number, Running>();
  private store: ProjectStore | null = null;

  constructor(private readonly ctx: ServiceContext) {}

  /** The promptable model `modelId` of the open project, its files verified (sha256 of both). */
  private async model(modelId: number): Promise<{ card: PromptableCard; path: string; sha256: string; name: string }> {
    const { store } = this.ctx.project();
    const r = modelRow(store, modelId);
    const card: AnyModelCard = r.card;
    if (!isPromptableCard(card)) {
      throw new ParselError(
        'INVALID_INPUT',
        `model ${modelId} "${r.name}" is a ${card.task === 'face-detection' ? 'face detector' : 'face-parsing model'}; clicks and boxes need a promptable-segmentation model (a card with "task": "promptable-segmentation")`,
        { modelId },
      );
    }
    return { card, path: r.path, sha256: r.sha256, name: r.name };
  }

  private async engine(modelId: number): Promise<PromptEngine> {
    const { store } = this.ctx.project();
    if (this.store !== store) {
      await this.closeAll();
      this.store = store;
    }
    const m = await this.model(modelId);
    const have = this.engines.get(modelId);
    if (have && have.sha256 === m.sha256) return have.engine;
    // First use in this project: both files must still be the ones added.
    const engine = (async () => {
      await verifyModelFile({ id: modelId, name: m.name, path: m.path, sha256: m.sha256 });
      await verifyModelFile({ id: modelId, name: `${m.name}" encoder "${m.card.encoder.file}`, path: m.card.encoder.file, sha256: m.card.encoder.sha256 ?? '' });
      return PromptEngine.create({ encoder: m.card.encoder.file, decoder: m.path, card: m.card });
    })();
    this.engines.set(modelId, { engine, sha256: m.sha256 });
    engine.catch(() => {
      if (this.engines.get(modelId)?.engine === engine) this.engines.delete(modelId);
    });
    return engine;
  }

  /** Makes sure the worker of `modelId` holds the embedding of `imageId`; emits progress under `jobId`. */
  async prepare(modelId: number, imageId: number, jobId?: string): Promise<{ engine: PromptEngine; embedded: Embedded; key: string }> {
    const { store, paths } = this.ctx.project();
    const img = store.getImage(imageId);
    const engine = await this.engine(modelId);
    const { card } = await this.model(modelId);
    const key = `${imageId}:${img.sha256}`;
    const cacheFile = join(paths.cacheDir, 'embeddings', embeddingKey(card), `${img.sha256}.emb`);
    const job = jobId ?? `prompt-encode-${modelId}-${imageId}`;
    let started = false;
    const emit = (phase: string, status: string, message?: string, etaSeconds?: number | null) =>
      this.ctx.bus.emit('job:progress', { jobId: job, kind: 'prompt-encode', done: status === 'running' ? 0 : 1, total: 1, phase, status, provider: engine.provider, ...(message ? { message } : {}), ...(etaSeconds !== undefined ? { etaSeconds } : {}) });
    try {
      const embedded = await engine.embed(key, { path: paths.toAbsolute(img.path) }, cacheFile, (phase: EmbedPhase, expectMs) => {
        started = true;
        emit(phase, 'running', phase === 'encode' ? 'computing the image embedding' : phase === 'decode' ? 'reading the image' : 'caching the embedding', expectMs === null ? null : expectMs / 1000);
      });
      if (embedded.width !== img.width || embedded.height !== img.height) {
        throw new ParselError('INVALID_INPUT', `image ${imageId} (${img.path}) is ${embedded.width}×${embedded.height} on disk but ${img.width}×${img.height} in the project: the file changed since it was added`, { imageId });
      }
      if (started) emit('done', 'done');
      return { engine, embedded, key };
    } catch (e) {
      if (started) emit('failed', 'failed', e instanceof Error ? e.message : String(e));
      if (e instanceof ParselError) throw e;
      throw new ParselError('INVALID_INPUT', `image ${imageId}, model ${modelId}: ${e instanceof Error ? e.message : String(e)}`, { imageId, modelId });
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.engines.values()];
    this.engines.clear();
    await Promise.all(all.map((r) => r.engine.then((e) => e.close(), () => undefined)));
  }
}

export function promptServices(ctx: ServiceContext, sessions = new PromptSessions(ctx)): DomainServices<'prompt:prepare' | 'prompt:decode'> & { prompts: PromptSessions } {
  return {
    prompts: sessions,

    'prompt:prepare': async ({ modelId, imageId, jobId }): Promise<PromptPrepared> => {
      const { engine, embedded } = await sessions.prepare(modelId, imageId, jobId);
      return { modelId, imageId, width: embedded.width, height: embedded.height, source: embedded.source, encodeMs: embedded.encodeMs, provider: engine.provider, warnings: engine.warnings };
    },

    'prompt:decode': async ({ modelId, imageId, points, box, jobId }): Promise<PromptResult> => {
      if (points.length === 0 && box === null) throw new ParselError('BAD_REQUEST', 'prompt:decode: give at least one click (points) or a box');
      if (box && (box.x1 <= box.x0 || box.y1 <= box.y0)) {
        throw new ParselError('INVALID_INPUT', `box [${box.x0}, ${box.y0}, ${box.x1}, ${box.y1}]: x1 must be greater than x0 and y1 greater than y0 (corners top-left, bottom-right)`, { box });
      }
      const { engine, embedded, key } = await sessions.prepare(modelId, imageId, jobId);
      const r = await engine.decode(key, points, box).catch((e: unknown) => {
        throw new ParselError('INVALID_INPUT', `model ${modelId}, image ${imageId}: the decoder failed: ${e instanceof Error ? e.message : String(e)}`, { modelId, imageId });
      });
      return { modelId, imageId, width: r.width, height: r.height, candidates: r.candidates, source: embedded.source, decodeMs: r.decodeMs, workerMs: r.workerMs };
    },
  };
}
