/**
 * Electron IPC transport without Electron: bindIpc with a fake ipcMain, the sender-frame check, event
 * forwarding, and the preload bridge (with `electron` mocked), wired end to end to the renderer client.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES } from '../../src/shared/api/contract';
import { ParselError } from '../../src/shared/api/errors';
import type { AppInfo } from '../../src/shared/api/types';
import { EventBus, type ServiceTable } from '../../src/main/services/backend';
import {
  bindIpc,
  forwardEvents,
  trustedFrameCheck,
  type FrameLike,
  type InvokeEventLike,
  type IpcMainLike,
  type WebContentsLike,
} from '../../src/main/ipc';
import { PRELOAD_EVENT_NAMES, PRELOAD_METHOD_NAMES } from '../../src/preload/names';
import type { IpcResult, ParselBridge } from '../../src/shared/api/bridge';
import { IpcClient } from '../../src/renderer/src/api/ipc';
import { parseMediaPath, parseMediaUrl } from '../../src/main/server/media';
import { APP_INDEX_URL } from '../../src/main/app-protocol';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const INDEX = join(root, 'out', 'renderer', 'index.html');
const APP_URL = `${APP_INDEX_URL}#/project`;

// ---- fakes ---------------------------------------------------------------------------------------

type Handler = (event: InvokeEventLike, ...args: unknown[]) => unknown;

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke does: run the handler; results are structured-cloned across processes. */
  async invoke(frame: FrameLike | null, channel: string, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return structuredClone(await h({ senderFrame: frame }, ...args));
  }
}

const topFrame = (url: string): FrameLike => ({ url, parent: null });

const INFO: AppInfo = { version: '9.9.9', mode: 'electron', capabilities: { nativeDialogs: true }, project: null };

function fakeServices() {
  const calls: { method: string; payload: unknown }[] = [];
  const services = new Proxy({} as ServiceTable, {
    get(_t, method: string) {
      return (payload: unknown) => {
        calls.push({ method, payload });
        if (method === 'app:info') return INFO;
        if (method === 'image:get') {
          throw new ParselError('NOT_FOUND', 'no image 42', { id: 42 });
        }
        if (method === 'project:info') throw new Error('disk on fire');
        if (method === 'revision:mask') {
          return { revisionId: 1, width: 2, height: 2, encoding: 'raw', data: new Uint8Array([1, 2, 3, 250]) };
        }
        return { method };
      };
    },
  });
  return { services, calls };
}

const trusted = trustedFrameCheck({ appUrl: APP_INDEX_URL });

// ---- bindIpc -------------------------------------------------------------------------------------

describe('bindIpc', () => {
  let ipc: FakeIpcMain;
  let svc: ReturnType<typeof fakeServices>;
  let unbind: () => void;
  beforeEach(() => {
    ipc = new FakeIpcMain();
    svc = fakeServices();
    unbind = bindIpc({ services: svc.services }, ipc, trusted);
  });

  it('registers exactly one handler per contract method on parsel:<method>, and unbinds them', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => `parsel:${m}`).sort());
    unbind();
    expect(ipc.handlers.size).toBe(0);
  });

  it('dispatches a call from the app page', async () => {
    const r = await ipc.invoke(topFrame(APP_URL), 'parsel:app:info', {});
    expect(r).toEqual({ ok: true, value: INFO });
    expect(svc.calls).toEqual([{ method: 'app:info', payload: {} }]);
  });

  it('carries binary values through structured clone', async () => {
    const r = (await ipc.invoke(topFrame(APP_URL), 'parsel:revision:mask', { revisionId: 1 })) as IpcResult<{ data: Uint8Array }>;
    expect(r.ok).toBe(true);
    if (r.ok) expect([...r.value.data]).toEqual([1, 2, 3, 250]);
  });

  it.each([
    ['another web page', topFrame('https://evil.example/')],
    ['another local file', topFrame(pathToFileURL(join(root, 'evil.html')).href)],
    ['a file next to the app', topFrame(pathToFileURL(join(root, 'out', 'renderer', 'other.html')).href)],
    ['a file URL on another host', topFrame(`file://evil.example${pathToFileURL(INDEX).pathname}`)],
    ['the built index.html as a file:// URL', topFrame(pathToFileURL(INDEX).href)],
    ['another page of the app scheme', topFrame('parsel-app://app/assets/x.html')],
    ['the app path on another host of the scheme', topFrame('parsel-app://evil/index.html')],
    ['a sub-frame of the app page', { url: APP_URL, parent: topFrame(APP_URL) }],
    ['a frame that is gone', null],
    ['a data: URL', topFrame('data:text/html,<script>1</script>')],
  ])('refuses %s with FORBIDDEN without running the service', async (_name, frame) => {
    const r = (await ipc.invoke(frame, 'parsel:app:info', {})) as IpcResult<unknown>;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('FORBIDDEN');
    expect(svc.calls).toEqual([]);
  });

  it('refuses __proto__ / constructor / prototype keys at any depth without running the service', async () => {
    // Structured clone (what IPC does to a renderer's argument) keeps a parsed "__proto__" as an own key;
    // in a zod record it used to be dropped silently and the call ran.
    const payloads: [string, unknown][] = [
      ['parsel:settings:set', structuredClone(JSON.parse('{"shortcuts": {"__proto__": ["Ctrl+K"]}}'))],
      ['parsel:settings:set', structuredClone(JSON.parse('{"shortcuts": {"constructor": ["Ctrl+K"]}}'))],
      ['parsel:models:check', structuredClone(JSON.parse('{"path": "/m.onnx", "card": {"prototype": 1}}'))],
      ['parsel:app:info', structuredClone(JSON.parse('{"__proto__": {}}'))],
    ];
    for (const [channel, payload] of payloads) {
      const r = (await ipc.invoke(topFrame(APP_URL), channel, payload)) as IpcResult<unknown>;
      expect(!r.ok && r.error.code, channel).toBe('BAD_REQUEST');
      expect(!r.ok && r.error.message).toMatch(/Unrecognized key: "(__proto__|constructor|prototype)"/);
    }
    expect(svc.calls).toEqual([]);
  });

  it('returns validation errors, ParselErrors and crashes as wire errors with their fields', async () => {
    const bad = (await ipc.invoke(topFrame(APP_URL), 'parsel:image:get', { id: 'x' })) as IpcResult<unknown>;
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('BAD_REQUEST');
      expect(bad.error.message).toMatch(/\bid\b/);
      expect(bad.error.details).toMatchObject({ issues: [{ path: ['id'] }] });
    }
    const nf = await ipc.invoke(topFrame(APP_URL), 'parsel:image:get', { id: 42 });
    expect(nf).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'no image 42', details: { id: 42 } } });
    const boom = (await ipc.invoke(topFrame(APP_URL), 'parsel:project:info', {})) as IpcResult<unknown>;
    expect(!boom.ok && boom.error.code).toBe('INTERNAL');
    expect(!boom.ok && boom.error.message).toMatch(/disk on fire/);
    const extra = (await ipc.invoke(topFrame(APP_URL), 'parsel:app:info', {}, 'second')) as IpcResult<unknown>;
    expect(!extra.ok && extra.error.code).toBe('BAD_REQUEST');
  });

  it('has no handler for channels outside the contract', async () => {
    await expect(ipc.invoke(topFrame(APP_URL), 'parsel:fs:readFile', { path: '/etc/passwd' })).rejects.toThrow(/No handler/);
  });
});

describe('trustedFrameCheck', () => {
  it('production: only parsel-app://app/index.html, with any hash or query; never a file:// page', () => {
    expect(trusted(APP_INDEX_URL)).toBe(true);
    expect(trusted(APP_URL)).toBe(true);
    expect(trusted(`${APP_INDEX_URL}?x=1`)).toBe(true);
    expect(trusted(pathToFileURL(INDEX).href)).toBe(false);
    expect(trusted(`${pathToFileURL(INDEX).href}#/project`)).toBe(false);
    expect(trusted('parsel-app://app/assets/x.html')).toBe(false);
    expect(trusted('parsel-app://app/index.html.evil')).toBe(false);
    expect(trusted('parsel-app://user:pw@app/index.html')).toBe(false);
    expect(trusted('parsel-app://other/index.html')).toBe(false);
    expect(trusted('parsel-media://app/index.html')).toBe(false);
    expect(trusted(pathToFileURL(join(root, 'out', 'renderer', 'assets', 'x.html')).href)).toBe(false);
    expect(trusted(pathToFileURL(`${INDEX}.evil`).href)).toBe(false);
    expect(trusted('http://localhost:5173/')).toBe(false);
    expect(trusted('about:blank')).toBe(false);
    expect(trusted('not a url')).toBe(false);
  });

  it('development: only the dev server origin', () => {
    const dev = trustedFrameCheck({ devServerUrl: 'http://localhost:5173/', appUrl: APP_INDEX_URL });
    expect(dev('http://localhost:5173/')).toBe(true);
    expect(dev('http://localhost:5173/#/image/3')).toBe(true);
    expect(dev('http://localhost:5174/')).toBe(false);
    expect(dev('http://localhost:5173.evil.example/')).toBe(false);
    expect(dev('https://localhost:5173/')).toBe(false);
    expect(dev('http://user:pw@localhost:5173/')).toBe(false);
    expect(dev(APP_URL)).toBe(false);
  });
});

describe('forwardEvents', () => {
  function wc(url: string, opts: { destroyed?: boolean; throws?: boolean } = {}) {
    const sent: unknown[][] = [];
    const c: WebContentsLike & { sent: unknown[][] } = {
      sent,
      isDestroyed: () => opts.destroyed ?? false,
      getURL: () => url,
      send: (...args: unknown[]) => {
        if (opts.throws) throw new Error('Object has been destroyed');
        sent.push(args);
      },
    };
    return c;
  }

  it('sends every event to every live app window, skipping destroyed and foreign ones', () => {
    const bus = new EventBus();
    const broken = wc(APP_URL, { throws: true });
    const a = wc(APP_URL);
    const gone = wc(APP_URL, { destroyed: true });
    const foreign = wc('https://evil.example/');
    const b = wc(APP_URL);
    const off = forwardEvents(bus, () => [broken, a, gone, foreign, b], trusted);
    bus.emit('project:changed', { reason: 'opened' });
    for (const c of [a, b]) expect(c.sent).toEqual([['parsel:event', { event: 'project:changed', payload: { reason: 'opened' } }]]);
    expect(gone.sent).toEqual([]);
    expect(foreign.sent).toEqual([]);
    off();
    bus.emit('project:changed', { reason: 'closed' });
    expect(a.sent.length).toBe(1);
  });
});

describe('media URLs (parsel-media:// in Electron, /media/ in browser mode)', () => {
  it('accepts only <kind>/<positive int id>', () => {
    expect(parseMediaUrl('parsel-media://image/12')).toEqual({ kind: 'image', id: 12 });
    expect(parseMediaUrl('parsel-media://thumb/1')).toEqual({ kind: 'thumb', id: 1 });
    expect(parseMediaPath('/media/thumb/9007199254740991')).toEqual({ kind: 'thumb', id: 9007199254740991 });
    expect(parseMediaUrl('parsel-media://overlay/7')).toEqual({ kind: 'overlay', id: 7 });
    expect(parseMediaPath('/media/overlay/7')).toEqual({ kind: 'overlay', id: 7 });
    for (const bad of [
      'parsel-media://image/0',
      'parsel-media://image/-3',
      'parsel-media://image/012',
      'parsel-media://image/1.0',
      'parsel-media://image/12/x',
      'parsel-media://image/12?x=1',
      'parsel-media://image/12#x',
      'parsel-media://image/',
      'parsel-media://file/12',
      'parsel-media://overlays/12',
      'parsel-media://image:80/12',
      'parsel-media://u@image/12',
      'parsel-media://image/..%2f..%2fetc%2fpasswd',
      'parsel-media://image/99999999999999999',
      'file:///image/12',
      'nonsense',
    ]) {
      expect(parseMediaUrl(bad), bad).toBeNull();
    }
    for (const bad of ['/media/image/0', '/media/image/1/', '/media/image', '/media/x/1', '/media/image/%31']) {
      expect(parseMediaPath(bad), bad).toBeNull();
    }
  });
});

// ---- preload -------------------------------------------------------------------------------------

const electronMock = vi.hoisted(() => {
  const exposed = new Map<string, unknown>();
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const invoked: { channel: string; args: unknown[] }[] = [];
  const state = { invoke: async (_channel: string, ..._args: unknown[]): Promise<unknown> => undefined };
  return { exposed, listeners, invoked, state };
});

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => electronMock.exposed.set(key, api),
  },
  ipcRenderer: {
    invoke: (channel: string, ...args: unknown[]) => {
      electronMock.invoked.push({ channel, args });
      return electronMock.state.invoke(channel, ...args);
    },
    on: (channel: string, l: (...args: unknown[]) => void) => {
      if (!electronMock.listeners.has(channel)) electronMock.listeners.set(channel, new Set());
      electronMock.listeners.get(channel)!.add(l);
    },
    removeListener: (channel: string, l: (...args: unknown[]) => void) => electronMock.listeners.get(channel)?.delete(l),
  },
}));

describe('preload', () => {
  async function loadBridge(): Promise<ParselBridge> {
    await import('../../src/preload/index');
    return electronMock.exposed.get('parsel') as ParselBridge;
  }

  it('lists exactly the contract names', () => {
    expect([...PRELOAD_METHOD_NAMES].sort()).toEqual([...METHOD_NAMES].sort());
    expect([...PRELOAD_EVENT_NAMES].sort()).toEqual([...EVENT_NAMES].sort());
  });

  it('exposes window.parsel with call and on, and nothing else', async () => {
    const bridge = await loadBridge();
    expect([...electronMock.exposed.keys()]).toEqual(['parsel']);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'on']);
  });

  it('forwards contract methods to parsel:<method> and refuses other names without sending', async () => {
    const bridge = await loadBridge();
    electronMock.invoked.length = 0;
    electronMock.state.invoke = async () => ({ ok: true, value: 'v' });
    expect(await bridge.call('app:info', {})).toEqual({ ok: true, value: 'v' });
    expect(electronMock.invoked).toEqual([{ channel: 'parsel:app:info', args: [{}] }]);
    for (const name of ['fs:readFile', '__proto__', 'constructor', 'toString', '', 'event']) {
      const r = await bridge.call(name as 'app:info', {});
      expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
    expect(electronMock.invoked.length).toBe(1);
  });

  it('delivers only the payload of the subscribed event, and unsubscribes', async () => {
    const bridge = await loadBridge();
    const got: unknown[][] = [];
    const off = bridge.on('job:progress', (...args: unknown[]) => got.push(args));
    const emit = (msg: unknown) => {
      for (const l of electronMock.listeners.get('parsel:event') ?? []) l({ sender: 'IPC-RENDERER' }, msg);
    };
    const p = { jobId: 'j', kind: 'k', done: 1, total: 2, phase: 'x' };
    emit({ event: 'job:progress', payload: p });
    emit({ event: 'project:changed', payload: { reason: 'opened' } });
    emit(null);
    expect(got).toEqual([[p]]);
    off();
    emit({ event: 'job:progress', payload: p });
    expect(got.length).toBe(1);
    expect(electronMock.listeners.get('parsel:event')?.size).toBe(0);
    expect(() => bridge.on('fs:watch' as 'job:progress', () => {})).toThrow(/unknown event/);
  });

  it('needs nothing but electron at runtime, even with node_modules externalised', async () => {
    const out = await build({
      entryPoints: [join(root, 'src/preload/index.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      logLevel: 'silent',
    });
    const code = out.outputFiles[0].text;
    const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
  });

  it('end to end: renderer IpcClient → preload → bindIpc → services, errors rethrown with code and details', async () => {
    const bridge = await loadBridge();
    const ipc = new FakeIpcMain();
    const svc = fakeServices();
    bindIpc({ services: svc.services }, ipc, trusted);
    let frameUrl = APP_URL;
    electronMock.state.invoke = (channel, ...args) => ipc.invoke(topFrame(frameUrl), channel, ...args);
    const client = new IpcClient(bridge);
    expect(client.mode).toBe('electron');
    expect(await client.call('app:info', {})).toEqual(INFO);
    const err = await client.call('image:get', { id: 42 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParselError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'no image 42', details: { id: 42 } });
    frameUrl = 'https://evil.example/';
    await expect(client.call('app:info', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(client.mediaUrl('image', 12)).toBe('parsel-media://image/12');
  });
});
