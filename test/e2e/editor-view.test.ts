/**
 * The editor's view features end to end in browser mode (real renderer build, server, Chromium; mouse,
 * wheel and keyboard events): preferences remembered per project, smooth zoom and the zoom actions,
 * the minimap, comparing two layers (side by side, swipe), and the legends of the heat map and diff.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brushFootprint, lockLut, stampLine } from '../../src/shared/mask/paint';
import { addImagesWithMasks, craftedMask, diffSummary, dragCorners, editorState, headMask, openEditor, saveNow, strokePixels } from './editor-helpers';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';
import { getSchema } from '../../src/shared/schema';
import { makeNoiseProject } from '../tooling/noise-project';
import { decodeMask } from '../../src/shared/mask/codec';
import { DIFF_RGB, heatRgb } from '../../src/renderer/src/editor/overlayColours';

const W = 256;
const H = 256;
let f: BrowserFixture;
let ids: number[];
const shots = process.env.PARSEL_E2E_SHOTS;

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
      if (shots) writeFileSync(join(shots, 'editor-minimap.png'), await page.screenshot());
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

  it('compare: mask vs model prediction side by side with synced views, swipe with a divider, a revision as A is read-only', async () => {
    // A project whose model set has a cached prediction (the clean mask) and a corrupted label.
    const P = await makeNoiseProject(f.api, join(f.tmp, 'noise'), { count: 1, size: 128, corruptions: [['class_swap']] });
    const im = P.images[0];
    let at = -1;
    for (let i = 0; i < im.label.length && at < 0; i++) if (im.label[i] !== im.clean[i] && im.label[i] !== 0 && im.clean[i] !== 0) at = i;
    expect(at).toBeGreaterThanOrEqual(0);
    const px = at % P.size;
    const py = Math.floor(at / P.size);
    const schema = getSchema('celebamask-hq-a');
    const rgb = (cls: number) => schema.classes.find((c) => c.index === cls)!.color.join(',');
    const { context, page, errors } = await newPage(f, { width: 1600, height: 900 });
    try {
      await openEditor(f, page, im.id);
      await page.keyboard.press('Shift+V');
      await expect.poll(() => page.getByTestId('compare-pane').isVisible()).toBe(true);
      await page.getByTestId('compare-b').selectOption(`model:${P.modelSetId}`);
      await page.locator('[data-testid="compare-layer-b"] canvas').waitFor();
      // The colour each pane shows at image pixel (px, py): A the corrupted label, B the prediction.
      const colourAt = (sel: string, ix: number, iy: number) =>
        page.evaluate(
          ([sel, ix, iy]) => {
            const c = document.querySelector(sel) as HTMLCanvasElement;
            const p = window.__parselViewer!.imageToScreen(ix, iy);
            const stage = document.querySelector('[data-testid="stage"]')!.getBoundingClientRect();
            const d = c.getContext('2d')!.getImageData(Math.floor(p.x - stage.left), Math.floor(p.y - stage.top), 1, 1).data;
            return `${d[0]},${d[1]},${d[2]}`;
          },
          [sel, ix, iy] as const,
        );
      const A = '[data-testid="stage"] > .ed-mask-host:not(.ed-layer) > canvas';
      const B = '[data-testid="compare-layer-b"] canvas';
      await expect.poll(() => colourAt(B, px + 0.5, py + 0.5)).toBe(rgb(im.clean[at]));
      expect(await colourAt(A, px + 0.5, py + 0.5)).toBe(rgb(im.label[at]));
      expect(await page.getByTestId('compare-label-b').textContent()).toContain('Model: teacher');

      // Synced views: a wheel notch over the pane zooms both around that point; a drag there pans both.
      const pane = (await page.getByTestId('compare-pane').boundingBox())!;
      const stage = (await page.getByTestId('stage').boundingBox())!;
      expect(Math.abs(pane.width - stage.width)).toBeLessThan(4);
      const s0 = (await editorState(page)).scale;
      const cx = Math.round(pane.x + pane.width / 2);
      const cy = Math.round(pane.y + pane.height / 2);
      await page.mouse.move(cx, cy);
      await page.mouse.wheel(0, -100);
      await expect.poll(async () => (await editorState(page)).scale).toBeCloseTo(s0 * 1.2, 6);
      const before = await page.evaluate(() => window.__parselViewer!.imageToScreen(10, 10));
      await page.mouse.down();
      await page.mouse.move(cx + 40, cy + 25);
      await page.mouse.move(cx + 80, cy + 50);
      await page.mouse.up();
      const after = await page.evaluate(() => window.__parselViewer!.imageToScreen(10, 10));
      expect([Math.round(after.x - before.x), Math.round(after.y - before.y)]).toEqual([80, 50]);
      await expect.poll(() => colourAt(B, px + 0.5, py + 0.5)).toBe(rgb(im.clean[at]));
      expect((await editorState(page)).version).toBe(0); // nothing was painted by the pane
      if (shots) writeFileSync(join(shots, 'editor-compare-side.png'), await page.screenshot());

      // Painting A (the edited mask) changes A, not B.
      await page.keyboard.press('q');
      await page.keyboard.press('6');
      const sp = await page.evaluate(([x, y]) => window.__parselViewer!.imageToScreen(x, y), [px + 0.5, py + 0.5] as const);
      await page.mouse.click(sp.x, sp.y);
      await expect.poll(() => colourAt(A, px + 0.5, py + 0.5)).toBe(rgb(6));
      expect(await colourAt(B, px + 0.5, py + 0.5)).toBe(rgb(im.clean[at]));

      // Swipe: one stage, A left of the divider, B right of it; the divider drags.
      await page.getByTestId('compare-swipe').click();
      await expect.poll(() => page.getByTestId('compare-pane').count()).toBe(0);
      const handle = page.getByTestId('swipe-handle');
      const st = (await page.getByTestId('stage').boundingBox())!;
      const hb = (await handle.boundingBox())!;
      await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
      await page.mouse.down();
      await page.mouse.move(st.x + st.width * 0.3, hb.y + hb.height / 2);
      await page.mouse.move(st.x + st.width * 0.25, hb.y + hb.height / 2);
      await page.mouse.up();
      await expect.poll(() => handle.getAttribute('aria-valuenow')).toBe('25');
      const x = Math.round(st.width * 0.25);
      expect(await page.locator(A).evaluate((c) => (c as HTMLElement).style.clipPath)).toBe(`inset(0px ${Math.round(st.width) - x}px 0px 0px)`);
      expect(await page.locator('[data-testid="compare-layer-b"]').evaluate((c) => (c as HTMLElement).style.clipPath)).toBe(`inset(0px 0px 0px ${x}px)`);
      expect((await editorState(page)).undoDepth).toBe(1); // the divider drag painted nothing
      if (shots) writeFileSync(join(shots, 'editor-compare-swipe.png'), await page.screenshot());

      // A = the import revision: shown instead of the edited mask, and the tools are off.
      await page.getByTestId('compare-a').selectOption(`rev:${im.revisionId}`);
      await page.locator('[data-testid="compare-layer-a"] canvas').waitFor();
      const version = (await editorState(page)).version;
      await page.mouse.click(st.x + st.width * 0.1, st.y + st.height / 2);
      await page.waitForTimeout(100);
      expect((await editorState(page)).version).toBe(version);
      await page.getByTestId('compare-off').click();
      await expect.poll(() => page.getByTestId('swipe-handle').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('legends: the heat map and the revision diff show a legend, in colours no class uses', async () => {
    const P = await makeNoiseProject(f.api, join(f.tmp, 'noise2'), { count: 1, size: 128, corruptions: [['class_swap']] });
    const im = P.images[0];
    await f.api.call('noise:scan', { modelSetId: P.modelSetId });
    const heat = decodeMask(await f.api.call('noise:heatmap', { imageId: im.id, modelSetId: P.modelSetId, kind: 'disagreement' }));
    let at = -1;
    for (let i = 0; i < heat.length && at < 0; i++) if (heat[i] / 255 >= 0.5) at = i;
    expect(at).toBeGreaterThanOrEqual(0);
    const schema = getSchema('celebamask-hq-a');
    const classRgb = new Set(schema.classes.map((c) => c.color.join(',')));
    const { context, page, errors } = await newPage(f);
    try {
      await openEditor(f, page, im.id);
      expect(await page.getByTestId('heat-legend').count()).toBe(0);
      await page.getByTestId('overlay-heat').click();
      await page.getByTestId('heat-legend').waitFor();
      const pixel = () =>
        page.evaluate(
          ([x, y]) => {
            const c = document.querySelector('[data-testid="review-overlay"] canvas') as HTMLCanvasElement;
            const d = c.getContext('2d')!.getImageData(x, y, 1, 1).data;
            return `${d[0]},${d[1]},${d[2]}`;
          },
          [at % P.size, Math.floor(at / P.size)] as const,
        );
      const want = heatRgb(heat[at] / 255).join(',');
      await expect.poll(pixel).toBe(want);
      expect(classRgb.has(want)).toBe(false);

      // A change saved as a new revision, then "Show changes" between the two: the diff legend.
      await page.getByTestId('overlay-none').click();
      await expect.poll(() => page.getByTestId('heat-legend').count()).toBe(0);
      await page.keyboard.press('q');
      await page.getByTestId('brush-size').fill('5');
      await page.getByTestId('brush-size').blur();
      await page.keyboard.press('6');
      await strokePixels(page, [
        [20, 64],
        [100, 64],
      ]);
      const rev2 = await saveNow(page);
      const changed = diffCount((await headMask(f.api, im.id)).data, im.label);
      await page.getByRole('radio', { name: `Compare from #${im.revisionId}` }).check();
      await page.getByRole('radio', { name: `Compare to #${rev2}` }).check();
      await page.getByRole('button', { name: 'Show changes A→B' }).click();
      await page.getByTestId('diff-legend').waitFor();
      expect(await page.getByTestId('diff-legend').textContent()).toContain(`changed #${im.revisionId} → #${rev2}: ${changed.toLocaleString('en-US')} px`);
      const swatch = await page.getByTestId('diff-legend-swatch').evaluate((e) => getComputedStyle(e).backgroundColor);
      expect(swatch).toBe(`rgb(${DIFF_RGB.join(', ')})`);
      // The mask canvas paints changed pixels in that colour.
      const mp = await page.evaluate(() => {
        const c = document.querySelector('[data-testid="stage"] > .ed-mask-host:not(.ed-layer) > canvas') as HTMLCanvasElement;
        const p = window.__parselViewer!.imageToScreen(60.5, 64.5);
        const r = document.querySelector('[data-testid="stage"]')!.getBoundingClientRect();
        const d = c.getContext('2d')!.getImageData(Math.floor(p.x - r.left), Math.floor(p.y - r.top), 1, 1).data;
        return `${d[0]},${d[1]},${d[2]}`;
      });
      expect(mp).toBe(DIFF_RGB.join(','));
      expect(classRgb.has(mp)).toBe(false);
      if (shots) writeFileSync(join(shots, 'editor-diff-legend.png'), await page.screenshot());
      await page.getByRole('button', { name: 'Hide', exact: true }).click();
      await expect.poll(() => page.getByTestId('diff-legend').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

function diffCount(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}
