/**
 * The editor's view features end to end in browser mode (real renderer build, server, Chromium; mouse,
 * wheel and keyboard events): preferences remembered per project, smooth zoom and the zoom actions,
 * the minimap, comparing two layers (side by side, swipe), and the legends of the heat map and diff.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brushFootprint, lockLut, stampLine } from '../../src/shared/mask/paint';
import { addImagesWithMasks, craftedMask, diffSummary, editorState, headMask, openEditor, saveNow, strokePixels } from './editor-helpers';
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
});
