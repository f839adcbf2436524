/**
 * The grid's query (`image:list` with sort / search): orders, name and folder taken from the stored
 * path (also Windows-style absolute paths), unscored / never-edited images last, search, paging, and the
 * contract refusing an unknown order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { queryImages } from '../../src/main/store/image-query';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import type { ParselApi } from '../../src/shared/api/contract';
import { getSchema } from '../../src/shared/schema';

let dir: string;
let backend: Backend;
let api: ParselApi;
/** Stored path → id. */
const ids = new Map<string, number>();

const PATHS = [
  'b/synth_00000.jpg', // 1
  'a/synth_00000.jpg', // 2
  'a/Zeta.png', // 3
  'root.jpg', // 4
  'a/sub/alpha.jpg', // 5
  'C:\\data\\faces\\beta.jpg', // 6: absolute Windows path, outside the project
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parsel-image-query-'));
  const file = join(dir, 'q.parsel');
  const store = ProjectStore.create(file, getSchema('celebamask-hq-a'), 'q');
  const got = store.insertImages(PATHS.map((path, k) => ({ path, sha256: String(k).repeat(64), width: 2, height: 1 })));
  PATHS.forEach((p, k) => ids.set(p, got[k]));
  const id = (p: string) => ids.get(p)!;
  // Head revisions: alpha first, then synth (a), then Zeta (latest); their time order is the id order.
  const save = (p: string, t: string) => {
    const r = store.saveRevision({ imageId: id(p), parentId: null, kind: 'human', author: 't', note: null, width: 2, height: 1, encoding: 'raw', mask: new Uint8Array(2) });
    // created_at is set by the store; make the times distinct and known.
    storeDb(store).exec('DROP TRIGGER IF EXISTS revision_final_no_update; DROP TRIGGER IF EXISTS revision_working_update');
    storeDb(store).prepare('UPDATE revision SET created_at = ? WHERE id = ?').run(t, r.id);
  };
  save('a/sub/alpha.jpg', '2026-01-01T00:00:00.000Z');
  save('a/synth_00000.jpg', '2026-01-02T00:00:00.000Z');
  save('a/Zeta.png', '2026-01-03T00:00:00.000Z');
  // Statuses after the saves (a human save makes an image in progress).
  store.setStatus([id('root.jpg')], 'done');
  store.setStatus([id('a/Zeta.png')], 'prelabeled');
  store.setStatus([id('b/synth_00000.jpg')], 'reviewed');
  // Noise scores for three images (needs a model set and the scored revision).
  storeDb(store).prepare("INSERT INTO model_set(id, name, members, created_at) VALUES (1, 's', '[]', '2026-01-01')").run();
  const rev = (p: string) => store.getImage(id(p)).headRevisionId!;
  const score = storeDb(store).prepare("INSERT INTO image_score(image_id, model_set_id, revision_id, score, scanned_at) VALUES (?, 1, ?, ?, '2026-01-04')");
  score.run(id('a/synth_00000.jpg'), rev('a/synth_00000.jpg'), 0.2);
  score.run(id('a/Zeta.png'), rev('a/Zeta.png'), 0.9);
  score.run(id('a/sub/alpha.jpg'), rev('a/sub/alpha.jpg'), 0.5);
  store.close();
  backend = createBackend({ mode: 'browser', userDataDir: join(dir, 'user') });
  api = directClient(backend.services, backend.bus);
  await api.call('project:open', { path: file });
});

afterAll(() => {
  backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function order(req: Parameters<ParselApi['call']>[1] & object): Promise<string[]> {
  const page = await api.call('image:list', { limit: 100, ...(req as object) });
  return page.items.map((i) => i.path);
}

describe('image:list order and search', () => {
  it('added: import order, and reversed', async () => {
    expect(await order({})).toEqual(PATHS);
    expect(await order({ sort: 'added', reverse: true })).toEqual([...PATHS].reverse());
  });

  it('name: file name case-insensitively, then folder (Windows separators understood)', async () => {
    expect(await order({ sort: 'name' })).toEqual([
      'a/sub/alpha.jpg',
      'C:\\data\\faces\\beta.jpg',
      'root.jpg',
      'a/synth_00000.jpg',
      'b/synth_00000.jpg',
      'a/Zeta.png',
    ]);
  });

  it('folder: folder, then name; the project root first', async () => {
    expect(await order({ sort: 'folder' })).toEqual([
      'root.jpg',
      'a/synth_00000.jpg',
      'a/Zeta.png',
      'a/sub/alpha.jpg',
      'b/synth_00000.jpg',
      'C:\\data\\faces\\beta.jpg',
    ]);
  });

  it('status: lifecycle order, import order within a status', async () => {
    expect(await order({ sort: 'status' })).toEqual([
      'C:\\data\\faces\\beta.jpg', // unlabeled
      'a/Zeta.png', // prelabeled
      'a/synth_00000.jpg', // in progress (2 and 5, id order)
      'a/sub/alpha.jpg',
      'root.jpg', // done
      'b/synth_00000.jpg', // reviewed
    ]);
  });

  it('noise: highest score first, unscored last either way; the score comes with the item', async () => {
    const page = await api.call('image:list', { sort: 'noise', limit: 3 });
    expect(page.items.map((i) => [i.path, i.noiseScore])).toEqual([
      ['a/Zeta.png', 0.9],
      ['a/sub/alpha.jpg', 0.5],
      ['a/synth_00000.jpg', 0.2],
    ]);
    expect(await order({ sort: 'noise', reverse: true })).toEqual([
      'a/synth_00000.jpg',
      'a/sub/alpha.jpg',
      'a/Zeta.png',
      'b/synth_00000.jpg',
      'root.jpg',
      'C:\\data\\faces\\beta.jpg',
    ]);
  });

  it('edited: latest head revision first, never edited last', async () => {
    const page = await api.call('image:list', { sort: 'edited', limit: 4 });
    expect(page.items.map((i) => [i.path, i.editedAt])).toEqual([
      ['a/Zeta.png', '2026-01-03T00:00:00.000Z'],
      ['a/synth_00000.jpg', '2026-01-02T00:00:00.000Z'],
      ['a/sub/alpha.jpg', '2026-01-01T00:00:00.000Z'],
      ['b/synth_00000.jpg', null],
    ]);
  });

  it('search: case-insensitive substring of the path (name or folder), with status filter, total and paging', async () => {
    expect(await order({ search: 'SYNTH', sort: 'folder' })).toEqual(['a/synth_00000.jpg', 'b/synth_00000.jpg']);
    expect(await order({ search: 'sub/' })).toEqual(['a/sub/alpha.jpg']);
    expect(await order({ search: '%' })).toEqual([]); // no LIKE wildcards
    const page = await api.call('image:list', { search: 'a/', status: ['in_progress'], sort: 'name', offset: 1, limit: 1 });
    expect(page.total).toBe(2);
    expect(page.items.map((i) => i.path)).toEqual(['a/synth_00000.jpg']);
    expect((await api.call('image:list', { search: '  ' })).total).toBe(PATHS.length); // blank = no search
  });

  it('refuses an unknown order', async () => {
    await expect(api.call('image:list', { sort: 'size' as never })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('name / folder keys follow the image table', () => {
  it('appended rows are added, a changed path rebuilds the keys', () => {
    const d = mkdtempSync(join(tmpdir(), 'parsel-image-keys-'));
    const store = ProjectStore.create(join(d, 'k.parsel'), getSchema('celebamask-hq-a'), 'k');
    try {
      const names = () => queryImages(storeDb(store), { sort: 'name', offset: 0, limit: 100 }).items.map((i) => i.path);
      store.insertImages([
        { path: 'x/b.jpg', sha256: '1'.repeat(64), width: 1, height: 1 },
        { path: 'y/c.jpg', sha256: '2'.repeat(64), width: 1, height: 1 },
      ]);
      expect(names()).toEqual(['x/b.jpg', 'y/c.jpg']);
      store.insertImages([{ path: 'z/a.jpg', sha256: '3'.repeat(64), width: 1, height: 1 }]);
      expect(names()).toEqual(['z/a.jpg', 'x/b.jpg', 'y/c.jpg']);
      // A path changed in place (same count, same max id): the keys are rebuilt.
      storeDb(store).prepare("UPDATE image SET path = 'w/d.jpg' WHERE path = 'z/a.jpg'").run();
      expect(names()).toEqual(['x/b.jpg', 'y/c.jpg', 'w/d.jpg']);
      expect(queryImages(storeDb(store), { sort: 'folder', offset: 0, limit: 100 }).items.map((i) => i.path)).toEqual(['w/d.jpg', 'x/b.jpg', 'y/c.jpg']);
    } finally {
      store.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
