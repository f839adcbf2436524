/**
 * Parser-driven editing end to end in Chromium (browser mode: renderer build, server, ONNX engine in
 * main) with a generated parser: the colour-rule model (test/tooling/onnx-gen.ts) labels each pixel with
 * the lapa-11 class whose palette colour is nearest, so on an image painted in palette colours its
 * prediction is known exactly. The open image's mask starts all background (an `import` revision).
 *
 *  - Model brush: a real mouse stroke paints exactly the brush footprint with the model's classes (no
 *    cached prediction: the set is run once on the image); Shift+drag lasso, and Enter with a rectangle
 *    selection, take the model's current class only inside them; each is one undo step.
 *  - Re-parse: a dragged box is parsed in main and shown as a proposal; a class of the proposal legend
 *    commits that class only, Enter the rest, each one undo step; Esc drops a proposal.
 *  - With a cached prediction (a pre-label job ran; the image's human revision keeps the head), the
 *    model brush paints from it.
 *  - Whole-image proposal: nothing is stored (the head and the revision list do not move) until a
 *    commit; committing per class then all gives exactly the model's labels.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMask } from '../../src/shared/mask/codec';
import { brushFootprint, stampLine } from '../../src/shared/mask/paint';
import { getSchema } from '../../src/shared/schema';
import { runJob } from '../tooling/api-expect';
import { colourRuleModel } from '../tooling/onnx-gen';
import { dragCorners, editorState, headMask, openEditor, saveNow, toScreen } from './editor-helpers';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const LAPA = getSchema('lapa-11');
const W = 128;
const H = 96;
const centroids = LAPA.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);

/** The image's true classes: vertical bands of skin (1), l_brow (2), nose (6) and hair (10). */
const BANDS: [number, number, number][] = [
  [0, 32, 1],
  [32, 64, 2],
  [64, 96, 6],
  [96, 128, 10],
];
const truth = new Uint8Array(W * H);
for (let y = 0; y < H; y++) for (const [x0, x1, c] of BANDS) for (let x = x0; x < x1; x++) truth[y * W + x] = c;

let f: BrowserFixture;
let imageId: number;
let setId: number;

beforeAll(async () => {
  f = await startBrowserFixture({ prefix: 'parsel-e2e-assist-', project: { file: 'faces.parsel', schemaId: 'lapa-11' }, settings: { authorName: 'Ann Otator', autosaveMs: 600_000 } });
  const dir = join(f.tmp, 'faces');
  mkdirSync(dir);
  const rgb = Buffer.alloc(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set(LAPA.classes[truth[i]].color, i * 3);
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(dir, 'bands.png'));
  await f.api.call('image:addFolder', { folder: dir });
  imageId = (await f.api.call('image:list', { limit: 10 })).items[0].id;
  await f.api.call('revision:save', { imageId, parentId: null, kind: 'import', author: 'e2e', mask: encodeMask(new Uint8Array(W * H), W, H) });
  const models = join(f.tmp, 'models');
  mkdirSync(models);
  const model = join(models, 'colour.onnx');
  writeFileSync(model, colourRuleModel({ centroids }));
  writeFileSync(join(models, 'colour.card.json'), JSON.stringify({ name: 'colour rule', input: { name: 'image', width: W, height: H }, output: { kind: 'logits' }, labels: 'lapa-11' }));
  const added = await f.api.call('models:add', { path: model });
  setId = (await f.api.call('modelSet:create', { name: 'colours', modelIds: [added.model.id] })).id;
}, 180_000);

afterAll(async () => {
  await f?.close();
});

async function dragThrough(page: import('playwright-core').Page, pts: [number, number][], shift = false): Promise<void> {
  const s0 = await toScreen(page, pts[0][0], pts[0][1]);
  if (shift) await page.keyboard.down('Shift');
  await page.mouse.move(s0.x, s0.y);
  await page.mouse.down();
  for (const [x, y] of pts.slice(1)) {
    const s = await toScreen(page, x, y);
    await page.mouse.move(s.x, s.y, { steps: 3 });
  }
  await page.mouse.up();
  if (shift) await page.keyboard.up('Shift');
}

describe('parser-driven editing (browser mode)', () => {
  it('model brush paints the model’s classes under the footprint; a lasso and a rectangle selection take one class inside them', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const before = await headMask(f.api, imageId);
      await openEditor(f, page, imageId);
      await page.keyboard.press('Shift+B');
      await expect.poll(async () => (await editorState(page)).tool).toBe('model-brush');
      const panel = page.getByTestId('assist-panel');
      await expect.poll(() => panel.getAttribute('data-status'), { timeout: 30_000 }).toBe('ready');
      // The image has no cached prediction: the set ran on it once (nothing stored).
      expect(await panel.getAttribute('data-source')).toBe('computed');
      await page.getByTestId('brush-size').fill('7');

      // A horizontal stroke through pixel centres of row 20, across all four bands.
      const depth = (await editorState(page)).undoDepth;
      await dragThrough(page, [
        [10.5, 20.5],
        [60.5, 20.5],
        [118.5, 20.5],
      ]);
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth + 1);

      // Shift+drag: a lasso over rows 50..80 across bands 1 and 2 with class 2 current: only band 2's pixels.
      await page.keyboard.press('2');
      await expect.poll(async () => (await editorState(page)).current).toBe(2);
      await dragThrough(
        page,
        [
          [16, 50],
          [48, 50],
          [48, 80],
          [16, 80],
          [16, 50.5],
        ],
        true,
      );
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth + 2);

      // A rectangle selection (M) over x 20..44, y 84..92, then Enter in the model brush: the same rule inside it.
      await page.keyboard.press('m');
      await expect.poll(async () => (await editorState(page)).tool).toBe('rect');
      await dragCorners(page, [20, 84], [44, 92]);
      await page.keyboard.press('Shift+B');
      await expect.poll(async () => (await editorState(page)).tool).toBe('model-brush');
      await page.keyboard.press('Enter');
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth + 3);
      await saveNow(page);
      const after = await headMask(f.api, imageId);

      const foot = { width: W, height: H, data: new Uint8Array(W * H) };
      stampLine(foot, 10, 20, 118, 20, brushFootprint(7, 'round'), 1);
      let stroke = 0;
      let lasso = 0;
      let rect = 0;
      const bad: string[] = [];
      for (let i = 0; i < W * H; i++) {
        const x = i % W;
        const y = Math.floor(i / W);
        let want = before.data[i];
        if (foot.data[i]) {
          want = truth[i];
          stroke++;
        } else if (y >= 50 && y < 80 && x >= 16 && x < 48 && truth[i] === 2) {
          want = 2;
          lasso++;
        } else if (y >= 84 && y < 92 && x >= 20 && x < 44 && truth[i] === 2) {
          want = 2;
          rect++;
        }
        if (after.data[i] !== want && bad.length < 5) bad.push(`(${x},${y}) got ${after.data[i]} want ${want}`);
      }
      expect(stroke).toBeGreaterThan(600);
      expect(lasso).toBe(16 * 30);
      expect(rect).toBe(12 * 8);
      expect(bad).toEqual([]);
      // Band 1 inside the lasso stayed background (not the current class, not the model's class 2).
      expect(after.data[60 * W + 20]).toBe(0);

      // One undo takes the rectangle's back, the next the lasso's, the next the whole stroke.
      await page.keyboard.press('Control+z');
      await page.keyboard.press('Control+z');
      await page.keyboard.press('Control+z');
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('re-parses a dragged box as a proposal; commits one class, then the rest, one undo step each; Esc drops one', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const base = (await headMask(f.api, imageId)).data;
      await openEditor(f, page, imageId);
      await page.keyboard.press('Shift+P');
      await expect.poll(async () => (await editorState(page)).tool).toBe('reparse');
      const panel = page.getByTestId('assist-panel');
      await expect.poll(() => panel.getAttribute('data-status'), { timeout: 30_000 }).toBe('ready');

      // A box over x 24..72, y 30..70: bands 1, 2 and 6 (the crop is parsed as an image of its own).
      const depth = (await editorState(page)).undoDepth;
      await dragThrough(page, [
        [24, 30],
        [50, 50],
        [72, 70],
      ]);
      await expect.poll(() => panel.getAttribute('data-status'), { timeout: 30_000 }).toBe('proposal');
      // Bands 1, 2 and 6 (a blend at a band edge of the resampled crop may propose a few pixels of another class).
      expect((await panel.getAttribute('data-proposed'))?.split(',')).toEqual(expect.arrayContaining(['1', '2', '6']));
      expect((await panel.getAttribute('data-proposed'))?.split(',')).not.toContain('10');
      expect((await editorState(page)).undoDepth).toBe(depth);

      // The proposal legend: class 2 only.
      await page.getByTestId('assist-class-2').click();
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth + 1);
      expect((await panel.getAttribute('data-proposed'))?.split(',')).not.toContain('2');
      expect((await panel.getAttribute('data-proposed'))?.split(',')).toEqual(expect.arrayContaining(['1', '6']));
      // Enter: the rest.
      await page.getByTestId('stage').hover();
      await page.keyboard.press('Enter');
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth + 2);
      expect(await panel.getAttribute('data-status')).toBe('ready');
      await saveNow(page);
      const after = (await headMask(f.api, imageId)).data;
      let outside = 0;
      let inside = 0;
      let wrong = 0;
      for (let i = 0; i < W * H; i++) {
        const x = i % W;
        const y = Math.floor(i / W);
        if (x >= 24 && x < 72 && y >= 30 && y < 70) {
          inside++;
          // Next to a band edge the crop's resampling may blend two colours: only interiors must match.
          const nearEdge = BANDS.some(([x0]) => Math.abs(x - x0) <= 2);
          if (!nearEdge && after[i] !== truth[i]) wrong++;
        } else if (after[i] !== base[i]) outside++;
      }
      expect(inside).toBe(48 * 40);
      expect(wrong).toBe(0);
      expect(outside).toBe(0);

      // Esc drops a proposal: nothing painted.
      await dragThrough(page, [
        [80, 60],
        [120, 90],
      ]);
      await expect.poll(() => panel.getAttribute('data-status'), { timeout: 30_000 }).toBe('proposal');
      await page.keyboard.press('Escape');
      await expect.poll(() => panel.getAttribute('data-status')).toBe('ready');
      expect((await editorState(page)).undoDepth).toBe(depth + 2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('proposes the whole image without moving the head; commits per class, then all', async () => {
    // Start from background again.
    const head0 = await headMask(f.api, imageId);
    await f.api.call('revision:save', { imageId, parentId: head0.revisionId, kind: 'human', author: 'e2e', mask: encodeMask(new Uint8Array(W * H), W, H) });
    const { context, page, errors } = await newPage(f);
    try {
      const head = await headMask(f.api, imageId);
      const revisions = (await f.api.call('revision:list', { imageId })).length;
      await openEditor(f, page, imageId);
      await page.keyboard.press('Shift+P');
      const panel = page.getByTestId('assist-panel');
      await expect.poll(() => panel.getAttribute('data-status'), { timeout: 30_000 }).toBe('ready');
      await page.getByTestId('assist-propose').click();
      await expect.poll(() => panel.getAttribute('data-status'), { timeout: 30_000 }).toBe('proposal');
      expect(await panel.getAttribute('data-proposed')).toBe('1,2,6,10');
      // Nothing stored: same head, no new (model) revision, no cached prediction.
      expect((await headMask(f.api, imageId)).revisionId).toBe(head.revisionId);
      expect((await f.api.call('revision:list', { imageId })).length).toBe(revisions);
      await expect(f.api.call('prediction:get', { imageId, modelSetId: setId })).rejects.toThrow(/no cached prediction/);

      const depth = (await editorState(page)).undoDepth;
      await page.getByTestId('assist-class-10').click();
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth + 1);
      await page.getByTestId('assist-commit-all').click();
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth + 2);
      expect(await panel.getAttribute('data-status')).toBe('ready');
      await saveNow(page);
      const after = await headMask(f.api, imageId);
      expect(after.revisionId).not.toBe(head.revisionId);
      let diff = 0;
      for (let i = 0; i < W * H; i++) if (after.data[i] !== truth[i]) diff++;
      expect(diff).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('paints from the cached prediction once the set has pre-labelled the image (the head stays)', async () => {
    const prev = await headMask(f.api, imageId);
    await f.api.call('revision:save', { imageId, parentId: prev.revisionId, kind: 'human', author: 'e2e', mask: encodeMask(new Uint8Array(W * H), W, H) });
    const head = await headMask(f.api, imageId);
    await runJob(f.api, () => f.api.call('prelabel:start', { modelSetId: setId, imageIds: [imageId] }));
    // A human revision is the head: the job cached its prediction and wrote no model revision.
    expect((await headMask(f.api, imageId)).revisionId).toBe(head.revisionId);
    expect((await f.api.call('prediction:get', { imageId, modelSetId: setId })).width).toBe(W);
    const { context, page, errors } = await newPage(f);
    try {
      await openEditor(f, page, imageId);
      await page.keyboard.press('Shift+B');
      const panel = page.getByTestId('assist-panel');
      await expect.poll(() => panel.getAttribute('data-status'), { timeout: 30_000 }).toBe('ready');
      expect(await panel.getAttribute('data-source')).toBe('cached');
      await page.getByTestId('brush-size').fill('3');
      const depth = (await editorState(page)).undoDepth;
      // Across the band edge at x = 96: nose (6) then hair (10).
      await dragThrough(page, [
        [88.5, 10.5],
        [104.5, 10.5],
      ]);
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth + 1);
      await saveNow(page);
      const after = (await headMask(f.api, imageId)).data;
      const foot = { width: W, height: H, data: new Uint8Array(W * H) };
      stampLine(foot, 88, 10, 104, 10, brushFootprint(3, 'round'), 1);
      let n = 0;
      const bad: string[] = [];
      for (let i = 0; i < W * H; i++) {
        const want = foot.data[i] ? truth[i] : 0;
        if (after[i] !== want && bad.length < 5) bad.push(`(${i % W},${Math.floor(i / W)}) got ${after[i]} want ${want}`);
        n += foot.data[i];
      }
      expect(bad).toEqual([]);
      expect(n).toBeGreaterThan(40);
      expect(after[10 * W + 90]).toBe(6);
      expect(after[10 * W + 100]).toBe(10);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
