/**
 * src/main/electron.ts against a fake `electron` module (no Electron binary is needed): scheme
 * registration before ready, window security options, navigation / new-window / permission denial,
 * the CSP header, the parsel-media protocol, IPC and event forwarding over a real backend.
 * What this cannot show is that real Electron honours these settings: that is test/e2e/electron.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type Fn = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

const fake = vi.hoisted(() => {
  const log: string[] = [];
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => (ready = r));
  const state = {
    log,
    ready,
    userData: '',
    appOn: new Map<string, Fn>(),
    schemes: [] as unknown[],
    protocolHandlers: new Map<string, Fn>(),
    permissionRequest: null as Fn | null,
    permissionCheck: null as Fn | null,
    headersReceived: null as Fn | null,
    windows: [] as { options: Record<string, any>; loaded: string[]; webContents: any }[], // eslint-disable-line @typescript-eslint/no-explicit-any
    handlers: new Map<string, Fn>(),
    saveDialogResult: { canceled: false, filePath: '/picked/new.parsel' } as { canceled: boolean; filePath?: string },
    sent: [] as unknown[][],
    readyPromise,
  };
  return state;
});

vi.mock('electron', () => {
  class BrowserWindow {
    readonly webContents: unknown;
    readonly record: (typeof fake.windows)[number];
    constructor(options: Record<string, unknown>) {
      this.record = {
        options,
        loaded: [],
        webContents: {
          isDestroyed: () => false,
          getURL: () => this.record.loaded[0] ?? '',
          send: (...args: unknown[]) => fake.sent.push(args),
        },
      };
      this.webContents = this.record.webContents;
      fake.windows.push(this.record);
      fake.log.push('BrowserWindow');
    }
    once() {}
    show() {}
    loadURL(url: string) {
      this.record.loaded.push(url);
      return Promise.resolve();
    }
    loadFile(file: string) {
      this.record.loaded.push(pathToFileURL(file).href);
      return Promise.resolve();
    }
    static getAllWindows() {
      return fake.windows.map((w) => ({ webContents: w.webContents }));
    }
    static getFocusedWindow() {
      return null;
    }
  }
  return {
    app: {
      isPackaged: false,
      enableSandbox: () => fake.log.push('enableSandbox'),
      setPath: (_k: string, v: string) => (fake.userData = v),
      getPath: () => fake.userData,
      getAppPath: () => process.cwd(),
      getVersion: () => '0.1.0-test',
      on: (ev: string, cb: Fn) => fake.appOn.set(ev, cb),
      whenReady: () => fake.readyPromise.then(() => fake.log.push('ready')),
      quit: () => {},
      exit: () => {},
    },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => {
        fake.log.push('registerSchemesAsPrivileged');
        fake.schemes.push(...s);
      },
      handle: (scheme: string, h: Fn) => fake.protocolHandlers.set(scheme, h),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: Fn) => (fake.permissionRequest = h),
        setPermissionCheckHandler: (h: Fn) => (fake.permissionCheck = h),
        webRequest: { onHeadersReceived: (h: Fn) => (fake.headersReceived = h) },
      },
    },
    dialog: {
      showSaveDialog: async () => fake.saveDialogResult,
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showErrorBox: (title: string, body: string) => fake.log.push(`error: ${title}: ${body}`),
    },
    ipcMain: {
      handle: (c: string, h: Fn) => fake.handlers.set(c, h),
      removeHandler: (c: string) => fake.handlers.delete(c),
    },
    BrowserWindow,
  };
});

const req = createRequire(import.meta.url);
let tmp: string;
let appUrl: string;

async function invoke(url: string, method: string, payload: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const h = fake.handlers.get(`parsel:${method}`);
  if (!h) throw new Error(`no handler for ${method}`);
  return structuredClone(await h({ senderFrame: { url, parent: null } }, payload));
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'parsel-shell-'));
  process.env.PARSEL_USER_DATA_DIR = join(tmp, 'userdata');
  // Under Node the Node build is the right one; the shell must pass whatever it is given.
  process.env.PARSEL_SQLITE_BINDING = join(dirname(req.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
  delete process.env.ELECTRON_RENDERER_URL;
  await import('../../src/main/electron');
  expect(fake.log).toEqual(['registerSchemesAsPrivileged', 'enableSandbox']); // all before ready
  fake.ready();
  await vi.waitFor(() => expect(fake.windows.length).toBe(1));
  appUrl = fake.windows[0].loaded[0];
});

afterAll(() => {
  fake.appOn.get('will-quit')?.();
  rmSync(tmp, { recursive: true, force: true });
});

describe('Electron shell (fake electron)', () => {
  it('registers parsel-app and parsel-media as privileged standard schemes before ready, and uses PARSEL_USER_DATA_DIR', () => {
    expect(fake.schemes).toEqual([
      { scheme: 'parsel-app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
      expect.objectContaining({ scheme: 'parsel-media', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
    expect(fake.userData).toBe(join(tmp, 'userdata'));
  });

  it('opens one window with isolation, sandbox and web security, loading the app page over parsel-app://, not file://', () => {
    const prefs = fake.windows[0].options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true, webSecurity: true, webviewTag: false });
    expect(prefs.preload).toMatch(/[\\/]preload[\\/]index\.cjs$/);
    expect(appUrl).toBe('parsel-app://app/index.html');
    expect(fake.windows[0].loaded.some((u) => u.startsWith('file:'))).toBe(false);
  });

  it('serves the renderer folder over parsel-app:// with the CSP, confined to it', async () => {
    const handler = fake.protocolHandlers.get('parsel-app')!;
    const page: Response = await handler(new Request('parsel-app://app/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<div id="root">');
    for (const bad of ['parsel-app://app/%2e%2e/%2e%2e/package.json', 'parsel-app://app/..%2f..%2fpackage.json', 'parsel-app://other/index.html']) {
      expect((await handler(new Request(bad))).status, bad).toBe(404);
    }
  });

  it('denies navigation, redirects, webviews and new windows in every web contents', () => {
    const handlers = new Map<string, Fn>();
    let openHandler: Fn | null = null;
    fake.appOn.get('web-contents-created')!({}, {
      on: (ev: string, h: Fn) => handlers.set(ev, h),
      setWindowOpenHandler: (h: Fn) => (openHandler = h),
    });
    for (const ev of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = { preventDefault: vi.fn() };
      handlers.get(ev)!(e, 'https://example.com/');
      expect(e.preventDefault, ev).toHaveBeenCalled();
    }
    expect(openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: appUrl })).toEqual({ action: 'deny' });
  });

  it('denies every permission request and check', () => {
    const cb = vi.fn();
    fake.permissionRequest!({}, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
    expect(fake.permissionCheck!({}, 'notifications')).toBe(false);
  });

  it('sets a strict CSP on the app page only', () => {
    let out: any = null; // eslint-disable-line @typescript-eslint/no-explicit-any
    fake.headersReceived!(
      { url: appUrl, resourceType: 'mainFrame', responseHeaders: { 'content-security-policy': ["default-src *"] } },
      (r: unknown) => (out = r),
    );
    const csp: string = out.responseHeaders['Content-Security-Policy'][0];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("img-src 'self' parsel-media:");
    expect(csp).toContain("object-src 'none'");
    expect(out.responseHeaders['content-security-policy']).toBeUndefined(); // replaced, not added to
    fake.headersReceived!({ url: 'https://example.com/', resourceType: 'mainFrame', responseHeaders: {} }, (r: unknown) => (out = r));
    expect(out).toEqual({});
  });

  it('binds IPC for the app page only and reports Electron capabilities', async () => {
    const info = await invoke(appUrl, 'app:info', {});
    expect(info).toMatchObject({ ok: true, value: { mode: 'electron', version: '0.1.0-test', capabilities: { nativeDialogs: true } } });
    const refused = await invoke('https://example.com/', 'app:info', {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await invoke(appUrl, 'dialog:pick', { kind: 'saveProject' })).toEqual({ ok: true, value: { path: '/picked/new.parsel' } });
    expect(await invoke(appUrl, 'dialog:pick', { kind: 'folder' })).toEqual({ ok: true, value: { path: null } });
  });

  it('serves media by id over parsel-media:// and forwards events to the window', async () => {
    const images = join(tmp, 'images');
    mkdirSync(images);
    writeFileSync(join(images, 'a.png'), await sharp({ create: { width: 20, height: 10, channels: 3, background: '#123456' } }).png().toBuffer());
    fake.sent.length = 0;
    expect(await invoke(appUrl, 'project:create', { path: join(tmp, 'shell.parsel'), schemaId: 'celebamask-hq-a' })).toMatchObject({ ok: true });
    expect(fake.sent).toContainEqual(['parsel:event', { event: 'project:changed', payload: { reason: 'opened' } }]);
    expect(await invoke(appUrl, 'image:addFolder', { folder: images })).toMatchObject({ ok: true, value: { added: 1 } });
    const list = await invoke(appUrl, 'image:list', {});
    const id: number = list.value.items[0].id;

    const handler = fake.protocolHandlers.get('parsel-media')!;
    const res: Response = await handler(new Request(`parsel-media://image/${id}`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(20);
    const thumb: Response = await handler(new Request(`parsel-media://thumb/${id}`));
    expect(thumb.status).toBe(200);
    for (const bad of [`parsel-media://image/${id + 100}`, 'parsel-media://image/0', 'parsel-media://image/..%2f..%2fetc%2fpasswd', `parsel-media://file/${id}`]) {
      expect((await handler(new Request(bad))).status, bad).toBe(404);
    }
  });
});
