/**
 * Revisions per editing session in the editor (issue 13), Chromium with real pointer events: several
 * autosaves while editing make ONE revision (working, then final when the image is left); undoing back
 * to the original writes none; "Save revision…" with a message makes a finished revision shown in the
 * list with its per-image number, kind, author and message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addImagesWithMasks, craftedMask, editorState, openEditor, strokePixels } from './editor-helpers';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const W = 128;
const H = 128;
let f: BrowserFixture;
let ids: number[];

beforeAll(async () => {
  f = await startBrowserFixture({ prefix: 'parsel-e2e-sessions-', settings: { authorName: 'Ann Otator', autosaveMs: 300 } });
  ids = await addImagesWithMasks(f, 'faces', W, H, [craftedMask(W, H), craftedMask(W, H), craftedMask(W, H)]);
}, 120_000);

afterAll(async () => {
  await f?.close();
});

async function brush(page: Page, cls: string) {
  await page.keyboard.press('q');
  await page.keyboard.press(cls);
  await page.getByTestId('brush-size').fill('3');
  await page.getByTestId('brush-size').blur();
  await expect.poll(async () => (await editorState(page)).brushSize).toBe(3);
}

/** Waits until an autosave has written the editor's current mask (state saved, nothing pending). */
async function autosaved(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__parselEditor!.state().save.kind === 'saved', null, { timeout: 10_000 });
}

const list = (id: number) => f.api.call('revision:list', { imageId: id });

describe('editing sessions in the editor', () => {
  it('several autosaves, then leaving the image: exactly one new revision', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const id = ids[0];
      const before = await list(id);
      await openEditor(f, page, id);
      await brush(page, '9'); // r_ear: no pixel of the crafted mask has it, every stroke changes pixels
      const seen = new Set<number>();
      let lastWrite = '';
      for (let k = 0; k < 4; k++) {
        await strokePixels(page, [
          [10 + 20 * k, 100],
          [20 + 20 * k, 110],
        ]);
        // Wait for this stroke's autosave: the revision's mask was written again.
        await expect
          .poll(async () => {
            const r = await list(id);
            return r.length === before.length + 1 && r[0].updatedAt !== lastWrite;
          }, { timeout: 10_000 })
          .toBe(true);
        const revs = await list(id);
        lastWrite = revs[0].updatedAt;
        // Each autosave rewrites the session's working revision: still one more than before.
        expect(revs).toHaveLength(before.length + 1);
        expect(revs[0]).toMatchObject({ state: 'working', kind: 'human', author: 'Ann Otator', number: before.length + 1 });
        seen.add(revs[0].id);
      }
      expect(seen.size).toBe(1);
      // The panel shows it by number, as this session's revision.
      const row = page.locator('[data-testid="revisions"] tbody tr').first();
      await expect.poll(() => row.getByTestId('rev-number').textContent()).toBe(`#${before.length + 1}•`);
      await expect.poll(() => row.textContent()).toContain('editing');
      // Leaving the image ends the session: the revision is final, and still the only new one.
      await page.getByRole('button', { name: '← Grid' }).click();
      await page.getByTestId('grid').waitFor();
      await expect.poll(async () => (await list(id))[0].state).toBe('final');
      const after = await list(id);
      expect(after).toHaveLength(before.length + 1);
      expect(after[0].id).toBe([...seen][0]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('undo back to the original after autosaves: no revision at all', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const id = ids[1];
      const before = await list(id);
      await openEditor(f, page, id);
      await brush(page, '2');
      await strokePixels(page, [
        [30, 30],
        [60, 40],
      ]);
      await autosaved(page);
      await expect.poll(async () => (await list(id)).length).toBe(before.length + 1);
      await strokePixels(page, [
        [30, 60],
        [60, 70],
      ]);
      await expect.poll(async () => (await list(id))[0].updatedAt).not.toBe((await list(id))[0].createdAt);
      await page.keyboard.press('Control+z');
      await page.keyboard.press('Control+z');
      // The autosave of the original mask removes the working revision.
      await expect.poll(async () => (await list(id)).length, { timeout: 10_000 }).toBe(before.length);
      await page.getByRole('button', { name: '← Grid' }).click();
      await page.getByTestId('grid').waitFor();
      expect((await list(id)).map((r) => r.id)).toEqual(before.map((r) => r.id));
      expect((await f.api.call('image:get', { id })).headRevisionId).toBe(before[0].id);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('"Save revision…" with a message: a finished revision, shown in the list with number, kind, author and message', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const id = ids[2];
      const before = await list(id);
      await openEditor(f, page, id);
      await brush(page, '4');
      await strokePixels(page, [
        [50, 50],
        [70, 60],
      ]);
      await page.getByRole('button', { name: 'Save revision…' }).click();
      await page.getByLabel('Revision message').fill('fixed the left brow');
      await page.getByRole('form', { name: 'Save revision' }).getByRole('button', { name: 'Save', exact: true }).click();
      const n = before.length + 1;
      await expect.poll(async () => (await list(id)).length).toBe(n);
      expect((await list(id))[0]).toMatchObject({ number: n, state: 'final', kind: 'human', author: 'Ann Otator', note: 'fixed the left brow' });
      const row = page.locator(`[data-testid="revisions"] tbody tr[data-number="${n}"]`);
      await expect.poll(() => row.getByTestId('rev-note').textContent()).toBe('fixed the left brow');
      expect(await row.getByTestId('rev-author').textContent()).toBe('Ann Otator');
      expect(await row.locator('.kind').textContent()).toBe('human');
      expect(await row.getByTestId('rev-number').textContent()).toBe(`#${n}•`);
      await expect.poll(() => page.getByTestId('notice').textContent()).toBe(`Saved revision #${n} — fixed the left brow`);
      // The next edit starts a new revision on top of it.
      await strokePixels(page, [
        [80, 80],
        [90, 90],
      ]);
      await autosaved(page);
      await expect.poll(async () => (await list(id)).map((r) => [r.number, r.state])[0]).toEqual([n + 1, 'working']);
      // The number shows once the revision list has caught up with the autosave (until then the id).
      await expect.poll(() => page.getByTestId('save-state').textContent()).toBe(`saved · rev #${n + 1}`);
      // Saving again without a change writes nothing and says so.
      await page.keyboard.press('Control+s');
      await expect.poll(async () => (await list(id))[0].state).toBe('final');
      await page.keyboard.press('Control+s');
      await expect.poll(() => page.getByTestId('notice').textContent()).toMatch(new RegExp(`Nothing changed since revision #${n + 1}`));
      expect(await list(id)).toHaveLength(n + 1);
      // The project's idle time is set in the settings dialog.
      await page.getByRole('button', { name: /^Settings/ }).click();
      const dlg = page.getByTestId('settings');
      await expect.poll(() => dlg.getByLabel('Revision idle minutes').inputValue()).toBe('5');
      await dlg.getByLabel('Revision idle minutes').fill('2.5');
      await dlg.getByRole('button', { name: 'Save', exact: true }).click();
      await expect.poll(async () => (await f.api.call('revision:settings', {})).sessionIdleMinutes).toBe(2.5);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
