/**
 * Browser mode: a RendererClient over the server's WebSocket (`/ws`, framed by shared/api/wire.ts).
 * The page was loaded from the same server, whose HttpOnly cookie authenticates the upgrade.
 *
 * - Calls made before the socket opens (or while it reconnects) wait for it, up to `connectTimeoutMs`.
 * - Calls in flight when the socket closes are rejected at once: the server may or may not have run
 *   them, and only the caller can decide whether repeating is safe.
 * - The socket reconnects by itself with exponential backoff (and jitter); event listeners stay.
 */
import type { EventName, Events, MethodName, RequestOf, ResponseOf } from '../../../shared/api/contract';
import { isWireError, ParselError } from '../../../shared/api/errors';
import { decodeFrame, encodeFrame, type ClientMessage, type ServerMessage } from '../../../shared/api/wire';
import type { MediaKind, RendererClient } from './client';

export interface WsClientOptions {
  /** Default: `ws(s)://<location.host>/ws`. */
  url?: string;
  /** Default: the global WebSocket (tests pass `ws`). */
  WebSocketImpl?: typeof WebSocket;
  backoff?: { initialMs: number; maxMs: number };
  /** How long a call waits for a connection before failing. Default 20 s. */
  connectTimeoutMs?: number;
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Queued extends Pending {
  id: number;
  frame: Uint8Array;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN = 1;

export class WsClient implements RendererClient {
  readonly mode = 'browser' as const;
  private readonly url: string;
  private readonly Impl: typeof WebSocket;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly connectTimeoutMs: number;
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly inFlight = new Map<number, Pending>();
  private queue: Queued[] = [];
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private attempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(opts: WsClientOptions = {}) {
    this.url = opts.url ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    this.Impl = opts.WebSocketImpl ?? WebSocket;
    this.backoff = opts.backoff ?? { initialMs: 250, maxMs: 10_000 };
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 20_000;
    this.connect();
  }

  call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
    return new Promise<unknown>((resolve, reject) => {
      if (this.disposed) {
        reject(new ParselError('INTERNAL', `${method}: the client has been disposed`));
        return;
      }
      const id = this.nextId++;
      let frame: Uint8Array;
      try {
        frame = encodeFrame({ t: 'call', id, method, payload: request } satisfies ClientMessage);
      } catch (err) {
        reject(new ParselError('BAD_REQUEST', `${method}: payload cannot be sent: ${(err as Error).message}`));
        return;
      }
      const ws = this.ws;
      if (ws && ws.readyState === OPEN) {
        this.inFlight.set(id, { method, resolve, reject });
        ws.send(frame);
        return;
      }
      const timer = setTimeout(() => {
        this.queue = this.queue.filter((q) => q.id !== id);
        reject(
          new ParselError(
            'INTERNAL',
            `${method}: cannot connect to the Parsel server at ${this.url} (is it still running? ` +
              'if it was restarted, open the new URL it printed)',
            { transport: 'ws', disconnected: true },
          ),
        );
      }, this.connectTimeoutMs);
      this.queue.push({ id, method, frame, resolve, reject, timer });
    }) as Promise<ResponseOf<M>>;
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  mediaUrl(kind: MediaKind, imageId: number): string {
    return `/media/${kind}/${imageId}`;
  }

  /** Closes the socket for good and fails everything outstanding. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const err = new ParselError('INTERNAL', 'the client has been disposed');
    for (const q of this.queue) {
      clearTimeout(q.timer);
      q.reject(err);
    }
    this.queue = [];
    this.failInFlight(err);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.close();
    }
  }

  private connect(): void {
    if (this.disposed) return;
    let ws: WebSocket;
    try {
      ws = new this.Impl(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.attempts = 0;
      const queued = this.queue;
      this.queue = [];
      for (const q of queued) {
        clearTimeout(q.timer);
        this.inFlight.set(q.id, q);
        ws.send(q.frame);
      }
    };
    ws.onmessage = (ev: MessageEvent) => this.onMessage(ev.data);
    ws.onerror = () => {
      // A close event follows; reconnection is handled there.
    };
    ws.onclose = () => {
      if (this.ws === ws) this.ws = null;
      this.failInFlight(
        new ParselError(
          'INTERNAL',
          'the connection to the Parsel server was lost before the call completed; it may or may not have been applied',
          { transport: 'ws', disconnected: true },
        ),
      );
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.reconnectTimer) return;
    const base = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.attempts);
    this.attempts = Math.min(this.attempts + 1, 30);
    const delay = base * (0.5 + Math.random() * 0.5);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private failInFlight(err: ParselError): void {
    const calls = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const p of calls) p.reject(new ParselError(err.code, `${p.method}: ${err.message}`, err.details));
  }

  private onMessage(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return; // the protocol is binary only
    let msg: ServerMessage;
    try {
      msg = decodeFrame(new Uint8Array(data)) as ServerMessage;
    } catch {
      return;
    }
    if (msg.t === 'result') {
      const p = this.inFlight.get(msg.id);
      if (!p) return;
      this.inFlight.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else
        p.reject(
          ParselError.fromWire(
            isWireError(msg.error) ? msg.error : { code: 'INTERNAL', message: String(msg.error?.message ?? 'unknown error') },
          ),
        );
    } else if (msg.t === 'event') {
      for (const l of this.listeners.get(msg.event) ?? []) {
        try {
          l(msg.payload);
        } catch (err) {
          console.error(`listener for ${msg.event} failed`, err);
        }
      }
    }
  }
}
