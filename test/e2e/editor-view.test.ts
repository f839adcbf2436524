/**
 * The editor's view features end to end in browser mode (real renderer build, server, Chromium; mouse,
 * wheel and keyboard events): preferences remembered per project, smooth zoom and the zoom actions,
 * the minimap, comparing two layers (side by side, swipe), and the legends of the heat map and diff.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brushFootprint, lockLut, stampLine } from '../../src/shared/mask/paint';
import { addImagesWithMasks, craftedMask, diffSummary, dragCorners, editorState, headMask, openEditor, saveNow, strokePixels } from './editor-helpers';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const W = 256;
const H = 256;
let f: BrowserFixture;
let ids: number[];

beforeAll(async () => {
  f = await startBrowserFixture({ settings: { authorName: 'Vi Ewer', autosaveMs: 600_000 } });
  ids = await addImagesWithMasks(f, 'faces', W, H, [craftedMask(W, H), craftedMask(W, H), craftedMask(W, H)]);
});

afterAll(async () => {
  await f?.close();
});

describe('editor view (browser mode)', () => {
  it('tool, brush, locks, opacity and overlay options are remembered per project across a reload', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const id = ids[0];
      const original = (await headMask(f.api, id)).data;
      await openEditor(f, page, id);
      await page.keyboard.press('q');
      await page.getByTestId('brush-size').fill('17');
      await page.getByTestId('brush-size').blur();
      await page.keyboard.press('s'); // square
      await page.getByRole('button', { name: 'Protect l_eye', exact: true }).click();
      await page.locator('#overlay-opacity').fill('30');
      await page.keyboard.press('o'); // outline
      await page.keyboard.press('9'); // class 9
      await page.keyboard.press('p'); // polygon: the tool to come back
      await expect.poll(async () => (await editorState(page)).tool).toBe('polygon');

      await page.reload();
      await page.waitForFunction(() => window.__parselViewer?.ready === true && !!window.__parselEditor, null, { timeout: 20_000 });
      const s = await editorState(page);
      expect([s.tool, s.brushSize, s.current]).toEqual(['polygon', 17, 9]);
      expect(await page.locator('#overlay-opacity').inputValue()).toBe('30');
      expect(await page.getByRole('button', { name: 'Outline', exact: true }).getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByTestId('locks-on').textContent()).toContain('protecting l_eye');

      // The restored brush and lock are the ones painting: a stroke across the l_eye block.
      await page.keyboard.press('q');
      await strokePixels(page, [
        [140, 70],
        [200, 70],
      ]);
      await saveNow(page);
      const want = original.slice();
      const protect = new Uint8Array(256);
      protect[4] = 1;
      stampLine({ data: want, width: W, height: H }, 140, 70, 200, 70, brushFootprint(17, 'square'), 9, lockLut({ onlyOver: null, protect }));
      expect(diffSummary((await headMask(f.api, id)).data, want, W)).toBe('equal');

      // Another project starts from the defaults; the first keeps its own.
      const first = (await f.api.call('project:info', {})).path;
      await f.api.call('project:create', { path: join(f.tmp, 'other.parsel'), schemaId: 'celebamask-hq-a' });
      const [otherId] = await addImagesWithMasks(f, 'other', W, H, [craftedMask(W, H)]);
      await openEditor(f, page, otherId);
      const o = await editorState(page);
      expect([o.tool, o.brushSize, o.current]).toEqual(['brush', 12, 1]);
      expect(await page.getByTestId('locks-on').count()).toBe(0);
      expect(await page.locator('#overlay-opacity').inputValue()).toBe('30'); // the last opacity used
      await f.api.call('project:open', { path: first });
      await openEditor(f, page, id);
      expect((await editorState(page)).brushSize).toBe(17);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('wheel zoom: ×1.2 a notch around the cursor; ctrl + small deltas (pinch) zoom gently; fit, 100 % and zoom to selection keys', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      await openEditor(f, page, ids[1]);
      const fit = (await editorState(page)).scale;
      const stage = (await page.getByTestId('stage').boundingBox())!;
      const at = { x: Math.round(stage.x + stage.width * 0.4), y: Math.round(stage.y + stage.height * 0.45) }; // wheel events carry whole pixels
      await page.mouse.move(at.x, at.y);
      const under = await page.evaluate(([x, y]) => {
        // The image point under the cursor before zooming.
        const a = window.__parselViewer!.imageToScreen(0, 0);
        const b = window.__parselViewer!.imageToScreen(1, 1);
        return { x: (x - a.x) / (b.x - a.x), y: (y - a.y) / (b.y - a.y) };
      }, [at.x, at.y] as const);
      let last = fit;
      for (let i = 1; i <= 5; i++) {
        await page.mouse.wheel(0, -100);
        await expect.poll(async () => (await editorState(page)).scale).toBeGreaterThan(last * 1.01);
        const s = (await editorState(page)).scale;
        expect(s / last).toBeCloseTo(1.2, 6);
        last = s;
      }
      expect(last / fit).toBeCloseTo(1.2 ** 5, 5);
      const back = await page.evaluate(([x, y]) => window.__parselViewer!.imageToScreen(x, y), [under.x, under.y] as const);
      expect(Math.abs(back.x - at.x)).toBeLessThan(1);
      expect(Math.abs(back.y - at.y)).toBeLessThan(1);
      expect(await page.getByTestId('zoom').textContent()).toBe(`${Math.round(last * 100)}%`);

      // Pinch: Chromium sends ctrl + wheel with small deltas.
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, -5);
      await page.keyboard.up('Control');
      await expect.poll(async () => (await editorState(page)).scale).toBeGreaterThan(last * 1.001);
      const pinched = (await editorState(page)).scale / last;
      expect(pinched).toBeLessThan(1.1);

      await page.keyboard.press('Shift+1');
      await expect.poll(async () => (await editorState(page)).scale).toBe(1);
      await page.keyboard.press('Shift+0');
      await expect.poll(async () => (await editorState(page)).scale).toBeCloseTo(fit, 9);

      // Zoom to a rectangle selection: its centre lands in the stage's centre, much larger than fit.
      await page.keyboard.press('m');
      await dragCorners(page, [100, 100], [140, 120]);
      await page.keyboard.press('Shift+2');
      await expect.poll(async () => (await editorState(page)).scale).toBeGreaterThan(fit * 3);
      const c = await page.evaluate(() => window.__parselViewer!.imageToScreen(120, 110));
      expect(Math.abs(c.x - (stage.x + stage.width / 2))).toBeLessThan(2);
      expect(Math.abs(c.y - (stage.y + stage.height / 2))).toBeLessThan(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('minimap: hidden at fit, shown when zoomed in; a click centres the view there and a drag pans, without painting', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      await openEditor(f, page, ids[2]);
      await page.keyboard.press('q'); // the brush is active: the minimap must not paint
      const map = page.getByTestId('minimap');
      await expect.poll(() => map.isVisible()).toBe(false);
      const stage = (await page.getByTestId('stage').boundingBox())!;
      await page.mouse.move(Math.round(stage.x + stage.width / 2), Math.round(stage.y + stage.height / 2));
      for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -100);
      await expect.poll(() => map.isVisible()).toBe(true);
      const version = (await editorState(page)).version;
      const scale = (await editorState(page)).scale;

      const box = (await map.boundingBox())!;
      const onMap = (ix: number, iy: number) => ({ x: box.x + (ix / W) * box.width, y: box.y + (iy / H) * box.height });
      const centre = { x: stage.x + stage.width / 2, y: stage.y + stage.height / 2 };
      const near = async (ix: number, iy: number) => {
        const p = await page.evaluate(([x, y]) => window.__parselViewer!.imageToScreen(x, y), [ix, iy] as const);
        // A minimap pixel is W / box.width image pixels: within two of them.
        const tol = (2 * W * scale) / box.width;
        return Math.abs(p.x - centre.x) < tol && Math.abs(p.y - centre.y) < tol;
      };
      const a = onMap(200, 60);
      await page.mouse.click(a.x, a.y);
      await expect.poll(() => near(200, 60)).toBe(true);
      const b = onMap(60, 200);
      await page.mouse.move(a.x, a.y);
      await page.mouse.down();
      await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2);
      await page.mouse.move(b.x, b.y);
      await page.mouse.up();
      await expect.poll(() => near(60, 200)).toBe(true);
      const st = await editorState(page);
      expect(st.scale).toBe(scale);
      expect(st.version).toBe(version);
      expect(st.undoDepth).toBe(0);
      // Back to fit: the minimap goes away.
      await page.keyboard.press('Shift+0');
      await expect.poll(() => map.isVisible()).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
