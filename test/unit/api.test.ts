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
