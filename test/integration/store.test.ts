import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ParselError } from '../../src/shared/api/errors';
import { getSchema } from '../../src/shared/schema';
import { APPLICATION_ID, openDatabase } from '../../src/main/store/db';
import { LATEST_VERSION, MIGRATIONS, migrate } from '../../src/main/store/migrations';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';

const tmp = () => mkdtempSync(join(tmpdir(), 'parsel-store-'));

function newStore(): ProjectStore {
  const store = ProjectStore.create(join(tmp(), 'p.parsel'), getSchema('celebamask-hq-a'), 'test');
  store.insertImages([
    { path: 'a.jpg', sha256: 'a'.repeat(64), width: 4, height: 2 },
    { path: 'b.jpg', sha256: 'b'.repeat(64), width: 4, height: 2 },
  ]);
  return store;
}

const rev = (imageId: number, parentId: number | null, fill: number, kind: 'human' | 'model' | 'import' = 'human') => ({
  imageId,
  parentId,
  kind,
  author: 'ann',
  note: null,
  width: 4,
  height: 2,
  encoding: 'raw',
  mask: new Uint8Array(8).fill(fill),
});

function catchErr(fn: () => unknown): ParselError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParselError) return e;
    throw e;
  }
  throw new Error('expected a ParselError');
}

describe('revision chain', () => {
  it('appends revisions on the head and moves the head', () => {
    const s = newStore();
    const r1 = s.saveRevision(rev(1, null, 1, 'model'));
    expect(s.getImage(1)).toMatchObject({ headRevisionId: r1.id, status: 'prelabeled' });
    const r2 = s.saveRevision(rev(1, r1.id, 2));
    expect(r2.parentId).toBe(r1.id);
    expect(s.getImage(1)).toMatchObject({ headRevisionId: r2.id, status: 'in_progress' });
    expect(s.listRevisions(1).map((r) => r.id)).toEqual([r2.id, r1.id]);
    expect(Array.from(s.revisionMask(r1.id).data)).toEqual(new Array(8).fill(1));
    expect(Array.from(s.revisionMask(r2.id).data)).toEqual(new Array(8).fill(2));
    expect(s.getImage(2).headRevisionId).toBeNull();
    s.close();
  });

  it('refuses a save on a stale parent with a typed CONFLICT and writes nothing', () => {
    const s = newStore();
    const r1 = s.saveRevision(rev(1, null, 1));
    const r2 = s.saveRevision(rev(1, r1.id, 2)); // "the other window" saved
    const err = catchErr(() => s.saveRevision(rev(1, r1.id, 3)));
    expect(err.code).toBe('CONFLICT');
    expect(err.details).toEqual({ imageId: 1, expectedParentId: r1.id, headRevisionId: r2.id });
    const err0 = catchErr(() => s.saveRevision(rev(1, null, 3)));
    expect(err0.code).toBe('CONFLICT');
    expect(s.getImage(1).headRevisionId).toBe(r2.id);
    expect(s.listRevisions(1)).toHaveLength(2);
    s.close();
  });

  it('keeps revisions immutable at the database level', () => {
    const s = newStore();
    const r1 = s.saveRevision(rev(1, null, 1));
    expect(() => storeDb(s).prepare('UPDATE revision SET author = ? WHERE id = ?').run('x', r1.id)).toThrow(/immutable/);
    expect(() => storeDb(s).prepare('DELETE FROM revision WHERE id = ?').run(r1.id)).toThrow(/immutable/);
    expect(s.getRevision(r1.id).author).toBe('ann');
    s.close();
  });

  it('reports unknown ids as NOT_FOUND', () => {
    const s = newStore();
    expect(catchErr(() => s.saveRevision(rev(99, null, 1))).code).toBe('NOT_FOUND');
    expect(catchErr(() => s.revisionMask(42)).code).toBe('NOT_FOUND');
    expect(catchErr(() => s.setStatus([1, 99], 'done')).code).toBe('NOT_FOUND');
    expect(s.getImage(1).status).toBe('unlabeled'); // the failed batch changed nothing
    s.close();
  });

  it('filters and pages the image list', () => {
    const s = newStore();
    s.setStatus([2], 'done');
    expect(s.queryImages({ offset: 0, limit: 10 }).total).toBe(2);
    expect(s.queryImages({ status: ['done'], offset: 0, limit: 10 }).items.map((i) => i.id)).toEqual([2]);
    expect(s.queryImages({ offset: 1, limit: 1 }).items.map((i) => i.id)).toEqual([2]);
    expect(s.counts()).toMatchObject({ total: 2, byStatus: { unlabeled: 1, done: 1 } });
    s.close();
  });
});

describe('migrations', () => {
  it('are numbered 1..N without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('bring an empty file to the latest version', () => {
    const db = new Database(join(tmp(), 'empty.sqlite'));
    expect(migrate(db)).toBe(LATEST_VERSION);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  // From every earlier version, with data written at that version, to the latest: data survives.
  for (let from = 1; from < LATEST_VERSION; from++) {
    it(`upgrade a version-${from} file with data to version ${LATEST_VERSION}`, () => {
      const file = join(tmp(), `v${from}.parsel`);
      const db = new Database(file);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      migrate(db, from);
      expect(db.pragma('user_version', { simple: true })).toBe(from);
      const schema = getSchema('lapa-11');
      db.prepare("INSERT INTO meta VALUES ('name','old'),('schema_id',?),('created_at','2026-01-01T00:00:00Z')").run(schema.id);
      db.prepare('INSERT INTO label_schema VALUES (?,?,?)').run(schema.id, schema.name, JSON.stringify(schema));
      db.prepare(
        "INSERT INTO image(id,path,sha256,width,height,added_at) VALUES (1,'x.png',?,2,2,'2026-01-01T00:00:00Z')",
      ).run('c'.repeat(64));
      db.prepare(
        "INSERT INTO revision(id,image_id,parent_id,schema_id,author,kind,width,height,encoding,mask,created_at) VALUES (1,1,NULL,?,'a','import',2,2,'raw',?,'2026-01-01T00:00:00Z')",
      ).run(schema.id, Buffer.from([0, 1, 2, 3]));
      db.prepare('UPDATE image SET head_revision_id = 1 WHERE id = 1').run();
      db.close();

      const store = ProjectStore.open(file);
      expect(storeDb(store).pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      expect(storeDb(store).pragma('integrity_check', { simple: true })).toBe('ok');
      expect(store.getImage(1)).toMatchObject({ path: 'x.png', headRevisionId: 1 });
      expect(Array.from(store.revisionMask(1).data)).toEqual([0, 1, 2, 3]);
      expect(store.schema().id).toBe('lapa-11');
      // Migration 7: face boxes of the old images can be stored; degenerate ones are refused.
      const box = storeDb(store).prepare("INSERT INTO face_box(image_id, x0, y0, x1, y1, created_at) VALUES (1, ?, ?, ?, ?, '2026-01-01T00:00:00Z')");
      box.run(0, 0.5, 2, 2);
      expect(() => box.run(1, 0, 1, 2)).toThrow(/CHECK constraint/);
      expect(storeDb(store).prepare('SELECT image_id, x0, y0, x1, y1, source FROM face_box').all()).toEqual([{ image_id: 1, x0: 0, y0: 0.5, x1: 2, y1: 2, source: 'user' }]);
      store.close();
    });
  }

  it('refuse a file written by a newer app, and files that are not projects', () => {
    const dir = tmp();
    const newer = join(dir, 'newer.parsel');
    const db = new Database(newer);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    expect(catchErr(() => openDatabase(newer)).message).toMatch(/newer Parsel/);

    const other = join(dir, 'other.sqlite');
    const db2 = new Database(other);
    db2.exec('CREATE TABLE t(x)');
    db2.close();
    expect(catchErr(() => openDatabase(other)).message).toMatch(/not a Parsel project/);

    const text = join(dir, 'text.parsel');
    writeFileSync(text, 'hello, this is not a database at all'.repeat(10));
    const e = catchErr(() => openDatabase(text));
    expect(e.code).toBe('INVALID_INPUT');

    expect(catchErr(() => openDatabase(join(dir, 'missing.parsel'))).code).toBe('NOT_FOUND');
  });
});
