/**
 * The Project screen in Chromium (browser mode, real renderer build and server, mouse clicks as pointer
 * events): the header fits 1280 px on one row and the active tab's count is legible; each cell shows its
 * folder (two `synth_00000.jpg` from different folders are told apart); search and sort come from the
 * backend query; keyboard navigation and Enter still open the editor, whose breadcrumb names the file;
 * `#/` with a project open shows the project; the mask-overlay toggle; the jobs panel records a failed
 * and a finished add-folder; the theme follows prefers-color-scheme and the toggle is remembered.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMask } from '../../src/shared/mask/codec';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

let f: BrowserFixture;
let imgDir: string;
const FILES = ['a/synth_00000.jpg', 'a/synth_00001.jpg', 'b/synth_00000.jpg', 'b/Zeta.jpg', 'c/alpha.jpg', 'c/beta.jpg'];
/** Stored path (relative to the project folder) → id. */
const ids = new Map<string, number>();

beforeAll(async () => {
  f = await startBrowserFixture({ prefix: 'parsel-e2e-project-' });
  imgDir = join(f.tmp, 'imgs');
  for (const [k, rel] of FILES.entries()) {
    mkdirSync(join(imgDir, rel, '..'), { recursive: true });
    await sharp({ create: { width: 48, height: 48, channels: 3, background: { r: 40 * k, g: 200 - 30 * k, b: 90 } } })
      .jpeg()
      .toFile(join(imgDir, rel));
  }
  await f.api.call('image:addFolder', { folder: imgDir });
  for (const it of (await f.api.call('image:list', {})).items) ids.set(it.path, it.id);
  // One image with a mask (left half skin) for the overlay toggle.
  const mask = new Uint8Array(48 * 48);
  for (let y = 0; y < 48; y++) mask.fill(1, y * 48, y * 48 + 24);
  await f.api.call('revision:save', { imageId: ids.get('imgs/c/alpha.jpg')!, parentId: null, kind: 'human', author: 'e2e', mask: encodeMask(mask, 48, 48) });
}, 120_000);

afterAll(async () => {
  await f?.close();
});

async function click(page: Page, loc: Locator): Promise<void> {
  const box = await loc.boundingBox();
  if (!box) throw new Error('nothing to click');
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/** Cell captions in grid order: "folder/name". */
async function shown(page: Page): Promise<string[]> {
  return page.locator('.cell[data-image-id]').evaluateAll((cells) =>
    cells.map((c) => `${c.querySelector('[data-testid=cell-folder]')!.textContent}${c.querySelector('[data-testid=cell-name]')!.textContent}`.replace(/\u200e/g, '')),
  );
}

function parseRgb(s: string): [number, number, number] {
  const m = /rgba?\((\d+), (\d+), (\d+)/.exec(s);
  if (!m) throw new Error(`not a colour: ${s}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function contrast(a: [number, number, number], b: [number, number, number]): number {
  const lum = (c: [number, number, number]) =>
    c.map((v) => v / 255).map((s) => (s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4)).reduce((acc, v, i) => acc + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('project screen', () => {
  it('header on one row at 1280 px, legible tab count, folders under names, backend search and sort, keyboard, breadcrumb, #/', async () => {
    const { context, page, errors } = await newPage(f, { width: 1280, height: 800 });
    try {
      await page.goto(f.server.url);
      await page.locator('.cell[data-image-id]').nth(FILES.length - 1).waitFor();

      // ---- Header: every action on one row, inside the window ----
      const head = await page.locator('.project-head').boundingBox();
      expect(head!.height).toBeLessThan(52);
      const tops = await page.locator('.project-head .head-actions > *:visible').evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { top: Math.round(r.top), right: r.right };
        }),
      );
      expect(tops.length).toBeGreaterThanOrEqual(6);
      expect(new Set(tops.map((t) => t.top)).size).toBe(1);
      for (const t of tops) expect(t.right).toBeLessThanOrEqual(1280);
      const bar = await page.getByRole('toolbar', { name: 'Grid filter and order' }).boundingBox();
      expect(bar!.height).toBeLessThan(44);
      // The active tab's count: AA contrast against its own background.
      const count = page.locator('.toolbar .tab[aria-pressed=true] .count');
      expect(await count.textContent()).toBe(String(FILES.length));
      const [fg, bg] = await count.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
      expect(contrast(parseRgb(fg), parseRgb(bg))).toBeGreaterThanOrEqual(4.5);

      // ---- Folders tell equal names apart ----
      const added = (await f.api.call('image:list', {})).items.map((i) => i.path);
      expect(added.slice().sort()).toEqual(FILES.map((p) => `imgs/${p}`).sort());
      expect(await shown(page)).toEqual(added);
      const synths = (await shown(page)).filter((s) => s.endsWith('synth_00000.jpg'));
      expect(synths).toEqual(['imgs/a/synth_00000.jpg', 'imgs/b/synth_00000.jpg']);

      // ---- Search (typed, applied by the backend) ----
      await click(page, page.getByTestId('grid-search'));
      await page.keyboard.type('SYNTH_00000');
      await expect.poll(() => shown(page)).toEqual(['imgs/a/synth_00000.jpg', 'imgs/b/synth_00000.jpg']);
      expect(await page.getByTestId('search-total').textContent()).toBe('2 found');
      await page.keyboard.press('Escape');
      await expect.poll(() => shown(page).then((s) => s.length)).toBe(FILES.length);

      // ---- Sort by name, reversed, by folder: the backend's order ----
      await page.getByTestId('grid-sort').selectOption('name');
      const byName = ['imgs/c/alpha.jpg', 'imgs/c/beta.jpg', 'imgs/a/synth_00000.jpg', 'imgs/b/synth_00000.jpg', 'imgs/a/synth_00001.jpg', 'imgs/b/Zeta.jpg'];
      await expect.poll(() => shown(page)).toEqual(byName);
      const api = (await f.api.call('image:list', { sort: 'name' })).items.map((i) => i.path);
      expect(api).toEqual(byName);
      await click(page, page.getByTestId('grid-reverse'));
      await expect.poll(() => shown(page)).toEqual([...byName].reverse());
      await click(page, page.getByTestId('grid-reverse'));
      await page.getByTestId('grid-sort').selectOption('folder');
      await expect.poll(() => shown(page)).toEqual(['imgs/a/synth_00000.jpg', 'imgs/a/synth_00001.jpg', 'imgs/b/synth_00000.jpg', 'imgs/b/Zeta.jpg', 'imgs/c/alpha.jpg', 'imgs/c/beta.jpg']);

      // ---- Keyboard kept: click the first cell, → selects the next, Enter opens it ----
      await click(page, page.locator('.cell[data-index="0"]'));
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => page.locator('.cell[aria-selected=true]').getAttribute('data-index')).toBe('1');
      await page.keyboard.press('Enter');
      await page.getByTestId('viewer').waitFor();
      expect(page.url()).toContain(`#/image/${ids.get('imgs/a/synth_00001.jpg')}`);
      // The breadcrumb names the file, not the id.
      await expect.poll(() => page.getByTestId('crumb-image').textContent()).toBe('synth_00001.jpg');
      expect(await page.getByTestId('crumb-image').getAttribute('title')).toContain('imgs/a/synth_00001.jpg');

      // ---- #/ with a project open: the project ----
      await page.evaluate(() => (location.hash = '#/'));
      await page.getByTestId('grid').waitFor();
      await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/project');
      expect(await page.getByTestId('create-form').count()).toBe(0);
      // The grid kept its order across the visit (session state).
      expect(await page.getByTestId('grid-sort').inputValue()).toBe('folder');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the mask toggle shows the head revision over the thumbnail (served by revision id), and is remembered', async () => {
    const { context, page, errors } = await newPage(f, { width: 1280, height: 800 });
    try {
      await page.goto(f.server.url);
      const alpha = page.locator(`.cell[data-image-id="${ids.get('imgs/c/alpha.jpg')}"] img`);
      await alpha.waitFor();
      expect(await alpha.getAttribute('src')).toBe(`/media/thumb/${ids.get('imgs/c/alpha.jpg')}`);
      await click(page, page.getByTestId('grid-overlay'));
      const head = (await f.api.call('image:get', { id: ids.get('imgs/c/alpha.jpg')! })).headRevisionId!;
      await expect.poll(() => alpha.getAttribute('src')).toBe(`/media/overlay/${head}`);
      await expect.poll(() => alpha.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
      // An image without a revision keeps its plain thumbnail.
      const beta = page.locator(`.cell[data-image-id="${ids.get('imgs/c/beta.jpg')}"] img`);
      expect(await beta.getAttribute('src')).toBe(`/media/thumb/${ids.get('imgs/c/beta.jpg')}`);
      await page.reload();
      await alpha.waitFor();
      expect(await page.getByTestId('grid-overlay').isChecked()).toBe(true);
      expect(await alpha.getAttribute('src')).toBe(`/media/overlay/${head}`);
      await click(page, page.getByTestId('grid-overlay'));
      await expect.poll(() => alpha.getAttribute('src')).toBe(`/media/thumb/${ids.get('imgs/c/alpha.jpg')}`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('jobs panel: a failed add-folder with its reason, then a finished one with counts', async () => {
    const { context, page, errors } = await newPage(f, { width: 1280, height: 800 });
    try {
      await page.goto(f.server.url);
      await page.locator('.cell[data-image-id]').first().waitFor();
      await click(page, page.getByTestId('open-add-folder'));
      const input = page.getByLabel('Folder to add');
      await click(page, input);
      await page.keyboard.type(join(f.tmp, 'no-such-folder'));
      await click(page, page.getByRole('button', { name: 'Add folder', exact: true }));
      await page.locator('.addfolder-row .error').waitFor();
      await expect.poll(() => page.getByTestId('open-jobs').textContent(), { timeout: 10_000 }).toContain('Add folder failed');

      await input.fill(imgDir); // every file is already in the project: done, 0 added
      await click(page, page.getByRole('button', { name: 'Add folder', exact: true }));
      await page.getByTestId('add-report').waitFor();
      await expect.poll(() => page.getByTestId('open-jobs').textContent(), { timeout: 10_000 }).toMatch(/Add folder done/);

      await click(page, page.getByTestId('open-jobs'));
      const panel = page.getByRole('dialog', { name: 'Jobs' });
      const rows = panel.locator('tbody tr');
      await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
      const first = rows.nth(0);
      const second = rows.nth(1);
      expect(await first.getAttribute('data-job-status')).toBe('done');
      expect(await first.textContent()).toContain(`${FILES.length} / ${FILES.length}`);
      expect(await second.getAttribute('data-job-status')).toBe('failed');
      expect(await second.textContent()).toContain('no-such-folder');
      const history = await f.api.call('job:history', {});
      expect(history.slice(0, 2).map((e) => [e.kind, e.status])).toEqual([
        ['add-folder', 'done'],
        ['add-folder', 'failed'],
      ]);
      await click(page, panel.getByRole('button', { name: 'Close' }));
      await panel.waitFor({ state: 'detached' });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('theme: follows prefers-color-scheme; the toggle cycles Auto → Light → Dark and is remembered', async () => {
    const bgOf = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    for (const scheme of ['light', 'dark'] as const) {
      const context = await f.browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
      try {
        const page = await context.newPage();
        await page.goto(f.server.url);
        await page.getByTestId('grid').waitFor();
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
        expect(await bgOf(page)).toBe(scheme === 'light' ? 'rgb(245, 246, 248)' : 'rgb(21, 23, 26)');
      } finally {
        await context.close();
      }
    }
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    try {
      const page = await context.newPage();
      await page.goto(f.server.url);
      const toggle = page.getByTestId('theme-toggle');
      await toggle.waitFor();
      expect(await toggle.getAttribute('data-theme-pref')).toBe('system');
      await click(page, toggle);
      expect(await toggle.getAttribute('data-theme-pref')).toBe('light');
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
      await click(page, toggle);
      expect(await toggle.getAttribute('data-theme-pref')).toBe('dark');
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      expect(await bgOf(page)).toBe('rgb(21, 23, 26)');
      // Remembered across a reload, over the system's light preference.
      await page.reload();
      await page.getByTestId('grid').waitFor();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      await click(page, page.getByTestId('theme-toggle'));
      expect(await page.getByTestId('theme-toggle').getAttribute('data-theme-pref')).toBe('system');
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    } finally {
      await context.close();
    }
  });
});
