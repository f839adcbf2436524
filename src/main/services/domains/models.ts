/**
 * Model services: add/list/check/remove models (card checked against the graph), model sets
 * (self-ensembles), execution providers, pre-labelling jobs (prelabel.ts) and cached predictions
 * (predictions.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import type { FaceSpec, ModelCheck, ModelSetRecord } from '../../../shared/api/methods-models';
import { encodeMask } from '../../../shared/mask/codec';
import { DETECTOR_TASK, isDetectorCard, isParserCard, type ModelCard } from '../../../shared/models/card';
import { argmaxProbs } from '../../../shared/noise/probs';
import { getSchema } from '../../../shared/schema';
import { defaultProviderOrder, listSupportedBackends } from '../../inference';
import type { ProjectStore } from '../../store/project-store';
import type { DomainServices, ServiceContext } from '../context';
import { checkModelFile, modelRow, modelRows, modelUsers, toModelRecord } from '../model-check';
import { PrelabelJobs, setRow, toSetRecord } from '../prelabel';
import { predictionCounts, readPrediction } from '../predictions';

type ModelMethods =
  | 'models:add'
  | 'models:list'
  | 'models:check'
  | 'models:remove'
  | 'models:providers'
  | 'modelSet:create'
  | 'modelSet:list'
  | 'prelabel:start'
  | 'prelabel:cancel'
  | 'prelabel:resume'
  | 'job:list'
  | 'prediction:get';


/** What members of a model set must share (the engine averages their probabilities pixel by pixel). */
function describe(c: ModelCard): string {
  const s = getSchema(c.labels);
  return `${c.labels} (${s.classes.length} classes), ${c.expects === 'face' ? 'face crops' : 'whole image'}, input ${c.input.width}×${c.input.height} ${c.input.resize}`;
}

/**
 * The face detector of a set with faces.mode "detector": `id` must name a model of this project whose
 * card is a face-detector card. Returns the id; throws a message naming what is wrong otherwise.
 */
function faceDetectorOf(store: ProjectStore, id: number | undefined): number {
  if (id === undefined) {
    throw new ParselError('INVALID_INPUT', 'faces: "detector" needs faces.detectorModelId: the id of a model added with a face-detector card ("task": "face-detection")');
  }
  const r = modelRow(store, id);
  const card = r.card;
  if (!isDetectorCard(card)) {
    throw new ParselError(
      'INVALID_INPUT',
      `faces.detectorModelId: model ${id} "${r.name}" is a face-parsing model (its card says task "face-parsing"); the detector must be a model whose card says "task": "${DETECTOR_TASK}"`,
      { modelId: id },
    );
  }
  return id;
}

export function modelServices(ctx: ServiceContext, jobs = new PrelabelJobs(ctx)): DomainServices<ModelMethods> & { jobs: PrelabelJobs } {
  return {
    jobs,

    'models:check': async ({ path, modelId, card }): Promise<ModelCheck> => {
      if ((path === undefined) === (modelId === undefined)) throw new ParselError('BAD_REQUEST', 'models:check: give a path or a modelId (exactly one)');
      if (path !== undefined) return checkModelFile(path, card);
      const m = modelRow(ctx.project().store, modelId as number);
      const r = await checkModelFile(m.path, card ?? (m.card as unknown as Record<string, unknown>));
      if (r.sha256 !== m.sha256) r.problems.push(`${m.path} changed since model ${m.id} "${m.name}" was added (sha256 differs); add it again as a new model`);
      return { ...r, ok: r.problems.length === 0, cardSource: card ? 'request' : 'stored' };
    },

    'models:add': async ({ path, name, card }) => {
      const { store } = ctx.project();
      const abs = resolve(path);
      const check = await checkModelFile(abs, card);
      if (!check.ok || !check.card || !check.sha256) {
        throw new ParselError('INVALID_INPUT', `${abs}: the model card does not fit the model:\n  ${check.problems.join('\n  ')}`, { path: abs, problems: check.problems });
      }
      // A parser of another schema is fine: its probabilities are remapped onto the project's when it
      // pre-labels (shared/models/prob-remap.ts; the set record shows the remap).
      const finalName = (name ?? check.card.name).trim();
      const byName = store.models.idByName(finalName);
      if (byName !== null) throw new ParselError('ALREADY_EXISTS', `a model named "${finalName}" exists (model ${byName}); give another name`, { modelId: byName });
      const same = store.models.byFile(abs, check.sha256);
      if (same) throw new ParselError('ALREADY_EXISTS', `${abs} is already model ${same.id} "${same.name}"`, { modelId: same.id });
      const id = store.models.add({ name: finalName, path: abs, sha256: check.sha256, card: check.card, addedAt: new Date().toISOString(), averaging: check.averaging ?? null });
      return { model: toModelRecord(modelRow(store, id), [], true), check };
    },

    'models:list': () => {
      const { store } = ctx.project();
      const users = modelUsers(store);
      return modelRows(store).map((r) => toModelRecord(r, users.get(r.id) ?? [], existsSync(r.path)));
    },

    'models:remove': ({ id }) => {
      const { store } = ctx.project();
      const m = modelRow(store, id);
      const users = modelUsers(store).get(id) ?? [];
      if (users.length) {
        throw new ParselError('CONFLICT', `model ${id} "${m.name}" is used by model set${users.length > 1 ? 's' : ''} ${users.join(', ')}; it cannot be removed`, { modelSetIds: users });
      }
      store.models.remove(id);
      return { removed: true };
    },

    'models:providers': () => ({
      platform: `${process.platform}-${process.arch}`,
      backends: listSupportedBackends(),
      order: defaultProviderOrder(),
      last: jobs.last,
    }),

    'modelSet:create': ({ name, modelIds, tta, faces }): ModelSetRecord => {
      const { store } = ctx.project();
      const dup = modelIds.find((m, i) => modelIds.indexOf(m) !== i);
      if (dup !== undefined) throw new ParselError('INVALID_INPUT', `model ${dup} is listed twice; a set averages distinct models`);
      const members = modelIds.map((id) => {
        const r = modelRow(store, id);
        const card = r.card;
        if (isDetectorCard(card)) {
          throw new ParselError(
            'INVALID_INPUT',
            `model ${id} "${r.name}" is a face detector (its card says task "${DETECTOR_TASK}"); it finds faces for a set (faces.mode "detector", faces.detectorModelId ${id}) but cannot be one of its parsing models`,
            { modelId: id },
          );
        }
        if (!isParserCard(card)) {
          throw new ParselError(
            'INVALID_INPUT',
            `model ${id} "${r.name}" is a promptable segmenter (its card says task "${card.task}"); it segments what is clicked in the editor and cannot be one of a set's parsing models`,
            { modelId: id },
          );
        }
        return { id, name: r.name, card };
      });
      const first = members[0];
      for (const m of members.slice(1)) {
        const a = first.card;
        const b = m.card;
        const differ =
          a.labels !== b.labels ||
          a.expects !== b.expects ||
          a.input.width !== b.input.width ||
          a.input.height !== b.input.height ||
          a.input.resize !== b.input.resize;
        if (differ) {
          throw new ParselError(
            'INVALID_INPUT',
            `models of a set must share the label schema, class count, input size and crop mode: model ${m.id} "${m.name}" is ${describe(b)}, model ${first.id} "${first.name}" is ${describe(a)}`,
            { modelIds: [first.id, m.id] },
          );
        }
      }
      const detectorModelId = faces.mode === 'detector' ? faceDetectorOf(store, faces.detectorModelId) : undefined;
      if (faces.mode !== 'detector' && faces.detectorModelId !== undefined) throw new ParselError('INVALID_INPUT', 'faces.detectorModelId is only used with faces.mode "detector"');
      if ((faces.mode === 'landmarks' || faces.mode === 'box' || faces.mode === 'detector') && first.card.expects !== 'face') {
        throw new ParselError('INVALID_INPUT', `faces: "${faces.mode}" crops faces, but model ${first.id} "${first.name}" parses the whole image (its card says expects "image")`);
      }
      const taken = store.models.setIdByName(name);
      if (taken !== null) throw new ParselError('ALREADY_EXISTS', `a model set named "${name}" exists (model set ${taken})`, { modelSetId: taken });
      const spec: FaceSpec = { mode: faces.mode, margin: faces.margin, ...(detectorModelId !== undefined ? { detectorModelId } : {}) };
      const id = store.models.addSet({ name, members: modelIds, tta, faces: spec, createdAt: new Date().toISOString() });
      return toSetRecord(store, setRow(store, id));
    },

    'modelSet:list': () => {
      const { store } = ctx.project();
      const counts = predictionCounts(store);
      return store.models.sets().map((r) => toSetRecord(store, r, counts));
    },

    'prelabel:start': (req) => jobs.start(req),
    'prelabel:resume': ({ jobId, providers, retryFailed }) => jobs.resume(jobId, providers, retryFailed),
    'prelabel:cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'job:list': ({ kind }) => jobs.list(kind),

    'prediction:get': ({ imageId, modelSetId, probs }) => {
      const { store } = ctx.project();
      store.getImage(imageId);
      setRow(store, modelSetId);
      const p = readPrediction(store, imageId, modelSetId);
      if (!p) throw new ParselError('NOT_FOUND', `image ${imageId} has no cached prediction of model set ${modelSetId}; run pre-labelling first`, { imageId, modelSetId });
      const labels = encodeMask(argmaxProbs(p.probs, p.classes, p.width, p.height), p.width, p.height);
      return { imageId, modelSetId, width: p.width, height: p.height, classes: p.classes, provider: p.provider, createdAt: p.createdAt, labels, probs: probs ? p.probs : null };
    },
  };
}
