#!/usr/bin/env node
// `npm run screenshots [-- --out DIR] [--project FILE.parsel] [--count N] [--no-models] [--only NAME,...]`
//
// Every screen of the app in browser mode, in the light and the dark theme (the browser's
// prefers-color-scheme, which the app follows), at 1280×800 and 1920×1080, as PNGs in `screenshots/`
// (gitignored): <screen>-<theme>-<width>x<height>.png.
//
// It makes a sample project with `parsel demo` in a temporary folder (or uses --project), pre-labels it
// and runs a noise scan with the demo models so the review queue has flags, then starts two
// `parsel serve` processes (the project; and none, for Home) and drives Chromium (playwright-core,
// /usr/bin/chromium or $CHROMIUM_PATH, the flags of test/e2e/helpers.ts). A screen that cannot be
// reached (the UI changed) is reported and skipped; the script fails only when no screenshot was written.
// Functions passed to page.waitForFunction run in the page:
/* global document, window, innerHeight */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildIfStale } from './build-if-stale.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : fallback;
};
const flag = (name) => argv.includes(`--${name}`);
if (flag('help')) {
  console.log('npm run screenshots [-- --out DIR] [--project FILE.parsel] [--count N] [--no-models] [--only home,grid,...]');
  process.exit(0);
}

const OUT = resolve(opt('out', join(root, 'screenshots')));
const COUNT = Number(opt('count', '24'));
const ONLY = opt('only', '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const THEMES = ['light', 'dark'];
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];
// Same flags as test/e2e/helpers.ts (CHROMIUM_ARGS).
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

buildIfStale(['out/renderer/index.html', 'out/cli/parsel.mjs'], ['npm', 'run', 'build'], 'npm run build');

const tmp = mkdtempSync(join(tmpdir(), 'parsel-shots-'));
const env = { ...process.env, PARSEL_USER_DATA: join(tmp, 'user') };
const parsel = (args, quiet = false) => {
  const r = spawnSync(process.execPath, [join(root, 'bin/parsel.mjs'), ...args], { env, cwd: tmp, encoding: 'utf8' });
  if (!quiet || r.status !== 0) process.stdout.write(r.stdout + r.stderr);
  return r.status === 0;
};

/** Starts `parsel serve [file]`; resolves with its URL (with the launch token) and the process. */
function serve(file) {
  return new Promise((resolveUrl, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/parsel.mjs'), 'serve', ...(file ? [file] : [])], { env, cwd: tmp });
    let text = '';
    const onData = (d) => {
      text += d.toString();
      const m = /(http:\/\/[^\s]+token=[^\s]+)/.exec(text);
      if (m) resolveUrl({ url: m[1], child });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`parsel serve exited (${code}): ${text}`)));
  });
}

const written = [];
const skipped = [];

async function main() {
  mkdirSync(OUT, { recursive: true });
  let project = opt('project', '');
  if (project) project = resolve(project);
  else {
    project = join(tmp, 'sample.parsel');
    console.log(`making a sample project of ${COUNT} images…`);
    if (!parsel(['demo', project, '--count', String(COUNT), ...(flag('no-models') ? ['--no-models'] : [])], true)) throw new Error('parsel demo failed');
    if (!flag('no-models')) {
      console.log('pre-labelling it with the demo models and scanning for label noise…');
      if (parsel(['prelabel', project, '--model-set', 'demo'], true)) parsel(['scan', project, '--model-set', 'demo'], true);
    }
  }
  if (!existsSync(project)) throw new Error(`no project at ${project}`);

  const withProject = await serve(project);
  const home = await serve(null);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    for (const theme of THEMES) {
      for (const size of SIZES) {
        await shootAll(browser, theme, size, withProject.url, home.url);
      }
    }
  } finally {
    await browser.close();
    withProject.child.kill('SIGTERM');
    home.child.kill('SIGTERM');
  }
}

const wanted = (name) => ONLY.length === 0 || ONLY.includes(name);

async function shootAll(browser, theme, size, projectUrl, homeUrl) {
  const tag = `${theme}-${size.width}x${size.height}`;
  const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1, colorScheme: theme });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(15_000);

  const shot = async (name, prepare, cleanup) => {
    if (!wanted(name)) return;
    const file = join(OUT, `${name}-${tag}.png`);
    try {
      await prepare();
      await page.waitForTimeout(350); // fonts, thumbnails, one more frame
      await page.screenshot({ path: file });
      written.push(file);
    } catch (err) {
      skipped.push(`${name}-${tag}: ${String(err?.message ?? err).split('\n')[0]}`);
    }
    try {
      if (cleanup) await cleanup();
    } catch {
      // the next screen reloads anyway
    }
  };
  const closeDialog = async () => {
    await page.keyboard.press('Escape');
    const close = page.getByRole('dialog').getByRole('button', { name: /^(Close|Cancel)$/ });
    if ((await close.count()) > 0) await close.first().click({ timeout: 2000 }).catch(() => undefined);
  };
  const dialog = async (opener, name) => {
    await opener();
    await page.getByRole('dialog', name ? { name } : undefined).first().waitFor();
  };
  const thumbsLoaded = () =>
    page
      .waitForFunction(
        () => {
          const cells = [...document.querySelectorAll('.cell[data-image-id]')].filter((c) => c.getBoundingClientRect().top < innerHeight);
          return cells.length > 0 && cells.every((c) => {
            const img = c.querySelector('img');
            return img && img.complete && img.naturalWidth > 0;
          });
        },
        null,
        { timeout: 20_000 },
      )
      .catch(() => undefined);
  const toGrid = async () => {
    await page.goto(projectUrl);
    await page.locator('.cell[data-image-id] img').first().waitFor();
    await thumbsLoaded();
  };

  // ---- Home (no project open) and the Environment panel ----
  await shot('home', async () => {
    await page.goto(homeUrl);
    await page.getByTestId('create-form').waitFor();
  });
  await shot(
    'environment',
    async () => {
      await page.goto(homeUrl);
      await dialog(() => page.getByTestId('open-environment').click(), 'Environment');
      await page.getByText('Checking…').first().waitFor({ state: 'detached' }).catch(() => undefined);
    },
    closeDialog,
  );

  // ---- Project: grid, grid with masks sorted by noise score ----
  await shot('project-grid', toGrid);
  await shot('project-grid-masks', async () => {
    await toGrid();
    await page.getByTestId('grid-overlay').check();
    await page.getByTestId('grid-sort').selectOption('noise');
    await page.waitForTimeout(300);
    await thumbsLoaded();
  }, async () => {
    await page.getByTestId('grid-overlay').uncheck();
    await page.getByTestId('grid-sort').selectOption('added');
  });
  await shot('project-more-menu', async () => {
    await toGrid();
    await page.getByTestId('open-more').click();
  });

  // ---- Dialogs of the project screen ----
  const projectDialog = (name, open, dialogName) =>
    shot(name, async () => {
      await toGrid();
      await dialog(open, dialogName);
      await page.waitForTimeout(400);
    }, closeDialog);
  await projectDialog('import', () => page.getByTestId('open-import').click());
  await projectDialog('export', () => page.getByTestId('open-export').click());
  await projectDialog('models', () => page.getByTestId('open-models').click());
  await projectDialog('prelabel', () => page.getByTestId('open-prelabel').click());
  await projectDialog('review-queue', () => page.getByTestId('open-review').click());
  await shot('statistics', async () => {
    await toGrid();
    await page.getByTestId('open-more').click();
    await dialog(() => page.getByTestId('open-stats').click(), 'Statistics');
    const compute = page.getByRole('dialog', { name: 'Statistics' }).getByRole('button', { name: 'Compute' });
    if ((await compute.count()) > 0) {
      await compute.click();
      await page.waitForTimeout(1500);
    }
  }, closeDialog);

  // ---- Jobs panel: after the statistics run above, and a failed add-folder ----
  await shot('jobs', async () => {
    await toGrid();
    const open = page.getByTestId('open-add-folder');
    if ((await open.getAttribute('aria-pressed')) !== 'true') await open.click();
    await page.getByLabel('Folder to add').fill(join(tmp, 'no-such-folder'));
    await page.getByRole('button', { name: 'Add folder', exact: true }).click();
    await page.waitForTimeout(500);
    await dialog(() => page.getByTestId('open-jobs').click(), 'Jobs');
  }, closeDialog);

  // ---- Editor ----
  await shot('editor', async () => {
    await toGrid();
    await page.locator('.cell[data-index="0"]').click();
    await page.keyboard.press('Enter');
    await page.getByTestId('viewer').waitFor();
    await page.waitForFunction(() => window.__parselViewer?.ready === true, null, { timeout: 15_000 }).catch(() => undefined);
    await page.waitForTimeout(600);
  });

  if (errors.length) skipped.push(`${tag}: page errors: ${errors.join(' | ')}`);
  await context.close();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    rmSync(tmp, { recursive: true, force: true });
    console.log(`${written.length} screenshots in ${OUT}`);
    for (const s of skipped) console.log(`skipped: ${s}`);
    if (written.length === 0) process.exitCode = 1;
  });
