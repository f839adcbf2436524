/**
 * Browser mode end to end: the real renderer build, served by the real server over an in-process
 * backend, driven in Chromium.
 *
 * Path: token URL → create a project on Home → add a folder of synthetic faces through the UI → report
 * says N added → masks saved as `import` revisions through the API (the foundation has no import
 * feature yet) → reload → scroll the grid to the end → open an image → overlay at 100 % opacity shows
 * the schema's colours at known mask locations (screenshot pixel sampling). Also: no token → 401.
 */
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMask } from '../../src/shared/mask/codec';
import { getSchema } from '../../src/shared/schema';
import { readIndexPng, writeSyntheticFolder } from '../tooling/dataset';
import { decodePng, interiorPoint, newPage, rgbAt, startBrowserFixture, type BrowserFixture } from './helpers';

const COUNT = 40;
const SIZE = 256;
const SCHEMA_ID = 'celebamask-hq-a';
const schema = getSchema(SCHEMA_ID);

let f: BrowserFixture;
let page: Page;
let pageErrors: string[] = [];
let imagesDir: string;
/** File name → index mask, as the generator wrote it. */
const masksByName = new Map<string, Uint8Array>();

beforeAll(async () => {
  // No project: the test creates one on the Home screen.
  f = await startBrowserFixture({ project: null });
  const written = await writeSyntheticFolder(join(f.tmp, 'faces'), {
    count: COUNT,
    width: SIZE,
    height: SIZE,
    schemaId: SCHEMA_ID,
    seed: 11,
    format: 'jpg',
    masks: 'index-png',
    layout: 'images-masks',
  });
  imagesDir = written.imagesDir;
  for (const item of written.items) {
    if (!item.maskPath) throw new Error(`no mask written for ${item.imagePath}`);
    const m = await readIndexPng(item.maskPath);
    if (m.width !== SIZE || m.height !== SIZE) throw new Error(`${item.maskPath}: ${m.width}x${m.height}`);
    masksByName.set(basename(item.imagePath), m.data);
  }
  ({ page, errors: pageErrors } = await newPage(f));
});

afterAll(async () => {
  await f?.close();
});

describe('browser mode', () => {
  it('refuses the app without the token', async () => {
    const res = await fetch(`${f.server.origin}/`);
    expect(res.status).toBe(401);
    const fresh = await f.browser.newContext();
    try {
      const p = await fresh.newPage();
      const r = await p.goto(`${f.server.origin}/`);
      expect(r?.status()).toBe(401);
    } finally {
      await fresh.close();
    }
  });

  it('creates a project, adds a folder, browses the grid and shows the mask overlay in schema colours', async () => {
    // ---- Home: create ----------------------------------------------------------------------------
    await page.goto(f.server.url);
    const createForm = page.getByTestId('create-form');
    await createForm.waitFor();
    await createForm.getByLabel('File').fill(join(f.tmp, 'e2e.parsel'));
    await createForm.getByLabel('Schema').selectOption(SCHEMA_ID);
    // The schema's classes are shown as chips.
    await expect(createForm.locator('.chip').count()).resolves.toBe(schema.classes.length);
    await createForm.getByRole('button', { name: 'Create project' }).click();
    await page.getByTestId('grid').waitFor();

    // ---- Add folder through the UI -----------------------------------------------------------------
    // An empty project opens with the add-folder form shown.
    await page.getByLabel('Folder to add').fill(imagesDir);
    await page.getByRole('button', { name: 'Add folder', exact: true }).click();
    const added = page.getByTestId('report-added');
    await added.waitFor({ timeout: 30_000 });
    expect(await added.textContent()).toBe(`${COUNT} added`);
    // Counts follow through the `project:changed` event.
    await expect.poll(() => page.getByTestId('total-count').textContent()).toBe(String(COUNT));

    // ---- Masks as import revisions, through the API ------------------------------------------------
    const list = await f.api.call('image:list', { limit: 1000 });
    expect(list.total).toBe(COUNT);
    const idByName = new Map<string, number>();
    for (const it of list.items) {
      const mask = masksByName.get(basename(it.path));
      if (!mask) throw new Error(`no generated mask for ${it.path}`);
      idByName.set(basename(it.path), it.id);
      await f.api.call('revision:save', {
        imageId: it.id,
        parentId: null,
        kind: 'import',
        author: 'e2e',
        mask: encodeMask(mask, SIZE, SIZE),
      });
    }
    await page.reload();

    // ---- Grid: scroll to the end -----------------------------------------------------------------
    const grid = page.getByTestId('grid');
    await grid.waitFor();
    await page.locator('.cell[data-index="0"]').waitFor();
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
    const lastCell = page.locator(`.cell[data-index="${COUNT - 1}"]`);
    await lastCell.waitFor();
    await expect
      .poll(() => lastCell.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), {
        timeout: 15_000,
      })
      .toBe(true);

    // ---- Open an image (keyboard: select, Enter) ----------------------------------------------------
    await lastCell.click();
    await page.keyboard.press('Enter');
    await page.getByTestId('viewer').waitFor();
    await page.waitForFunction(() => window.__parselViewer?.ready === true, null, { timeout: 15_000 });
    const shownPath = (await page.locator('.viewer-tools .title').textContent()) ?? '';
    const mask = masksByName.get(basename(shownPath));
    expect(mask, `mask for ${shownPath}`).toBeDefined();

    // Opacity to 100 % through the UI (keyboard on the slider).
    const slider = page.getByLabel('Opacity');
    await slider.focus();
    await page.keyboard.press('End');
    await expect.poll(() => slider.inputValue()).toBe('100');
    await slider.blur();
    await page.mouse.move(5, 5);
    await page.waitForTimeout(100); // one Konva frame

    // ---- Pixel sampling ---------------------------------------------------------------------------
    const names = ['skin', 'hair', 'background', 'l_eye', 'nose', 'u_lip'];
    const samples: { name: string; color: readonly number[]; sx: number; sy: number }[] = [];
    for (const name of names) {
      const cls = schema.classes.find((c) => c.name === name)!;
      const pt = interiorPoint(mask!, SIZE, SIZE, cls.index);
      if (!pt) continue;
      const s = await page.evaluate(([x, y]) => window.__parselViewer!.imageToScreen(x, y), [pt.x + 0.5, pt.y + 0.5]);
      samples.push({ name, color: cls.color, sx: s.x, sy: s.y });
    }
    const present = samples.map((s) => s.name);
    expect(present).toEqual(expect.arrayContaining(['skin', 'hair', 'background']));
    expect(present.some((n) => n === 'l_eye' || n === 'nose' || n === 'u_lip')).toBe(true);

    const png = await page.screenshot();
    if (process.env.PARSEL_E2E_SHOTS) writeFileSync(join(process.env.PARSEL_E2E_SHOTS, 'viewer-opacity-100.png'), png);
    const shot = await decodePng(png);
    const mismatches: string[] = [];
    for (const s of samples) {
      const got = rgbAt(shot, s.sx, s.sy);
      const ok = got.every((v, k) => Math.abs(v - s.color[k]) <= 3);
      if (!ok) mismatches.push(`${s.name} at (${s.sx.toFixed(1)}, ${s.sy.toFixed(1)}): got ${got}, want ${s.color}`);
    }
    if (process.env.PARSEL_E2E_SHOTS) console.log(samples.map((s) => `${s.name} ${s.sx.toFixed(1)},${s.sy.toFixed(1)} ${s.color}`));
    expect(mismatches).toEqual([]);

    // The status bar names the class under the cursor.
    const eye = samples.find((s) => s.name !== 'skin' && s.name !== 'hair' && s.name !== 'background')!;
    await page.mouse.move(eye.sx, eye.sy);
    const title = schema.classes.find((c) => c.name === eye.name)!.title;
    await expect.poll(() => page.getByTestId('class-under-cursor').textContent()).toContain(title);

    // Hiding the mask (H) shows the photo: the skin sample no longer has the skin colour exactly.
    await page.keyboard.press('h');
    await page.waitForTimeout(100);
    const plain = await decodePng(await page.screenshot());
    const hair = samples.find((s) => s.name === 'hair')!;
    const skin = samples.find((s) => s.name === 'skin')!;
    const changed = [hair, skin].some((s) => rgbAt(plain, s.sx, s.sy).some((v, k) => Math.abs(v - s.color[k]) > 3));
    expect(changed).toBe(true);
    await page.keyboard.press('h');

    // Esc goes back to the grid.
    await page.keyboard.press('Escape');
    await page.getByTestId('grid').waitFor();
    expect(idByName.size).toBe(COUNT);
    expect(pageErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
