/** Reserved keys (`__proto__`, `constructor`, `prototype`) and the WebSocket frame decoder that keeps them visible. */
import { describe, expect, it } from 'vitest';
import { findReservedKey, MAX_PAYLOAD_DEPTH } from '../../src/shared/api/reserved-keys';
import { decodeFrame, encodeFrame } from '../../src/shared/api/wire';

describe('findReservedKey', () => {
  it('finds each reserved name as an own key at any depth, with the path of its object', () => {
    expect(findReservedKey(JSON.parse('{"__proto__": {"a": 1}}'))).toMatchObject({ path: [], message: expect.stringContaining('"__proto__"') });
    expect(findReservedKey({ a: [{ b: JSON.parse('{"constructor": 1}') }] })).toMatchObject({ path: ['a', 0, 'b'] });
    expect(findReservedKey({ x: { prototype: null } })).toMatchObject({ path: ['x'], message: expect.stringContaining('"prototype"') });
  });

  it('refuses objects whose prototype was replaced, and payloads nested too deeply', () => {
    expect(findReservedKey({ a: Object.create({ b: 1 }) as unknown })?.message).toMatch(/not a plain object/);
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_PAYLOAD_DEPTH + 1; i++) deep = { d: deep };
    expect(findReservedKey(deep)?.message).toMatch(/nested deeper/);
  });

  it('passes ordinary payloads: plain and null-prototype objects, arrays, binary data, primitives', () => {
    expect(findReservedKey({ path: '/a/constructor.parsel', ids: [1, 2], data: new Uint8Array(8), n: null, m: Object.create(null) as unknown })).toBeNull();
    expect(findReservedKey(undefined)).toBeNull();
    expect(findReservedKey('__proto__')).toBeNull();
  });
});

describe('decodeFrame', () => {
  it('keeps a "__proto__" key of the JSON as an own key instead of making it the prototype', () => {
    const v = decodeFrame(encodeFrame(JSON.parse('{"payload": {"__proto__": {"autosaveMs": 250}}}'))) as { payload: Record<string, unknown> };
    expect(Object.getPrototypeOf(v.payload)).toBe(Object.prototype);
    expect(Object.keys(v.payload)).toEqual(['__proto__']);
    expect(v.payload.autosaveMs).toBeUndefined();
    expect(findReservedKey(v)).not.toBeNull();
  });
});
