/**
 * Revisions per editing session (issue 13, docs/ARCHITECTURE.md "Revisions"): one working revision per
 * session rewritten in place, final when the session ends; nothing written for a mask equal to its
 * parent; per-image numbers; finished revisions immutable; CONFLICT still checked on the head.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SessionSaveResult } from '../../src/shared/api/types';
import { decodeMask, encodeMask } from '../../src/shared/mask/codec';
import { getSchema } from '../../src/shared/schema';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { APPLICATION_ID } from '../../src/main/store/db';
import { migrate } from '../../src/main/store/migrations';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { saveSession } from '../../src/main/store/working-revision';
import { expectCode } from '../tooling/api-expect';

const W = 8;
const H = 6;
const dir = mkdtempSync(join(tmpdir(), 'parsel-sessions-'));
const project = join(dir, 'p.parsel');
let backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
let api = directClient(backend.services, backend.bus);
let imgA = 0;
let imgB = 0;

const mask = (fill: number, dot?: number) => {
  const m = new Uint8Array(W * H).fill(fill);
  if (dot !== undefined) m[dot] = (fill + 1) % 10;
  return encodeMask(m, W, H);
};
const S1 = 'session-one-0001';
const S2 = 'session-two-0002';

async function revs(imageId: number) {
  return api.call('revision:list', { imageId });
}

beforeAll(async () => {
  mkdirSync(join(dir, 'faces'), { recursive: true });
  for (const n of ['a', 'b']) {
    await sharp({ create: { width: W, height: H, channels: 3, background: { r: 9, g: n === 'a' ? 9 : 99, b: 9 } } })
      .png()
      .toFile(join(dir, 'faces', `${n}.png`));
  }
  await api.call('project:create', { path: project, schemaId: 'celebamask-hq-a' });
  await api.call('image:addFolder', { folder: join(dir, 'faces') });
  const items = (await api.call('image:list', {})).items;
  imgA = items.find((i) => i.path.endsWith('a.png'))!.id;
  imgB = items.find((i) => i.path.endsWith('b.png'))!.id;
});

describe('editing sessions', () => {
  it('autosaves of one session rewrite one working revision; leaving the image makes it final', async () => {
    let parent: number | null = null;
    const ids = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const r: SessionSaveResult = await api.call('revision:sessionSave', { imageId: imgA, parentId: parent, session: S1, author: 'ann', mask: mask(1, i) });
      expect(r.outcome).toBe(i === 0 ? 'created' : 'updated');
      parent = r.headRevisionId;
      ids.add(r.revision!.id);
    }
    expect(ids.size).toBe(1);
    let list = await revs(imgA);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ number: 1, state: 'working', kind: 'human', author: 'ann', parentId: null });
    // The working revision holds the last autosave (crash-safe: it is committed) and is the head.
    expect(Array.from(decodeMask(await api.call('revision:mask', { revisionId: list[0].id })))).toEqual(
      Array.from(decodeMask(mask(1, 5))),
    );
    expect((await api.call('image:get', { id: imgA })).headRevisionId).toBe(list[0].id);

    const fin = await api.call('revision:finish', { imageId: imgA, session: S1 });
    expect(fin).toMatchObject({ outcome: 'updated', revision: { id: list[0].id, state: 'final' } });
    // Finishing again (or another session finishing) does nothing.
    expect((await api.call('revision:finish', { imageId: imgA, session: S1 })).outcome).toBe('unchanged');
    // The next edit of the same session is a new revision on top, number 2.
    const r2 = await api.call('revision:sessionSave', { imageId: imgA, parentId: parent, session: S1, author: 'ann', mask: mask(2) });
    expect(r2).toMatchObject({ outcome: 'created', revision: { number: 2, parentId: list[0].id, state: 'working' } });
    await api.call('revision:finish', { imageId: imgA, session: S1 });
    list = await revs(imgA);
    expect(list.map((r) => [r.number, r.state])).toEqual([
      [2, 'final'],
      [1, 'final'],
    ]);
  });

  it('writes nothing when the mask equals its parent; undoing back to it removes the working revision', async () => {
    const before = await revs(imgA);
    const head = before[0];
    const same = await api.call('revision:mask', { revisionId: head.id });
    const { revisionId: _r, ...sameMask } = same;
    const r0 = await api.call('revision:sessionSave', { imageId: imgA, parentId: head.id, session: S2, author: 'bob', mask: sameMask });
    expect(r0).toMatchObject({ outcome: 'unchanged', headRevisionId: head.id, revision: { id: head.id } });
    // Edit, autosave, then undo back to the original: no revision is left.
    const r1 = await api.call('revision:sessionSave', { imageId: imgA, parentId: head.id, session: S2, author: 'bob', mask: mask(7) });
    expect(r1.outcome).toBe('created');
    const r2 = await api.call('revision:sessionSave', { imageId: imgA, parentId: r1.headRevisionId, session: S2, author: 'bob', mask: sameMask });
    expect(r2).toMatchObject({ outcome: 'discarded', headRevisionId: head.id, revision: { id: head.id } });
    expect((await revs(imgA)).map((r) => r.id)).toEqual(before.map((r) => r.id));
    expect((await api.call('image:get', { id: imgA })).headRevisionId).toBe(head.id);
    // Leaving the image then writes nothing either.
    expect((await api.call('revision:finish', { imageId: imgA, session: S2 })).outcome).toBe('unchanged');
    // The number of the discarded working revision is free again: the next one takes it.
    const r3 = await api.call('revision:sessionSave', { imageId: imgA, parentId: head.id, session: S2, author: 'bob', mask: mask(8) });
    expect(r3.revision!.number).toBe(head.number + 1);
    await api.call('revision:finish', { imageId: imgA, session: S2 });
  });

  it('on an image with no revision, the blank mask is the parent', async () => {
    const blank = await api.call('revision:sessionSave', { imageId: imgB, parentId: null, session: S1, author: 'ann', mask: mask(0) });
    expect(blank).toMatchObject({ outcome: 'unchanged', revision: null, headRevisionId: null });
    expect(await revs(imgB)).toEqual([]);
  });

  it('an explicit save finishes the session with its message; numbers are per image', async () => {
    const r = await api.call('revision:sessionSave', { imageId: imgB, parentId: null, session: S1, author: 'ann', mask: mask(3) });
    const saved = await api.call('revision:sessionSave', {
      imageId: imgB,
      parentId: r.headRevisionId,
      session: S1,
      author: 'ann',
      mask: mask(3, 1),
      note: 'fixed the left brow',
      finish: true,
    });
    expect(saved).toMatchObject({ outcome: 'updated', revision: { number: 1, state: 'final', note: 'fixed the left brow' } });
    // Saved right away with a message, without an autosave first: a final revision at once.
    const again = await api.call('revision:sessionSave', {
      imageId: imgB,
      parentId: saved.headRevisionId,
      session: S1,
      author: 'ann',
      mask: mask(4),
      note: 'second pass',
      finish: true,
    });
    expect(again).toMatchObject({ outcome: 'created', revision: { number: 2, state: 'final', note: 'second pass', parentId: saved.revision!.id } });
    // Image A has its own numbering; ids stay project-wide.
    const a = await revs(imgA);
    const b = await revs(imgB);
    expect(b.map((x) => x.number)).toEqual([2, 1]);
    expect(a.map((x) => x.number)).toEqual([3, 2, 1]);
    expect(new Set([...a, ...b].map((x) => x.id)).size).toBe(5);
  });

  it('keeps CONFLICT: another session writing on top ends mine, and my next save is refused', async () => {
    const head = (await api.call('image:get', { id: imgA })).headRevisionId!;
    const mine = await api.call('revision:sessionSave', { imageId: imgA, parentId: head, session: S1, author: 'ann', mask: mask(5) });
    // Another window loaded my working revision as its head and edits on top of it.
    const theirs = await api.call('revision:sessionSave', { imageId: imgA, parentId: mine.headRevisionId, session: S2, author: 'bob', mask: mask(6) });
    expect(theirs).toMatchObject({ outcome: 'created', revision: { parentId: mine.revision!.id, state: 'working' } });
    const list = await revs(imgA);
    expect(list.find((r) => r.id === mine.revision!.id)!.state).toBe('final');
    const e = await expectCode(
      api.call('revision:sessionSave', { imageId: imgA, parentId: mine.headRevisionId, session: S1, author: 'ann', mask: mask(5, 3) }),
      'CONFLICT',
    );
    expect(e.details).toMatchObject({ headRevisionId: theirs.revision!.id, expectedParentId: mine.revision!.id });
    expect(await revs(imgA)).toEqual(list);
    // My final revision did not change.
    expect(Array.from(decodeMask(await api.call('revision:mask', { revisionId: mine.revision!.id })))).toEqual(Array.from(decodeMask(mask(5))));
    await api.call('revision:finish', { imageId: imgA, session: S2 });
  });

  it('a fix revision (flag accept) on top of a working revision ends it; the session continues above the fix', async () => {
    const p = backend;
    const head = (await api.call('image:get', { id: imgB })).headRevisionId!;
    const w = await api.call('revision:sessionSave', { imageId: imgB, parentId: head, session: S1, author: 'ann', mask: mask(1) });
    // noise:accept writes its fix through ProjectStore.saveRevision with the editor's base as parent.
    const store = ProjectStore.open(project);
    const enc = mask(2);
    const fix = store.saveRevision({ imageId: imgB, parentId: w.revision!.id, kind: 'fix', author: 'ann', note: 'flag', width: W, height: H, encoding: enc.encoding, mask: enc.data });
    store.close();
    expect(fix).toMatchObject({ state: 'final', kind: 'fix', number: w.revision!.number + 1 });
    expect((await revs(imgB)).find((r) => r.id === w.revision!.id)!.state).toBe('final');
    const next = await api.call('revision:sessionSave', { imageId: imgB, parentId: fix.id, session: S1, author: 'ann', mask: mask(3) });
    expect(next).toMatchObject({ outcome: 'created', revision: { parentId: fix.id, state: 'working' } });
    void p;
    await api.call('revision:finish', { imageId: imgB, session: S1 });
  });

  it('finished revisions are immutable in the database; a working one may change only its mask, note and time', async () => {
    const head = (await api.call('image:get', { id: imgA })).headRevisionId!;
    const w = await api.call('revision:sessionSave', { imageId: imgA, parentId: head, session: S1, author: 'ann', mask: mask(9) });
    const store = ProjectStore.open(project);
    const wid = w.revision!.id;
    expect(() => storeDb(store).prepare('UPDATE revision SET author = ? WHERE id = ?').run('mallory', wid)).toThrow(/working revision may change only/);
    expect(() => storeDb(store).prepare('UPDATE revision SET parent_id = NULL WHERE id = ?').run(wid)).toThrow(/working revision may change only/);
    expect(() => storeDb(store).prepare('UPDATE revision SET number = 99 WHERE id = ?').run(wid)).toThrow(/working revision may change only/);
    expect(() => storeDb(store).prepare('UPDATE revision SET mask = mask WHERE id = ?').run(head)).toThrow(/immutable once final/);
    expect(() => storeDb(store).prepare("UPDATE revision SET state = 'working' WHERE id = ?").run(head)).toThrow(/immutable once final/);
    expect(() => storeDb(store).prepare('DELETE FROM revision WHERE id = ?').run(head)).toThrow(/immutable once final/);
    store.close();
    await api.call('revision:finish', { imageId: imgA, session: S1 });
  });

  it('a working revision something refers to is kept (rewritten to the parent) instead of removed', async () => {
    const head = (await api.call('image:get', { id: imgB })).headRevisionId!;
    const w = await api.call('revision:sessionSave', { imageId: imgB, parentId: head, session: S2, author: 'bob', mask: mask(4) });
    // A version set aside in a conflict names the working revision as its parent.
    await api.call('revision:save', { imageId: imgB, parentId: w.revision!.id, kind: 'human', author: 'bob', mask: mask(6), detached: true });
    // The detached child ended the working revision (something was written on top of it).
    expect((await revs(imgB)).find((r) => r.id === w.revision!.id)!.state).toBe('final');
  });

  it('opening the project again ends the working revisions of the earlier run (a killed app)', async () => {
    const head = (await api.call('image:get', { id: imgA })).headRevisionId!;
    const w = await api.call('revision:sessionSave', { imageId: imgA, parentId: head, session: S1, author: 'ann', mask: mask(2, 7) });
    expect(w.revision!.state).toBe('working');
    backend.close();
    backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
    api = directClient(backend.services, backend.bus);
    await api.call('project:open', { path: project });
    const r = (await revs(imgA)).find((x) => x.id === w.revision!.id)!;
    expect(r.state).toBe('final');
    expect(Array.from(decodeMask(await api.call('revision:mask', { revisionId: r.id })))).toEqual(Array.from(decodeMask(mask(2, 7))));
    // The same session token cannot continue it: its next save is a new revision.
    const n = await api.call('revision:sessionSave', { imageId: imgA, parentId: r.id, session: S1, author: 'ann', mask: mask(2, 8) });
    expect(n).toMatchObject({ outcome: 'created', revision: { parentId: r.id } });
    await api.call('revision:finish', { imageId: imgA, session: S1 });
  });

  it('idle time: a session back after the project setting starts a new revision', async () => {
    expect(await api.call('revision:settings', {})).toEqual({ sessionIdleMinutes: 5 });
    expect(await api.call('revision:setSettings', { sessionIdleMinutes: 2 })).toEqual({ sessionIdleMinutes: 2 });
    await expectCode(api.call('revision:setSettings', { sessionIdleMinutes: 0 }), 'BAD_REQUEST');
    expect(await api.call('revision:settings', {})).toEqual({ sessionIdleMinutes: 2 });

    const store = ProjectStore.open(project);
    const head = store.getImage(imgB).headRevisionId;
    const save = (fill: number, parentId: number | null, at: number) => {
      const enc = mask(fill);
      return saveSession(store, {
        imageId: imgB, parentId, session: 'idle-session', author: 'ann', note: null, pixels: decodeMask(enc), encoded: enc, finish: false,
        idleMs: 2 * 60_000, now: new Date(Date.UTC(2030, 0, 1, 10, 0, at)),
      });
    };
    const a = save(5, head, 0);
    const b = save(6, a.headRevisionId, 100); // 1 min 40 s later: same session revision
    expect(b).toMatchObject({ outcome: 'updated', revision: { id: a.revision!.id } });
    const c = save(7, b.headRevisionId, 100 + 121); // idle 2 min 1 s: a new revision on top, the old one final
    expect(c).toMatchObject({ outcome: 'created', revision: { parentId: a.revision!.id, state: 'working' } });
    expect(store.getRevision(a.revision!.id).state).toBe('final');
    store.close();
  });
});

describe('migration 11', () => {
  it('numbers existing revisions per image in order and makes them final', () => {
    const file = join(dir, 'v10.parsel');
    const db = new Database(file);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    migrate(db, 10);
    const schema = getSchema('lapa-11');
    db.prepare("INSERT INTO meta VALUES ('name','old'),('schema_id',?),('created_at','2026-01-01T00:00:00Z')").run(schema.id);
    db.prepare('INSERT INTO label_schema VALUES (?,?,?)').run(schema.id, schema.name, JSON.stringify(schema));
    const img = db.prepare("INSERT INTO image(id,path,sha256,width,height,added_at) VALUES (?,?,?,2,2,'2026-01-01T00:00:00Z')");
    img.run(1, 'x.png', 'c'.repeat(64));
    img.run(2, 'y.png', 'd'.repeat(64));
    const rev = db.prepare(
      "INSERT INTO revision(id,image_id,parent_id,schema_id,author,kind,width,height,encoding,mask,created_at) VALUES (?,?,?,?,'a','human',2,2,'raw',?,'2026-01-01T00:00:00Z')",
    );
    // Interleaved: ids 1,3,4 for image 1 and 2,5 for image 2.
    rev.run(1, 1, null, schema.id, Buffer.from([0, 1, 2, 3]));
    rev.run(2, 2, null, schema.id, Buffer.from([0, 0, 0, 0]));
    rev.run(3, 1, 1, schema.id, Buffer.from([1, 1, 2, 3]));
    rev.run(4, 1, 3, schema.id, Buffer.from([2, 1, 2, 3]));
    rev.run(5, 2, 2, schema.id, Buffer.from([1, 0, 0, 0]));
    db.close();
    const store = ProjectStore.open(file);
    expect(store.listRevisions(1).map((r) => [r.id, r.number, r.state])).toEqual([
      [4, 3, 'final'],
      [3, 2, 'final'],
      [1, 1, 'final'],
    ]);
    expect(store.listRevisions(2).map((r) => [r.id, r.number])).toEqual([
      [5, 2],
      [2, 1],
    ]);
    expect(store.getRevision(4).updatedAt).toBe('2026-01-01T00:00:00Z');
    expect(() => storeDb(store).prepare("UPDATE revision SET note = 'x' WHERE id = 1").run()).toThrow(/immutable/);
    // A writer that does not give a number is refused by the database.
    expect(() =>
      storeDb(store)
        .prepare("INSERT INTO revision(image_id,parent_id,schema_id,author,kind,width,height,encoding,mask,created_at) VALUES (1,4,?,'a','human',2,2,'raw',?,'x')")
        .run(schema.id, Buffer.from([0, 0, 0, 0])),
    ).toThrow(/per-image number/);
    store.close();
  });
});
