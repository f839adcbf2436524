/**
 * The Environment panel in Chromium (browser mode, real renderer build and server): opened from the Home
 * screen with the mouse, it shows `env:doctor`'s answer row by row — status, what was found, or the
 * reason and the fix command. The backend reads this machine (doctor-probes.ts), except CHROMIUM_PATH,
 * pointed at a path that does not exist so that one row is certainly missing with its fix.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { realEnvProbes } from '../../src/main/services/doctor-probes';
import { ENV_NEEDS } from '../../src/shared/api/methods-env';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const shots = process.env.PARSEL_E2E_SHOTS;
const NO_CHROMIUM = '/nonexistent/parsel-test/chromium';
let f: BrowserFixture;

beforeAll(async () => {
  const real = realEnvProbes();
  f = await startBrowserFixture({
    prefix: 'parsel-e2e-env-',
    project: null,
    backend: async (tmp) =>
      createBackend({
        mode: 'browser',
        userDataDir: join(tmp, 'user'),
        envProbes: { ...real, env: (name) => (name === 'CHROMIUM_PATH' ? NO_CHROMIUM : real.env(name)) },
      }),
  });
}, 120_000);

afterAll(async () => {
  await f?.close();
});

/** A click with the mouse at the middle of what the locator finds (pointer events, as a user makes them). */
async function mouseClick(page: Page, testIdOrName: { testId: string } | { dialog: string; button: string }): Promise<void> {
  const loc =
    'testId' in testIdOrName
      ? page.getByTestId(testIdOrName.testId)
      : page.getByRole('dialog', { name: testIdOrName.dialog }).getByRole('button', { name: testIdOrName.button });
  const box = await loc.boundingBox();
  if (!box) throw new Error('nothing to click');
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

describe('Environment panel', () => {
  it('opens from the Home screen and shows the API answer: statuses, details, reasons and fix commands', async () => {
    const { context, page, errors } = await newPage(f, { width: 1280, height: 900 });
    try {
      await page.goto(f.server.url);
      await page.getByRole('heading', { name: 'New project' }).waitFor();
      if (shots) {
        mkdirSync(shots, { recursive: true });
        writeFileSync(join(shots, 'home-environment-link.png'), await page.screenshot());
      }
      await mouseClick(page, { testId: 'open-environment' });
      const dialog = page.getByRole('dialog', { name: 'Environment' });
      await dialog.locator('tr[data-check="demo-models"]').waitFor({ timeout: 30_000 });

      const api = await f.api.call('env:doctor', {});
      expect(await dialog.locator('tr[data-check]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-check')))).toEqual(api.checks.map((c) => c.id));
      for (const c of api.checks) {
        const row = dialog.locator(`tr[data-check="${c.id}"]`);
        expect(await row.getAttribute('data-status')).toBe(c.status);
        expect(await row.locator('.env-status').textContent()).toBe(c.status);
        expect(await row.locator('th').textContent()).toBe(c.title);
        if (c.status === 'ok') {
          expect(await row.locator('.env-detail').textContent()).toBe(c.detail);
        } else {
          expect(await row.locator('.env-reason').textContent()).toBe(c.reason);
          if (c.fix) expect(await row.locator('.env-fix code').textContent()).toBe(c.fix);
          else expect(await row.locator('.env-fix').count()).toBe(0);
        }
      }

      // Lines this test can be sure of: Node, the CPU provider, and the Chromium that is not at NO_CHROMIUM.
      const node = dialog.locator('tr[data-check="node"]');
      expect(await node.getAttribute('data-status')).toBe('ok');
      expect(await node.locator('.env-detail').textContent()).toContain(process.version);
      expect(await dialog.locator('tr[data-check="ep-cpu"]').getAttribute('data-status')).toBe('ok');
      const chromium = dialog.locator('tr[data-check="chromium"]');
      expect(await chromium.getAttribute('data-status')).toBe('missing');
      expect(await chromium.locator('.env-reason').textContent()).toBe(`no Chromium at CHROMIUM_PATH=${NO_CHROMIUM}; the browser end-to-end tests skip without it`);
      expect(await chromium.locator('.env-fix code').textContent()).toBe(api.checks.find((c) => c.id === 'chromium')!.fix);
      for (const n of ENV_NEEDS) {
        expect(await dialog.locator(`.env-need[data-need="${n}"]`).getAttribute('class')).toBe(`env-need ${api.ready[n] ? 'yes' : 'no'}`);
      }
      expect(await dialog.locator('.env-need[data-need="tests"]').textContent()).toBe('Tests: not ready');

      if (shots) writeFileSync(join(shots, 'environment.png'), await page.screenshot());

      await mouseClick(page, { dialog: 'Environment', button: 'Close' });
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('heading', { name: 'Open project' }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
