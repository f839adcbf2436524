/**
 * The editor's Face box tool end to end in browser mode (real renderer build, server, Chromium, mouse
 * and keyboard): a box dragged between pixel corners is stored through `faceBox:set` with exactly
 * those corners (the tool snaps to whole pixels; at the fitted zoom, > 1 screen pixel per image pixel,
 * the mouse lands well within half a pixel of each corner, so no rounding slack is needed), is shown
 * again after a reload as an outline over those image pixels, and is deleted with its close button.
 * Drawing a box never touches the mask.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addImagesWithMasks, craftedMask, dragCorners, editorState, headMask, openEditor, toScreen } from './editor-helpers';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const W = 256;
const H = 192;
let f: BrowserFixture;
let id: number;

beforeAll(async () => {
  f = await startBrowserFixture({ settings: { authorName: 'Ann Otator', autosaveMs: 600_000 } });
  [id] = await addImagesWithMasks(f, 'faces', W, H, [craftedMask(W, H)]);
});

afterAll(async () => {
  await f?.close();
});

const listed = async () => (await f.api.call('faceBox:list', { imageId: id })).map(({ x0, y0, x1, y1 }) => [x0, y0, x1, y1]);

describe('face box tool (browser mode)', () => {
  it('draws a box with the mouse, keeps it across a reload, deletes it; the mask is untouched', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const before = await headMask(f.api, id);
      await openEditor(f, page, id);
      expect(await page.getByTestId('face-box').count()).toBe(0);
      await page.keyboard.press('Shift+F');
      await expect.poll(async () => (await editorState(page)).tool).toBe('face');
      await expect.poll(() => page.getByTestId('face-box-hint').isVisible()).toBe(true);
      expect((await editorState(page)).scale).toBeGreaterThan(1);

      // A click (no drag) is not a box.
      const c = await toScreen(page, 200, 20);
      await page.mouse.click(c.x, c.y);
      // Dragged from the bottom-right corner to the top-left one: corners are ordered.
      await dragCorners(page, [120, 140], [40, 50]);
      await expect.poll(listed).toEqual([[40, 50, 120, 140]]);
      await dragCorners(page, [150, 30], [230, 100]);
      await expect.poll(listed).toEqual([
        [40, 50, 120, 140],
        [150, 30, 230, 100],
      ]);

      // Reload: the boxes are read back from the project and drawn over their image pixels. The tool
      // is remembered for the project (close buttons shown); with the brush they are outlines only.
      await page.reload();
      await page.waitForFunction(() => window.__parselViewer?.ready === true && !!window.__parselEditor, null, { timeout: 20_000 });
      await expect.poll(() => page.getByTestId('face-box').count()).toBe(2);
      expect(await page.getByTestId('face-box').first().getAttribute('data-box')).toBe('40,50,120,140');
      expect((await editorState(page)).tool).toBe('face');
      expect(await page.getByTestId('face-box-delete').count()).toBe(2);
      await page.keyboard.press('q');
      await expect.poll(() => page.getByTestId('face-box-delete').count()).toBe(0);
      // Polled: right after a reload the view may still be settling (fit after layout).
      const offBy = async () => {
        const tl = await toScreen(page, 40, 50);
        const br = await toScreen(page, 120, 140);
        const bb = (await page.getByTestId('face-box').first().boundingBox())!;
        return Math.max(Math.abs(bb.x - tl.x), Math.abs(bb.y - tl.y), Math.abs(bb.x + bb.width - br.x), Math.abs(bb.y + bb.height - br.y));
      };
      await expect.poll(offBy).toBeLessThan(1.5);

      // Delete the first box with its close button (Face box tool active).
      await page.keyboard.press('Shift+F');
      await page.getByRole('button', { name: 'Delete face box 1' }).click();
      await expect.poll(listed).toEqual([[150, 30, 230, 100]]);
      await expect.poll(() => page.getByTestId('face-box').count()).toBe(1);

      // The help overlay lists the tool with its key.
      await page.keyboard.press('?');
      await expect.poll(() => page.getByTestId('help').textContent()).toMatch(/Face box \(drag to draw[^)]*\)Shift\+F/);
      await page.keyboard.press('Escape');

      // Boxes are not paint: no revision was written.
      const after = await headMask(f.api, id);
      expect(after.revisionId).toBe(before.revisionId);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
