/**
 * The Statistics dialog in Chromium (browser mode, real renderer build and server): class pixel ratios
 * and presence of the head labels, shown as the API computes them; agreement of the imported labels
 * with a model set's cached prediction (per-class F1 / IoU, mean F1, mIoU), the least agreeing images
 * first (the corrupted ones), one click opens it in the editor; an author source without a name is
 * refused in the form.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNoiseProject, type NoiseProject } from '../tooling/noise-project';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const shots = process.env.PARSEL_E2E_SHOTS;
let f: BrowserFixture;
let P: NoiseProject;

beforeAll(async () => {
  f = await startBrowserFixture({ prefix: 'parsel-e2e-stats-', project: null });
  P = await makeNoiseProject(f.api, join(f.tmp, 'noise'), { count: 5, size: 96, corruptions: [[], ['class_swap', 'drop_part'], [], ['lr_swap'], []] });
}, 120_000);

afterAll(async () => {
  await f?.close();
});

const pct = (v: number | null, d = 1) => (v === null ? '—' : (100 * v).toFixed(d));

describe('statistics dialog', () => {
  it('class statistics and agreement as the API computes them; the least agreeing image opens in the editor', async () => {
    const { context, page, errors } = await newPage(f, { width: 1280, height: 900 });
    try {
      await page.goto(f.server.url);
      await page.getByTestId('open-more').click(); // Statistics… is in the header's More menu
      await page.getByTestId('open-stats').click();
      const dialog = page.getByRole('dialog', { name: 'Statistics' });

      // Classes of the head labels.
      await dialog.getByRole('button', { name: 'Compute' }).click();
      await dialog.getByTestId('stats-result').waitFor();
      const stats = await f.api.call('metrics:stats', {});
      expect(await dialog.getByTestId('stats-result').locator('.dim').first().textContent()).toContain(`${stats.images} images`);
      const rows = dialog.getByRole('table', { name: 'Classes' }).locator('tbody tr');
      expect(await rows.count()).toBe(stats.classes.length);
      for (const c of stats.classes) {
        const cells = await dialog.locator(`table[aria-label="Classes"] tr[data-class="${c.name}"] td`).allTextContents();
        expect([cells[1], cells[3], cells[4]]).toEqual([pct(c.ratio, 2), String(c.presentIn), pct(c.presence)]);
      }

      // Agreement: latest import vs the model set (a teacher made from the clean masks).
      await dialog.getByTestId('tab-agreement').click();
      await dialog.getByTestId('agree-a').selectOption('author');
      await dialog.getByRole('button', { name: 'Compare' }).click();
      await expect.poll(() => dialog.getByRole('alert').textContent()).toBe('A: Author: type the author name.');
      await dialog.getByTestId('agree-a').selectOption('kind:import');
      await dialog.getByTestId('agree-b').selectOption(`set:${P.modelSetId}`);
      await dialog.getByRole('button', { name: 'Compare' }).click();
      await dialog.getByTestId('agree-result').waitFor();
      const r = await f.api.call('metrics:agreement', { a: { kind: 'import' }, b: { modelSet: P.modelSetId } });
      expect(r.images).toBe(5);
      expect(await dialog.getByTestId('agree-meanf1').textContent()).toBe(pct(r.overall.meanF1));
      expect(await dialog.getByTestId('agree-miou').textContent()).toBe(pct(r.overall.mIoU));
      for (const c of r.overall.classes) {
        const cells = await dialog.locator(`table[aria-label="Per-class agreement"] tr[data-class="${c.name}"] td`).allTextContents();
        expect([cells[1], cells[2]]).toEqual([pct(c.f1), pct(c.iou)]);
      }
      // The two corrupted images agree least (the clean ones agree fully with a teacher made from them).
      const worst = await dialog.getByTestId('worst-image').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-id'))));
      const corrupted = P.images.filter((im) => im.regions.length > 0).map((im) => im.id);
      expect(worst).toHaveLength(5);
      expect(new Set(worst.slice(0, 2))).toEqual(new Set(corrupted));
      const first = r.perImage.find((p) => p.imageId === worst[0])!;
      const firstRow = dialog.locator(`[data-testid="worst-image"][data-image-id="${worst[0]}"] td`);
      expect(await firstRow.nth(1).textContent()).toBe(pct(first.figures.meanF1));
      expect(await firstRow.nth(0).textContent()).toMatch(/faces\/images\/synth_\d+\.png$/);
      if (shots) writeFileSync(join(shots, 'stats-agreement.png'), await page.screenshot());

      await firstRow.nth(0).getByRole('button').click();
      await page.waitForFunction(() => window.__parselViewer?.ready === true && !!window.__parselEditor, null, { timeout: 20_000 });
      expect(new URL(page.url()).hash).toBe(`#/image/${worst[0]}`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
