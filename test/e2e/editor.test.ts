/**
 * Mask editor end to end in browser mode (real renderer build, real server, Chromium, mouse and
 * keyboard events). Every result is read back through the API and compared byte for byte with the
 * reference rasterisers of shared/mask/paint.ts applied to the same inputs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brushFootprint,
  fillPolygon,
  floodFill,
  lockLut,
  reassignInPolygon,
  reassignInRect,
  stampLine,
  type MaskTarget,
} from '../../src/shared/mask/paint';
import {
  addImagesWithMasks,
  clickCorners,
  clickPixel,
  craftedMask,
  diffSummary,
  dragCorners,
  editorState,
  headMask,
  openEditor,
  revisionMask,
  saveNow,
  strokePixels,
  toScreen,
} from './editor-helpers';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const W = 256;
const H = 256;
let f: BrowserFixture;
let ids: number[];
const shots = process.env.PARSEL_E2E_SHOTS;

beforeAll(async () => {
  // A long autosave delay: these tests save explicitly (Ctrl+S), except the autosave test.
  f = await startBrowserFixture({ settings: { authorName: 'Ann Otator', autosaveMs: 600_000 } });
  ids = await addImagesWithMasks(f, 'faces', W, H, [craftedMask(W, H), craftedMask(W, H), craftedMask(W, H), craftedMask(W, H), craftedMask(W, H)]);
});

afterAll(async () => {
  await f?.close();
});

function target(data: Uint8Array): MaskTarget {
  return { data, width: W, height: H };
}

async function setBrush(page: import('playwright-core').Page, size: number) {
  const input = page.getByTestId('brush-size');
  await input.fill(String(size));
  await input.blur();
  await expect.poll(async () => (await editorState(page)).brushSize).toBe(size);
}

describe('mask editor (browser mode)', () => {
  it('a brush stroke changes exactly the footprint pixels; undo restores byte for byte, redo re-applies', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const id = ids[0];
      const original = (await headMask(f.api, id)).data;
      await openEditor(f, page, id);
      await page.keyboard.press('q'); // brush
      await page.keyboard.press('9'); // class 9 (r_ear)
      await setBrush(page, 9);
      expect((await editorState(page)).current).toBe(9);
      // A zigzag through pixel centres, fast moves far apart: coalesced positions are all painted.
      const path: [number, number][] = [
        [30, 30],
        [120, 50],
        [60, 140],
        [200, 200],
        [201, 120],
      ];
      await strokePixels(page, path);
      if (shots) writeFileSync(join(shots, 'editor-brush.png'), await page.screenshot());
      const rev1 = await saveNow(page);

      const want = original.slice();
      const fp = brushFootprint(9, 'round');
      for (let i = 1; i < path.length; i++) stampLine(target(want), path[i - 1][0], path[i - 1][1], path[i][0], path[i][1], fp, 9);
      const head = await headMask(f.api, id);
      expect(head.revisionId).toBe(rev1);
      expect(diffSummary(head.data, want, W)).toBe('equal');
      const revs = await f.api.call('revision:list', { imageId: id });
      expect(revs[0]).toMatchObject({ id: rev1, kind: 'human', author: 'Ann Otator' });

      // Undo (after the save), with a view change before redo: redo survives it.
      await page.keyboard.press('Control+z');
      await saveNow(page);
      expect(diffSummary((await headMask(f.api, id)).data, original, W)).toBe('equal');
      await page.keyboard.press('+');
      await page.keyboard.press('+');
      await page.keyboard.press('Shift+0'); // fit
      await page.keyboard.press('Control+y');
      await saveNow(page);
      expect(diffSummary((await headMask(f.api, id)).data, want, W)).toBe('equal');
      const st = await editorState(page);
      expect(st.undoDepth).toBe(1);
      expect(st.redoDepth).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('polygon fill equals the reference even-odd rasterisation (concave), subtract mode, Esc cancels', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const id = ids[1];
      const original = (await headMask(f.api, id)).data;
      await openEditor(f, page, id);
      await page.keyboard.press('p');
      await page.keyboard.press('Shift+c'); // unrelated toggle must not disturb the polygon tool
      await page.keyboard.press('r'); // class 10 (mouth) by letter
      expect((await editorState(page)).current).toBe(10);
      // A concave "arrow head" plus a self-crossing bow tie (even-odd leaves the crossing's lobes as drawn).
      const concave: [number, number][] = [
        [20, 20],
        [180, 30],
        [90, 80],
        [200, 170],
        [30, 150],
      ];
      await clickCorners(page, concave);
      // Polygon preview shows; then close by clicking the first vertex.
      if (shots) writeFileSync(join(shots, 'editor-polygon-open.png'), await page.screenshot());
      await clickCorners(page, [concave[0]]);
      // Esc cancels a polygon in progress: nothing changes.
      await clickCorners(page, [
        [5, 5],
        [60, 5],
        [60, 60],
      ]);
      await page.keyboard.press('Escape');
      // Subtract: pixels of the current class inside become the erase-to class (background).
      await page.keyboard.press('x');
      const sub: [number, number][] = [
        [100, 0],
        [256, 0],
        [256, 100],
        [100, 100],
      ];
      await clickCorners(page, sub);
      await page.keyboard.press('Enter');
      if (shots) writeFileSync(join(shots, 'editor-polygon.png'), await page.screenshot());
      await saveNow(page);

      const want = original.slice();
      fillPolygon(target(want), concave.flat(), 10, undefined, 'add');
      fillPolygon(target(want), sub.flat(), 10, undefined, 'subtract', 0);
      const got = (await headMask(f.api, id)).data;
      expect(diffSummary(got, want, W)).toBe('equal');
      // The outline is concave: the notch at (90, 80) is not filled.
      expect(got[70 * W + 120]).toBe(original[70 * W + 120]);
      expect((await editorState(page)).undoDepth).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('bucket fill respects 4- and 8-connectivity', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const id = ids[2];
      const original = (await headMask(f.api, id)).data;
      await openEditor(f, page, id);
      await page.keyboard.press('f');
      await page.keyboard.press('3'); // eye_g
      // 4-connected: the diagonal nose chain is 30 separate regions; one pixel changes.
      await clickPixel(page, 70, 70);
      // The two l_eye blocks touch at a corner: 4-conn fills one block.
      await clickPixel(page, 155, 65);
      await page.keyboard.press('Shift+c'); // 8-connected
      await page.keyboard.press('5'); // r_eye
      await clickPixel(page, 80, 80);
      await clickPixel(page, 185, 95);
      await saveNow(page);
      const want = original.slice();
      floodFill(target(want), 70, 70, 3, 4);
      floodFill(target(want), 155, 65, 3, 4);
      floodFill(target(want), 80, 80, 5, 8);
      floodFill(target(want), 185, 95, 5, 8);
      const got = (await headMask(f.api, id)).data;
      expect(diffSummary(got, want, W)).toBe('equal');
      expect(got[71 * W + 71]).toBe(5); // the chain joined under 8-connectivity
      expect(got[60 * W + 150]).toBe(3); // first block kept its 4-fill
      expect(got[99 * W + 189]).toBe(5);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('locks ("paint only over", "protect") apply to brush, eraser, polygon, fill, rectangle and lasso reassign', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const id = ids[3];
      const original = (await headMask(f.api, id)).data;
      await openEditor(f, page, id);
      const want = original.slice();
      const t = target(want);

      // Protect hair (13) and neck (17).
      await page.getByRole('button', { name: 'Protect hair', exact: true }).click();
      await page.getByRole('button', { name: 'Protect neck', exact: true }).click();
      await expect.poll(() => page.getByTestId('locks-on').textContent()).toContain('hair');
      const protect = new Uint8Array(256);
      protect[13] = 1;
      protect[17] = 1;
      let lut = lockLut({ onlyOver: null, protect });

      // Brush across hair, skin, background and neck.
      await page.keyboard.press('q');
      await page.keyboard.press('6');
      await setBrush(page, 15);
      const brushPath: [number, number][] = [
        [128, 5],
        [128, 250],
      ];
      await strokePixels(page, brushPath);
      stampLine(t, 128, 5, 128, 250, brushFootprint(15, 'round'), 6, lut);

      // Eraser (to background) across the same, square footprint.
      await page.keyboard.press('e');
      await page.keyboard.press('s'); // square
      await strokePixels(page, [
        [60, 10],
        [60, 250],
      ]);
      stampLine(t, 60, 10, 60, 250, brushFootprint(15, 'square'), 0, lut);

      // Only over skin (1), plus the protections.
      await page.getByLabel('Paint only over').selectOption('1');
      lut = lockLut({ onlyOver: 1, protect });

      // Polygon covering hair, skin, background.
      await page.keyboard.press('p');
      await expect.poll(() => page.getByRole('button', { name: 'Add', exact: true }).getAttribute('aria-pressed')).toBe('true');
      await page.keyboard.press('7');
      const poly: [number, number][] = [
        [0, 0],
        [250, 10],
        [140, 120],
      ];
      await clickCorners(page, poly);
      await page.keyboard.press('Enter');
      fillPolygon(t, poly.flat(), 7, lut, 'add');

      // Fill on background (not skin): refused by "only over"; fill on skin: allowed.
      await page.keyboard.press('f');
      await page.keyboard.press('8');
      await clickPixel(page, 5, 200);
      floodFill(t, 5, 200, 8, 4, lut);
      await clickPixel(page, 200, 200);
      floodFill(t, 200, 200, 8, 4, lut);

      // Rectangle selection, reassign to class 11 by Enter.
      await page.keyboard.press('m');
      await page.keyboard.press('t'); // class 11 by letter
      await dragCorners(page, [30, 150], [220, 240]);
      await page.keyboard.press('Enter');
      reassignInRect(t, { x0: 30, y0: 150, x1: 220, y1: 240 }, 11, null, lut);

      // Lasso through four corners, reassign to class 12 by the button.
      await page.keyboard.press('l');
      await page.keyboard.press('y'); // class 12 by letter
      const lassoPts: [number, number][] = [
        [20, 60],
        [230, 45],
        [150, 200],
        [60, 230],
      ];
      const s0 = await toScreen(page, ...lassoPts[0]);
      await page.mouse.move(s0.x, s0.y);
      await page.mouse.down();
      for (const p of lassoPts.slice(1)) {
        const sp = await toScreen(page, ...p);
        await page.mouse.move(sp.x, sp.y);
      }
      await page.mouse.up();
      await page.getByRole('button', { name: 'Reassign selection' }).click();
      reassignInPolygon(t, lassoPts.flat(), 12, null, lut);
      if (shots) writeFileSync(join(shots, 'editor-locks.png'), await page.screenshot());

      await saveNow(page);
      const got = (await headMask(f.api, id)).data;
      expect(diffSummary(got, want, W)).toBe('equal');
      // Protected classes are intact.
      for (let i = 0; i < got.length; i++) {
        if (original[i] === 13 || original[i] === 17) {
          if (got[i] !== original[i]) throw new Error(`protected pixel ${i} changed`);
        }
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('autosave makes a human revision after an idle moment, which survives a reload', async () => {
    await f.api.call('settings:set', { autosaveMs: 400 });
    const { context, page, errors } = await newPage(f);
    try {
      const id = ids[4];
      const before = await headMask(f.api, id);
      await openEditor(f, page, id);
      await page.keyboard.press('q');
      await page.keyboard.press('1');
      await setBrush(page, 5);
      await strokePixels(page, [
        [10, 240],
        [30, 240],
      ]);
      // No explicit save: wait for the idle autosave.
      await expect.poll(async () => (await f.api.call('image:get', { id })).headRevisionId, { timeout: 10_000 }).not.toBe(before.revisionId);
      const head = await headMask(f.api, id);
      const revs = await f.api.call('revision:list', { imageId: id });
      expect(revs[0]).toMatchObject({ id: head.revisionId, kind: 'human', author: 'Ann Otator', parentId: before.revisionId });
      expect(head.data[240 * W + 20]).toBe(1);
      await page.reload();
      await page.waitForFunction(() => window.__parselViewer?.ready === true && !!window.__parselEditor);
      expect((await editorState(page)).base).toBe(head.revisionId);
      // The editor shows the saved pixel: the status bar names the class under the cursor.
      const s = await toScreen(page, 20.5, 240.5);
      await page.mouse.move(s.x, s.y);
      await expect.poll(() => page.getByTestId('class-under-cursor').textContent()).toBe('1 skin');
      // The revision panel lists it with author and kind; revert = a new revision on top.
      await expect.poll(() => page.locator(`[data-rev="${head.revisionId}"]`).textContent()).toContain('Ann Otator');
      // The UI names revisions by their per-image number.
      const beforeNo = revs.find((r) => r.id === before.revisionId)!.number;
      await page.getByRole('radio', { name: `Compare from #${beforeNo}` }).check();
      await page.getByRole('button', { name: 'Show changes A→B' }).click();
      const changed = before.data.reduce((n, v, i) => n + (v !== head.data[i] ? 1 : 0), 0);
      await expect.poll(() => page.getByTestId('diff-count').textContent()).toBe(changed.toLocaleString('en-US'));
      if (shots) writeFileSync(join(shots, 'editor-diff.png'), await page.screenshot());
      await page.getByRole('button', { name: 'Revert to A' }).click();
      await expect.poll(async () => (await f.api.call('revision:list', { imageId: id }))[0].note).toBe(`revert to #${beforeNo}`);
      const reverted = await headMask(f.api, id);
      expect(diffSummary(reverted.data, before.data, W)).toBe('equal');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await f.api.call('settings:set', { autosaveMs: 600_000 });
    }
  });

  it('two browser contexts on one image: the later save shows the conflict choice and nothing is lost', async () => {
    const a = await newPage(f);
    const b = await newPage(f);
    try {
      const id = ids[0];
      const start = await headMask(f.api, id);
      await openEditor(f, a.page, id);
      await openEditor(f, b.page, id);
      for (const p of [a.page, b.page]) {
        await p.keyboard.press('q');
        await setBrush(p, 7);
      }
      // A paints and saves first.
      await a.page.keyboard.press('4');
      await strokePixels(a.page, [
        [20, 100],
        [100, 100],
      ]);
      const revA = await saveNow(a.page);
      // B paints elsewhere and saves: conflict.
      await b.page.keyboard.press('5');
      await strokePixels(b.page, [
        [150, 180],
        [230, 180],
      ]);
      await b.page.keyboard.press('Control+s');
      const dialog = b.page.getByTestId('conflict');
      await dialog.waitFor();
      await expect.poll(() => b.page.getByTestId('conflict-changed').textContent(), { timeout: 10_000 }).not.toBe(null);
      if (shots) writeFileSync(join(shots, 'editor-conflict.png'), await b.page.screenshot());
      const fp = brushFootprint(7, 'round');
      const mineB = start.data.slice();
      stampLine(target(mineB), 150, 180, 230, 180, fp, 5);
      const theirsA = start.data.slice();
      stampLine(target(theirsA), 20, 100, 100, 100, fp, 4);
      expect(diffSummary((await headMask(f.api, id)).data, theirsA, W)).toBe('equal');

      // Take theirs: mine is kept in the history (detached, on my parent), the editor shows theirs.
      await dialog.getByRole('button', { name: /Take theirs/ }).click();
      await dialog.waitFor({ state: 'detached' });
      const revs = await f.api.call('revision:list', { imageId: id });
      const aside = revs.find((r) => r.note?.startsWith('set aside in a conflict'));
      expect(aside).toMatchObject({ parentId: start.revisionId, kind: 'human', author: 'Ann Otator' });
      expect(diffSummary(await revisionMask(f.api, aside!.id), mineB, W)).toBe('equal');
      expect((await f.api.call('image:get', { id })).headRevisionId).toBe(revA);
      expect((await editorState(b.page)).base).toBe(revA);

      // Round two: A saves again; B (now on revA) paints and chooses "keep mine".
      await a.page.keyboard.press('6');
      await strokePixels(a.page, [
        [20, 30],
        [100, 30],
      ]);
      const revA2 = await saveNow(a.page);
      await b.page.keyboard.press('7');
      await strokePixels(b.page, [
        [150, 30],
        [230, 30],
      ]);
      await b.page.keyboard.press('Control+s');
      await dialog.waitFor();
      await dialog.getByRole('button', { name: /Keep mine/ }).click();
      await dialog.waitFor({ state: 'detached' });
      const head = await headMask(f.api, id);
      const mineB2 = theirsA.slice();
      stampLine(target(mineB2), 150, 30, 230, 30, fp, 7);
      expect(diffSummary(head.data, mineB2, W)).toBe('equal');
      const headRev = (await f.api.call('revision:list', { imageId: id })).find((r) => r.id === head.revisionId)!;
      expect(headRev.parentId).toBe(revA2); // on top of theirs, which stays in the history
      const a2 = start.data.slice();
      stampLine(target(a2), 20, 100, 100, 100, fp, 4);
      stampLine(target(a2), 20, 30, 100, 30, fp, 6);
      expect(diffSummary(await revisionMask(f.api, revA2), a2, W)).toBe('equal');
      expect(a.errors).toEqual([]);
      expect(b.errors).toEqual([]);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  it('N / B move through the grid and save the image being left', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const url = new URL(f.server.url);
      url.hash = '#/project';
      await page.goto(url.toString());
      const first = page.locator('.cell[data-index="0"]');
      await first.waitFor();
      await first.click();
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => window.__parselViewer?.ready === true && !!window.__parselEditor);
      const id = Number(/image\/(\d+)/.exec(page.url())![1]);
      const before = await headMask(f.api, id);
      await page.keyboard.press('q');
      await page.keyboard.press('2');
      await setBrush(page, 3);
      await strokePixels(page, [
        [5, 5],
        [25, 5],
      ]);
      // Autosave is 10 minutes here: only leaving the image can save this stroke.
      await page.keyboard.press('n');
      await page.waitForFunction((old) => !location.hash.endsWith(`/${old}`), id);
      await page.waitForFunction(() => window.__parselViewer?.ready === true && !!window.__parselEditor);
      const nextId = Number(/image\/(\d+)/.exec(page.url())![1]);
      expect(nextId).not.toBe(id);
      const after = await headMask(f.api, id);
      expect(after.revisionId).not.toBe(before.revisionId);
      const want = before.data.slice();
      stampLine(target(want), 5, 5, 25, 5, brushFootprint(3, 'round'), 2);
      expect(diffSummary(after.data, want, W)).toBe('equal');
      await page.keyboard.press('b');
      await page.waitForFunction((old) => location.hash.endsWith(`/${old}`), id);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keyboard help lists the configurable shortcuts; settings refuse a conflicting binding; status keys', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      await openEditor(f, page, ids[2]);
      await page.keyboard.press('?');
      const help = page.getByTestId('help');
      await help.waitFor();
      await expect.poll(() => help.textContent()).toContain('Bucket fill');
      if (shots) writeFileSync(join(shots, 'editor-help.png'), await page.screenshot());
      await page.keyboard.press('Escape');
      await help.waitFor({ state: 'detached' });
      // Rebind the brush to "B" (taken by "previous image"): the dialog flags it and will not save.
      await page.getByRole('button', { name: 'Settings' }).click();
      const dlg = page.getByTestId('settings');
      const field = dlg.getByLabel('Shortcut for Brush', { exact: true });
      await field.focus();
      await page.keyboard.press('b');
      await expect.poll(() => dlg.getByRole('alert').first().textContent()).toMatch(/B is bound to/);
      await expect.poll(() => dlg.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
      // Bind it to Shift+J instead (Shift+B is the model brush): saved, and it works.
      await field.focus();
      await page.keyboard.press('Shift+j');
      await dlg.getByRole('button', { name: 'Save' }).click();
      await dlg.waitFor({ state: 'detached' });
      expect((await f.api.call('settings:get', {})).shortcuts['tool.brush']).toEqual(['Shift+J']);
      await page.keyboard.press('f');
      await page.keyboard.press('Shift+j');
      await expect.poll(async () => (await editorState(page)).tool).toBe('brush');
      await f.api.call('settings:set', { shortcuts: {} });
      // Status set by the user: Shift+D toggles done / in progress; the buttons say which.
      const status = async () => (await f.api.call('image:get', { id: ids[2] })).status;
      const s0 = await status(); // imports start as done
      const other = s0 === 'done' ? 'in_progress' : 'done';
      await page.keyboard.press('Shift+d');
      await expect.poll(status).toBe(other);
      await page.keyboard.press('Shift+d');
      await expect.poll(status).toBe(s0 === 'done' ? 'done' : 'in_progress');
      await page.getByRole('button', { name: 'In progress', exact: true }).click();
      await expect.poll(status).toBe('in_progress');
      await page.getByRole('button', { name: 'Done', exact: true }).click();
      await expect.poll(async () => (await f.api.call('image:get', { id: ids[2] })).status).toBe('done');
      await expect.poll(() => page.getByTestId('image-status').textContent()).toBe('Done');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
