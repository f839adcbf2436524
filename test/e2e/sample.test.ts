/**
 * "Open the sample project" end to end in Chromium (browser mode, real renderer build and server): the
 * Home screen's first action, clicked with the mouse, makes the sample project in the user-data folder
 * while a progress bar shows the phases, then opens the grid of its images; with demo models (generated
 * stand-ins, test/tooling/demo-models.ts) the Models dialog lists the set "demo" with flip TTA. A second
 * backend on the same user-data folder opens the same project instead of making another. Without demo
 * models the project is still made, and Home says why there is no model set before going on to it.
 * Screenshots go to $PARSEL_E2E_SHOTS when set.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { sampleProjectFile } from '../../src/main/services/domains/sample';
import type { JobProgress } from '../../src/shared/api/types';
import { SAMPLE_DEFAULTS } from '../../src/shared/sample';
import { writeDemoModels } from '../tooling/demo-models';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const shots = process.env.PARSEL_E2E_SHOTS;

describe('Open the sample project (browser mode)', () => {
  let f: BrowserFixture;
  const progress: JobProgress[] = [];

  beforeAll(async () => {
    f = await startBrowserFixture({
      prefix: 'parsel-e2e-sample-',
      backend: async (tmp) =>
        createBackend({ mode: 'browser', userDataDir: join(tmp, 'user'), sampleModelsDir: writeDemoModels(join(tmp, 'demo-models')) }),
    });
    f.api.on('job:progress', (p) => {
      if (p.kind === 'sample') progress.push(p);
    });
  }, 180_000);

  afterAll(async () => {
    await f?.close();
  });

  it('is the first action on Home; a click makes it with progress and opens the grid; the set "demo" is there', async () => {
    const { page, errors } = await newPage(f);
    await page.goto(f.server.url);
    const first = page.locator('.home').getByRole('button').first(); // the top bar's theme toggle is chrome, not an action
    await expect.poll(() => first.textContent()).toBe('Open the sample project');
    if (shots) writeFileSync(join(shots, 'home-sample.png'), await page.screenshot());

    const box = (await first.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const bar = page.getByRole('progressbar', { name: 'Making the sample project' });
    await bar.waitFor({ timeout: 15_000 });
    if (shots) writeFileSync(join(shots, 'home-sample-progress.png'), await page.screenshot());

    const grid = page.getByTestId('grid');
    await grid.waitFor({ timeout: 120_000 });
    await page.locator('.cell[data-index="0"]').waitFor();
    await expect
      .poll(() => page.locator('.cell[data-index="0"] img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 20_000 })
      .toBe(true);
    if (shots) writeFileSync(join(shots, 'sample-grid.png'), await page.screenshot());

    const file = sampleProjectFile(join(f.tmp, 'user'));
    expect(existsSync(file)).toBe(true);
    const info = await f.api.call('project:info', {});
    expect(info.path).toBe(file);
    expect(info.counts.total).toBe(SAMPLE_DEFAULTS.count);
    const truth = JSON.parse(readFileSync(join(f.tmp, 'user', 'sample', 'sample-faces', 'ground-truth.json'), 'utf8')) as { corrupted: number };
    expect(truth.corrupted).toBe(Math.round(SAMPLE_DEFAULTS.count * SAMPLE_DEFAULTS.noise));
    // The phases were reported in order and the bar was fed by them.
    const phases = [...new Set(progress.map((p) => p.phase))];
    expect(phases).toEqual(['making the images', 'importing them with their labels', 'adding the demo models', 'done']);
    expect(progress.at(-1)).toMatchObject({ status: 'done', done: SAMPLE_DEFAULTS.count });

    await page.getByTestId('open-models').click();
    const setRow = page.getByRole('dialog', { name: 'Models' }).getByRole('table', { name: 'Model sets' }).locator('tr[data-set="demo"]');
    await setRow.waitFor();
    expect(await setRow.textContent()).toMatch(/flip/);
    if (shots) writeFileSync(join(shots, 'sample-models.png'), await page.screenshot());
    expect(errors).toEqual([]);
    await page.context().close();
  }, 240_000);

  it('is opened, not made again, by the next session on the same user-data folder', async () => {
    const again = createBackend({ mode: 'browser', userDataDir: join(f.tmp, 'user'), sampleModelsDir: join(f.tmp, 'demo-models') });
    try {
      const r = await directClient(again.services, again.bus).call('app:openSample', {});
      expect(r).toMatchObject({ created: false, images: SAMPLE_DEFAULTS.count, modelSet: 'demo', modelsNote: null });
    } finally {
      again.close();
    }
  }, 60_000);
});

describe('Open the sample project without demo models (browser mode)', () => {
  let f: BrowserFixture;

  beforeAll(async () => {
    f = await startBrowserFixture({
      prefix: 'parsel-e2e-sample-bare-',
      backend: async (tmp) => createBackend({ mode: 'browser', userDataDir: join(tmp, 'user'), sampleModelsDir: join(tmp, 'no-models-here') }),
    });
  }, 180_000);

  afterAll(async () => {
    await f?.close();
  });

  it('makes the project, says plainly that no demo models were found and how to add some, then opens it', async () => {
    const { page, errors } = await newPage(f);
    await page.goto(f.server.url);
    await page.getByRole('button', { name: 'Open the sample project' }).click();
    const note = page.getByRole('status').filter({ hasText: 'no demo models were found' });
    await note.waitFor({ timeout: 120_000 });
    const text = (await note.textContent()) ?? '';
    expect(text).toContain(`no demo models were found (the folder ${join(f.tmp, 'no-models-here')} does not exist)`);
    expect(text).toContain('Models…');
    expect(text).toContain(`${SAMPLE_DEFAULTS.count} images, ${Math.round(SAMPLE_DEFAULTS.count * SAMPLE_DEFAULTS.noise)} labels corrupted`);
    if (shots) writeFileSync(join(shots, 'home-sample-no-models.png'), await page.screenshot());
    expect((await f.api.call('project:info', {})).counts.total).toBe(SAMPLE_DEFAULTS.count);

    await page.getByRole('button', { name: 'Go to the sample project' }).click();
    await page.getByTestId('grid').waitFor();
    await page.locator('.cell[data-index="0"]').waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 240_000);
});
