/**
 * Request/response over a worker thread, both ends. One protocol for every Parsel worker (inference
 * pipeline, session worker, pre-labelling writer, …):
 *   main → worker: { id, type, …payload }
 *   worker → main: { id, ok: true, value } | { id, ok: false, error }
 * The main side (`WorkerRpc`) numbers requests, keeps the pending map, turns `ok: false` into a
 * rejected Error, and once the worker fails or exits rejects every pending request and refuses later
 * ones at once with that reason (a dead worker answers nothing; nobody should wait for it). Buffers
 * travel in transfer lists when their owner gives them up (`ownBuffers`). The worker side (`serve`)
 * answers each request with its handler's value or error; the handler decides the order of work
 * (a queue, a pipeline) and may name buffers to transfer with the value (`withTransfer`).
 */
import type { MessagePort, Worker } from 'node:worker_threads';

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export class WorkerRpc {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closing = false;
  /** Why the worker answers no more (it failed or exited); null while it is usable. */
  dead: Error | null = null;

  /**
   * `name` says which worker in messages ("inference worker exited (code 1)"). `unrefWhenIdle`: the
   * worker keeps the process alive only while a request is pending (a long-lived pool's workers).
   */
  constructor(
    readonly worker: Worker,
    private readonly name: string,
    private readonly unrefWhenIdle = false,
  ) {
    if (unrefWhenIdle) worker.unref();
    worker.on('message', (m: Reply) => {
      if (typeof m !== 'object' || m === null || typeof m.id !== 'number') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.unrefWhenIdle && this.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(this.closing ? `${name} was closed` : `${name} exited (code ${code})`)));
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends `{ id, ...msg }` and resolves with the worker's value. `transfer`: buffers that move to the
   * worker (the sender's views of them are detached).
   */
  request<T>(msg: { type: string } & Record<string, unknown>, transfer: readonly ArrayBuffer[] = []): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.closing) return Promise.reject(new Error(`${this.name} is closing`));
    const id = this.next++;
    if (this.unrefWhenIdle && this.pending.size === 0) this.worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.worker.postMessage({ ...msg, id }, transfer as ArrayBuffer[]);
      } catch (e) {
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /**
   * Ends the worker: unless it is dead, sends `{ type: 'close' }` (the worker finishes what it has
   * and answers) and waits up to `timeoutMs` for the answer or the exit; then terminates it.
   * Requests after this are refused.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closing) return;
    const ask = this.dead ? null : this.request({ type: 'close' });
    this.closing = true;
    if (ask) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ask.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    await this.worker.terminate();
  }
}

/** The buffers of `arrays` that a transfer can take whole (each view owns all of its ArrayBuffer), once each. */
export function ownBuffers(...arrays: (ArrayBufferView | null | undefined)[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) {
    if (a && a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) out.add(a.buffer);
  }
  return [...out];
}

const TRANSFER = Symbol('transfer');

/** A handler's value with the buffers to transfer (not copy) to the main side. */
export function withTransfer<T>(value: T, transfer: ArrayBuffer[]): { [TRANSFER]: ArrayBuffer[]; value: T } {
  return { [TRANSFER]: transfer, value };
}

/**
 * Worker side: answers every `{ id, type, … }` message with `handle`'s value (or its error's message).
 * `handle` is called in arrival order; the answer goes out when its promise settles.
 */
export function serve<M extends { id: number; type: string }>(port: MessagePort, handle: (msg: M) => unknown): void {
  port.on('message', (msg: M) => {
    let result: unknown;
    try {
      result = handle(msg);
    } catch (e) {
      result = Promise.reject(e);
    }
    Promise.resolve(result).then(
      (v) => {
        if (v && typeof v === 'object' && TRANSFER in v) {
          const t = v as { [TRANSFER]: ArrayBuffer[]; value: unknown };
          try {
            port.postMessage({ id: msg.id, ok: true, value: t.value } satisfies Reply, t[TRANSFER]);
            return;
          } catch {
            // e.g. one buffer listed twice or not transferable: copy instead
          }
          port.postMessage({ id: msg.id, ok: true, value: t.value } satisfies Reply);
        } else port.postMessage({ id: msg.id, ok: true, value: v ?? null } satisfies Reply);
      },
      (e: unknown) => port.postMessage({ id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies Reply),
    );
  });
}
