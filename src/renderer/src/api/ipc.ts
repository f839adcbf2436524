/** Electron: a RendererClient over `window.parsel`, the preload's bridge. */
import type { EventName, Events, MethodName, RequestOf, ResponseOf } from '../../../shared/api/contract';
import type { ParselBridge } from '../../../shared/api/bridge';
import { isWireError, ParselError } from '../../../shared/api/errors';
import type { MediaKind, RendererClient } from './client';

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
