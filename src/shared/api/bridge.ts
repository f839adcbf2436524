/**
 * The Electron IPC bridge: the shape of `window.parsel` exposed by the preload, what each
 * `parsel:<method>` handler in main answers, and the event channel. Declared once here and used by
 * main (src/main/ipc.ts), the preload and the renderer's IPC client.
 *
 * `call` resolves with an envelope instead of rejecting: an Error thrown through `ipcMain.handle` and
 * through `contextBridge` arrives without its `code` and `details`, so errors travel as values.
 */
import type { EventName, Events, MethodName, RequestOf, ResponseOf } from './contract';
import type { WireError } from './errors';

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** Channel on which main pushes `{ event, payload }` to every app window. */
export const EVENT_CHANNEL = 'parsel:event';

export interface IpcEventMessage {
  event: EventName;
  payload: Events[EventName];
}

export interface ParselBridge {
  call<M extends MethodName>(method: M, payload: RequestOf<M>): Promise<IpcResult<ResponseOf<M>>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}
