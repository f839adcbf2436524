/**
 * The renderer's one client: the Electron bridge when the preload exposed `window.parsel`, otherwise
 * the browser-mode WebSocket to the server that served this page.
 */
import type { RendererClient } from './client';
import type { ParselBridge } from '../../../shared/api/bridge';
import { IpcClient } from './ipc';
import { WsClient } from './ws';

declare global {
  interface Window {
    /** Present only in Electron (exposed by src/preload/index.ts). */
    parsel?: ParselBridge;
  }
}

let client: RendererClient | null = null;

export function getClient(): RendererClient {
  if (!client) client = window.parsel ? new IpcClient(window.parsel) : new WsClient();
  return client;
}

export type { MediaKind, RendererClient } from './client';
