/** The repositories decode JSON columns once, with zod: a row that does not decode is an error naming it, not a half-read record. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParselError } from '../../src/shared/api/errors';
import { getSchema } from '../../src/shared/schema';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';

const now = '2026-01-01T00:00:00Z';

function fresh(): ProjectStore {
  const s = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'parsel-repos-')), 'p.parsel'), getSchema('lapa-11'), 'repos');
  s.insertImages([{ path: 'a.jpg', sha256: 'a'.repeat(64), width: 2, height: 2 }]);
  return s;
}

function err(fn: () => unknown): ParselError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParselError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('repositories decode JSON columns with zod', () => {
  it('model sets: members, faces and imported decode; a bad column names the set', () => {
    const s = fresh();
    const id = s.models.addSet({ name: 'ok', members: [], tta: 'flip', faces: { mode: 'box', margin: 0.3 }, createdAt: now });
    expect(s.models.set(id)).toMatchObject({ id, name: 'ok', members: [], tta: 'flip', faces: { mode: 'box', margin: 0.3 }, imported: null });
    storeDb(s).prepare(`INSERT INTO model_set(name, members, tta, faces, created_at) VALUES ('bad', '["x"]', 'none', '{}', ?)`).run(now);
    const e = err(() => s.models.sets());
    expect([e.code, e.message]).toEqual(['INVALID_INPUT', expect.stringMatching(/^model set 2 "bad": members does not decode: 0: /)]);
    storeDb(s).prepare(`UPDATE model_set SET members = '[]', faces = '{"mode":"crop"}' WHERE id = 2`).run();
    expect(err(() => s.models.set(2)).message).toMatch(/model set 2 "bad": faces does not decode: mode: /);
    expect(err(() => s.models.set(99)).code).toBe('NOT_FOUND');
    s.close();
  });

  it('models: a stored card that is no card names the model', () => {
    const s = fresh();
    storeDb(s).prepare(`INSERT INTO model(name, path, sha256, card, added_at) VALUES ('m', '/m.onnx', ?, '{"task":"face-parsing"}', ?)`).run('0'.repeat(64), now);
    const e = err(() => s.models.get(1));
    expect([e.code, e.message]).toEqual(['INVALID_INPUT', expect.stringMatching(/^model 1 "m": stored card does not decode: /)]);
    s.close();
  });

  it('jobs: the spec decodes; a bad one names the job', () => {
    const s = fresh();
    const id = s.transaction(() => s.jobs.create('prelabel', { modelSetId: 3, force: false }, [1], now));
    expect(s.jobs.get(id)).toMatchObject({ id, spec: { modelSetId: 3, force: false }, status: 'pending', total: 1 });
    expect(s.jobs.todoCount(id)).toBe(1);
    storeDb(s).prepare(`UPDATE job SET spec = '{"modelSetId":"3"}' WHERE id = ?`).run(id);
    expect(err(() => s.jobs.list()).message).toMatch(new RegExp(`^job ${id}: stored spec does not decode: modelSetId: `));
    s.close();
  });

  it('landmarks decode as lists of points', () => {
    const s = fresh();
    s.setLandmarks(1, 'lapa-106', [[1, 2], [3.5, 4]], now);
    expect(s.landmarks(1)).toEqual([[[1, 2], [3.5, 4]]]);
    storeDb(s).prepare(`UPDATE landmark SET points = '[[1]]'`).run();
    expect(err(() => s.landmarks(1)).message).toMatch(/landmarks "lapa-106" of image 1 do not decode/);
    s.close();
  });
});
