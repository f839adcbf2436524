/**
 * `assist:parse` (issue 14: re-parse a region, pre-label as a proposal) through the services with the
 * generated colour-rule parser on an image painted in lapa-11 palette colours (its labels are known):
 * the whole image; a box parsed as an image of its own (whole-image model) and as a face box (face-crop
 * model), clipped to the image; the box's labels match the image's classes away from band edges; bad
 * boxes and a faces-mode "box" set without a drawn box are refused with specific messages; nothing is
 * stored (no revision, no cached prediction).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { decodeMask } from '../../src/shared/mask/codec';
import { getSchema } from '../../src/shared/schema';
import { expectCode } from '../tooling/api-expect';
import { colourRuleModel } from '../tooling/onnx-gen';

const LAPA = getSchema('lapa-11');
const W = 120;
const H = 90;
const centroids = LAPA.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);
/** Horizontal bands: rows 0-29 skin (1), 30-59 nose (6), 60-89 hair (10). */
const truth = new Uint8Array(W * H).map((_, i) => (i < 30 * W ? 1 : i < 60 * W ? 6 : 10));
const dir = mkdtempSync(join(tmpdir(), 'parsel-assist-'));
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);
let imageId = 0;
let wholeSet = 0;
let faceSet = 0;

beforeAll(async () => {
  const imgDir = join(dir, 'img');
  mkdirSync(imgDir);
  const rgb = Buffer.alloc(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set(LAPA.classes[truth[i]].color, i * 3);
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(imgDir, 'bands.png'));
  await api.call('project:create', { path: join(dir, 'p.parsel'), schemaId: 'lapa-11' });
  await api.call('image:addFolder', { folder: imgDir });
  imageId = (await api.call('image:list', {})).items[0].id;
  const models = join(dir, 'models');
  mkdirSync(models);
  const add = async (name: string, card: object) => {
    const path = join(models, `${name}.onnx`);
    writeFileSync(path, colourRuleModel({ centroids }));
    return (await api.call('models:add', { path, card: card as Record<string, unknown> })).model.id;
  };
  const whole = await add('whole', { name: 'whole', input: { name: 'image', width: 64, height: 48 }, output: { kind: 'logits' }, labels: 'lapa-11' });
  const face = await add('face', { name: 'face', input: { name: 'image', width: 32, height: 32 }, output: { kind: 'logits' }, labels: 'lapa-11', expects: 'face', crop: { margin: 0, square: false } });
  wholeSet = (await api.call('modelSet:create', { name: 'whole', modelIds: [whole] })).id;
  faceSet = (await api.call('modelSet:create', { name: 'face', modelIds: [face], faces: { mode: 'box', margin: 0 } })).id;
}, 120_000);

afterAll(() => {
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Pixels of the region whose label differs from the image's class, rows within 2 of a band edge left out. */
function wrong(r: { x: number; y: number; w: number; h: number; labels: Uint8Array }): number {
  let n = 0;
  for (let y = 0; y < r.h; y++) {
    const iy = r.y + y;
    if (Math.abs(iy - 30) <= 2 || Math.abs(iy - 60) <= 2) continue;
    for (let x = 0; x < r.w; x++) if (r.labels[y * r.w + x] !== truth[iy * W + r.x + x]) n++;
  }
  return n;
}

describe('assist:parse', () => {
  it('parses the whole image and a box (as its own image), clipped to the image; stores nothing', async () => {
    const all = await api.call('assist:parse', { imageId, modelSetId: wholeSet, box: null });
    expect([all.x, all.y, all.w, all.h, all.classes]).toEqual([0, 0, W, H, 11]);
    const labels = decodeMask(all.labels);
    expect(wrong({ ...all, labels })).toBe(0);

    // A box over the nose band and into hair, running past the right and bottom edges.
    const box = await api.call('assist:parse', { imageId, modelSetId: wholeSet, box: { x0: 100.4, y0: 40, x1: 300, y1: 200 } });
    expect([box.x, box.y, box.w, box.h]).toEqual([100, 40, 20, 50]);
    const bl = decodeMask(box.labels);
    expect(bl.length).toBe(20 * 50);
    expect(wrong({ ...box, labels: bl })).toBe(0);
    expect(new Set(bl)).toEqual(new Set([6, 10]));

    // Nothing stored.
    expect(await api.call('revision:list', { imageId })).toEqual([]);
    await expectCode(api.call('prediction:get', { imageId, modelSetId: wholeSet }), 'NOT_FOUND', /no cached prediction/);
  });

  it('a face-crop set parses the box as the face box', async () => {
    const r = await api.call('assist:parse', { imageId, modelSetId: faceSet, box: { x0: 10, y0: 10, x1: 70, y1: 50 } });
    expect([r.x, r.y, r.w, r.h]).toEqual([10, 10, 60, 40]);
    const labels = decodeMask(r.labels);
    expect(wrong({ ...r, labels })).toBe(0);
    expect(new Set(labels)).toEqual(new Set([1, 6]));
  });

  it('refuses a box too small or outside the image, and a faces-mode "box" set without a drawn box', async () => {
    await expectCode(api.call('assist:parse', { imageId, modelSetId: wholeSet, box: { x0: 5, y0: 5, x1: 7, y1: 30 } }), 'INVALID_INPUT', /covers 2×25 pixels of image \d+ \(120×90\); a region to parse needs at least 4×4/);
    await expectCode(api.call('assist:parse', { imageId, modelSetId: wholeSet, box: { x0: 200, y0: 5, x1: 260, y1: 30 } }), 'INVALID_INPUT', /covers 0×25 pixels/);
    await expectCode(api.call('assist:parse', { imageId, modelSetId: faceSet, box: null }), 'INVALID_INPUT', /no face box drawn/);
    await expectCode(api.call('assist:parse', { imageId, modelSetId: 999, box: null }), 'NOT_FOUND');
  });
});
