/**
 * Preload (sandboxed, bundled to CJS): exposes `window.parsel` and nothing else. A sandboxed preload
 * can require only `electron`, so nothing here may import a package (see ./names.ts).
 *
 * - `call(method, payload)` invokes `parsel:<method>` only for names in the contract; main validates
 *   the payload and answers `{ ok, value | error }`.
 * - `on(event, listener)` subscribes to one contract event; the listener gets the payload only (never
 *   the IpcRendererEvent, whose `sender` would hand the page ipcRenderer itself). Returns unsubscribe.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL, type IpcEventMessage, type IpcResult, type ParselBridge } from '../shared/api/bridge';
import { isPreloadEvent, isPreloadMethod } from './names';

// Same as shared/api/contract's channelOf, which this bundle must not import (it pulls in zod).
const channelOf = (method: string): string => `parsel:${method}`;

const bridge: ParselBridge = {
  call(method, payload) {
    if (!isPreloadMethod(method)) {
      const result: IpcResult<never> = {
        ok: false,
        error: { code: 'UNKNOWN_METHOD', message: `unknown method ${JSON.stringify(method)}` },
      };
      return Promise.resolve(result);
    }
    return ipcRenderer.invoke(channelOf(method), payload);
  },
  on(event, listener) {
    if (!isPreloadEvent(event)) throw new TypeError(`unknown event ${JSON.stringify(event)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const handler = (_e: IpcRendererEvent, msg: IpcEventMessage) => {
      if (msg && msg.event === event) listener(msg.payload as never);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('parsel', bridge);
