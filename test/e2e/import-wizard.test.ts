/**
 * Import wizard end to end in Chromium (browser mode, real renderer build and server): folder → detected
 * format → dry-run report with the problem grouped by kind → choose skip → run → summary; the grid
 * count follows and every imported mask is pixel-exact.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeIndexPng } from '../../src/main/formats/png';
import { decodeMask } from '../../src/shared/mask/codec';
import { writeLapa, type WrittenDataset } from '../tooling/formats';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

let f: BrowserFixture;
let page: Page;
let pageErrors: string[] = [];
let ds: WrittenDataset;

beforeAll(async () => {
  f = await startBrowserFixture({ prefix: 'parsel-e2e-import-', project: { file: 'proj/faces.parsel', schemaId: 'lapa-11' } });
  ds = await writeLapa(join(f.tmp, 'LaPa'), { counts: { train: 4, test: 2 }, size: 64, seed: 31 });
  // One label with a value LaPa does not define (12 pixels of 200).
  const bad = new Uint8Array(ds.items[1].mask);
  bad.fill(200, 0, 12);
  await writeIndexPng(ds.items[1].image.replace('/images/', '/labels/').replace('.jpg', '.png'), bad, 64, 64);
  // Junk a copied folder carries: listed as skipped, not a problem.
  writeFileSync(join(ds.dir, 'train', 'images', '.DS_Store'), 'junk');
  ({ page, errors: pageErrors } = await newPage(f));
});

afterAll(async () => {
  await f?.close();
});

describe('import wizard', () => {
  it('detects LaPa, reports the bad label, skips it and imports the rest', async () => {
    await page.goto(f.server.url);
    await page.getByTestId('open-import').click();
    const wizard = page.getByTestId('import-wizard');
    await wizard.getByLabel('Dataset folder').fill(ds.dir);
    await wizard.getByTestId('import-detect').click();
    await expect.poll(() => wizard.getByTestId('import-format').inputValue()).toBe('lapa');
    await wizard.getByTestId('import-check').click();
    await wizard.getByTestId('plan').waitFor({ timeout: 30_000 });
    expect(await wizard.getByTestId('plan-items').textContent()).toBe('6');
    expect(await wizard.getByTestId('plan-importable').textContent()).toBe('5');
    expect(await wizard.getByTestId('count-unknown-value').textContent()).toBe('1');
    expect(await wizard.getByTestId('plan-skipped').locator('summary').textContent()).toBe('1 files that are not dataset content');
    expect(await wizard.getByTestId('plan-skipped').locator('li').textContent()).toMatch(/train\/images\/\.DS_Store \(macOS Finder metadata\)/);
    const msg = await wizard.locator('[data-kind="unknown-value"] li').first().textContent();
    expect(msg).toMatch(/train_0001\.png: 12 pixels have values not in schema lapa-11: 200 \(12 px/);
    // abort is the default: the run button waits for a choice
    expect(await wizard.getByTestId('import-run').isDisabled()).toBe(true);
    await wizard.getByTestId('on-problem-skip').check();
    await wizard.getByTestId('import-run').click();
    await wizard.getByTestId('import-summary').waitFor({ timeout: 60_000 });
    expect(await wizard.getByTestId('summary-imported').textContent()).toBe('5');
    expect(await wizard.getByTestId('summary-skipped').textContent()).toBe('1');
    await wizard.getByTestId('import-close').click();
    await expect.poll(() => page.getByTestId('total-count').textContent()).toBe('5');

    const list = await f.api.call('image:list', { limit: 100 });
    const byPath = new Map(list.items.map((i) => [i.path, i]));
    for (const [k, it] of ds.items.entries()) {
      const img = byPath.get(it.image);
      if (k === 1) {
        expect(img).toBeUndefined();
        continue;
      }
      expect(img?.split).toBe(it.split);
      const m = decodeMask(await f.api.call('revision:mask', { revisionId: img!.headRevisionId! }));
      expect(Buffer.from(m).equals(Buffer.from(it.mask))).toBe(true);
    }
    expect(pageErrors).toEqual([]);
  });
});
