/**
 * Browser-mode server over a real backend: token, Host, Origin and Sec-Fetch-Site checks, static files
 * (MIME, traversal), media, and the WebSocket protocol (round trips, errors, binary, events).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame, type ServerMessage } from '../../src/shared/api/wire';
import { decodeMask, encodeMask } from '../../src/shared/mask/codec';
import { createBackend, type Backend } from '../../src/main/services/index';
import { startServer, type RunningServer } from '../../src/main/server/index';
import { WsClient } from '../../src/renderer/src/api/ws';
import { ParselError } from '../../src/shared/api/errors';

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuv';
const INDEX_HTML = '<!doctype html><title>Parsel test</title><script type="module" src="/assets/app.js"></script>';
const APP_JS = 'console.log("app");';
const SECRET = 'TOP-SECRET-OUTSIDE-RENDERER';

let tmp: string;
let backend: Backend;
let srv: RunningServer;
let host: string; // 127.0.0.1:<port>
let cookie: string; // name=value
let pngBytes: Buffer;

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Raw HTTP request: the path is sent exactly as given (no URL normalisation, unlike fetch). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: srv.port, path, method, headers: { Host: host, ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const authed = (extra: Record<string, string> = {}) => ({ Cookie: cookie, ...extra });

/** Opens a WebSocket; resolves with the socket or rejects with the HTTP status of the refusal. */
function connect(headers: Record<string, string>, path = '/ws'): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}${path}`, { headers: { Host: host, ...headers } });
    ws.binaryType = 'nodebuffer';
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

const goodWsHeaders = () => ({ Cookie: cookie, Origin: `http://${host}` });

/** A tiny protocol client over a raw socket: collects every message, lets tests await matches. */
class Peer {
  readonly messages: ServerMessage[] = [];
  private waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  private nextId = 1;
  closed: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const msg = decodeFrame(new Uint8Array(data)) as ServerMessage;
      this.messages.push(msg);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(msg)) return true;
        w.resolve(msg);
        return false;
      });
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }
  waitFor(pred: (m: ServerMessage) => boolean, ms = 10_000): Promise<ServerMessage> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a message')), ms);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }
  sendRaw(bytes: Uint8Array | string): void {
    this.ws.send(bytes, { binary: typeof bytes !== 'string' });
  }
  async call(method: string, payload: unknown): Promise<Extract<ServerMessage, { t: 'result' }>> {
    const id = this.nextId++;
    this.sendRaw(encodeFrame({ t: 'call', id, method, payload }));
    return (await this.waitFor((m) => m.t === 'result' && m.id === id)) as Extract<ServerMessage, { t: 'result' }>;
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'parsel-server-'));
  const rendererDir = join(tmp, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), INDEX_HTML);
  writeFileSync(join(rendererDir, 'assets', 'app.js'), APP_JS);
  writeFileSync(join(rendererDir, 'assets', 'style.css'), 'body{}');
  writeFileSync(join(rendererDir, '.hidden'), 'hidden');
  writeFileSync(join(tmp, 'secret.txt'), SECRET);
  // Images for media: two distinct PNGs in a folder.
  const images = join(tmp, 'images');
  mkdirSync(images);
  pngBytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 60 } } })
    .png()
    .toBuffer();
  writeFileSync(join(images, 'a.png'), pngBytes);
  writeFileSync(
    join(images, 'b.png'),
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 0, g: 90, b: 10 } } }).png().toBuffer(),
  );

  backend = createBackend({ mode: 'browser', userDataDir: join(tmp, 'userdata') });
  srv = await startServer({ backend, rendererDir, token: TOKEN });
  host = `127.0.0.1:${srv.port}`;
  cookie = `parsel_token_${srv.port}=${TOKEN}`;
});

afterAll(async () => {
  await srv?.close();
  backend?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('startServer', () => {
  it('returns a loopback URL that carries the token', () => {
    expect(srv.url).toBe(`http://127.0.0.1:${srv.port}/?token=${TOKEN}`);
    expect(srv.origin).toBe(`http://127.0.0.1:${srv.port}`);
    expect(srv.token).toBe(TOKEN);
  });

  it('generates a 32-byte base64url token when none is given, and rejects weak tokens', async () => {
    const s = await startServer({ backend, rendererDir: join(tmp, 'renderer') });
    try {
      expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(s.port).not.toBe(srv.port);
    } finally {
      await s.close();
    }
    await expect(startServer({ backend, rendererDir: join(tmp, 'renderer'), token: 'short' })).rejects.toThrow(/token/);
  });

  it('warns when bound to a non-loopback address', async () => {
    const lines: string[] = [];
    const s = await startServer({ backend, rendererDir: join(tmp, 'renderer'), host: '0.0.0.0', warn: (l) => lines.push(l) });
    await s.close();
    expect(lines.join('\n')).toMatch(/WARNING.*0\.0\.0\.0/);
    const quiet: string[] = [];
    const s2 = await startServer({ backend, rendererDir: join(tmp, 'renderer'), warn: (l) => quiet.push(l) });
    await s2.close();
    expect(quiet).toEqual([]);
  });
});

describe('token', () => {
  it.each(['/', '/index.html', '/assets/app.js', '/media/image/1', '/media/thumb/1', '/nope', '/ws'])(
    'refuses %s without the token (401, short plain text, nothing served)',
    async (path) => {
      const r = await get(path);
      expect(r.status).toBe(401);
      expect(r.headers['content-type']).toMatch(/^text\/plain/);
      expect(r.body.length).toBeLessThan(200);
      expect(r.body.toString()).not.toContain('Parsel test');
      expect(r.headers['set-cookie']).toBeUndefined();
    },
  );

  it('refuses a wrong token in query, cookie or header', async () => {
    expect((await get('/?token=wrong-token-0123456789abcdefghijkl')).status).toBe(401);
    expect((await get(`/?token=${TOKEN}x`)).status).toBe(401);
    expect((await get(`/?token=${TOKEN.slice(0, -1)}`)).status).toBe(401);
    expect((await get('/', { Cookie: `parsel_token_${srv.port}=${TOKEN}x` })).status).toBe(401);
    // The cookie of another port's server does not count.
    expect((await get('/', { Cookie: `parsel_token_${srv.port + 1}=${TOKEN}` })).status).toBe(401);
    expect((await get('/', { Authorization: `Bearer ${TOKEN}0` })).status).toBe(401);
    expect((await get('/', { Authorization: `Basic ${TOKEN}` })).status).toBe(401);
  });

  it('moves a valid ?token= into an HttpOnly SameSite=Strict cookie and redirects to /', async () => {
    const r = await get(`/?token=${TOKEN}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const set = String(r.headers['set-cookie']);
    expect(set).toContain(`parsel_token_${srv.port}=${TOKEN}`);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\//);
    expect(r.body.toString()).toBe('');
  });

  it('serves the app with the cookie or the Bearer header', async () => {
    const variants: Record<string, string>[] = [{ Cookie: cookie }, { Cookie: `other=1; ${cookie}; x=y` }, { Authorization: `Bearer ${TOKEN}` }];
    for (const headers of variants) {
      const r = await get('/', headers);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe(INDEX_HTML);
    }
  });
});

describe('Host and cross-site checks', () => {
  it.each(['evil.example:PORT', 'evil.example', '127.0.0.1', '127.0.0.1:1', 'localhost:1', '127.0.0.1.evil.example:PORT', '[::1]:PORT'])(
    'refuses Host %s with 403 even with the token',
    async (h) => {
      const r = await get('/', { ...authed(), Host: h.replace('PORT', String(srv.port)) });
      expect(r.status).toBe(403);
      expect(r.body.toString()).not.toContain('Parsel test');
    },
  );

  it('accepts localhost and 127.0.0.1 with the right port', async () => {
    expect((await get('/', { ...authed(), Host: `localhost:${srv.port}` })).status).toBe(200);
    expect((await get('/', { ...authed(), Host: `LOCALHOST:${srv.port}` })).status).toBe(200);
    expect((await get('/', { ...authed(), Host: `127.0.0.1:${srv.port}` })).status).toBe(200);
  });

  it('refuses requests a browser marks as cross-site or same-site (another port)', async () => {
    expect((await get('/media/image/1', authed({ 'Sec-Fetch-Site': 'cross-site' }))).status).toBe(403);
    expect((await get('/', authed({ 'Sec-Fetch-Site': 'same-site' }))).status).toBe(403);
    expect((await get('/', authed({ 'Sec-Fetch-Site': 'same-origin' }))).status).toBe(200);
    expect((await get('/', authed({ 'Sec-Fetch-Site': 'none' }))).status).toBe(200);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const r = await get('/', authed(), 'POST');
    expect(r.status).toBe(405);
    const h = await get('/', authed(), 'HEAD');
    expect(h.status).toBe(200);
    expect(h.body.length).toBe(0);
  });
});

describe('static files', () => {
  it('serves index.html with the CSP and security headers', async () => {
    const r = await get('/index.html', authed());
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://${host}`);
    expect(csp).toContain("img-src 'self' blob: data:");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves assets with their MIME type', async () => {
    const js = await get('/assets/app.js', authed());
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body.toString()).toBe(APP_JS);
    const css = await get('/assets/style.css', authed());
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/assets/missing.js', authed())).status).toBe(404);
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets%2f..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/%252e%252e/secret.txt',
    '/%c0%ae%c0%ae/secret.txt',
    '/index.html%00.js',
    '//etc/passwd',
    '/.hidden',
    '/assets/',
    '/../package.json',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  ])('refuses path traversal %s', async (path) => {
    const r = await get(path, authed());
    expect([400, 404]).toContain(r.status);
    expect(r.body.toString()).not.toContain(SECRET);
    expect(r.body.toString()).not.toContain('root:');
    expect(r.body.toString()).not.toContain('hidden');
  });
});

describe('media', () => {
  it('serves nothing before a project is open', async () => {
    expect((await get('/media/image/1', authed())).status).toBe(404);
  });

  it('serves images and thumbnails by id with no-store, and 404 for anything else', async () => {
    await backend.services['project:create']({ path: join(tmp, 'media.parsel'), schemaId: 'celebamask-hq-a' });
    const report = await backend.services['image:addFolder']({ folder: join(tmp, 'images'), recursive: true });
    expect(report.added).toBe(2);
    const page = await backend.services['image:list']({ offset: 0, limit: 10 });
    const a = page.items.find((i) => i.path.endsWith('a.png'));
    expect(a).toBeDefined();

    const img = await get(`/media/image/${a!.id}`, authed());
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect(img.headers['cache-control']).toBe('no-store');
    expect(img.headers['x-content-type-options']).toBe('nosniff');
    expect((await sharp(img.body).metadata()).width).toBe(64);

    const thumb = await get(`/media/thumb/${a!.id}`, authed());
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect(thumb.headers['cache-control']).toBe('no-store');

    for (const p of ['/media/image/999', '/media/image/0', '/media/image/-1', '/media/image/01', '/media/image/1.5',
      '/media/image/1e3', '/media/image/abc', '/media/video/1', `/media/image/${a!.id}/x`, '/media/image/', '/media/image/99999999999999999999']) {
      const r = await get(p, authed());
      expect(r.status, p).toBe(404);
    }
  });
});

describe('WebSocket', () => {
  it('refuses the upgrade without the token (401), with a wrong one, or cross-origin (403)', async () => {
    await expect(connect({ Origin: `http://${host}` })).rejects.toMatchObject({ status: 401 });
    await expect(connect({ Origin: `http://${host}`, Cookie: `parsel_token_${srv.port}=nope-nope-nope-nope-nope` })).rejects.toMatchObject({ status: 401 });
    await expect(connect({ Cookie: cookie, Origin: 'http://evil.example' })).rejects.toMatchObject({ status: 403 });
    await expect(connect({ Cookie: cookie, Origin: `http://127.0.0.1:${srv.port + 1}` })).rejects.toMatchObject({ status: 403 });
    await expect(connect({ Cookie: cookie, Origin: 'null' })).rejects.toMatchObject({ status: 403 });
    // No Origin: not a browser; accepted only with the Bearer header, never with the cookie alone.
    await expect(connect({ Cookie: cookie })).rejects.toMatchObject({ status: 403 });
    await expect(connect({ ...goodWsHeaders(), Host: 'evil.example:80' })).rejects.toMatchObject({ status: 403 });
    await expect(connect(goodWsHeaders(), '/other')).rejects.toMatchObject({ status: 404 });
    const bearer = await connect({ Authorization: `Bearer ${TOKEN}` });
    bearer.close();
  });

  it('round-trips a call (app:info)', async () => {
    const peer = new Peer(await connect(goodWsHeaders()));
    try {
      const r = await peer.call('app:info', {});
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.value).toMatchObject({ mode: 'browser', capabilities: { nativeDialogs: false } });
    } finally {
      peer.ws.close();
    }
  });

  it('answers a bad payload with BAD_REQUEST naming the field, and an unknown method with UNKNOWN_METHOD', async () => {
    const peer = new Peer(await connect(goodWsHeaders()));
    try {
      const bad = await peer.call('image:get', { id: 'seven' });
      expect(bad.ok).toBe(false);
      if (!bad.ok) {
        expect(bad.error.code).toBe('BAD_REQUEST');
        expect(bad.error.message).toMatch(/\bid\b/);
      }
      const extra = await peer.call('app:info', { evil: true });
      expect(!extra.ok && extra.error.code).toBe('BAD_REQUEST');
      const unknown = await peer.call('fs:readFile', { path: '/etc/passwd' });
      expect(!unknown.ok && unknown.error.code).toBe('UNKNOWN_METHOD');
      const proto = await peer.call('__proto__', {});
      expect(!proto.ok && proto.error.code).toBe('UNKNOWN_METHOD');
    } finally {
      peer.ws.close();
    }
  });

  it('refuses __proto__ / constructor / prototype keys in a payload, and the smuggled values never reach a service', async () => {
    const peer = new Peer(await connect(goodWsHeaders()));
    try {
      const before = await peer.call('settings:get', {});
      expect(before.ok).toBe(true);
      const autosave = before.ok ? (before.value as { autosaveMs: number }).autosaveMs : 0;
      // A hand-written frame, as a hostile page would send it: the decoder once assigned "__proto__",
      // which made {autosaveMs: 250} the payload's prototype: a strict schema saw no key and read 250.
      const cases: [string, string][] = [
        ['settings:set', '{"__proto__": {"autosaveMs": 250}}'],
        ['settings:set', '{"shortcuts": {"__proto__": ["Ctrl+K"]}}'],
        ['settings:set', '{"constructor": {"autosaveMs": 250}}'],
        ['app:info', '{"prototype": 1}'],
      ];
      let id = 900;
      for (const [method, payload] of cases) {
        id++;
        const json = `{"t":"call","id":${id},"method":"${method}","payload":${payload}}`;
        const head = new TextEncoder().encode(json);
        const frame = new Uint8Array(4 + head.length);
        new DataView(frame.buffer).setUint32(0, head.length, true);
        frame.set(head, 4);
        peer.sendRaw(frame);
        const r = await peer.waitFor((m) => m.t === 'result' && m.id === id);
        expect(r.t === 'result' && !r.ok && r.error.code, payload).toBe('BAD_REQUEST');
        expect(r.t === 'result' && !r.ok && r.error.message, payload).toMatch(/Unrecognized key: "(__proto__|constructor|prototype)"/);
      }
      const after = await peer.call('settings:get', {});
      expect(after.ok && (after.value as { autosaveMs: number }).autosaveMs).toBe(autosave);
    } finally {
      peer.ws.close();
    }
  });

  it('answers malformed frames with BAD_REQUEST when an id can be read, and closes the socket otherwise', async () => {
    const peer = new Peer(await connect(goodWsHeaders()));
    // JSON readable, but a blob reference promises more bytes than the frame carries.
    const frame = encodeFrame({ t: 'call', id: 77, method: 'app:info', payload: { x: { $bin: 0, n: 10 } } });
    peer.sendRaw(frame);
    const r = await peer.waitFor((m) => m.t === 'result' && m.id === 77);
    expect(r.t === 'result' && !r.ok && r.error.code).toBe('BAD_REQUEST');
    // Not a call.
    peer.sendRaw(encodeFrame({ t: 'hello', id: 78 }));
    const r2 = await peer.waitFor((m) => m.t === 'result' && m.id === 78);
    expect(r2.t === 'result' && !r2.ok && r2.error.code).toBe('BAD_REQUEST');
    // Garbage: no id to answer.
    peer.sendRaw(new Uint8Array([1, 2, 3]));
    expect((await peer.closed).code).toBe(1007);

    const peer2 = new Peer(await connect(goodWsHeaders()));
    peer2.sendRaw('{"t":"call","id":1,"method":"app:info","payload":{}}');
    expect((await peer2.closed).code).toBe(1003);

    // The server is still serving.
    const peer3 = new Peer(await connect(goodWsHeaders()));
    expect((await peer3.call('app:info', {})).ok).toBe(true);
    peer3.ws.close();
  });

  it('carries binary payloads byte-exact both ways (revision:save → revision:mask)', async () => {
    const peer = new Peer(await connect(goodWsHeaders()));
    try {
      await peer.call('project:create', { path: join(tmp, 'binary.parsel'), schemaId: 'celebamask-hq-a' });
      expect((await peer.call('image:addFolder', { folder: join(tmp, 'images'), recursive: true })).ok).toBe(true);
      const list = await peer.call('image:list', {});
      const img = (list.ok ? (list.value as { items: { id: number; width: number; height: number }[] }).items : []).find(
        (i) => i.width === 64,
      )!;
      const pixels = new Uint8Array(64 * 48);
      let seed = 12345;
      for (let i = 0; i < pixels.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        pixels[i] = (seed >>> 16) % 19;
      }
      const mask = encodeMask(pixels, 64, 48);
      expect(mask.data).toBeInstanceOf(Uint8Array);
      const saved = await peer.call('revision:save', { imageId: img.id, parentId: null, kind: 'human', author: 't', mask });
      expect(saved.ok, JSON.stringify(saved)).toBe(true);
      const revId = saved.ok ? (saved.value as { id: number }).id : 0;
      const back = await peer.call('revision:mask', { revisionId: revId });
      expect(back.ok).toBe(true);
      const got = (back as { value: { data: Uint8Array; width: number; height: number; encoding: string } }).value;
      expect(got.data).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(got.data).equals(Buffer.from(mask.data))).toBe(true);
      expect(Buffer.from(decodeMask(got)).equals(Buffer.from(pixels))).toBe(true);
    } finally {
      peer.ws.close();
    }
  });

  it('pushes backend events to every socket and drops a socket\'s subscription when it closes', async () => {
    const realSubscribe = backend.bus.subscribe.bind(backend.bus);
    let live = 0;
    backend.bus.subscribe = (l) => {
      live++;
      const off = realSubscribe(l);
      return () => {
        live--;
        return off();
      };
    };
    try {
      const a = new Peer(await connect(goodWsHeaders()));
      const b = new Peer(await connect(goodWsHeaders()));
      expect(live).toBe(2);
      backend.bus.emit('job:progress', { jobId: 'j1', kind: 'test', done: 1, total: 2, phase: 'x' });
      for (const p of [a, b]) {
        const ev = await p.waitFor((m) => m.t === 'event');
        expect(ev).toEqual({ t: 'event', event: 'job:progress', payload: { jobId: 'j1', kind: 'test', done: 1, total: 2, phase: 'x' } });
      }
      // A service that emits: creating a project announces it to b too.
      await a.call('project:create', { path: join(tmp, 'events.parsel'), schemaId: 'celebamask-hq-a' });
      const opened = await b.waitFor(
        (m) => m.t === 'event' && m.event === 'project:changed' && (m.payload as { reason: string }).reason === 'opened',
      );
      expect(opened).toMatchObject({ t: 'event', event: 'project:changed', payload: { reason: 'opened' } });
      a.ws.close();
      await a.closed;
      await new Promise((r) => setTimeout(r, 50));
      expect(live).toBe(1);
      backend.bus.emit('job:progress', { jobId: 'j2', kind: 'test', done: 2, total: 2, phase: 'x' });
      await b.waitFor((m) => m.t === 'event' && (m.payload as { jobId: string }).jobId === 'j2');
      b.ws.close();
      await b.closed;
      await new Promise((r) => setTimeout(r, 50));
      expect(live).toBe(0);
    } finally {
      backend.bus.subscribe = realSubscribe;
    }
  });

  it('accepts a 24 MiB frame (a 4K mask with headroom)', async () => {
    const peer = new Peer(await connect(goodWsHeaders()));
    try {
      // Raw pixels are not a valid encoded mask for this image, so this fails validation in the service —
      // the point is that the frame gets through the transport and is answered.
      const big = new Uint8Array(24 * 1024 * 1024).fill(3);
      const r = await peer.call('revision:save', {
        imageId: 1,
        parentId: null,
        kind: 'human',
        author: 't',
        mask: { width: 4096, height: 4096, encoding: 'raw', data: big },
      });
      expect(r.ok).toBe(false);
      expect(!r.ok && ['INVALID_INPUT', 'NOT_FOUND', 'BAD_REQUEST']).toContain(!r.ok && r.error.code);
    } finally {
      peer.ws.close();
    }
  });
});

describe('renderer WsClient against the server', () => {
  /** The browser's WebSocket is replaced by `ws` with the headers a browser page would send. */
  function wsImpl(extraHeaders: Record<string, string>) {
    return class extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { Host: host, ...extraHeaders } });
      }
    } as unknown as typeof globalThis.WebSocket;
  }

  it('calls, rethrows ParselErrors, receives events, and mediaUrl points at /media', async () => {
    const client = new WsClient({ url: `ws://127.0.0.1:${srv.port}/ws`, WebSocketImpl: wsImpl(goodWsHeaders()) });
    try {
      const info = await client.call('app:info', {});
      expect(info.mode).toBe('browser');
      const err = await client.call('image:get', { id: -1 } as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParselError);
      expect((err as ParselError).code).toBe('BAD_REQUEST');
      const got = new Promise((resolve) => client.on('job:progress', resolve));
      backend.bus.emit('job:progress', { jobId: 'c1', kind: 'k', done: 0, total: 1, phase: 'p' });
      expect(await got).toMatchObject({ jobId: 'c1' });
      expect(client.mediaUrl('thumb', 7)).toBe('/media/thumb/7');
    } finally {
      client.dispose();
    }
  });

  it('rejects pending calls when the connection drops, then reconnects to a restarted server', async () => {
    const s2 = await startServer({ backend, rendererDir: join(tmp, 'renderer'), token: TOKEN });
    const port = s2.port;
    const headers = { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}`, Cookie: `parsel_token_${port}=${TOKEN}` };
    const Impl = class extends WebSocket {
      constructor(url: string) {
        super(url, { headers });
      }
    } as unknown as typeof globalThis.WebSocket;
    const client = new WsClient({ url: `ws://127.0.0.1:${port}/ws`, WebSocketImpl: Impl, backoff: { initialMs: 20, maxMs: 100 } });
    let s3: RunningServer | null = null;
    const original = backend.services['app:recent'];
    try {
      await client.call('app:info', {});
      // A call that is still running when the server goes away.
      let release!: () => void;
      backend.services['app:recent'] = () => new Promise((r) => (release = () => r([])));
      const pending = client.call('app:recent', {});
      await new Promise((r) => setTimeout(r, 50));
      await s2.close();
      const err = await pending.catch((e: unknown) => e);
      backend.services['app:recent'] = original;
      release();
      expect(err).toBeInstanceOf(ParselError);
      expect((err as ParselError).message).toMatch(/connection .*lost/i);
      // A call made while disconnected waits for the reconnection.
      const later = client.call('app:info', {});
      s3 = await startServer({ backend, rendererDir: join(tmp, 'renderer'), token: TOKEN, port });
      expect((await later).mode).toBe('browser');
    } finally {
      backend.services['app:recent'] = original;
      client.dispose();
      await s3?.close();
    }
  });

  it('fails queued calls with a clear error when it cannot connect', async () => {
    const client = new WsClient({
      url: `ws://127.0.0.1:${srv.port}/ws`,
      WebSocketImpl: wsImpl({ Origin: `http://${host}` }), // no cookie: refused
      backoff: { initialMs: 20, maxMs: 50 },
      connectTimeoutMs: 300,
    });
    try {
      const err = await client.call('app:info', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParselError);
      expect((err as ParselError).message).toMatch(/cannot connect/i);
    } finally {
      client.dispose();
    }
  });
});
