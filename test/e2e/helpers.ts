/**
 * Helpers for browser end-to-end tests and benchmarks: renderer build, Chromium launch, the backend +
 * server + Chromium fixture every browser test starts from, screenshot pixel sampling, and picking
 * sample points inside mask regions.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { createBackend, type Backend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { startServer, type RunningServer } from '../../src/main/server';
import type { ParselApi } from '../../src/shared/api/contract';

export const ROOT = resolve(__dirname, '..', '..');
export const RENDERER_DIR = join(ROOT, 'out', 'renderer');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the renderer when `out/renderer/index.html` is missing, or older than a renderer or shared
 * source file (so a test never runs against a stale bundle).
 */
export function ensureRendererBuild(): void {
  const index = join(RENDERER_DIR, 'index.html');
  if (existsSync(index)) {
    const built = statSync(index).mtimeMs;
    const src = Math.max(newestMtime(join(ROOT, 'src', 'renderer')), newestMtime(join(ROOT, 'src', 'shared')));
    if (src <= built) return;
  }
  execFileSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
  if (!existsSync(index)) throw new Error('electron-vite build did not produce out/renderer/index.html');
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface BrowserFixture {
  /** A fresh temporary folder, removed by `close`. */
  tmp: string;
  backend: Backend;
  /** In-process client of `backend` (what the tests use to set up and to read back). */
  api: ParselApi;
  server: RunningServer;
  browser: Browser;
  close(): Promise<void>;
}

export interface BrowserFixtureOptions {
  /** Prefix of the temporary folder's name (which test left it, should one survive a crash). */
  prefix?: string;
  /**
   * The project the backend opens, its path relative to `tmp`; `null` for none (the Home screen).
   * Default `p.parsel` with schema celebamask-hq-a. Ignored when `backend` is given.
   */
  project?: { file: string; schemaId: string } | null;
  /** Settings applied before the server starts. */
  settings?: Parameters<ParselApi['call']>[1];
  /** Makes the backend instead (e.g. a tooling helper that opens its own project); closed with the fixture. */
  backend?: (tmp: string) => Promise<Backend>;
}

/**
 * The renderer build served by the real server over an in-process browser-mode backend, and Chromium:
 * what each browser end-to-end test starts from. `close` releases all of it and removes `tmp`.
 */
export async function startBrowserFixture(opts: BrowserFixtureOptions = {}): Promise<BrowserFixture> {
  ensureRendererBuild();
  const tmp = mkdtempSync(join(tmpdir(), opts.prefix ?? 'parsel-e2e-'));
  let backend: Backend | undefined;
  let server: RunningServer | undefined;
  try {
    backend = opts.backend ? await opts.backend(tmp) : createBackend({ mode: 'browser', userDataDir: join(tmp, 'user') });
    const api = directClient(backend.services, backend.bus);
    const project = opts.project === undefined ? { file: 'p.parsel', schemaId: 'celebamask-hq-a' } : opts.project;
    if (!opts.backend && project) {
      const path = join(tmp, project.file);
      mkdirSync(dirname(path), { recursive: true });
      await api.call('project:create', { path, schemaId: project.schemaId });
    }
    if (opts.settings) await api.call('settings:set', opts.settings as never);
    server = await startServer({ backend, rendererDir: RENDERER_DIR });
    const browser = await launchChromium();
    const b = backend;
    const srv = server;
    return {
      tmp,
      backend: b,
      api,
      server: srv,
      browser,
      close: async () => {
        await browser.close().catch(() => undefined);
        await srv.close().catch(() => undefined);
        b.close();
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await server?.close().catch(() => undefined);
    backend?.close();
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** A new browser context (its own storage) and page, with page errors collected. */
export async function newPage(
  f: BrowserFixture,
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await f.browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  return { context, page, errors };
}

/** Forwards page errors and console errors to the test output (a blank page then explains itself). */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export interface RawImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

export async function decodePng(png: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data) };
}

export function rgbAt(img: RawImage, x: number, y: number): [number, number, number] {
  const xi = Math.round(x);
  const yi = Math.round(y);
  const o = (yi * img.width + xi) * img.channels;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}

/**
 * The deepest pixel of class `value` (the last survivor of repeated 4-neighbour erosion), so that a
 * sample lands well inside the region whatever the zoom. Null when the class is absent.
 */
export function interiorPoint(mask: Uint8Array, w: number, h: number, value: number): { x: number; y: number; depth: number } | null {
  let cur = new Uint8Array(w * h);
  let count = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === value) {
      cur[i] = 1;
      count++;
    }
  }
  if (count === 0) return null;
  let depth = 0;
  for (;;) {
    const next = new Uint8Array(w * h);
    let n = 0;
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        const i = y * w + x;
        if (cur[i] && cur[i - 1] && cur[i + 1] && cur[i - w] && cur[i + w]) {
          next[i] = 1;
          n++;
        }
      }
    }
    if (n === 0) break;
    cur = next;
    depth++;
  }
  // Middle survivor in scan order: deterministic and inside the deepest core.
  const idx: number[] = [];
  for (let i = 0; i < cur.length; i++) if (cur[i]) idx.push(i);
  const i = idx[Math.floor(idx.length / 2)];
  return { x: i % w, y: Math.floor(i / w), depth };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
