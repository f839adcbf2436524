/** Validation of the models / model sets / pre-labelling methods (methods-models.ts), through `dispatch`. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { methods } from '../../src/shared/api/contract';
import { ParselError } from '../../src/shared/api/errors';
import { dispatch } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';

const backend = createBackend({ mode: 'direct', userDataDir: mkdtempSync(join(tmpdir(), 'parsel-api-models-')) });

async function err(method: string, payload: unknown): Promise<ParselError> {
  try {
    await dispatch(backend.services, method, payload);
  } catch (e) {
    if (e instanceof ParselError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('models contract', () => {
  it('rejects bad payloads with BAD_REQUEST naming the field', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['models:add', { path: '' }, /path: path must not be empty/],
      ['models:add', { path: '/m.onnx', name: '  ' }, /name: name must not be empty/],
      ['models:add', { path: '/m.onnx', card: 'json' }, /card/],
      ['models:add', { path: '/m.onnx', extra: 1 }, /extra/],
      ['models:remove', { id: 0 }, /id/],
      ['modelSet:create', { name: 's', modelIds: [] }, /modelIds: a model set needs at least one model/],
      ['modelSet:create', { name: 's', modelIds: [1], tta: 'mirror' }, /tta/],
      ['modelSet:create', { name: 's', modelIds: [1], faces: { mode: 'whole', margin: 5 } }, /faces\.margin: faces\.margin must be <= 4/],
      ['modelSet:create', { name: 's', modelIds: [1], faces: { mode: 'eyes', margin: 0 } }, /faces\.mode/],
      ['prelabel:start', { modelSetId: 1, providers: ['CUDA'] }, /providers\.0: provider names are lower-case/],
      ['prelabel:start', { modelSetId: 1, providers: [] }, /providers/],
      ['prelabel:start', { modelSetId: 1, filter: { status: ['finished'] } }, /filter\.status\.0/],
      ['prelabel:start', { modelSetId: 1, force: 'yes' }, /force/],
      ['prelabel:resume', { jobId: '3' }, /jobId/],
      ['prelabel:cancel', {}, /jobId/],
      ['prediction:get', { imageId: 1 }, /modelSetId/],
    ];
    for (const [m, payload, re] of cases) {
      const e = await err(m, payload);
      expect(e.code, `${m} ${JSON.stringify(payload)}`).toBe('BAD_REQUEST');
      expect(e.message).toMatch(re);
    }
  });

  it('fills defaults (no force, whole image, margin 0.25, no TTA, no probabilities)', () => {
    expect(methods['prelabel:start'].request.parse({ modelSetId: 2 })).toEqual({ modelSetId: 2, force: false });
    expect(methods['modelSet:create'].request.parse({ name: ' s ', modelIds: [1] })).toEqual({
      name: 's',
      modelIds: [1],
      tta: 'none',
      faces: { mode: 'whole', margin: 0.25 },
    });
    expect(methods['prediction:get'].request.parse({ imageId: 1, modelSetId: 2 })).toEqual({ imageId: 1, modelSetId: 2, probs: false });
  });

  it('project-scoped methods answer NO_PROJECT; checking a file needs no project', async () => {
    for (const m of ['models:list', 'modelSet:list', 'job:list']) expect((await err(m, {})).code).toBe('NO_PROJECT');
    expect((await err('prelabel:start', { modelSetId: 1 })).code).toBe('NO_PROJECT');
    expect((await err('models:check', { path: '/nonexistent/m.onnx' })).code).toBe('NOT_FOUND');
    const p = (await dispatch(backend.services, 'models:providers', {})) as { order: string[] };
    expect(p.order[p.order.length - 1]).toBe('cpu');
  });
});
