/** The contract's runtime validation, exercised through `dispatch` (what every transport calls). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES, channelOf, methods } from '../../src/shared/api/contract';
import { ParselError } from '../../src/shared/api/errors';
import { dispatch } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';

const backend = createBackend({ mode: 'direct', userDataDir: mkdtempSync(join(tmpdir(), 'parsel-api-')) });

async function err(method: unknown, payload: unknown): Promise<ParselError> {
  try {
    await dispatch(backend.services, method, payload);
  } catch (e) {
    if (e instanceof ParselError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('API contract validation', () => {
  it('names channels parsel:<domain>:<action> and has a service for every method', () => {
    for (const m of METHOD_NAMES) {
      // Domains are lower camel case (`modelSet`), actions camel case.
      expect(channelOf(m)).toMatch(/^parsel:[a-z][a-zA-Z]*:[a-zA-Z]+$/);
      expect(typeof backend.services[m]).toBe('function');
    }
    expect(Object.keys(backend.services).sort()).toEqual(Object.keys(methods).sort());
  });

  it('rejects unknown methods', async () => {
    const e = await err('project:delete', {});
    expect(e.code).toBe('UNKNOWN_METHOD');
    expect(e.message).toContain('project:delete');
    expect((await err(42, {})).code).toBe('UNKNOWN_METHOD');
    expect((await err('__proto__', {})).code).toBe('UNKNOWN_METHOD');
  });

  it('rejects bad payloads with BAD_REQUEST naming the field', async () => {
    let e = await err('project:create', { path: '', schemaId: 'lapa-11' });
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(/path: path must not be empty/);

    e = await err('image:list', { offset: -1 });
    expect(e.message).toMatch(/offset/);
    e = await err('image:list', { limit: 100000 });
    expect(e.message).toMatch(/limit/);
    e = await err('image:list', { status: ['finished'] });
    expect(e.message).toMatch(/status\.0/);

    e = await err('image:get', { id: 1.5 });
    expect(e.message).toMatch(/id/);
    e = await err('image:get', { id: '1' });
    expect(e.code).toBe('BAD_REQUEST');

    // strict objects: an unexpected key is an error, not silently dropped
    e = await err('project:open', { path: '/x.parsel', extra: true });
    expect(e.message).toMatch(/extra/);

    e = await err('revision:save', {
      imageId: 1,
      parentId: null,
      kind: 'human',
      author: '   ',
      mask: { width: 2, height: 2, encoding: 'rle1+deflate', data: [1, 2, 3] },
    });
    expect(e.message).toMatch(/author/);
    expect(e.message).toMatch(/mask\.data: expected binary data/);
    expect((e.details as { issues: unknown[] }).issues.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses __proto__, constructor and prototype keys at any depth, like any unknown key', async () => {
    // JSON.parse makes own keys of these names; zod's records dropped a "__proto__" key silently.
    const cases: [string, unknown, RegExp][] = [
      ['settings:set', JSON.parse('{"shortcuts": {"__proto__": ["Ctrl+K"]}}'), /settings:set: shortcuts: Unrecognized key: "__proto__"/],
      ['settings:set', JSON.parse('{"shortcuts": {"constructor": ["Ctrl+K"]}}'), /shortcuts: Unrecognized key: "constructor"/],
      ['settings:set', JSON.parse('{"__proto__": {"autosaveMs": 300}}'), /\(payload\): Unrecognized key: "__proto__"/],
      ['models:check', JSON.parse('{"path": "/m.onnx", "card": {"name": "x", "prototype": {}}}'), /card: Unrecognized key: "prototype"/],
      ['export:preview', JSON.parse('{"spec": {"format": "lapa", "remap": {"target": "lapa-11", "overrides": {"__proto__": "skin"}}}}'), /spec\.remap\.overrides: Unrecognized key: "__proto__"/],
      ['image:setStatus', { ids: [1], status: 'done', nested: [{ a: JSON.parse('{"__proto__": 1}') }] }, /nested\.0\.a: Unrecognized key/],
      // what an assignment of a parsed "__proto__" leaves: the key gone, the fields inherited
      ['settings:set', Object.create({ autosaveMs: 300 }) as unknown, /not a plain object/],
    ];
    for (const [method, payload, message] of cases) {
      const e = await err(method, payload);
      expect(e.code, method).toBe('BAD_REQUEST');
      expect(e.message).toMatch(message);
    }
    // the settings were not touched by any of them
    const settings = (await dispatch(backend.services, 'settings:get', {})) as { autosaveMs: number; shortcuts: Record<string, unknown> };
    expect(settings.autosaveMs).not.toBe(300);
    expect(Object.keys(settings.shortcuts)).not.toContain('__proto__');
    // ordinary keys that merely contain the words are fine
    expect((await err('project:open', { path: '/nowhere/prototype-constructor.parsel' })).code).not.toBe('BAD_REQUEST');
  });

  it('answers project-scoped calls with NO_PROJECT when none is open', async () => {
    expect((await err('project:info', {})).code).toBe('NO_PROJECT');
    expect((await err('image:list', {})).code).toBe('NO_PROJECT');
  });

  it('fills defaults after validation', async () => {
    const info = (await dispatch(backend.services, 'app:info', undefined)) as { mode: string };
    expect(info.mode).toBe('direct');
  });

  it('answers dialog:pick with UNSUPPORTED without native dialogs', async () => {
    expect((await err('dialog:pick', { kind: 'folder' })).code).toBe('UNSUPPORTED');
  });
});
