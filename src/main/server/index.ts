/**
 * Browser mode: serves the built renderer, media by image id, and the service table over a WebSocket
 * (`/ws`, framed with shared/api/wire.ts). Plain node:http + ws.
 *
 * Access control, in order, for every HTTP request and WebSocket upgrade:
 *   1. `Host` must name this server (bound address, localhost, 127.0.0.1) with its port → else 403.
 *      A DNS-rebinding page addresses us by its own host name and is refused here.
 *   2. `Sec-Fetch-Site`, when the browser sends it, must be `same-origin` or `none` → else 403.
 *   3. The per-launch token, from `?token=` (then a cookie is set and the browser redirected to `/`),
 *      the cookie, or `Authorization: Bearer` → else 401 with a short plain-text body and nothing else.
 *   4. WebSocket upgrades only: `Origin` must be this server's own origin (as addressed by `Host`). An
 *      upgrade without `Origin` (not a browser) is accepted only with the Bearer header, which a page
 *      cannot set on a WebSocket.
 */
import { promises as fs, createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { toWireError, type WireError } from '../../shared/api/errors';
import { decodeFrame, encodeFrame, FrameError, type ServerMessage } from '../../shared/api/wire';
import { dispatch } from '../services/backend';
import type { Backend } from '../services/index';
import { fetchMedia, mediaErrorStatus, parseMediaPath } from './media';
import {
  allowedHostnames,
  contentSecurityPolicy,
  cookieName,
  hostAllowed,
  isLoopbackHost,
  isWildcardHost,
  LOCKED_CSP,
  newToken,
  readBearer,
  readCookie,
  TOKEN_PATTERN,
  tokenMatches,
  urlHost,
} from './security';
import { mimeOf, resolveStatic } from './static';

/** Largest WebSocket message accepted: a 4096×4096 mask is 16 MiB raw; leave room for batches. */
export const WS_MAX_PAYLOAD = 256 * 1024 * 1024;

export interface ServerOptions {
  /** Only `services`, `bus` and `media` are used; the caller keeps ownership (close() does not close it). */
  backend: Pick<Backend, 'services' | 'bus' | 'media'>;
  /** Folder of the built renderer (`out/renderer`), containing index.html. */
  rendererDir: string;
  /** Address to bind; default 127.0.0.1. A non-loopback address prints a warning. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Access token; default 32 random bytes, base64url. */
  token?: string;
  /** Where warnings go; default console.warn. */
  warn?: (line: string) => void;
}

export interface RunningServer {
  /** Full URL to open, with `?token=`. */
  url: string;
  /** `http://host:port`, no trailing slash. */
  origin: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** Headers every response carries. */
const BASE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

type AuthVia = 'query' | 'cookie' | 'bearer';

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { backend } = opts;
  const host = opts.host ?? '127.0.0.1';
  const warn = opts.warn ?? ((line: string) => console.warn(line));
  const token = opts.token ?? newToken();
  if (!TOKEN_PATTERN.test(token)) {
    throw new Error('startServer: token must be 16–512 characters of [A-Za-z0-9._~-]');
  }
  const rootReal = await fs.realpath(opts.rendererDir);
  const allowed = allowedHostnames(host);
  let port = 0;
  let cookie = '';

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false });

  /** Checks shared by requests and upgrades. Returns the refusal, or how the caller authenticated. */
  function check(req: IncomingMessage, query: URLSearchParams): { status: 401 | 403; text: string } | { via: AuthVia } {
    if (!hostAllowed(req.headers.host, allowed, port)) {
      return { status: 403, text: 'Forbidden: unexpected Host header.\n' };
    }
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
      return { status: 403, text: 'Forbidden: cross-site request.\n' };
    }
    const q = query.get('token');
    if (q !== null && tokenMatches(token, q)) return { via: 'query' };
    if (tokenMatches(token, readCookie(req, cookie))) return { via: 'cookie' };
    if (tokenMatches(token, readBearer(req))) return { via: 'bearer' };
    return {
      status: 401,
      text: 'Unauthorized: open the full URL printed when the Parsel server started (it carries the access token).\n',
    };
  }

  function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, {
      ...BASE_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      'Cache-Control': 'no-store',
      'Content-Security-Policy': LOCKED_CSP,
      ...extra,
    });
    res.end(res.req.method === 'HEAD' ? undefined : text);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?', 2);
    const query = new URLSearchParams(rawQuery);
    const verdict = check(req, query);
    if ('status' in verdict) return plain(res, verdict.status, verdict.text);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return plain(res, 405, 'Method not allowed.\n', { Allow: 'GET, HEAD' });
    }
    if (verdict.via === 'query') {
      // Move the token from the address bar into an HttpOnly cookie.
      res.writeHead(303, {
        ...BASE_HEADERS,
        Location: '/',
        'Set-Cookie': `${cookie}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'Cache-Control': 'no-store',
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    if (rawPath.startsWith('/media/')) return serveMedia(req, res, rawPath);
    if (rawPath === '/ws') return plain(res, 426, 'Upgrade required.\n', { Upgrade: 'websocket' });
    const file = await resolveStatic(rootReal, rawPath);
    if (file === null) return plain(res, 404, 'Not found.\n');
    const st = await fs.stat(file);
    const isHtml = file.endsWith('.html');
    const headers: Record<string, string> = {
      ...BASE_HEADERS,
      'Content-Type': mimeOf(file),
      'Content-Length': String(st.size),
      'Cache-Control': isHtml ? 'no-store' : 'no-cache',
    };
    if (isHtml) {
      headers['Content-Security-Policy'] = contentSecurityPolicy(String(req.headers.host).toLowerCase());
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  async function serveMedia(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
    const route = parseMediaPath(rawPath);
    if (route === null) return plain(res, 404, 'Not found.\n');
    let media;
    try {
      media = await fetchMedia(backend.media, route.kind, route.id);
    } catch (err) {
      const status = mediaErrorStatus(err);
      return plain(res, status, status === 404 ? 'Not found.\n' : `${toWireError(err).message}\n`);
    }
    res.writeHead(200, {
      ...BASE_HEADERS,
      'Content-Type': media.mime,
      'Content-Length': String(media.body.byteLength),
      'Cache-Control': 'no-store',
      'Content-Security-Policy': LOCKED_CSP,
    });
    res.end(req.method === 'HEAD' ? undefined : media.body);
  }

  function refuseUpgrade(socket: Duplex, status: number, text: string): void {
    const reason = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Cache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
    socket.destroy();
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?', 2);
    const verdict = check(req, new URLSearchParams(rawQuery));
    if ('status' in verdict) return refuseUpgrade(socket, verdict.status, verdict.text);
    const origin = req.headers.origin;
    if (origin === undefined ? verdict.via !== 'bearer' : origin.toLowerCase() !== `http://${req.headers.host}`.toLowerCase()) {
      return refuseUpgrade(socket, 403, 'Forbidden: cross-origin WebSocket.\n');
    }
    if (rawPath !== '/ws') return refuseUpgrade(socket, 404, 'Not found.\n');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    const unsubscribe = backend.bus.subscribe((event, payload) => send(ws, { t: 'event', event, payload }));
    ws.on('close', () => {
      unsubscribe();
      sockets.delete(ws);
    });
    ws.on('error', () => {
      // ws closes the socket itself after an error (e.g. payload over maxPayload → 1009).
    });
    ws.on('message', (data, isBinary) => onMessage(ws, data, isBinary));
  });

  function send(ws: WebSocket, msg: ServerMessage): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    let frame: Uint8Array;
    try {
      frame = encodeFrame(msg);
    } catch (err) {
      if (msg.t !== 'result') return;
      const error: WireError = { code: 'INTERNAL', message: `response could not be encoded: ${toWireError(err).message}` };
      frame = encodeFrame({ t: 'result', id: msg.id, ok: false, error } satisfies ServerMessage);
    }
    ws.send(frame, { binary: true });
  }

  function onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (!isBinary) {
      ws.close(1003, 'binary frames only');
      return;
    }
    const buf = toBytes(data);
    let msg: unknown;
    try {
      msg = decodeFrame(buf);
    } catch (err) {
      const id = peekId(buf);
      if (id === null) {
        ws.close(1007, 'malformed frame');
        return;
      }
      const message = err instanceof FrameError ? err.message : 'frame could not be decoded';
      send(ws, { t: 'result', id, ok: false, error: { code: 'BAD_REQUEST', message: `malformed frame: ${message}` } });
      return;
    }
    const id = isRecord(msg) ? msg.id : undefined;
    if (!isRecord(msg) || !isValidId(id)) {
      ws.close(1007, 'message without a valid id');
      return;
    }
    if (msg.t !== 'call' || typeof msg.method !== 'string') {
      send(ws, {
        t: 'result',
        id,
        ok: false,
        error: { code: 'BAD_REQUEST', message: 'expected {t:"call", id, method, payload}' },
      });
      return;
    }
    dispatch(backend.services, msg.method, msg.payload).then(
      (value) => send(ws, { t: 'result', id, ok: true, value }),
      (err: unknown) => send(ws, { t: 'result', id, ok: false, error: toWireError(err) }),
    );
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent) plain(res, 500, `Internal error: ${toWireError(err).message}\n`);
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      onUpgrade(req, socket, head);
    } catch {
      socket.destroy();
    }
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  cookie = cookieName(port);

  if (!isLoopbackHost(host)) {
    warn(
      `WARNING: the Parsel server is listening on ${host}:${port}, reachable from other machines. ` +
        'Anyone with the URL (it carries the token) can read and change the open project; traffic is not encrypted.',
    );
  }

  const shownHost = urlHost(isWildcardHost(host) ? '127.0.0.1' : host.toLowerCase());
  const origin = `http://${shownHost}:${port}`;
  let closed: Promise<void> | null = null;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    close() {
      closed ??= new Promise<void>((done) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.close(() => done());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isValidId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Best effort: the id of a frame whose blobs do not add up, so the caller still gets an answer. */
function peekId(frame: Uint8Array): number | null {
  try {
    if (frame.byteLength < 4) return null;
    const len = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true);
    if (4 + len > frame.byteLength) return null;
    const v: unknown = JSON.parse(new TextDecoder().decode(frame.subarray(4, 4 + len)));
    return isRecord(v) && isValidId(v.id) ? v.id : null;
  } catch {
    return null;
  }
}
