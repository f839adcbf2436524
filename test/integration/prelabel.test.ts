/**
 * Models, model sets and pre-labelling through the services (direct client), with generated ONNX
 * models: card-vs-graph refusals, set mismatches, exact colour-rule masks, the prediction cache against
 * the engine's own probabilities, human revisions never overwritten unless forced, cancel + resume,
 * face crops from stored landmarks, and the main thread's responsiveness during a job.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ParselError } from '../../src/shared/api/errors';
import { decodeMask, encodeMask } from '../../src/shared/mask/codec';
import { parseModelCard, type ModelCardInput } from '../../src/shared/models/card';
import { applyProbRemap, buildProbRemap, describeProbRemap } from '../../src/shared/models/prob-remap';
import { argmaxProbs } from '../../src/shared/noise/probs';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { InferenceEngine, appendOnnxMetadata } from '../../src/main/inference';
import { averageFiles } from '../../src/main/inference/average';
import { describeAveraging } from '../../src/shared/models/averaging';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { readPrediction } from '../../src/main/services/predictions';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { asymmetricModel, colourRuleClass, colourRuleLogits, colourRuleModel, softmax } from '../tooling/onnx-gen';
import { expectCode, runJob } from '../tooling/api-expect';

const LAPA = getSchema('lapa-11');
const W = 48;
const H = 40;
const N = 8;
const centroids = LAPA.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);
const shifted = centroids.map((c) => c.map((v, i) => Math.min(1, v + 0.15 * (i - 1))) as [number, number, number]);

const dir = mkdtempSync(join(tmpdir(), 'parsel-prelabel-'));
const projectPath = join(dir, 'p.parsel');
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);
const faces: { rgb: Uint8Array }[] = [];
let imageIds: number[] = [];

/** A 19-class colour-rule model in CelebAMask-HQ order B, for a LaPa project: its predictions are remapped. */
const b19Path = join(dir, 'b19.onnx');
const CELEB_B = getSchema('celebamask-hq-b');
const b19Centroids = CELEB_B.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);

const colourCard = (w: number, h: number, extra: Partial<ModelCardInput> = {}): ModelCardInput => ({
  name: 'colour rule',
  input: { name: 'image', width: w, height: h },
  output: { kind: 'logits' },
  labels: 'lapa-11',
  ...extra,
});

function openStore(): ProjectStore {
  return ProjectStore.open(projectPath);
}

let colourPath: string;
let engine: InferenceEngine;

beforeAll(async () => {
  const imgDir = join(dir, 'faces');
  mkdirSync(imgDir, { recursive: true });
  for (let i = 0; i < N; i++) {
    const f = generateFace({ seed: 100 + i, width: W, height: H, schema: LAPA });
    faces.push(f);
    await sharp(Buffer.from(f.rgb), { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(imgDir, `f${String(i).padStart(2, '0')}.png`));
  }
  await api.call('project:create', { path: projectPath, schemaId: 'lapa-11' });
  await api.call('image:addFolder', { folder: imgDir });
  imageIds = (await api.call('image:list', {})).items.map((i) => i.id);
  expect(imageIds).toHaveLength(N);

  // The colour-rule model with its card beside it, at the images' own size (no resize: exact masks).
  colourPath = join(dir, 'colour.onnx');
  writeFileSync(colourPath, colourRuleModel({ centroids }));
  writeFileSync(join(dir, 'colour.card.json'), JSON.stringify(colourCard(W, H)));
  const r = parseModelCard(colourCard(W, H));
  if (!r.ok) throw new Error(r.problems.join('; '));
  engine = await InferenceEngine.create({ models: [{ path: colourPath, card: r.card }], providers: ['cpu'], intraOpThreads: 1 });
});

afterAll(async () => {
  await engine.close();
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('models', () => {
  it('check reads the card beside the model and explains cards that do not fit the graph', async () => {
    const ok = await api.call('models:check', { path: colourPath });
    expect(ok).toMatchObject({ ok: true, problems: [], cardSource: 'file', cardPath: join(dir, 'colour.card.json') });
    expect(ok.graph?.outputs[0]).toMatchObject({ name: 'out', shape: [1, 11, 'h', 'w'] });

    const wrong = await api.call('models:check', { path: colourPath, card: colourCard(W, H, { labels: 'celebamask-hq-b', input: { name: 'input', width: W, height: H } }) as never });
    expect(wrong.ok).toBe(false);
    expect(wrong.cardSource).toBe('request');
    expect(wrong.problems).toEqual([
      'input.name: the graph has no input "input"; its inputs are "image" [1, 3, h, w]',
      'output "out" [1, 11, h, w] has 11 classes but the card\'s schema "celebamask-hq-b" has 19; choose the schema the model was trained with (or check output.layout)',
    ]);
    const badField = await api.call('models:check', { path: colourPath, card: { name: 'x', input: { name: 'image', width: 0, height: 8 }, output: { kind: 'logit' }, labels: 'lapa-11' } });
    expect(badField.problems).toEqual(['card: input.width must be at least 1', 'card: output.kind must be "logits" or "probabilities"']);

    const bare = join(dir, 'bare.onnx');
    writeFileSync(bare, colourRuleModel({ centroids }));
    const none = await api.call('models:check', { path: bare });
    expect(none.ok).toBe(false);
    expect(none.problems[0]).toMatch(/^no model card for .*bare\.onnx: write .*bare\.card\.json/);

    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    const j = await api.call('models:check', { path: junk, card: colourCard(W, H) as never });
    expect(j.problems[0]).toMatch(/junk\.onnx: not a loadable ONNX model/);
    await expectCode(api.call('models:check', { path: join(dir, 'missing.onnx') }), 'NOT_FOUND');
    await expectCode(api.call('models:check', {}), 'BAD_REQUEST');
  });

  it('add refuses a card that does not fit (with the messages), and duplicates', async () => {
    const e = await expectCode(
      api.call('models:add', { path: colourPath, card: colourCard(W, H, { labels: 'celebamask-hq-b' }) as never }),
      'INVALID_INPUT',
    );
    expect(e.message).toMatch(/colour\.onnx: the model card does not fit the model:\n {2}output "out" \[1, 11, h, w\] has 11 classes but the card's schema "celebamask-hq-b" has 19/);
    expect((e.details as { problems: string[] }).problems).toHaveLength(1);


    const added = await api.call('models:add', { path: colourPath });
    expect(added.model).toMatchObject({ name: 'colour rule', labels: 'lapa-11', classes: 11, available: true, usedBy: [] });
    expect(added.check.cardSource).toBe('file');
    await expectCode(api.call('models:add', { path: colourPath, name: 'again' }), 'ALREADY_EXISTS');
    await expectCode(api.call('models:add', { path: colourPath }), 'ALREADY_EXISTS');

    // A card stored in the ONNX metadata.
    const meta = join(dir, 'meta.onnx');
    writeFileSync(meta, appendOnnxMetadata(colourRuleModel({ centroids: shifted }), { 'parsel.card': JSON.stringify(colourCard(W, H, { name: 'shifted' })) }));
    const m = await api.call('models:add', { path: meta });
    expect(m.check.cardSource).toBe('metadata');
    expect((await api.call('models:list', {})).map((x) => x.name)).toEqual(['colour rule', 'shifted']);
  });

  it('a weight-averaged model says so: its averaging record is read on check and kept with the model', async () => {
    const a = join(dir, 'ckpt-a.onnx');
    const b = join(dir, 'ckpt-b.onnx');
    writeFileSync(a, appendOnnxMetadata(colourRuleModel({ centroids }), { 'parsel.card': JSON.stringify(colourCard(W, H, { name: 'averaged' })) }));
    writeFileSync(b, colourRuleModel({ centroids: shifted }));
    const avg = join(dir, 'avg.onnx');
    averageFiles(avg, [a, b]);
    const check = await api.call('models:check', { path: avg });
    expect(check.ok).toBe(true);
    expect(check.averaging).toMatchObject({ k: null, best: null, checkpoints: [{ name: 'ckpt-a.onnx' }, { name: 'ckpt-b.onnx' }], normalisation: expect.stringMatching(/not re-estimated/) });
    expect(describeAveraging(check.averaging!)).toBe('Weight-averaged self-ensemble of 2 checkpoints (plain mean); normalisation statistics (BatchNorm) averaged, not re-estimated on data.');
    const added = await api.call('models:add', { path: avg });
    expect(added.model.averaging).toEqual(check.averaging);
    const listed = await api.call('models:list', {});
    expect(listed.find((m) => m.id === added.model.id)!.averaging).toEqual(check.averaging);
    expect(listed.find((m) => m.name === 'colour rule')!.averaging).toBeNull();
    expect((await api.call('models:check', { path: a })).averaging).toBeNull();

    // A record that is not one is a problem named with the field, not a silent null.
    const odd = join(dir, 'odd-avg.onnx');
    writeFileSync(odd, appendOnnxMetadata(colourRuleModel({ centroids }), { 'parsel.card': JSON.stringify(colourCard(W, H, { name: 'odd' })), 'parsel.averaging': '{"formula": 1}' }));
    const bad = await api.call('models:check', { path: odd });
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual([expect.stringMatching(/odd-avg\.onnx: metadata "parsel\.averaging": formula: /)]);
    await api.call('models:remove', { id: added.model.id });
  });

  it('model sets: members must agree, a detector must have a detector card, box/landmarks need a face model, a used model cannot be removed', async () => {
    const [colour] = await api.call('models:list', {});
    const small = join(dir, 'small.onnx');
    writeFileSync(small, colourRuleModel({ centroids }));
    const s = await api.call('models:add', { path: small, name: 'small', card: colourCard(32, 32) as never });
    const e = await expectCode(api.call('modelSet:create', { name: 'mixed', modelIds: [colour.id, s.model.id] }), 'INVALID_INPUT');
    expect(e.message).toBe(
      `models of a set must share the label schema, class count, input size and crop mode: model ${s.model.id} "small" is lapa-11 (11 classes), whole image, input 32×32 stretch, model ${colour.id} "colour rule" is lapa-11 (11 classes), whole image, input 48×40 stretch`,
    );
    await expectCode(api.call('modelSet:create', { name: 'dup', modelIds: [colour.id, colour.id] }), 'INVALID_INPUT');
    await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [999] }), 'NOT_FOUND');
    // "box" crops faces: refused for a whole-image model (face-boxes.test.ts runs it with a face model).
    await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [colour.id], faces: { mode: 'box', margin: 0.2 } }), 'INVALID_INPUT');
    // "detector" needs a model with a face-detector card (detector-prelabel.test.ts runs a real one).
    const notDet = await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [colour.id], faces: { mode: 'detector', margin: 0.2, detectorModelId: s.model.id } }), 'INVALID_INPUT');
    expect(notDet.message).toMatch(/faces\.detectorModelId: model \d+ "small" is a face-parsing model/);
    await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [colour.id], faces: { mode: 'landmarks', margin: 0.2 } }), 'INVALID_INPUT');
    await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [colour.id], tta: 'mirror' as never }), 'BAD_REQUEST');

    const set = await api.call('modelSet:create', { name: 'colour', modelIds: [colour.id] });
    expect(set).toMatchObject({ name: 'colour', modelIds: [colour.id], tta: 'none', faces: { mode: 'whole', margin: 0.25 }, labels: 'lapa-11', classes: 11, expects: 'image', predictions: 0 });
    await expectCode(api.call('modelSet:create', { name: 'colour', modelIds: [colour.id] }), 'ALREADY_EXISTS');
    const r = await expectCode(api.call('models:remove', { id: colour.id }), 'CONFLICT');
    expect(r.message).toMatch(/is used by model set \d+/);
    expect(await api.call('models:remove', { id: s.model.id })).toEqual({ removed: true });
    expect((await api.call('models:list', {})).find((x) => x.id === colour.id)?.usedBy).toEqual([set.id]);

    const stored = await api.call('models:check', { modelId: colour.id });
    expect(stored).toMatchObject({ ok: true, cardSource: 'stored' });

    const p = await api.call('models:providers', {});
    expect(p.order[p.order.length - 1]).toBe('cpu');
    expect(p.backends.map((b) => b.name)).toContain('cpu');
  });
});

describe('pre-labelling', () => {
  let setId: number;
  let humanImage: number;
  let humanRevision: number;

  beforeAll(async () => {
    setId = (await api.call('modelSet:list', {})).find((s) => s.name === 'colour')!.id;
    // An annotator's work on the second image: must survive pre-labelling.
    humanImage = imageIds[1];
    const m = encodeMask(new Uint8Array(W * H).fill(1), W, H);
    humanRevision = (await api.call('revision:save', { imageId: humanImage, parentId: null, kind: 'human', author: 'ann', mask: m })).id;
  });

  it('writes exact colour-rule masks, caches the engine probabilities, keeps the human revision', async () => {
    await expectCode(api.call('prelabel:start', { modelSetId: 999 }), 'NOT_FOUND');
    await expectCode(api.call('prelabel:start', { modelSetId: setId, imageIds: [123456] }), 'NOT_FOUND');
    await expectCode(api.call('prelabel:start', { modelSetId: setId, imageIds: [imageIds[0]], filter: { status: ['unlabeled'] } }), 'BAD_REQUEST');
    await expectCode(api.call('prelabel:start', { modelSetId: setId, filter: { status: ['reviewed'] } }), 'INVALID_INPUT');

    const { started, events } = await runJob(api, () => api.call('prelabel:start', { modelSetId: setId, providers: ['cpu'] }));
    expect(started).toMatchObject({ total: N, todo: N, provider: 'cpu', warnings: [] });
    const last = events[events.length - 1];
    expect(last).toMatchObject({ kind: 'prelabel', status: 'done', done: N, total: N, failed: 0, provider: 'cpu' });
    expect(events.every((e) => e.done <= e.total)).toBe(true);

    const [job] = await api.call('job:list', { kind: 'prelabel' });
    expect(job).toMatchObject({ id: started.jobId, status: 'done', done: N, failed: 0, skipped: 1, provider: 'cpu', active: false, resumable: false, modelSetId: setId });

    const store = openStore();
    try {
      for (let i = 0; i < N; i++) {
        const id = imageIds[i];
        const direct = await engine.predict({ rgb: faces[i].rgb, width: W, height: H });
        // Cache round trip: exactly the engine's quantised probabilities.
        const cached = readPrediction(store, id, setId)!;
        expect(cached).toMatchObject({ width: W, height: H, classes: 11, provider: 'cpu' });
        expect(Buffer.from(cached.probs).equals(Buffer.from(direct.probs!))).toBe(true);
        // The overlay labels are the arg-max of the cached (quantised) planes.
        const got = await api.call('prediction:get', { imageId: id, modelSetId: setId });
        expect(got.probs).toBeNull();
        expect(Buffer.from(decodeMask(got.labels)).equals(Buffer.from(argmaxProbs(direct.probs!, 11, W, H)))).toBe(true);
        // The engine's labels are exactly the nearest-centroid rule wherever it has a clear winner.
        let checked = 0;
        for (let q = 0; q < W * H; q++) {
          const k = colourRuleClass(centroids, faces[i].rgb[q * 3], faces[i].rgb[q * 3 + 1], faces[i].rgb[q * 3 + 2]);
          if (k < 0) continue; // exact ties (equidistant colours)
          checked++;
          if (direct.labels[q] !== k) expect(`pixel ${q}: ${direct.labels[q]}`).toBe(`pixel ${q}: ${k}`);
        }
        expect(checked).toBeGreaterThan(W * H * 0.9);
        const img = await api.call('image:get', { id });
        const head = (await api.call('revision:list', { imageId: id }))[0];
        if (id === humanImage) {
          expect(head.id).toBe(humanRevision);
          expect(img.status).toBe('in_progress');
        } else {
          expect(head).toMatchObject({ kind: 'model', parentId: null, author: 'model set "colour"' });
          expect(img.status).toBe('prelabeled');
          // The model revision is the engine's labels, pixel for pixel.
          const mask = decodeMask(await api.call('revision:mask', { revisionId: head.id }));
          expect(Buffer.from(mask).equals(Buffer.from(direct.labels))).toBe(true);
        }
      }
      const withProbs = await api.call('prediction:get', { imageId: imageIds[0], modelSetId: setId, probs: true });
      expect(withProbs.probs!.length).toBe(11 * W * H);
    } finally {
      store.close();
    }
    expect((await api.call('modelSet:list', {}))[0].predictions).toBe(N);
    expect((await api.call('models:providers', {})).last).toMatchObject({ provider: 'cpu', warnings: [], jobId: started.jobId });
  });

  it('force writes a model revision over the human one, on top of it (parent = the human head)', async () => {
    const { events } = await runJob(api, () => api.call('prelabel:start', { modelSetId: setId, imageIds: [humanImage], force: true, providers: ['cpu'] }));
    expect(events[events.length - 1]).toMatchObject({ status: 'done', done: 1, total: 1 });
    const [head, prev] = await api.call('revision:list', { imageId: humanImage });
    expect(head).toMatchObject({ kind: 'model', parentId: humanRevision });
    expect(prev.id).toBe(humanRevision);
  });

  it('a human save during a running job is kept: the job sees it in its own transaction and skips that image', async () => {
    const last = imageIds[N - 1];
    const [head] = await api.call('revision:list', { imageId: last });
    let saved = 0;
    const { events } = await runJob(api, async () => {
      const s = await api.call('prelabel:start', { modelSetId: setId, providers: ['cpu'] });
      // The main connection writes while the job's writer thread commits (WAL, busy timeout).
      const m = encodeMask(new Uint8Array(W * H).fill(6), W, H);
      saved = (await api.call('revision:save', { imageId: last, parentId: head.id, kind: 'human', author: 'bo', mask: m })).id;
      return s;
    });
    expect(events[events.length - 1]).toMatchObject({ status: 'done', done: N, failed: 0 });
    const [now] = await api.call('revision:list', { imageId: last });
    expect(now).toMatchObject({ id: saved, kind: 'human', author: 'bo' });
    expect((await api.call('job:list', {}))[0].skipped).toBe(2); // the earlier human image and this one
  });

  it('a model of another schema: added, its set names the remap, its probabilities are mapped onto the project schema', async () => {
    writeFileSync(b19Path, colourRuleModel({ centroids: b19Centroids }));
    const added = await api.call('models:add', { path: b19Path, name: 'celeb b', card: colourCard(W, H, { name: 'celeb b', labels: 'celebamask-hq-b' }) as never });
    expect(added.model).toMatchObject({ labels: 'celebamask-hq-b', classes: 19 });
    const set = await api.call('modelSet:create', { name: 'celeb b set', modelIds: [added.model.id] });
    const remap = buildProbRemap(CELEB_B, LAPA)!;
    expect(set).toMatchObject({ labels: 'celebamask-hq-b', classes: 19, remap: { target: 'lapa-11', text: describeProbRemap(remap) } });
    expect(set.remap!.moved).toEqual(['eye_g → beneath', 'l_ear → background', 'r_ear → background', 'ear_r → beneath', 'neck → background', 'neck_l → beneath', 'cloth → background', 'hat → background']);
    expect((await api.call('modelSet:list', {})).find((x) => x.name === 'colour')!.remap).toBeNull();
    const probe = imageIds[3];
    const { events } = await runJob(api, () => api.call('prelabel:start', { modelSetId: set.id, imageIds: [probe], providers: ['cpu'] }));
    expect(events.at(-1)).toMatchObject({ status: 'done', done: 1, failed: 0 });
    const store = openStore();
    let cached;
    try {
      cached = readPrediction(store, probe, set.id)!;
    } finally {
      store.close();
    }
    expect(cached).toMatchObject({ width: W, height: H, classes: 11 });
    // Expected: softmax of the 19 colour-rule logits, remapped (sums; accessories dropped, renormalised).
    const rgb = faces[imageIds.indexOf(probe)].rgb;
    const n = W * H;
    const p19 = new Float32Array(19 * n);
    for (let q = 0; q < n; q++) {
      softmax(colourRuleLogits(b19Centroids, rgb[q * 3], rgb[q * 3 + 1], rgb[q * 3 + 2])).forEach((v, k) => (p19[k * n + q] = v));
    }
    const p11 = applyProbRemap(p19, n, remap);
    let worst = 0;
    for (let i = 0; i < p11.length; i++) worst = Math.max(worst, Math.abs(cached.probs[i] - Math.round(255 * p11[i])));
    expect(worst).toBeLessThanOrEqual(1);
    const labels = decodeMask((await api.call('prediction:get', { imageId: probe, modelSetId: set.id })).labels);
    let checked = 0;
    for (let q = 0; q < n; q++) {
      const col = Array.from({ length: 11 }, (_, t) => p11[t * n + q]);
      const k = col.indexOf(Math.max(...col));
      if (col[k] - Math.max(...col.filter((_, t) => t !== k)) < 0.02) continue;
      checked++;
      if (labels[q] !== k) expect(`pixel ${q}: ${labels[q]}`).toBe(`pixel ${q}: ${k}`);
    }
    expect(checked).toBeGreaterThan(n / 2);
    // The model revision is in the project's classes (all < 11).
    const head = (await api.call('revision:list', { imageId: probe }))[0];
    expect(head.kind).toBe('model');
    expect(Math.max(...decodeMask(await api.call('revision:mask', { revisionId: head.id })))).toBeLessThan(11);
  });

  it('a failed item runs again with retryFailed once its file is back; plain resume has nothing to do', async () => {
    const probe = imageIds[N - 2]; // no human revision: the retried run writes a model revision
    const info = await api.call('project:info', {});
    const file = join(info.root, (await api.call('image:get', { id: probe })).path);
    renameSync(file, `${file}.away`);
    let job;
    try {
      const { started, events } = await runJob(api, () => api.call('prelabel:start', { modelSetId: setId, imageIds: [imageIds[1], probe], providers: ['cpu'] }));
      expect(events.at(-1)).toMatchObject({ status: 'done', done: 1, failed: 1 });
      job = (await api.call('job:list', {})).find((j) => j.id === started.jobId)!;
      expect(job).toMatchObject({ status: 'done', done: 1, failed: 1, resumable: false, retryable: true });
      // Named by its path, whatever the decoder said ("Input file is missing", or libvips' format error).
      expect(job.failures).toEqual([{ imageId: probe, error: expect.stringMatching(/faces\/f\d+\.png/) }]);
      await expectCode(api.call('prelabel:resume', { jobId: job.id }), 'INVALID_INPUT', /nothing left to do \(1 done, 1 failed\)/);
    } finally {
      renameSync(`${file}.away`, file);
    }
    const before = await api.call('revision:list', { imageId: probe });
    const retried = await runJob(api, () => api.call('prelabel:resume', { jobId: job.id, retryFailed: true }));
    expect(retried.started).toMatchObject({ total: 2, todo: 1 });
    expect(retried.events.at(-1)).toMatchObject({ status: 'done', done: 2, failed: 0 });
    expect((await api.call('job:list', {})).find((j) => j.id === job.id)).toMatchObject({ done: 2, failed: 0, failures: [], retryable: false });
    const after = await api.call('revision:list', { imageId: probe });
    expect(after.length).toBe(before.length + 1);
    expect(after[0]).toMatchObject({ kind: 'model' });
  });

  it('a failed GPU provider is reported in the job and for the status bar, and CPU is used', async () => {
    const { started, events } = await runJob(api, () => api.call('prelabel:start', { modelSetId: setId, imageIds: [imageIds[0]], providers: ['cuda'] }));
    expect(started.provider).toBe('cpu');
    expect(started.warnings.some((w) => w.includes('"cuda" failed to initialise'))).toBe(true);
    expect(events[0].warnings!.some((w) => w.includes('fell back from "cuda"'))).toBe(true);
    expect((await api.call('models:providers', {})).last?.warnings.join(' ')).toMatch(/cuda/);
    expect((await api.call('job:list', {}))[0].warnings.length).toBeGreaterThan(0);
  });

  it('cancel stops with finished items stored; resume does only the rest', async () => {
    const { started, events } = await runJob(api, async () => {
      const s = await api.call('prelabel:start', { modelSetId: setId, providers: ['cpu'] });
      const busy = await expectCode(api.call('prelabel:start', { modelSetId: setId, providers: ['cpu'] }), 'CONFLICT');
      expect(busy.message).toBe(`job ${s.jobId} is already pre-labelling with model set ${setId}; wait for it or cancel it`);
      expect(await api.call('prelabel:cancel', { jobId: s.jobId })).toEqual({ cancelled: true });
      return s;
    });
    expect(events[events.length - 1].status).toBe('cancelled');
    let [job] = await api.call('job:list', {});
    expect(job).toMatchObject({ id: started.jobId, status: 'cancelled', resumable: true });
    expect(job.done).toBeLessThan(N);
    const store = openStore();
    const doneIds = (storeDb(store).prepare("SELECT image_id FROM job_item WHERE job_id = ? AND state IN ('done','skipped')").all(started.jobId) as { image_id: number }[]).map((r) => r.image_id);
    store.close();
    expect(doneIds).toHaveLength(job.done);
    const probe = imageIds[N - 2]; // late in the job's order, no human revision
    expect(doneIds).not.toContain(probe);
    const before = await api.call('revision:list', { imageId: probe });

    const resumed = await runJob(api, () => api.call('prelabel:resume', { jobId: started.jobId }));
    expect(resumed.started).toMatchObject({ total: N, todo: N - job.done, provider: 'cpu' });
    expect(resumed.events[resumed.events.length - 1]).toMatchObject({ status: 'done', done: N, total: N });
    [job] = await api.call('job:list', {});
    expect(job).toMatchObject({ status: 'done', done: N, resumable: false });
    // The probe image was not done before the cancel: exactly one new model revision on it.
    const after = await api.call('revision:list', { imageId: probe });
    expect(after.length).toBe(before.length + 1);
    await expectCode(api.call('prelabel:resume', { jobId: started.jobId }), 'INVALID_INPUT');
    await expectCode(api.call('prelabel:resume', { jobId: 9999 }), 'NOT_FOUND');

    // A job marked running by another live process is not resumed here; cancelling it releases it.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const s2 = await api.call('prelabel:start', { modelSetId: setId, imageIds: [imageIds[0], imageIds[2]], providers: ['cpu'] });
      await api.call('prelabel:cancel', { jobId: s2.jobId });
      await new Promise<void>((res) => {
        const off = api.on('job:progress', (e) => e.jobId === String(s2.jobId) && e.status !== 'running' && (off(), res()));
        void api.call('job:list', {}).then((j) => j.find((x) => x.id === s2.jobId && !x.active) && (off(), res()));
      });
      const db = storeDb(openStore());
      const row = db.prepare('SELECT spec FROM job WHERE id = ?').get(s2.jobId) as { spec: string };
      const spec = JSON.parse(row.spec) as { run: { pid: number } };
      spec.run.pid = other.pid!;
      db.prepare("UPDATE job SET status = 'running', spec = ? WHERE id = ?").run(JSON.stringify(spec), s2.jobId);
      db.prepare("UPDATE job_item SET state = 'todo' WHERE job_id = ?").run(s2.jobId);
      db.prepare('UPDATE job SET done = 0, failed = 0 WHERE id = ?').run(s2.jobId);
      db.close();
      const e = await expectCode(api.call('prelabel:resume', { jobId: s2.jobId }), 'CONFLICT');
      expect(e.message).toMatch(new RegExp(`running in another process \\(pid ${other.pid}\\)`));
      expect(await api.call('prelabel:cancel', { jobId: s2.jobId })).toEqual({ cancelled: true });
      const r = await runJob(api, () => api.call('prelabel:resume', { jobId: s2.jobId }));
      expect(r.events[r.events.length - 1]).toMatchObject({ status: 'done', done: 2, total: 2 });
    } finally {
      other.kill();
    }
  });

  it('two starts of one set at once: the second is refused while the first is still starting its engine', async () => {
    const tries = await Promise.allSettled([0, 2].map((i) => api.call('prelabel:start', { modelSetId: setId, imageIds: [imageIds[i]], providers: ['cpu'] })));
    const started = tries.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
    // Every job started here ends before the next test (they are short; poll, no timing assumption).
    while ((await api.call('job:list', {})).some((j) => j.active)) await new Promise((r) => setTimeout(r, 20));
    expect(started).toHaveLength(1);
    const refused = tries.find((t) => t.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(ParselError);
    expect((refused.reason as ParselError).code).toBe('CONFLICT');
    expect((refused.reason as Error).message).toMatch(new RegExp(`^job \\d+ is already pre-labelling with model set ${setId}`));
  });

  it('a job whose engine is still starting is listed active (not offered for resume) and a cancel then is kept', async () => {
    const before = new Set((await api.call('job:list', {})).map((j) => j.id));
    const starting = api.call('prelabel:start', { modelSetId: setId, providers: ['cpu'] });
    let job = (await api.call('job:list', {})).find((j) => !before.has(j.id));
    for (let i = 0; !job && i < 500; i++) {
      await new Promise((r) => setTimeout(r, 5));
      job = (await api.call('job:list', {})).find((j) => !before.has(j.id));
    }
    expect(job).toMatchObject({ status: 'pending', active: true, resumable: false });
    expect(await api.call('prelabel:cancel', { jobId: job!.id })).toEqual({ cancelled: true });
    const started = await starting;
    expect(started.jobId).toBe(job!.id);
    while ((await api.call('job:list', {})).some((j) => j.active)) await new Promise((r) => setTimeout(r, 20));
    expect((await api.call('job:list', {})).find((j) => j.id === job!.id)).toMatchObject({ status: 'cancelled', done: 0, resumable: true });
  });

  it('face crops from stored landmarks; an image without landmarks fails with the reason', async () => {
    const faceModel = join(dir, 'face.onnx');
    writeFileSync(faceModel, colourRuleModel({ centroids }));
    const fm = await api.call('models:add', { path: faceModel, name: 'face colour', card: colourCard(16, 16, { expects: 'face' }) as never });
    const set = await api.call('modelSet:create', { name: 'faces', modelIds: [fm.model.id], faces: { mode: 'landmarks', margin: 0 } });
    const store = openStore();
    // Landmarks on image 0 around a 16×16 square at (8, 8); none on image 2.
    storeDb(store)
      .prepare("INSERT INTO landmark(image_id, source, points, created_at) VALUES (?, 'test', ?, '2026-01-01')")
      .run(imageIds[0], JSON.stringify([[8, 8], [24, 8], [8, 24], [24, 24]]));
    store.close();
    const { events } = await runJob(api, () => api.call('prelabel:start', { modelSetId: set.id, imageIds: [imageIds[0], imageIds[2]], providers: ['cpu'] }));
    expect(events[events.length - 1]).toMatchObject({ status: 'done', done: 1, failed: 1 });
    const job = (await api.call('job:list', {}))[0];
    expect(job.failures).toEqual([{ imageId: imageIds[2], error: expect.stringMatching(/has no landmarks/) }]);
    const p = await api.call('prediction:get', { imageId: imageIds[0], modelSetId: set.id });
    const labels = decodeMask(p.labels);
    // Outside the crop (margin 0 → exactly the landmark box): background.
    expect(labels[2 * W + 40]).toBe(0);
    expect(labels[36 * W + 2]).toBe(0);
    await expectCode(api.call('prediction:get', { imageId: imageIds[2], modelSetId: set.id }), 'NOT_FOUND');
  });

  it('sets: flip-TTA swaps left/right back; two models are averaged (cache = the engine on both)', async () => {
    const asymPath = join(dir, 'asym.onnx');
    writeFileSync(asymPath, asymmetricModel({ classes: 11, left: 4, right: 5, width: 32, height: 16 }));
    const am = await api.call('models:add', { path: asymPath, name: 'asym', card: colourCard(32, 16, { name: 'asym' }) as never });
    const tta = await api.call('modelSet:create', { name: 'asym flip', modelIds: [am.model.id], tta: 'flip' });
    await runJob(api, () => api.call('prelabel:start', { modelSetId: tta.id, imageIds: [imageIds[0]], providers: ['cpu'] }));
    const labels = decodeMask((await api.call('prediction:get', { imageId: imageIds[0], modelSetId: tta.id })).labels);
    expect(labels[20 * W + 2]).toBe(4); // left half: l_eye
    expect(labels[20 * W + W - 3]).toBe(5); // right half: r_eye (a flip without the swap would smear them)

    const models = await api.call('models:list', {});
    const ids = ['colour rule', 'shifted'].map((n) => models.find((m) => m.name === n)!.id);
    const ens = await api.call('modelSet:create', { name: 'ensemble', modelIds: ids });
    await runJob(api, () => api.call('prelabel:start', { modelSetId: ens.id, imageIds: [imageIds[3]], providers: ['cpu'] }));
    const c = (x: ModelCardInput) => {
      const r = parseModelCard(x);
      if (!r.ok) throw new Error(r.problems.join('; '));
      return r.card;
    };
    const both = await InferenceEngine.create({
      models: [
        { path: colourPath, card: c(colourCard(W, H)) },
        { path: join(dir, 'meta.onnx'), card: c(colourCard(W, H, { name: 'shifted' })) },
      ],
      providers: ['cpu'],
      intraOpThreads: 1,
    });
    try {
      const direct = await both.predict({ rgb: faces[3].rgb, width: W, height: H });
      const alone = await engine.predict({ rgb: faces[3].rgb, width: W, height: H });
      const store = openStore();
      const cached = readPrediction(store, imageIds[3], ens.id)!;
      store.close();
      expect(Buffer.from(cached.probs).equals(Buffer.from(direct.probs!))).toBe(true);
      expect(Buffer.from(cached.probs).equals(Buffer.from(alone.probs!))).toBe(false); // the second model matters
    } finally {
      await both.close();
    }
  });

  it('BMP images (sharp reads none) are decoded by our decoder and pre-labelled the same', async () => {
    // 24-bit bottom-up BMP of face 5's pixels.
    const rowBytes = Math.ceil((W * 3) / 4) * 4;
    const bmp = Buffer.alloc(54 + rowBytes * H);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(bmp.length, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(W, 18);
    bmp.writeInt32LE(H, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    bmp.writeUInt32LE(rowBytes * H, 34);
    const rgb = faces[5].rgb;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const o = 54 + (H - 1 - y) * rowBytes + x * 3;
        const q = (y * W + x) * 3;
        bmp[o] = rgb[q + 2];
        bmp[o + 1] = rgb[q + 1];
        bmp[o + 2] = rgb[q];
      }
    const bmpDir = join(dir, 'bmp');
    mkdirSync(bmpDir);
    writeFileSync(join(bmpDir, 'face.bmp'), bmp);
    expect((await api.call('image:addFolder', { folder: bmpDir })).added).toBe(1);
    const id = (await api.call('image:list', { limit: 1000 })).items.find((i) => i.path.endsWith('face.bmp'))!.id;
    const { events } = await runJob(api, () => api.call('prelabel:start', { modelSetId: setId, imageIds: [id], providers: ['cpu'] }));
    expect(events[events.length - 1]).toMatchObject({ status: 'done', done: 1, failed: 0 });
    const direct = await engine.predict({ rgb, width: W, height: H });
    const store = openStore();
    const cached = readPrediction(store, id, setId)!;
    store.close();
    expect(Buffer.from(cached.probs).equals(Buffer.from(direct.probs!))).toBe(true);
  });

  it('the main thread stays responsive during a job (event-loop utilisation)', async () => {
    const big = join(dir, 'big');
    mkdirSync(big);
    for (let i = 0; i < 16; i++) {
      const f = generateFace({ seed: 300 + i, width: 256, height: 256, schema: LAPA });
      await sharp(Buffer.from(f.rgb), { raw: { width: 256, height: 256, channels: 3 } }).jpeg().toFile(join(big, `b${i}.jpg`));
    }
    const added = await api.call('image:addFolder', { folder: big });
    expect(added.added).toBe(16);
    const ids = (await api.call('image:list', { status: ['unlabeled'] })).items.map((i) => i.id);
    expect(ids).toHaveLength(16);
    const h = monitorEventLoopDelay({ resolution: 10 });
    let t0 = 0;
    let elu0: ReturnType<typeof performance.eventLoopUtilization> | undefined;
    const { events } = await runJob(api, async () => {
      const s = await api.call('prelabel:start', { modelSetId: setId, imageIds: ids, providers: ['cpu'] });
      // From here on the job runs: decode, inference and deflate off the main thread; writes on it.
      h.enable();
      elu0 = performance.eventLoopUtilization();
      t0 = performance.now();
      return s;
    });
    h.disable();
    const elu = performance.eventLoopUtilization(elu0!);
    const ms = performance.now() - t0;
    expect(events[events.length - 1]).toMatchObject({ status: 'done', done: 16 });
    expect(events.some((e) => e.status === 'running' && typeof e.etaSeconds === 'number')).toBe(true);
    // Mostly idle, waiting for the worker threads: a share, not a duration, so it holds on a loaded
    // machine (the stall figures are the benchmark's: docs/BENCHMARKS.md). The job outlasts the worst stall.
    expect(elu.utilization).toBeLessThan(0.5);
    expect(ms).toBeGreaterThan(h.max / 1e6);
  });

  it('closing the project while the last item is being committed: the job stays running in the file, no unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    // Another connection holds the write lock, so the job's writer thread waits (busy timeout) on its commit.
    const locker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require('better-sqlite3'))(workerData, { fileMustExist: true });
       parentPort.once('message', () => {
         db.exec('BEGIN IMMEDIATE');
         parentPort.postMessage('locked');
         parentPort.once('message', () => { db.exec('ROLLBACK'); db.close(); parentPort.postMessage('released'); });
       });`,
      { eval: true, workerData: projectPath },
    );
    const said = () => new Promise<void>((r) => locker.once('message', () => r()));
    try {
      const s = await api.call('prelabel:start', { modelSetId: setId, imageIds: [imageIds[0]], force: true, providers: ['cpu'] });
      locker.postMessage('lock');
      await said();
      await new Promise((r) => setTimeout(r, 1500)); // the writer thread starts and blocks on its commit
      await api.call('project:close', {});
      locker.postMessage('release');
      await said();
      await api.call('project:open', { path: projectPath });
      while ((await api.call('job:list', {})).some((j) => j.active)) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      expect(rejections.map(String)).toEqual([]);
      expect((await api.call('job:list', {})).find((j) => j.id === s.jobId)).toMatchObject({ status: 'running', active: false });
      await api.call('prelabel:cancel', { jobId: s.jobId });
    } finally {
      process.off('unhandledRejection', onRejection);
      await locker.terminate();
    }
  });

  it('closing the project while a job\'s engine starts: the start is refused with NO_PROJECT and the engine is closed', async () => {
    const close = vi.spyOn(InferenceEngine.prototype, 'close');
    try {
      const starting = api.call('prelabel:start', { modelSetId: setId, imageIds: [imageIds[0]], providers: ['cpu'] });
      await api.call('project:close', {});
      const e = await expectCode(starting, 'NO_PROJECT');
      expect(e.message).toMatch(/^the project was closed while job \d+ was starting/);
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      close.mockRestore();
      await api.call('project:open', { path: projectPath });
    }
    const [job] = await api.call('job:list', {});
    expect(job).toMatchObject({ status: 'pending', active: false, resumable: true });
  });
});
