/** Validation of the face-box methods (methods-faces.ts), through `dispatch`: refused before any service runs. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParselError } from '../../src/shared/api/errors';
import { dispatch } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';

const backend = createBackend({ mode: 'direct', userDataDir: mkdtempSync(join(tmpdir(), 'parsel-api-faces-')) });

async function err(method: string, payload: unknown): Promise<ParselError> {
  try {
    await dispatch(backend.services, method, payload);
  } catch (e) {
    if (e instanceof ParselError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const box = { x0: 1, y0: 2, x1: 30, y1: 40 };

describe('faceBox contract', () => {
  it('rejects bad payloads with BAD_REQUEST naming the field', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['faceBox:list', {}, /imageId/],
      ['faceBox:list', { imageId: 0 }, /imageId/],
      ['faceBox:set', { imageId: 1 }, /boxes/],
      ['faceBox:set', { imageId: 1, boxes: [{ x0: 1, y0: 2, x1: 3 }] }, /boxes\.0\.y1/],
      ['faceBox:set', { imageId: 1, boxes: [{ ...box, x1: Infinity }] }, /boxes\.0\.x1/],
      ['faceBox:set', { imageId: 1, boxes: [{ ...box, y0: '2' }] }, /boxes\.0\.y0/],
      ['faceBox:set', { imageId: 1, boxes: [{ ...box, label: 'a' }] }, /label/],
      ['faceBox:set', { imageId: 1, boxes: Array.from({ length: 33 }, () => box) }, /at most 32 face boxes per image/],
      ['faceBox:set', { imageId: 1, boxes: [], extra: true }, /extra/],
    ];
    for (const [m, payload, re] of cases) {
      const e = await err(m, payload);
      expect(e.code, `${m} ${JSON.stringify(payload)}`).toBe('BAD_REQUEST');
      expect(e.message, `${m} ${JSON.stringify(payload)}`).toMatch(re);
    }
  });

  it('a valid payload reaches the service (which needs an open project)', async () => {
    expect((await err('faceBox:set', { imageId: 1, boxes: [box] })).code).toBe('NO_PROJECT');
    expect((await err('faceBox:list', { imageId: 1 })).code).toBe('NO_PROJECT');
  });
});
