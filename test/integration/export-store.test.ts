/** Migration 4 (export table) on a version-3 file with data, and the export queries over it. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APPLICATION_ID } from '../../src/main/store/db';
import { candidateRows, insertExport, listExports, revisionOwner } from '../../src/main/store/export-repo';
import { migrate } from '../../src/main/store/migrations';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { getSchema } from '../../src/shared/schema';

const dir = mkdtempSync(join(tmpdir(), 'parsel-export-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('migration 4: export table', () => {
  it('upgrades a version-3 project with images and revisions; exports are recorded and listed', () => {
    const file = join(dir, 'v3.parsel');
    const db = new Database(file);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    expect(migrate(db, 3)).toBe(3);
    const schema = getSchema('lapa-11');
    db.prepare("INSERT INTO meta VALUES ('name','old'),('schema_id',?),('created_at','2026-01-01T00:00:00Z')").run(schema.id);
    db.prepare('INSERT INTO label_schema VALUES (?,?,?)').run(schema.id, schema.name, JSON.stringify(schema));
    db.prepare("INSERT INTO image(id,path,sha256,width,height,split,source,added_at) VALUES (1,'x.png',?,2,2,'train','real','2026-01-01T00:00:00Z')").run('c'.repeat(64));
    db.prepare("INSERT INTO image(id,path,sha256,width,height,added_at) VALUES (2,'y.png',?,2,2,'2026-01-01T00:00:00Z')").run('d'.repeat(64));
    db.prepare(
      "INSERT INTO revision(id,image_id,parent_id,schema_id,author,kind,width,height,encoding,mask,created_at) VALUES (7,1,NULL,?,'ann','human',2,2,'raw',?,'2026-01-01T00:00:00Z')",
    ).run(schema.id, Buffer.from([0, 1, 2, 3]));
    db.prepare('UPDATE image SET head_revision_id = 7 WHERE id = 1').run();
    db.close();

    const store = ProjectStore.open(file); // migrates to the latest version
    expect(storeDb(store).pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(4);
    const rows = candidateRows(store);
    expect(rows.map((r) => [r.id, r.head_revision_id, r.kind, r.author, r.split, r.source])).toEqual([
      [1, 7, 'human', 'ann', 'train', 'real'],
      [2, null, null, null, null, null],
    ]);
    expect(revisionOwner(store, 7)).toBe(1);
    expect(revisionOwner(store, 8)).toBeNull();
    const id = insertExport(store, { format: 'lapa', dir: '/x' }, { counts: { images: 1 }, outputSchema: { id: 'lapa-11' }, reproducedFrom: null }, '2026-02-02T00:00:00Z');
    expect(listExports(store)).toEqual([
      { id, created_at: '2026-02-02T00:00:00Z', spec: JSON.stringify({ format: 'lapa', dir: '/x' }), images: 1, output_schema: 'lapa-11', reproduced_from: null },
    ]);
    expect(storeDb(store).pragma('integrity_check', { simple: true })).toBe('ok');
    store.close();
  });
});
