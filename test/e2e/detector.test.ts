/**
 * Faces from a face detector, end to end in Chromium (browser mode, real renderer build, server and
 * ONNX engine) with the generated marker detector and the colour-rule parser: the detector is added
 * from the Models dialog with its detector card and listed as a face detector; a set with Faces
 * "Face-detector model" is made with it; pre-labelling from the dialog crops the detected faces,
 * writes exactly the expected masks and reports the image without a face as skipped ("no face found").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandBox } from '../../src/main/inference';
import type { Box } from '../../src/main/inference/types';
import { decodeMask } from '../../src/shared/mask/codec';
import { CENTROIDS, expectedLabels, faceImage, type Face } from '../tooling/detector-images';
import { colourRuleModel, markerDetectorCard, markerDetectorModel } from '../tooling/onnx-gen';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const W = 128;
const H = 64;
const FACES: Face[] = [
  { box: [16, 18, 48, 46], skin: 1 },
  { box: [80, 10, 112, 42], skin: 3 },
];
const MARGIN = 0.25;
const images: Record<string, Uint8Array> = { 'a-two.png': faceImage(W, H, FACES), 'b-none.png': faceImage(W, H, []) };

let f: BrowserFixture;
let page: Page;
let pageErrors: string[] = [];
let parserPath: string;
let detPath: string;

beforeAll(async () => {
  f = await startBrowserFixture({ prefix: 'parsel-e2e-detector-', project: { file: 'p.parsel', schemaId: 'lapa-11' } });
  const imgDir = join(f.tmp, 'img');
  mkdirSync(imgDir);
  for (const [name, rgb] of Object.entries(images)) await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(imgDir, name));
  parserPath = join(f.tmp, 'colour.onnx');
  writeFileSync(parserPath, colourRuleModel({ centroids: CENTROIDS }));
  writeFileSync(join(f.tmp, 'colour.card.json'), JSON.stringify({ name: 'colour face', input: { name: 'image', width: 48, height: 48 }, output: { kind: 'logits' }, labels: 'lapa-11', expects: 'face' }));
  detPath = join(f.tmp, 'det.onnx');
  writeFileSync(detPath, markerDetectorModel({ width: 64, height: 64 }));
  writeFileSync(join(f.tmp, 'det.card.json'), JSON.stringify({ ...markerDetectorCard({ width: 64, height: 64, resize: 'letterbox' }), name: 'marker detector' }));
  await f.api.call('image:addFolder', { folder: imgDir });
  ({ page, errors: pageErrors } = await newPage(f, { width: 1280, height: 900 }));
}, 180_000);

afterAll(async () => {
  await f?.close();
});

describe('faces from a detector (UI)', () => {
  it('adds the detector, makes a detector set, pre-labels: exact crops, the face-less image skipped', async () => {
    await page.goto(f.server.url);
    await page.getByTestId('open-models').click();
    const dialog = page.getByRole('dialog', { name: 'Models' });
    await dialog.getByTestId('no-models').waitFor();
    for (const p of [parserPath, detPath]) {
      await dialog.getByLabel('Model file').fill(p);
      await dialog.getByRole('button', { name: 'Add model' }).click();
    }
    const det = dialog.getByRole('table', { name: 'Models' }).locator('tr[data-model="marker detector"]');
    await det.waitFor();
    const cells = await det.locator('td').allTextContents();
    expect(cells.slice(2, 6)).toEqual(['face detector', '—', '64×64 NCHW RGB', 'finds faces (score ≥ 0.5, NMS IoU 0.3, at most 16)']);

    // The set: only the parser is offered as a member, only the detector as the detector.
    await dialog.getByLabel('Name', { exact: true }).fill('detected');
    const members = dialog.getByRole('group', { name: 'Models in the set' }).getByRole('checkbox');
    expect(await members.count()).toBe(1);
    await members.check();
    await dialog.getByLabel('Faces').selectOption('detector');
    expect(await dialog.getByLabel('Detector model').locator('option').allTextContents()).toEqual(['(choose)', 'marker detector']);
    await dialog.getByLabel('Detector model').selectOption({ label: 'marker detector' });
    await dialog.getByLabel('Face margin').fill(String(MARGIN));
    await dialog.getByRole('button', { name: 'Create set' }).click();
    const setRow = dialog.getByRole('table', { name: 'Model sets' }).locator('tr[data-set="detected"]');
    await setRow.waitFor();
    expect((await setRow.locator('td').allTextContents())[3]).toBe(`detector marker detector, margin ${MARGIN}`);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    await page.getByTestId('open-prelabel').click();
    const pre = page.getByRole('dialog', { name: 'Pre-label images' });
    await expect.poll(() => pre.getByLabel('Model set').locator('option:checked').textContent()).toBe('detected');
    await pre.getByLabel('Whole project (2)').check();
    await pre.getByLabel('Execution provider').selectOption('cpu');
    await pre.getByRole('button', { name: 'Start pre-labelling' }).click();
    const summary = pre.getByTestId('prelabel-summary');
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.getAttribute('data-status')).toBe('done');
    expect(await summary.getByTestId('summary-skipped').textContent()).toMatch(/1 skipped: no face found/);
    expect(await summary.getByTestId('summary-failed').textContent()).toBe('0');

    const ids = Object.fromEntries((await f.api.call('image:list', {})).items.map((i) => [i.path.split('/').pop()!, i.id]));
    expect(await f.api.call('revision:list', { imageId: ids['b-none.png'] })).toEqual([]);
    const [head] = await f.api.call('revision:list', { imageId: ids['a-two.png'] });
    const mask = decodeMask(await f.api.call('revision:mask', { revisionId: head.id }));
    const crops = FACES.map((face): Box => {
      const r = expandBox(face.box, MARGIN, true);
      return [r.x0, r.y0, r.x0 + r.w, r.y0 + r.h];
    });
    expect(Buffer.from(mask).equals(Buffer.from(expectedLabels(images['a-two.png'], W, H, crops)))).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
