/**
 * Keys no request may carry at any depth: `__proto__`, `constructor` and `prototype`.
 *
 * The contract's strict zod objects refuse unknown keys, but not every hole was closed by them:
 * `JSON.parse` makes `__proto__` an own property, which a copy by assignment (`out[k] = v`, as a
 * decoder or a spread-free clone does) turns into the object's prototype, so the key disappears from
 * the key list a strict object checks while its values are inherited and read as fields; zod records
 * (remap overrides, mix ratios, model cards, shortcut maps) drop a `__proto__` key silently, and
 * non-strict objects strip any unknown key. `dispatch` (every transport: IPC, WebSocket, CLI) runs
 * this check before the schema, so these names are refused like any unknown key, wherever they are.
 */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** Deeper payloads are refused too (no request of the contract nests beyond a few levels). */
export const MAX_PAYLOAD_DEPTH = 64;

export interface ReservedKeyIssue {
  /** Path of the object that holds the key (empty: the payload itself). */
  path: (string | number)[];
  message: string;
}

/**
 * The first reserved key in `value` (own properties of plain objects and arrays, depth first), an
 * object whose prototype is not a plain object's (what an assigned `__proto__` leaves behind), or a
 * payload nested deeper than MAX_PAYLOAD_DEPTH; null when there is none. Binary values are not walked.
 */
export function findReservedKey(value: unknown): ReservedKeyIssue | null {
  const path: (string | number)[] = [];
  const walk = (v: unknown, depth: number): ReservedKeyIssue | null => {
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return null;
    if (depth > MAX_PAYLOAD_DEPTH) return { path: [...path], message: `nested deeper than ${MAX_PAYLOAD_DEPTH} levels` };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        const hit = walk(v[i], depth + 1);
        path.pop();
        if (hit) return hit;
      }
      return null;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      return { path: [...path], message: 'not a plain object (its prototype was replaced, e.g. through a "__proto__" key)' };
    }
    for (const key of Object.getOwnPropertyNames(v)) {
      if (RESERVED_KEYS.includes(key)) return { path: [...path], message: `Unrecognized key: "${key}" (a reserved name)` };
      path.push(key);
      const hit = walk((v as Record<string, unknown>)[key], depth + 1);
      path.pop();
      if (hit) return hit;
    }
    return null;
  };
  return walk(value, 0);
}
