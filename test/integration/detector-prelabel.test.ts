/**
 * Faces mode "detector" through the services and the CLI bundle, with the generated marker detector
 * (faces: bounding boxes of R- or G-marker pixels) and the colour-rule parser: detector cards are
 * added and listed as detectors; a set refuses a missing, wrong or misplaced detector with specific
 * errors; a job crops the detected faces (margin of the set), pastes the parse back exactly and skips
 * an image without a face with the reason "no face found" (no prediction, no revision); the CLI's
 * `--faces detector --detector <path>` does the same.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCliBundle } from '../tooling/cli-bundle';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMask } from '../../src/shared/mask/codec';
import type { ModelCardInput } from '../../src/shared/models/card';
import { expandBox } from '../../src/main/inference';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import type { Box } from '../../src/main/inference/types';
import { CENTROIDS, expectedLabels, faceImage, type Face } from '../tooling/detector-images';
import { ROOT, colourRuleModel, markerDetectorCard, markerDetectorModel } from '../tooling/onnx-gen';
import { expectCode, runJob } from '../tooling/api-expect';

const W = 128;
const H = 64;
/** Letterboxed into the 64² detector: exact boxes (see detector.test.ts). */
const FACES: Face[] = [
  { box: [16, 18, 48, 46], skin: 1 },
  { box: [80, 10, 112, 42], skin: 3 },
];
const MARGIN = 0.25;
const crops = (faces: readonly Face[]): Box[] =>
  faces.map((f) => {
    const r = expandBox(f.box, MARGIN, true);
    return [r.x0, r.y0, r.x0 + r.w, r.y0 + r.h];
  });

const dir = mkdtempSync(join(tmpdir(), 'parsel-detector-prelabel-'));
const projectPath = join(dir, 'p.parsel');
const imgDir = join(dir, 'img');
const parserPath = join(dir, 'colour.onnx');
const detPath = join(dir, 'marker-det.onnx');
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);
const images: Record<string, Uint8Array> = {
  'a-two.png': faceImage(W, H, FACES),
  'b-none.png': faceImage(W, H, []),
  'c-one.png': faceImage(W, H, [FACES[1]]),
};

const parserCard: ModelCardInput = {
  name: 'colour face',
  input: { name: 'image', width: 48, height: 48 },
  output: { kind: 'logits' },
  labels: 'lapa-11',
  expects: 'face',
};

beforeAll(async () => {
  mkdirSync(imgDir, { recursive: true });
  for (const [name, rgb] of Object.entries(images)) {
    await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(imgDir, name));
  }
  writeFileSync(parserPath, colourRuleModel({ centroids: CENTROIDS }));
  writeFileSync(parserPath.replace(/\.onnx$/, '.card.json'), JSON.stringify(parserCard));
  writeFileSync(detPath, markerDetectorModel({ width: 64, height: 64 }));
  writeFileSync(detPath.replace(/\.onnx$/, '.card.json'), JSON.stringify(markerDetectorCard({ width: 64, height: 64, resize: 'letterbox' })));
  await api.call('project:create', { path: projectPath, schemaId: 'lapa-11' });
  await api.call('image:addFolder', { folder: imgDir });
});

afterAll(() => {
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('faces mode "detector" (services)', () => {
  it('adds a detector card, refuses wrong set-ups, runs a job with exact crops and reports no-face images', async () => {
    const parser = await api.call('models:add', { path: parserPath });
    const det = await api.call('models:add', { path: detPath });
    expect(det.model).toMatchObject({ kind: 'detector', labels: null, classes: 0 });
    expect(det.model.card.task).toBe('face-detection');
    expect(parser.model).toMatchObject({ kind: 'parser', labels: 'lapa-11', classes: 11 });
    expect((await api.call('models:list', {})).map((m) => m.kind)).toEqual(['parser', 'detector']);

    // a detector card that does not fit its graph is refused with the card's problem
    const bad = await expectCode(
      api.call('models:add', { path: detPath, name: 'bad', card: { ...markerDetectorCard({ width: 64, height: 64 }), output: { boxes: { name: 'boxes' }, scores: { name: 'scores', faceIndex: 3 } } } }),
      'INVALID_INPUT',
    );
    expect(bad.message).toMatch(/output\.scores\.faceIndex: 3 but "scores" \[1, 4, 2\] has 2 score channels/);

    const faces = (detectorModelId?: number) => ({ mode: 'detector' as const, margin: MARGIN, ...(detectorModelId !== undefined ? { detectorModelId } : {}) });
    expect((await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [parser.model.id], faces: faces() }), 'INVALID_INPUT')).message).toMatch(
      /faces: "detector" needs faces\.detectorModelId/,
    );
    expect((await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [parser.model.id], faces: faces(parser.model.id) }), 'INVALID_INPUT')).message).toMatch(
      /faces\.detectorModelId: model \d+ "colour face" is a face-parsing model/,
    );
    await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [parser.model.id], faces: faces(999) }), 'NOT_FOUND');
    expect((await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [det.model.id], faces: faces(det.model.id) }), 'INVALID_INPUT')).message).toMatch(
      /is a face detector .* cannot be one of its parsing models/,
    );
    expect(
      (await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [parser.model.id], faces: { mode: 'landmarks', margin: MARGIN, detectorModelId: det.model.id } }), 'INVALID_INPUT')).message,
    ).toMatch(/only used with faces\.mode "detector"/);

    const set = await api.call('modelSet:create', { name: 'detected', modelIds: [parser.model.id], faces: faces(det.model.id) });
    expect(set.faces).toEqual({ mode: 'detector', margin: MARGIN, detectorModelId: det.model.id });
    expect((await api.call('models:list', {})).find((m) => m.id === det.model.id)!.usedBy).toEqual([set.id]);
    await expectCode(api.call('models:remove', { id: det.model.id }), 'CONFLICT');

    const last = (await runJob(api, () => api.call('prelabel:start', { modelSetId: set.id, providers: ['cpu'] }))).events.at(-1)!;
    expect(last).toMatchObject({ status: 'done', done: 3, failed: 0, total: 3 });
    const ids = Object.fromEntries((await api.call('image:list', {})).items.map((i) => [i.path.split('/').pop()!, i.id]));
    const job = (await api.call('job:list', {}))[0];
    expect(job).toMatchObject({ status: 'done', done: 3, failed: 0, skipped: 1, failures: [], skips: [{ imageId: ids['b-none.png'], reason: 'no face found' }] });
    expect(job.message).toMatch(/1 skipped: no face found/);

    // no face: no prediction, no revision, still unlabeled (not labelled background)
    await expectCode(api.call('prediction:get', { imageId: ids['b-none.png'], modelSetId: set.id }), 'NOT_FOUND');
    expect(await api.call('revision:list', { imageId: ids['b-none.png'] })).toEqual([]);
    expect((await api.call('image:get', { id: ids['b-none.png'] })).status).toBe('unlabeled');

    // detected faces: exact colour rule in the crops (set margin), background elsewhere
    for (const [name, fs] of [
      ['a-two.png', FACES],
      ['c-one.png', [FACES[1]]],
    ] as const) {
      const [head] = await api.call('revision:list', { imageId: ids[name] });
      expect(head).toMatchObject({ kind: 'model', author: 'model set "detected"' });
      const mask = decodeMask(await api.call('revision:mask', { revisionId: head.id }));
      const want = expectedLabels(images[name], W, H, crops(fs));
      expect(Buffer.from(mask).equals(Buffer.from(want)), name).toBe(true);
    }
  });
});

describe('parsel prelabel --faces detector (CLI bundle)', () => {
  // Built like scripts/build-cli.mjs builds it (the CLI and its worker scripts side by side), into a folder of its own.
  const OUT = join(ROOT, 'out', 'test-cli-detector');
  beforeAll(async () => {
    await buildCliBundle(OUT, { workers: true });
  }, 120_000);
  const parsel = (...args: string[]) =>
    spawnSync(process.execPath, [join(OUT, 'run.mjs'), ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, PARSEL_USER_DATA: join(dir, 'cli-user') } });

  it('adds the detector, pre-labels with it, reports the image without a face (exit 0) and refuses bad options', () => {
    const p2 = join(dir, 'cli.parsel');
    expect(parsel('init', p2, '--schema', 'lapa-11').status).toBe(0);
    expect(parsel('add', p2, imgDir).status).toBe(0);
    const added = parsel('models', 'add', p2, detPath);
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/face detector/);
    const list = parsel('models', 'list', p2);
    expect(list.stdout).toMatch(/marker face detector 64x64 \(generated\)\s+face detector 64×64/);

    expect(parsel('prelabel', p2, '--model', parserPath, '--faces', 'detector').stderr).toMatch(/--faces detector needs --detector/);
    expect(parsel('prelabel', p2, '--model', parserPath, '--detector', detPath).stderr).toMatch(/--detector goes with --faces detector/);
    const wrong = parsel('prelabel', p2, '--model', parserPath, '--faces', 'detector', '--detector', parserPath);
    expect(wrong.status).toBe(3);
    expect(wrong.stderr).toMatch(/is a face-parsing model/);

    // by path of the detector already added (found by path), margin of the set
    const r = parsel('prelabel', p2, '--model', parserPath, '--faces', 'detector', '--detector', detPath, '--margin', String(MARGIN), '--json');
    expect(r.status, r.stderr).toBe(0);
    const job = JSON.parse(r.stdout) as { status: string; done: number; skips: { reason: string }[] };
    expect(job).toMatchObject({ status: 'done', done: 3, skips: [{ reason: 'no face found' }] });
    expect(r.stderr).toMatch(/skipped: image \d+: no face found/);
    // by name
    const s = parsel('prelabel', p2, '--model', parserPath, '--faces', 'detector', '--detector', 'marker face detector 64x64 (generated)', '--margin', '0.5', '--quiet');
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/1 skipped: no face found/);
  }, 120_000);
});
