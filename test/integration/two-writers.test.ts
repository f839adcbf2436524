/**
 * Two processes writing one project (issue 15): two real `parsel import` / `parsel add` processes on
 * the same project and folder at the same time import every image exactly once; a writer that holds
 * the lock longer than the busy timeout makes the other end with BUSY (exit 3), one that lets go in
 * time does not.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCliBundle } from '../tooling/cli-bundle';
import { writeLapa } from '../tooling/formats';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, 'out', 'test-cli-writers');
const dir = mkdtempSync(join(tmpdir(), 'parsel-writers-'));
const env = { ...process.env, PARSEL_USER_DATA: join(dir, 'user') };
const N = 24;

interface Run {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

function parselSync(args: string[], extraEnv: Record<string, string> = {}): Run {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(OUT, 'run.mjs'), ...args], { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t0 };
}

function parsel(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const t0 = Date.now();
  return new Promise((done, fail) => {
    const c = spawn(process.execPath, [join(OUT, 'run.mjs'), ...args], { cwd: dir, env: { ...env, ...extraEnv } });
    let out = '';
    let err = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.on('error', fail);
    c.on('close', (code) => done({ code, out, err, ms: Date.now() - t0 }));
  });
}

function rows(project: string): { images: number; distinctPaths: number; importRevisions: number; maxRevisionsPerImage: number } {
  const db = new Database(join(dir, project), { readonly: true });
  try {
    const images = db.prepare('SELECT count(*) FROM image').pluck().get() as number;
    const distinctPaths = db.prepare('SELECT count(DISTINCT path) FROM image').pluck().get() as number;
    const importRevisions = db.prepare("SELECT count(*) FROM revision WHERE kind = 'import'").pluck().get() as number;
    const maxRevisionsPerImage = (db.prepare('SELECT max(n) FROM (SELECT count(*) AS n FROM revision GROUP BY image_id)').pluck().get() as number | null) ?? 0;
    return { images, distinctPaths, importRevisions, maxRevisionsPerImage };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  await buildCliBundle(OUT);
  await writeLapa(join(dir, 'lapa'), { counts: { train: N - 4, test: 4 }, size: 48, seed: 11 });
  // A plain image folder for `add`: the dataset's images plus one copy under another name.
  mkdirSync(join(dir, 'plain'));
  for (let i = 0; i < N - 4; i++) copyFileSync(join(dir, 'lapa', 'train', 'images', `train_${String(i).padStart(4, '0')}.jpg`), join(dir, 'plain', `p${i}.jpg`));
  copyFileSync(join(dir, 'plain', 'p0.jpg'), join(dir, 'plain', 'zz-copy-of-p0.jpg'));
});

describe('two writers on one project', () => {
  it('two imports of one folder at once: every image imported exactly once, no self-duplicates, no internal error', async () => {
    expect(parselSync(['init', 'imp.parsel', '--schema', 'lapa-11']).code).toBe(0);
    const [a, b] = await Promise.all([parsel(['import', 'imp.parsel', 'lapa', '--json', '--quiet']), parsel(['import', 'imp.parsel', 'lapa', '--json', '--quiet', '--on-problem', 'skip'])]);
    for (const r of [a, b]) {
      expect(r.err).not.toMatch(/INTERNAL|UNIQUE|database is locked/);
      expect(r.code, r.err).toBe(0);
    }
    const ra = JSON.parse(a.out) as { imported: number; alreadyImported: number; problems: { kind: string; message: string }[] };
    const rb = JSON.parse(b.out) as typeof ra;
    expect(ra.imported + rb.imported).toBe(N);
    expect(ra.imported + ra.alreadyImported).toBe(N);
    expect(rb.imported + rb.alreadyImported).toBe(N);
    expect([...ra.problems, ...rb.problems]).toEqual([]);
    expect(rows('imp.parsel')).toEqual({ images: N, distinctPaths: N, importRevisions: N, maxRevisionsPerImage: 1 });
  });

  it('two adds of one folder at once: each file added once, the copy reported as a duplicate of its original', async () => {
    expect(parselSync(['init', 'add.parsel', '--schema', 'lapa-11']).code).toBe(0);
    const [a, b] = await Promise.all([parsel(['add', 'add.parsel', 'plain', '--json', '--quiet']), parsel(['add', 'add.parsel', 'plain', '--json', '--quiet'])]);
    for (const r of [a, b]) {
      expect(r.err).not.toMatch(/INTERNAL|UNIQUE|database is locked/);
      expect(r.code, r.err).toBe(0);
    }
    const ra = JSON.parse(a.out) as { added: number; duplicates: { path: string; existingPath: string }[]; failed: unknown[] };
    const rb = JSON.parse(b.out) as typeof ra;
    expect(ra.added + rb.added).toBe(N - 4);
    expect([...ra.failed, ...rb.failed]).toEqual([]);
    // Each process reports every file it did not add: the copy, and the other process's files as themselves.
    expect(ra.added + ra.duplicates.length).toBe(N - 3);
    expect(rb.added + rb.duplicates.length).toBe(N - 3);
    for (const d of [...ra.duplicates, ...rb.duplicates]) {
      if (d.path.endsWith('zz-copy-of-p0.jpg')) expect(d.existingPath).toBe('plain/p0.jpg');
      else expect(join(dir, d.existingPath)).toBe(d.path);
    }
    expect(rows('add.parsel')).toMatchObject({ images: N - 4, distinctPaths: N - 4 });
  });

  it('a writer holding the lock past the busy timeout: BUSY, exit 3, nothing written; released in time: the writer waits and succeeds', async () => {
    expect(parselSync(['init', 'busy.parsel', '--schema', 'lapa-11']).code).toBe(0);
    const holder = new Database(join(dir, 'busy.parsel'));
    holder.exec('BEGIN IMMEDIATE');
    try {
      const add = parselSync(['add', 'busy.parsel', 'plain', '--quiet'], { PARSEL_BUSY_TIMEOUT_MS: '400' });
      expect(add.code, add.err).toBe(3);
      expect(add.err).toMatch(/parsel add: .*busy\.parsel is being written by another process \(waited 0\.\d s\); try again when it has finished \[BUSY\]/);
      expect(add.ms).toBeLessThan(30_000);
      const imp = parselSync(['import', 'busy.parsel', 'lapa', '--quiet'], { PARSEL_BUSY_TIMEOUT_MS: '400' });
      expect(imp.code, imp.err).toBe(3);
      expect(imp.err).toMatch(/being written by another process .*\[BUSY\]/);
    } finally {
      holder.exec('ROLLBACK');
    }
    expect(rows('busy.parsel').images).toBe(0);

    // Held for 2 s (longer than the add takes to reach its write), a 20 s timeout outlasts it.
    holder.exec('BEGIN IMMEDIATE');
    const waiting = parsel(['add', 'busy.parsel', 'plain', '--json', '--quiet'], { PARSEL_BUSY_TIMEOUT_MS: '20000' });
    await new Promise((r) => setTimeout(r, 2000));
    holder.exec('ROLLBACK');
    holder.close();
    const r = await waiting;
    expect(r.code, r.err).toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(2000);
    expect((JSON.parse(r.out) as { added: number }).added).toBe(N - 4);
  });
});
