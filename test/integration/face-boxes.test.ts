/**
 * Face boxes drawn by the user (`faceBox:*`) and the faces mode "box" of pre-labelling, through the
 * services (direct client) with the generated colour-rule model: boxes round trip, are clipped and
 * validated with specific errors, survive closing the project; a two-face synthetic image is parsed in
 * the drawn boxes expanded by the set's margin (exact colour-rule labels inside, background outside);
 * an image without boxes is skipped with the reason, never labelled.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceBoxInput } from '../../src/shared/api/methods-faces';
import { decodeMask } from '../../src/shared/mask/codec';
import type { ModelCardInput } from '../../src/shared/models/card';
import { getSchema } from '../../src/shared/schema';
import { generateFace, type SynthFace } from '../../src/shared/synth';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { colourRuleClass, colourRuleModel } from '../tooling/onnx-gen';
import { expectCode, runJob } from '../tooling/api-expect';

const LAPA = getSchema('lapa-11');
const W = 128;
const H = 96;
/** Drawn box side and set margin: the crop is 16 · (1 + 2 · 0.25) = 24 px, the model's input size (no resampling). */
const SIDE = 16;
const MARGIN = 0.25;
const CROP = SIDE * (1 + 2 * MARGIN);
const centroids = LAPA.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);

const dir = mkdtempSync(join(tmpdir(), 'parsel-faceboxes-'));
const projectPath = join(dir, 'p.parsel');
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);
let two: SynthFace;
let imageIds: number[] = [];

const card = (expects: 'face' | 'image'): ModelCardInput => ({
  name: `colour ${expects}`,
  input: { name: 'image', width: CROP, height: CROP },
  output: { kind: 'logits' },
  labels: 'lapa-11',
  expects,
});

/** The colour rule (nearest centroid) at pixel q, or null on a near tie (either class is right). */
function colourRule(rgb: Uint8Array, q: number): number | null {
  const k = colourRuleClass(centroids, rgb[q * 3], rgb[q * 3 + 1], rgb[q * 3 + 2]);
  return k < 0 ? null : k;
}

beforeAll(async () => {
  const imgDir = join(dir, 'img');
  mkdirSync(imgDir, { recursive: true });
  two = generateFace({ seed: 7, width: W, height: H, schema: LAPA, faces: 2 });
  expect(two.faces).toHaveLength(2);
  const one = generateFace({ seed: 8, width: W, height: H, schema: LAPA });
  for (const [name, f] of [['a-two.png', two], ['b-none.png', one]] as const) {
    await sharp(Buffer.from(f.rgb), { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(imgDir, name));
  }
  await api.call('project:create', { path: projectPath, schemaId: 'lapa-11' });
  await api.call('image:addFolder', { folder: imgDir });
  imageIds = (await api.call('image:list', {})).items.map((i) => i.id);
  expect(imageIds).toHaveLength(2);
});

afterAll(() => {
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('faceBox:set / faceBox:list', () => {
  it('replace the image boxes, clip them to the image, and keep them across closing the project', async () => {
    const id = imageIds[1];
    expect(await api.call('faceBox:list', { imageId: id })).toEqual([]);
    const set = await api.call('faceBox:set', {
      imageId: id,
      boxes: [
        { x0: 10, y0: 12.5, x1: 40, y1: 50 },
        { x0: -6, y0: -3, x1: 20, y1: 200 },
      ],
    });
    expect(set.map(({ x0, y0, x1, y1, source, imageId }) => ({ x0, y0, x1, y1, source, imageId }))).toEqual([
      { x0: 10, y0: 12.5, x1: 40, y1: 50, source: 'user', imageId: id },
      { x0: 0, y0: 0, x1: 20, y1: H, source: 'user', imageId: id },
    ]);
    await api.call('project:close', {});
    await api.call('project:open', { path: projectPath });
    const listed = await api.call('faceBox:list', { imageId: id });
    expect(listed).toEqual(set);
    // Replacing: the unchanged box keeps its id's data and creation time, the removed one is gone.
    const again = await api.call('faceBox:set', { imageId: id, boxes: [{ x0: 10, y0: 12.5, x1: 40, y1: 50 }] });
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ x0: 10, y0: 12.5, x1: 40, y1: 50, createdAt: set[0].createdAt });
    expect(await api.call('faceBox:set', { imageId: id, boxes: [] })).toEqual([]);
    expect(await api.call('faceBox:list', { imageId: id })).toEqual([]);
  });

  it('refuse bad boxes with specific errors and write nothing', async () => {
    const id = imageIds[1];
    const kept = await api.call('faceBox:set', { imageId: id, boxes: [{ x0: 1, y0: 1, x1: 9, y1: 9 }] });
    const bad = async (boxes: FaceBoxInput[], code: string, message?: RegExp) => {
      const e = await expectCode(api.call('faceBox:set', { imageId: id, boxes }), code);
      if (message) expect(e.message).toMatch(message);
      expect(await api.call('faceBox:list', { imageId: id })).toEqual(kept);
    };
    const ok = { x0: 0, y0: 0, x1: 5, y1: 5 };
    await bad([ok, { x0: 30, y0: 5, x1: 20, y1: 40 }], 'INVALID_INPUT', /^face box 2 \[30, 5, 20, 40\] of image \d+: x1 must be greater than x0/);
    await bad([{ x0: 5, y0: 5, x1: 20, y1: 5 }], 'INVALID_INPUT', /y1 greater than y0/);
    await bad([{ x0: 200, y0: 5, x1: 220, y1: 40 }], 'INVALID_INPUT', new RegExp(`^face box 1 \\[200, 5, 220, 40\\] lies outside image \\d+ \\(${W}×${H}\\)$`));
    await bad([{ x0: -20, y0: 5, x1: 0.5, y1: 40 }], 'INVALID_INPUT', /is 0\.5×35 px inside the 128×96 image; a face box must be at least 1×1 px/);
    await bad(Array.from({ length: 33 }, () => ok), 'BAD_REQUEST', /at most 32 face boxes per image/);
    await bad([{ ...ok, x1: Number.NaN }], 'BAD_REQUEST');
    await bad([{ ...ok, label: 1 } as unknown as FaceBoxInput], 'BAD_REQUEST');
    await expectCode(api.call('faceBox:set', { imageId: 9999, boxes: [ok] }), 'NOT_FOUND');
    await expectCode(api.call('faceBox:list', { imageId: 9999 }), 'NOT_FOUND');
    // 32 boxes are allowed.
    expect(await api.call('faceBox:set', { imageId: id, boxes: Array.from({ length: 32 }, () => ok) })).toHaveLength(32);
    await api.call('faceBox:set', { imageId: id, boxes: [] });
  });
});

describe('pre-labelling with faces mode "box"', () => {
  it('parses each drawn box expanded by the margin: exact labels inside, background outside; no box → skipped with the reason', async () => {
    const faceModel = join(dir, 'face.onnx');
    writeFileSync(faceModel, colourRuleModel({ centroids }));
    const wholeModel = join(dir, 'whole.onnx');
    writeFileSync(wholeModel, colourRuleModel({ centroids }));
    const fm = await api.call('models:add', { path: faceModel, name: 'face colour', card: card('face') as never });
    const wm = await api.call('models:add', { path: wholeModel, name: 'whole colour', card: card('image') as never });
    const e = await expectCode(api.call('modelSet:create', { name: 'x', modelIds: [wm.model.id], faces: { mode: 'box', margin: MARGIN } }), 'INVALID_INPUT');
    expect(e.message).toMatch(/faces: "box" crops faces, but model \d+ "whole colour" parses the whole image/);
    const set = await api.call('modelSet:create', { name: 'boxes', modelIds: [fm.model.id], faces: { mode: 'box', margin: MARGIN } });
    expect(set.faces).toEqual({ mode: 'box', margin: MARGIN });

    // One SIDE×SIDE box on each synthetic face (centred on the face's outline box), snapped to pixels.
    const boxes = two.faces.map((f) => {
      const x0 = Math.round((f.box[0] + f.box[2]) / 2) - SIDE / 2;
      const y0 = Math.round((f.box[1] + f.box[3]) / 2) - SIDE / 2;
      return { x0, y0, x1: x0 + SIDE, y1: y0 + SIDE };
    });
    const crops = boxes.map((b) => {
      const m = SIDE * MARGIN;
      return { x0: b.x0 - m, y0: b.y0 - m, x1: b.x1 + m, y1: b.y1 + m };
    });
    // The scene must give two separate crops inside the image, or the test proves less than it says.
    for (const c of crops) expect(c.x0 >= 0 && c.y0 >= 0 && c.x1 <= W && c.y1 <= H, JSON.stringify(c)).toBe(true);
    expect(crops[0].x1 <= crops[1].x0 || crops[1].x1 <= crops[0].x0 || crops[0].y1 <= crops[1].y0 || crops[1].y1 <= crops[0].y0).toBe(true);
    await api.call('faceBox:set', { imageId: imageIds[0], boxes });

    const last = (await runJob(api, () => api.call('prelabel:start', { modelSetId: set.id, providers: ['cpu'] }))).events.at(-1)!;
    expect(last).toMatchObject({ status: 'done', done: 2, failed: 0, total: 2 });
    const job = (await api.call('job:list', {}))[0];
    expect(job).toMatchObject({ status: 'done', done: 2, failed: 0, skipped: 1, failures: [], skips: [{ imageId: imageIds[1], reason: 'no face box drawn' }], skipReasons: [{ reason: 'no face box drawn', images: 1 }] });
    expect(job.message).toMatch(/^2 of 2 done \(0 failed, 1 skipped: no face box drawn\) on cpu/);

    // The image without a box: no prediction, no revision, still unlabeled.
    await expectCode(api.call('prediction:get', { imageId: imageIds[1], modelSetId: set.id }), 'NOT_FOUND');
    expect(await api.call('revision:list', { imageId: imageIds[1] })).toEqual([]);
    expect((await api.call('image:get', { id: imageIds[1] })).status).toBe('unlabeled');

    // The two-face image: a model revision, exact colour rule inside both crops, background elsewhere.
    const [head] = await api.call('revision:list', { imageId: imageIds[0] });
    expect(head).toMatchObject({ kind: 'model', author: 'model set "boxes"' });
    const mask = decodeMask(await api.call('revision:mask', { revisionId: head.id }));
    const inCrop = (x: number, y: number) => crops.findIndex((c) => x >= c.x0 && x < c.x1 && y >= c.y0 && y < c.y1);
    let checked = 0;
    const faceCounts = [0, 0];
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const q = y * W + x;
        const c = inCrop(x, y);
        if (c < 0) {
          if (mask[q] !== 0) expect(`(${x}, ${y}) outside the crops: ${mask[q]}`).toBe(`(${x}, ${y}) outside the crops: 0`);
          continue;
        }
        const k = colourRule(two.rgb, q);
        if (k === null) continue;
        checked++;
        if (k !== 0) faceCounts[c]++;
        if (mask[q] !== k) expect(`(${x}, ${y}) in crop ${c}: ${mask[q]}`).toBe(`(${x}, ${y}) in crop ${c}: ${k}`);
      }
    }
    expect(checked).toBeGreaterThan(2 * CROP * CROP * 0.9);
    // Both crops hold face pixels (not just background): the boxes are on the two faces.
    expect(faceCounts[0]).toBeGreaterThan(CROP * CROP * 0.3);
    expect(faceCounts[1]).toBeGreaterThan(CROP * CROP * 0.3);
  });
});
