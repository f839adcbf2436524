/**
 * The backend: the service table behind every transport.
 *
 * `dispatch` is the single entry point used by Electron IPC, the browser-mode WebSocket server and the
 * in-process client (CLI, tests). It validates the method name and the payload against the contract
 * (after refusing reserved keys such as `__proto__` at any depth: shared/api/reserved-keys.ts),
 * runs the service and converts anything thrown into a `ParselError` with a stable code.
 */
import { ZodError } from 'zod';
import {
  isMethodName,
  methods,
  type EventName,
  type Events,
  type MethodName,
  type ParselApi,
  type RequestOf,
  type ResponseOf,
  type ValidatedRequestOf,
} from '../../shared/api/contract';
import { ParselError } from '../../shared/api/errors';
import { findReservedKey } from '../../shared/api/reserved-keys';
import { busyError, busyTimeoutMs, isBusyError } from '../store/tx';

export type ServiceTable = {
  [M in MethodName]: (request: ValidatedRequestOf<M>) => Promise<ResponseOf<M>> | ResponseOf<M>;
};

export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch {
        // A broken listener (closed socket, destroyed window) must not stop the others.
      }
    }
  }
}

/** Readable message for a zod validation failure: `field.path: problem; ...`. */
export function describeZodError(err: ZodError): string {
  return err.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`)
    .join('; ');
}

export async function dispatch(services: ServiceTable, method: unknown, payload: unknown): Promise<unknown> {
  if (!isMethodName(method)) {
    throw new ParselError('UNKNOWN_METHOD', `unknown method ${JSON.stringify(method)}`);
  }
  // Before the schema: `__proto__` / `constructor` / `prototype` anywhere in the payload (reserved-keys.ts).
  const reserved = findReservedKey(payload);
  if (reserved) {
    const where = reserved.path.length ? reserved.path.join('.') : '(payload)';
    throw new ParselError('BAD_REQUEST', `${method}: ${where}: ${reserved.message}`, {
      issues: [{ path: reserved.path.map(String), message: reserved.message }],
    });
  }
  const parsed = methods[method].request.safeParse(payload ?? {});
  if (!parsed.success) {
    throw new ParselError('BAD_REQUEST', `${method}: ${describeZodError(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  const fn = services[method] as (req: unknown) => unknown;
  try {
    return await fn(parsed.data);
  } catch (err) {
    if (err instanceof ParselError) throw err;
    // A statement outside store/tx.ts's writeTx that waited the busy timeout for another process.
    if (isBusyError(err)) throw busyError(null, busyTimeoutMs());
    throw new ParselError('INTERNAL', `${method}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** An in-process client over a service table: the third transport (CLI, tests). */
export function directClient(services: ServiceTable, bus: EventBus): ParselApi {
  return {
    call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
      return dispatch(services, method, request) as Promise<ResponseOf<M>>;
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      return bus.subscribe((name: EventName, payload: unknown) => {
        if (name === event) listener(payload as Events[E]);
      });
    },
  };
}
