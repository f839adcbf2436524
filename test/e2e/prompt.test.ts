/**
 * The editor's Segment tool end to end in browser mode (renderer build, server, Chromium, mouse and
 * keyboard) with generated SAM-like models (test/tooling/sam-gen.ts: masks are discs around positive
 * clicks, cut by negative ones): the embedding is computed when the tool is chosen, one click shows a
 * preview and Tab cycles the four candidates, a second (negative) click refines it, Enter paints it
 * with the current class — exactly the known disc minus the negative cut, nothing else — as one undo
 * step, and Esc drops a prompt without painting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSamPair, expectedMask } from '../tooling/sam-gen';
import { addImagesWithMasks, clickPixel, craftedMask, editorState, headMask, openEditor, saveNow } from './editor-helpers';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const W = 256;
const H = 192;
let f: BrowserFixture;
let id: number;

beforeAll(async () => {
  f = await startBrowserFixture({ settings: { authorName: 'Ann Otator', autosaveMs: 600_000 } });
  [id] = await addImagesWithMasks(f, 'faces', W, H, [craftedMask(W, H)]);
  const pair = ensureSamPair({ dir: `${f.tmp}/models`, transformer: false });
  await f.api.call('models:add', { path: pair.decoder });
});

afterAll(async () => {
  await f?.close();
});

describe('segment tool (browser mode)', () => {
  it('segments a part with two clicks and commits it as the current class in one undo step', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const before = await headMask(f.api, id);
      await openEditor(f, page, id);
      await page.keyboard.press('Shift+S');
      await expect.poll(async () => (await editorState(page)).tool).toBe('prompt');
      const panel = page.getByTestId('prompt-panel');
      await expect.poll(() => panel.getAttribute('data-status'), { timeout: 30_000 }).toBe('ready');

      // One click: four candidates; SAM's choice for one point first (mask 2), Tab goes to the next.
      await clickPixel(page, 100, 90);
      await expect.poll(() => panel.getAttribute('data-candidates'), { timeout: 20_000 }).toBe('4');
      expect(await panel.getAttribute('data-shown')).toBe('2');
      await page.keyboard.press('Tab');
      expect(await panel.getAttribute('data-shown')).toBe('0');
      await expect.poll(() => page.getByTestId('prompt-candidate').textContent()).toMatch(/^Mask 2 \/ 4 · IoU 0\.90/);

      // Alt+click: a negative point to the right; three points fed → mask 0 (single-mask output) first.
      const s = await page.evaluate(([x, y]) => window.__parselViewer!.imageToScreen(x, y), [140.5, 90.5] as const);
      await page.keyboard.down('Alt');
      await page.mouse.click(s.x, s.y);
      await page.keyboard.up('Alt');
      await expect.poll(() => panel.getAttribute('data-shown'), { timeout: 20_000 }).toBe('0');
      // The shown candidate is for both points (the cut is there): wait for its area to settle.
      const points = [
        { x: 100.5, y: 90.5, positive: true },
        { x: 140.5, y: 90.5, positive: false },
      ];
      const want = expectedMask(W, H, 0, points, null);
      const wantArea = want.reduce((a, v) => a + v, 0);
      await expect.poll(async () => Number((await page.getByTestId('prompt-candidate').textContent())?.match(/(\d+) px/)?.[1]), { timeout: 20_000 }).toBeLessThan(wantArea + 40);

      const current = (await editorState(page)).current;
      const depth = (await editorState(page)).undoDepth;
      await page.keyboard.press('Enter');
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth + 1);
      expect(await panel.getAttribute('data-candidates')).toBe('0');
      const saved = await saveNow(page);
      const after = await headMask(f.api, id);
      expect(after.revisionId).toBe(saved);
      let inside = 0;
      let wrongInside = 0;
      let changedOutside = 0;
      let edge = 0;
      for (let i = 0; i < W * H; i++) {
        if (want[i]) {
          inside++;
          if (after.data[i] !== current) wrongInside++;
        } else if (after.data[i] !== before.data[i]) {
          changedOutside++;
        }
        // pixels next to the expected edge may go either way (two bilinear resamplings in the graph)
        const x = i % W;
        if (x > 0 && want[i] !== want[i - 1]) edge++;
      }
      expect(inside).toBeGreaterThan(1500);
      expect(wrongInside).toBeLessThan(edge);
      expect(changedOutside).toBeLessThan(edge);
      // The negative click's pixel is not painted; the positive one is.
      expect(after.data[90 * W + 140]).toBe(before.data[90 * W + 140]);
      expect(after.data[90 * W + 100]).toBe(current);

      // Undo takes the whole commit back in one step.
      await page.keyboard.press('Control+z');
      await expect.poll(async () => (await editorState(page)).undoDepth).toBe(depth);

      // Esc drops a prompt; nothing is painted.
      await clickPixel(page, 40, 40);
      await expect.poll(() => panel.getAttribute('data-candidates'), { timeout: 20_000 }).toBe('4');
      await page.keyboard.press('Escape');
      await expect.poll(() => panel.getAttribute('data-candidates')).toBe('0');
      expect((await editorState(page)).undoDepth).toBe(depth);
      expect((await editorState(page)).tool).toBe('prompt');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
