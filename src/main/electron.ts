/**
 * Electron entry (built to out/main/index.js). Thin: security settings, one window, the app and media
 * protocols, and the service table bound to IPC. Business rules live in ./services.
 *
 * Environment:
 *   ELECTRON_RENDERER_URL   dev server (set by electron-vite dev); otherwise parsel-app://app/index.html,
 *                           out/renderer served by the app protocol (app-protocol.ts)
 *   PARSEL_USER_DATA_DIR    overrides app.getPath('userData') (tests)
 *   PARSEL_SQLITE_BINDING   better-sqlite3 binary built for this Electron (default: the one
 *                           scripts/electron-native.mjs writes under .cache/electron-native/<version>/)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import { APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolResponse } from './app-protocol';
import { bindIpc, forwardEvents, trustedFrameCheck } from './ipc';
import { fetchMedia, MEDIA_SCHEME, mediaErrorStatus, parseMediaUrl } from './server/media';
import { createBackend, type Backend } from './services/index';

// Must happen before `ready`.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } },
]);
app.enableSandbox();
if (process.env.PARSEL_USER_DATA_DIR) app.setPath('userData', process.env.PARSEL_USER_DATA_DIR);

const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const rendererDir = join(__dirname, '../renderer');
const preloadPath = join(__dirname, '../preload/index.cjs');
const isTrustedFrame = trustedFrameCheck({ devServerUrl, appUrl: APP_INDEX_URL });

function contentSecurityPolicy(): string {
  const dev = devServerUrl ? new URL(devServerUrl) : null;
  return [
    "default-src 'self'",
    `img-src 'self' ${MEDIA_SCHEME}: blob: data:`,
    // Vite's HMR socket in development.
    dev ? `connect-src 'self' ws://${dev.host}` : "connect-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    // @vitejs/plugin-react's refresh preamble is an inline script, in development only.
    dev ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function sqliteBinding(): string | undefined {
  if (process.env.PARSEL_SQLITE_BINDING) return process.env.PARSEL_SQLITE_BINDING;
  // Packaged (electron-builder.json): better-sqlite3's own binary, rebuilt for this Electron by npmRebuild.
  if (app.isPackaged) return undefined;
  const p = join(app.getAppPath(), '.cache', 'electron-native', process.versions.electron, 'better_sqlite3.node');
  if (existsSync(p)) return p;
  console.warn(
    `parsel: no better-sqlite3 build for Electron ${process.versions.electron} at ${p}; ` +
      'run `node scripts/electron-native.mjs` (npm start does it) or projects will fail to open',
  );
  return undefined;
}

const PROJECT_FILTERS = [{ name: 'Parsel project', extensions: ['parsel'] }];

async function pickPath(kind: 'openProject' | 'saveProject' | 'folder' | 'model'): Promise<string | null> {
  const parent = BrowserWindow.getFocusedWindow();
  if (kind === 'saveProject') {
    const opts: SaveDialogOptions = { title: 'New Parsel project', filters: PROJECT_FILTERS, defaultPath: 'untitled.parsel' };
    const r = parent ? await dialog.showSaveDialog(parent, opts) : await dialog.showSaveDialog(opts);
    return r.canceled || !r.filePath ? null : r.filePath;
  }
  const opts: OpenDialogOptions =
    kind === 'openProject'
      ? { title: 'Open Parsel project', filters: PROJECT_FILTERS, properties: ['openFile'] }
      : kind === 'model'
        ? { title: 'Add an ONNX model', filters: [{ name: 'ONNX model', extensions: ['onnx'] }], properties: ['openFile'] }
        : { title: 'Add a folder of images', properties: ['openDirectory'] };
  const r = parent ? await dialog.showOpenDialog(parent, opts) : await dialog.showOpenDialog(opts);
  return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0];
}

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    const isAppPage =
      (details.resourceType === 'mainFrame' || details.resourceType === 'subFrame') && isTrustedFrame(details.url);
    if (!isAppPage) {
      callback({});
      return;
    }
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    headers['Content-Security-Policy'] = [contentSecurityPolicy()];
    headers['X-Content-Type-Options'] = ['nosniff'];
    callback({ responseHeaders: headers });
  });
}

/** out/renderer as parsel-app://app/ (path-confined; the page with its CSP). */
function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, (request) => appProtocolResponse(rendererDir, request, contentSecurityPolicy()));
}

function registerMediaProtocol(backend: Backend): void {
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const route = request.method === 'GET' ? parseMediaUrl(request.url) : null;
    if (route === null) return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
    try {
      const media = await fetchMedia(backend.media, route.kind, route.id);
      return new Response(new Uint8Array(media.body), {
        status: 200,
        headers: {
          'Content-Type': media.mime,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
          // Lets the editor read pixels of a crossOrigin="anonymous" image without tainting its canvas.
          'Access-Control-Allow-Origin': '*',
        },
      });
    } catch (err) {
      const status = mediaErrorStatus(err);
      return new Response(status === 404 ? 'Not found' : 'Error', { status, headers: { 'Content-Type': 'text/plain' } });
    }
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Parsel',
    backgroundColor: '#17191c',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadURL(APP_INDEX_URL);
  return win;
}

// Every web contents, present and future: no navigation, no new windows, no webviews.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

let backend: Backend | null = null;

app
  .whenReady()
  .then(() => {
    hardenSession();
    backend = createBackend({
      mode: 'electron',
      userDataDir: app.getPath('userData'),
      pickPath,
      sqliteNativeBinding: sqliteBinding(),
      version: app.getVersion(),
      // Packaged, models/demo is unpacked beside app.asar (ONNX Runtime opens files natively, not through asar).
      sampleModelsDir: join(app.getAppPath().replace(/app\.asar$/, 'app.asar.unpacked'), 'models', 'demo'),
    });
    registerAppProtocol();
    registerMediaProtocol(backend);
    bindIpc(backend, ipcMain, isTrustedFrame);
    forwardEvents(backend.bus, () => BrowserWindow.getAllWindows().map((w) => w.webContents), isTrustedFrame);
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  })
  .catch((err: unknown) => {
    dialog.showErrorBox('Parsel failed to start', err instanceof Error ? (err.stack ?? err.message) : String(err));
    app.exit(1);
  });

app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => {
  backend?.close();
  backend = null;
});
