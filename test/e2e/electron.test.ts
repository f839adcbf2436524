/**
 * Electron end to end: launch the built app with Playwright, check the renderer's isolation, create a
 * project through the Home screen and see the project screen.
 *
 * Needs the Electron binary. An offline install (ELECTRON_SKIP_BINARY_DOWNLOAD=1) has none: then this
 * file prints a SKIP line and its tests are reported as skipped, never as passed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));

function electronBinary(): string | null {
  try {
    const p: unknown = require('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const electronPath = electronBinary();
const SKIP_REASON = 'no Electron binary installed (offline install: ELECTRON_SKIP_BINARY_DOWNLOAD=1)';
if (!electronPath) console.log(`SKIP electron e2e: ${SKIP_REASON}`);

describe.skipIf(!electronPath)(electronPath ? 'Electron app' : `Electron app — skipped: ${SKIP_REASON}`, () => {
  let tmp: string;
  let app: ElectronApplication | null = null;
  let binding: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'parsel-electron-e2e-'));
    const native = (await import(join(root, 'scripts', 'electron-native.mjs'))) as {
      ensureElectronNative: () => string;
    };
    binding = native.ensureElectronNative();
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
      cwd: root,
      stdio: 'inherit',
    });
    expect(r.status, 'electron-vite build').toBe(0);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('starts isolated, creates a project and shows the project screen', async () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    delete env.ELECTRON_RENDERER_URL;
    delete env.ELECTRON_RUN_AS_NODE;
    app = await _electron.launch({
      executablePath: electronPath!,
      // Chromium refuses to run its OS sandbox as root (CI containers); the renderer's sandbox: true is unaffected.
      args: [root, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...env, PARSEL_USER_DATA_DIR: join(tmp, 'userdata'), PARSEL_SQLITE_BINDING: binding },
      timeout: 60_000,
    });
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');

    // The page has no Node and only the bridge.
    expect(await page.evaluate(() => typeof (globalThis as Record<string, unknown>).require)).toBe('undefined');
    expect(await page.evaluate(() => typeof (globalThis as Record<string, unknown>).process)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys((window as unknown as { parsel: object }).parsel).sort())).toEqual(['call', 'on']);
    expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
    const info = await page.evaluate(() =>
      (window as unknown as { parsel: { call: (m: string, p: unknown) => Promise<unknown> } }).parsel.call('app:info', {}),
    );
    expect(info).toMatchObject({ ok: true, value: { mode: 'electron', capabilities: { nativeDialogs: true } } });

    // The environment check from inside the desktop app: this Electron, and its better-sqlite3 build loaded.
    const doctor = (await page.evaluate(() =>
      (window as unknown as { parsel: { call: (m: string, p: unknown) => Promise<unknown> } }).parsel.call('env:doctor', {}),
    )) as { ok: boolean; value: { runtime: string; checks: { id: string; status: string; detail: string }[] } };
    expect(doctor).toMatchObject({ ok: true, value: { runtime: 'electron' } });
    const status = Object.fromEntries(doctor.value.checks.map((c) => [c.id, c.status]));
    expect({ binary: status['electron-binary'], sqliteElectron: status['sqlite-electron'], sqliteNode: status['sqlite-node'] }).toEqual({
      binary: 'ok',
      sqliteElectron: 'ok',
      sqliteNode: 'ok',
    });
    expect(doctor.value.checks.find((c) => c.id === 'sqlite-electron')?.detail).toContain(`from ${binding}`);

    // Create a project through the Home screen.
    await page.fill('#create-path', join(tmp, 'e2e.parsel'));
    await page.fill('#create-name', 'E2E project');
    await page.click('button:has-text("Create project")');
    await page.waitForSelector('h1:has-text("E2E project")', { timeout: 30_000 });
    await page.waitForSelector('[data-testid="total-count"]');
    expect(await page.textContent('[data-testid="total-count"]')).toBe('0');
    expect(existsSync(join(tmp, 'e2e.parsel'))).toBe(true);

    // Navigation away from the app is refused.
    const before = page.url();
    await page.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
  });
});
