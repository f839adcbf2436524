/**
 * The renderer's view of the backend: the contract's `ParselApi` plus how to address media.
 * `getClient()` (in ./index.ts) picks the transport: the Electron preload bridge (`window.parsel`) when
 * present, otherwise the browser-mode WebSocket.
 */
import type { ParselApi } from '../../../shared/api/contract';

/** `image` and `thumb` take an image id, `overlay` a revision id (the thumbnail with that mask over it). */
export type MediaKind = 'image' | 'thumb' | 'overlay';

export interface RendererClient extends ParselApi {
  readonly mode: 'electron' | 'browser';
  /** URL for an image's pixels (`image`: original, decodable by the browser; `thumb`: small preview). */
  mediaUrl(kind: MediaKind, imageId: number): string;
}
