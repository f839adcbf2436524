/**
 * The shape of `window.parsel`, exposed by the preload (./index.ts). The renderer's IPC client
 * (src/renderer/src/api/ipc.ts) and main's binding (src/main/ipc.ts) declare the same shapes, since the
 * lint layers forbid them to import the preload; test/unit/ipc.test.ts checks that all three agree.
 *
 * `call` resolves with an envelope instead of rejecting: an Error thrown through `ipcMain.handle` and
 * through `contextBridge` arrives without its `code` and `details`, so errors travel as values.
 */
import type { EventName, Events, MethodName, RequestOf, ResponseOf } from '../shared/api/contract';
import type { WireError } from '../shared/api/errors';

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** Channel on which main pushes `{ event, payload }` to every window. */
export const EVENT_CHANNEL = 'parsel:event';

export interface IpcEventMessage {
  event: EventName;
  payload: Events[EventName];
}

export interface ParselBridge {
  call<M extends MethodName>(method: M, payload: RequestOf<M>): Promise<IpcResult<ResponseOf<M>>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}
