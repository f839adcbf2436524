/**
 * Browser mode's file/folder picker (issue 13), in Chromium over the real server: the server lists
 * folders under its roots only (`--root`, here one folder), the New project form takes a path chosen in
 * the picker, a typed relative path lands under the base the form shows (not the server's working
 * directory), Add folder takes a picked folder, and the picker refuses paths outside the roots and
 * does not list a link that leads out of them.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

let f: BrowserFixture;
let page: Page;
let pageErrors: string[] = [];
let root = '';

beforeAll(async () => {
  f = await startBrowserFixture({
    prefix: 'parsel-e2e-picker-',
    backend: async (tmp) => {
      root = join(tmp, 'root');
      mkdirSync(join(root, 'data', 'faces'), { recursive: true });
      mkdirSync(join(tmp, 'outside'), { recursive: true });
      writeFileSync(join(tmp, 'outside', 'secret.parsel'), '');
      symlinkSync(join(tmp, 'outside'), join(root, 'escape'));
      for (let i = 0; i < 3; i++) {
        await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 50 * i, g: 80, b: 20 } } }).png().toFile(join(root, 'data', 'faces', `f${i}.png`));
      }
      writeFileSync(join(root, 'data', 'notes.txt'), 'x');
      return createBackend({ mode: 'browser', userDataDir: join(tmp, 'user'), browseRoots: [root] });
    },
  });
  ({ page, errors: pageErrors } = await newPage(f));
}, 120_000);

afterAll(async () => {
  await f?.close();
});

describe('browser-mode picker', () => {
  it('New project: a typed relative path is shown and created under the base, not the server folder', async () => {
    await page.goto(f.server.url);
    const form = page.getByTestId('create-form');
    await form.waitFor();
    await expect.poll(() => form.getByTestId('path-base').textContent()).toBe(`Relative paths are read from ${root}`);
    await form.getByLabel('File').fill('rel.parsel');
    expect(await form.getByTestId('path-base').textContent()).toBe(`Relative to ${root}`);
    await form.getByRole('button', { name: 'Create project' }).click();
    await page.getByTestId('grid').waitFor();
    expect((await f.api.call('project:info', {})).path).toBe(join(root, 'rel.parsel'));
    expect(existsSync(join(process.cwd(), 'rel.parsel'))).toBe(false);
  });

  it('New project through the picker: roots only, folders entered by click, a file name given, outside refused', async () => {
    // Home shows only with no project open (`#/` with one open is the project): close the one made above.
    await f.api.call('project:close', {});
    await page.goto(`${f.server.origin}/#/`);
    const form = page.getByTestId('create-form');
    await form.waitFor();
    await form.getByRole('button', { name: 'Browse…' }).click();
    const picker = page.getByRole('dialog', { name: 'New project file' });
    await picker.waitFor();
    // The roots: this server's one folder.
    const list = picker.getByTestId('picker-list');
    await expect.poll(() => list.locator('.picker-entry').allTextContents()).toEqual([`📁 ${root}`]);
    await list.getByRole('button', { name: root }).click();
    // Inside: the folder and the project made above; the link out of the root is not listed.
    await expect.poll(() => list.locator('.picker-entry').allTextContents()).toEqual(['📁 data', expect.stringMatching(/^📄 rel\.parsel/)]);
    // Typing a path outside the roots, or climbing out with "..", is refused by the server.
    for (const bad of [join(f.tmp, 'outside'), `${root}/../outside`, join(root, 'escape')]) {
      await picker.getByLabel('Folder path').fill(bad);
      await picker.getByRole('button', { name: 'Go' }).click();
      await expect.poll(() => picker.getByRole('alert').textContent()).toMatch(/FORBIDDEN/);
    }
    await list.getByRole('button', { name: 'data' }).click();
    await expect.poll(() => list.locator('.picker-entry').allTextContents()).toEqual(['📁 faces', expect.stringMatching(/^📄 notes\.txt/)]);
    expect(await picker.getByRole('alert').count()).toBe(0);
    await picker.getByLabel('File name').fill('picked.parsel');
    expect(await picker.getByTestId('picker-chosen').textContent()).toBe(join(root, 'data', 'picked.parsel'));
    await picker.getByRole('button', { name: 'Use this path' }).click();
    expect(await picker.count()).toBe(0);
    expect(await form.getByLabel('File').inputValue()).toBe(join(root, 'data', 'picked.parsel'));
    await form.getByRole('button', { name: 'Create project' }).click();
    await page.getByTestId('grid').waitFor();
    expect((await f.api.call('project:info', {})).path).toBe(join(root, 'data', 'picked.parsel'));
  });

  it('Add folder through the picker (folders only), then Open project lists only .parsel files', async () => {
    await page.getByRole('form', { name: 'Add folder' }).getByRole('button', { name: 'Browse…' }).click();
    const picker = page.getByRole('dialog', { name: 'Choose a folder' });
    await picker.waitFor();
    const list = picker.getByTestId('picker-list');
    await list.getByRole('button', { name: root }).click();
    await list.getByRole('button', { name: 'data' }).click();
    // Folder mode lists no files.
    await expect.poll(() => list.locator('.picker-entry').allTextContents()).toEqual(['📁 faces']);
    await list.getByRole('button', { name: 'faces' }).click();
    await expect.poll(() => picker.getByTestId('picker-chosen').textContent()).toBe(join(root, 'data', 'faces'));
    // "Up" goes back, and not above the root.
    await picker.getByRole('button', { name: 'Up one folder' }).click();
    await expect.poll(() => picker.getByTestId('picker-chosen').textContent()).toBe(join(root, 'data'));
    await picker.getByRole('button', { name: 'Up one folder' }).click();
    await expect.poll(() => picker.getByTestId('picker-chosen').textContent()).toBe(root);
    expect(await picker.getByRole('button', { name: 'Up one folder' }).isDisabled()).toBe(true);
    await list.getByRole('button', { name: 'data' }).click();
    await list.getByRole('button', { name: 'faces' }).click();
    await picker.getByRole('button', { name: 'Choose this folder' }).click();
    expect(await page.getByLabel('Folder to add').inputValue()).toBe(join(root, 'data', 'faces'));
    await page.getByRole('button', { name: 'Add folder', exact: true }).click();
    await page.getByTestId('report-added').waitFor({ timeout: 30_000 });
    expect((await f.api.call('image:list', {})).total).toBe(3);

    // Home shows only with no project open (`#/` with one open is the project): close the one made above.
    await f.api.call('project:close', {});
    await page.goto(`${f.server.origin}/#/`);
    const open = page.getByRole('form', { name: 'Open project' });
    await open.getByRole('button', { name: 'Browse…' }).click();
    const op = page.getByRole('dialog', { name: 'Open a project' });
    const l2 = op.getByTestId('picker-list');
    // Starts at the roots (the field is empty); in data/: the folder and the .parsel file, not notes.txt.
    await l2.getByRole('button', { name: root }).click();
    await l2.getByRole('button', { name: 'data' }).click();
    await expect.poll(() => l2.locator('.picker-entry').allTextContents()).toEqual(['📁 faces', expect.stringMatching(/^📄 picked\.parsel/)]);
    await l2.getByRole('button', { name: /picked\.parsel/ }).click();
    await op.getByRole('button', { name: 'Open', exact: true }).click();
    expect(await open.getByLabel('File').inputValue()).toBe(join(root, 'data', 'picked.parsel'));
    expect(pageErrors).toEqual([]);
  });
});
