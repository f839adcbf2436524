/**
 * The export dialog in Chromium (browser mode, real renderer build and server): open it from the
 * Project screen, pick LaPa (remap suggested), assign seeded splits, watch the live preview counts,
 * see a mix error, export with progress and read the summary's manifest (what ignore became); then a
 * Helen export, which asks what ignore becomes ("Ignore becomes"), started and cancelled: nothing is
 * left on disk.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExportProject } from '../tooling/export-project';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const COUNT = 48;
let f: BrowserFixture;
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  f = await startBrowserFixture({
    prefix: 'parsel-e2e-export-',
    backend: async (tmp) =>
      (
        await makeExportProject(tmp, {
          count: COUNT,
          size: 160,
          schemaId: 'celebamask-hq-a',
          mode: 'browser',
          meta: (i) => ({ source: i % 4 === 0 ? 'real' : 'synthetic' }),
        })
      ).backend,
  });
  ({ page, errors: pageErrors } = await newPage(f, { width: 1280, height: 900 }));
}, 180_000);

afterAll(async () => {
  await f?.close();
});

describe('export dialog', () => {
  it('previews, exports with a manifest, shows errors, and cancels cleanly', async () => {
    await page.goto(f.server.url);
    await page.getByTestId('open-export').click();
    const dialog = page.getByRole('dialog', { name: 'Export dataset' });
    await dialog.waitFor();

    // All images, no remap: the preview counts everything.
    await expect.poll(() => dialog.getByTestId('preview-total').textContent(), { timeout: 15_000 }).toBe(String(COUNT));

    // LaPa: the remap to lapa-11 is suggested; without splits the preview names the problem.
    await dialog.getByLabel('Format').selectOption('lapa');
    await expect.poll(() => dialog.getByLabel('Remap to').inputValue()).toBe('lapa-11');
    await expect.poll(() => dialog.getByTestId('preview-problems').textContent()).toMatch(/LaPa needs every image in one of the splits/);
    await expect(dialog.getByRole('button', { name: 'Export' }).isDisabled()).resolves.toBe(true);

    // Seeded split assignment + a limit: counts per split follow.
    await dialog.getByTestId('assign-splits').check();
    await dialog.getByLabel('Limit').fill('20');
    await dialog.getByLabel('Seed').fill('7');
    await expect.poll(() => dialog.getByTestId('preview-total').textContent()).toBe('20');
    await expect.poll(() => dialog.getByTestId('preview-split').locator('tr[data-key="train"] td.n').textContent()).toBe('16');
    expect(await dialog.getByTestId('preview-class').locator('tr[data-key="skin"] td.n').textContent()).toBe('20');

    // A mix the sources cannot supply: the error names the source and the counts.
    await dialog.getByLabel('Source mix').fill('real=3, synthetic=1');
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/source "real" cannot supply its share: .* needs 15 from "real", but only 12/);
    await dialog.getByLabel('Source mix').fill('real=1, synthetic=3');
    await expect.poll(() => dialog.getByTestId('preview-source').locator('tr[data-key="real"] td.n').textContent()).toBe('5');

    if (process.env.PARSEL_E2E_SHOTS) await page.screenshot({ path: join(process.env.PARSEL_E2E_SHOTS, 'export-dialog.png') });

    // Export.
    const dest = join(f.tmp, 'lapa-out');
    await dialog.getByLabel('Destination').fill(dest);
    await dialog.getByRole('button', { name: 'Export' }).click();
    const summary = dialog.getByTestId('export-summary');
    await summary.waitFor({ timeout: 30_000 });
    expect(await summary.getAttribute('data-status')).toBe('done');
    const manifestPath = (await dialog.getByTestId('manifest-path').textContent()) ?? '';
    expect(manifestPath).toBe(join(dest, 'parsel-manifest.json'));
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest.items.length).toBe(20);
    // LaPa holds ignore: classes without a LaPa target (hat, cloth, …) are written as 255, and the export says so.
    expect(manifest.ignore).toMatchObject({ possible: true, formatHolds: true, value: 255, as: null });
    expect(manifest.spec).toMatchObject({ format: 'lapa', seed: 7, sampling: { limit: 20, mix: { real: 1, synthetic: 3 } } });
    expect(readdirSync(join(dest, 'train', 'labels')).length).toBe(manifest.counts.bySplit.train);

    // A bigger export (Helen: 11 maps per image, all images), cancelled while it runs.
    await dialog.getByLabel('Source mix').fill('');
    await dialog.getByLabel('Limit').fill('');
    await dialog.getByLabel('Format').selectOption('helen');
    await expect.poll(() => dialog.getByLabel('Remap to').inputValue()).toBe('helen-11');
    await expect.poll(() => dialog.getByTestId('preview-total').textContent()).toBe(String(COUNT));
    // Helen has no ignore value: the preview says so and the export waits for the choice.
    await expect.poll(() => dialog.getByTestId('preview-ignore').textContent()).toMatch(/cannot hold ignore pixels \(eye_g, .*hat.*\)/);
    await expect.poll(() => dialog.getByTestId('preview-problems').textContent()).toMatch(/--ignore-as <class>.*"Ignore becomes"/);
    await expect(dialog.getByRole('button', { name: 'Export' }).isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Ignore becomes').selectOption('background');
    await expect.poll(() => dialog.getByTestId('preview-ignore').textContent()).toMatch(/are written as class "background" \(0\)/);
    await expect.poll(() => dialog.getByTestId('preview-problems').count()).toBe(0);
    const dest2 = join(f.tmp, 'helen-out');
    await dialog.getByLabel('Destination').fill(dest2);
    await dialog.getByRole('button', { name: 'Export' }).click();
    await dialog.getByRole('button', { name: 'Cancel export' }).click();
    await expect.poll(() => summary.getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled');
    expect(existsSync(dest2)).toBe(false);
    expect(readdirSync(f.tmp).filter((n) => n.includes('.parsel-export-'))).toEqual([]);

    const list = await f.api.call('export:list', {});
    expect(list.map((r) => r.format)).toEqual(['lapa']);
    expect(pageErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
