/** Electron: a RendererClient over `window.parsel`, the preload's bridge. */
import type { EventName, Events, MethodName, RequestOf, ResponseOf } from '../../../shared/api/contract';
import { isWireError, ParselError, type WireError } from '../../../shared/api/errors';
import type { MediaKind, RendererClient } from './client';

/**
 * `window.parsel` as the preload exposes it (src/preload/bridge.ts declares the same shape; the
 * renderer may not import the preload, and test/unit/ipc.test.ts checks that the two agree).
 * `call` resolves with an envelope: errors thrown through IPC and contextBridge lose code and details.
 */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: WireError };
export interface ParselBridge {
  call<M extends MethodName>(method: M, payload: RequestOf<M>): Promise<IpcResult<ResponseOf<M>>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

export class IpcClient implements RendererClient {
  readonly mode = 'electron' as const;
  constructor(private readonly bridge: ParselBridge) {}

  async call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
    const r = await this.bridge.call(method, request);
    if (r.ok) return r.value;
    throw ParselError.fromWire(
      isWireError(r.error) ? r.error : { code: 'INTERNAL', message: `${method}: malformed error from main` },
    );
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    return this.bridge.on(event, listener);
  }

  mediaUrl(kind: MediaKind, imageId: number): string {
    return `parsel-media://${kind}/${imageId}`;
  }
}
