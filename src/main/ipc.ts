/**
 * Electron IPC transport: one `ipcMain.handle` per contract method on `parsel:<method>`, and backend
 * events pushed to every app window on `parsel:event`.
 *
 * No Electron import at runtime (only structural types), so this module is unit-tested with fakes.
 * Errors are returned as `{ ok: false, error }` values: an Error thrown from a `handle` listener reaches
 * the renderer as a bare message, without `code` and `details`.
 */
import { channelOf, isMethodName, METHOD_NAMES, type MethodName } from '../shared/api/contract';
import { EVENT_CHANNEL, type IpcEventMessage, type IpcResult } from '../shared/api/bridge';
import { toWireError, type WireError } from '../shared/api/errors';
import { dispatch, type EventBus } from './services/backend';
import type { Backend } from './services/index';

/** The part of Electron's `WebFrameMain` this module reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

/** The part of Electron's `IpcMainInvokeEvent` this module reads. */
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}

/** The part of Electron's `ipcMain` this module uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}

/** The part of Electron's `WebContents` events are sent to. */
export interface WebContentsLike {
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, ...args: unknown[]): void;
}

function forbidden(message: string): { ok: false; error: WireError } {
  return { ok: false, error: { code: 'FORBIDDEN', message } };
}

/**
 * Binds every contract method. A call is answered only for the top frame of an app page
 * (`isTrustedFrame(url)`); anything else gets FORBIDDEN and the service is not run.
 * Returns a function that removes the handlers.
 */
export function bindIpc(
  backend: Pick<Backend, 'services'>,
  ipcMain: IpcMainLike,
  isTrustedFrame: (url: string) => boolean,
): () => void {
  const channels: string[] = [];
  for (const method of METHOD_NAMES) {
    const channel = channelOf(method);
    ipcMain.handle(channel, (event: InvokeEventLike, ...args: unknown[]) => handleCall(backend, method, event, args, isTrustedFrame));
    channels.push(channel);
  }
  return () => {
    for (const c of channels) ipcMain.removeHandler(c);
  };
}

export async function handleCall(
  backend: Pick<Backend, 'services'>,
  method: MethodName | string,
  event: InvokeEventLike,
  args: unknown[],
  isTrustedFrame: (url: string) => boolean,
): Promise<IpcResult<unknown>> {
  const frame = event?.senderFrame ?? null;
  if (frame === null) return forbidden(`${method}: refused: the sending frame is gone`);
  let trusted = false;
  try {
    trusted = frame.parent === null && isTrustedFrame(frame.url);
  } catch {
    trusted = false;
  }
  if (!trusted) return forbidden(`${method}: refused: sender ${JSON.stringify(frame.url)} is not the app's own page`);
  if (!isMethodName(method)) return forbidden(`refused: ${JSON.stringify(method)} is not a channel of the contract`);
  if (args.length > 1) {
    return { ok: false, error: { code: 'BAD_REQUEST', message: `${method}: expected one payload argument, got ${args.length}` } };
  }
  try {
    return { ok: true, value: await dispatch(backend.services, method, args[0]) };
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
}

/** Pushes every backend event to every live app window. Returns the unsubscribe function. */
export function forwardEvents(
  bus: EventBus,
  targets: () => Iterable<WebContentsLike>,
  isTrustedFrame: (url: string) => boolean,
): () => void {
  return bus.subscribe((event, payload) => {
    const msg: IpcEventMessage = { event, payload };
    for (const wc of targets()) {
      try {
        if (!wc.isDestroyed() && isTrustedFrame(wc.getURL())) wc.send(EVENT_CHANNEL, msg);
      } catch {
        // A window closing mid-send must not stop the others.
      }
    }
  });
}

/**
 * Which page URLs are the app: in development the electron-vite dev server's origin, otherwise
 * exactly the app page `appUrl` (parsel-app://app/index.html, app-protocol.ts), with any query or
 * fragment (the hash carries the route). file:// pages are never the app.
 */
export function trustedFrameCheck(opts: { devServerUrl?: string; appUrl: string }): (url: string) => boolean {
  if (opts.devServerUrl) {
    const dev = new URL(opts.devServerUrl);
    if (dev.protocol !== 'http:' && dev.protocol !== 'https:') throw new Error(`unexpected dev server URL ${opts.devServerUrl}`);
    return (url) => {
      try {
        const u = new URL(url);
        return u.origin === dev.origin && !u.username && !u.password;
      } catch {
        return false;
      }
    };
  }
  const app = new URL(opts.appUrl);
  return (url) => {
    try {
      const u = new URL(url);
      return u.protocol === app.protocol && u.host === app.host && u.pathname === app.pathname && !u.username && !u.password;
    } catch {
      return false;
    }
  };
}
