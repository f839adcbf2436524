/**
 * `parsel import` through a freshly built CLI bundle (own output folder, so a stale or concurrent
 * `out/cli` build does not matter): detection, --dry-run, --on-problem skip|abort, --json, exit codes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { buildCliBundle } from '../tooling/cli-bundle';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeIndexFolder, writeLapa } from '../tooling/formats';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, 'out', 'test-cli-import');
const dir = mkdtempSync(join(tmpdir(), 'parsel-cli-import-'));
const env = { ...process.env, PARSEL_USER_DATA: join(dir, 'user') };

function parsel(...args: string[]) {
  const r = spawnSync(process.execPath, [join(OUT, 'run.mjs'), ...args], { cwd: dir, env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  await buildCliBundle(OUT);
  await writeLapa(join(dir, 'lapa'), { counts: { train: 3, test: 1 }, size: 40, seed: 5 });
});

describe('parsel import', () => {
  it('usage errors exit 2', () => {
    expect(parsel('import', 'p.parsel').code).toBe(2);
    const f = parsel('import', 'p.parsel', 'lapa', '--format', 'pascal');
    expect(f.code).toBe(2);
    expect(f.err).toMatch(/unknown format "pascal"/);
    const iv = parsel('import', 'p.parsel', 'lapa', '--ignore-value', '256');
    expect(iv.code).toBe(2);
    expect(iv.err).toMatch(/--ignore-value must be an integer 0-255, got "256"/);
    expect(parsel('import', 'p.parsel', 'lapa', '--on-problem', 'maybe').code).toBe(2);
  });

  it('dry run, abort on problems (exit 3, nothing written), skip (exit 4), rerun resumes (exit 0)', () => {
    expect(parsel('init', 'p.parsel', '--schema', 'lapa-11').code).toBe(0);
    // Junk the way real folders carry it: listed as skipped, never a problem.
    writeFileSync(join(dir, 'lapa', 'train', 'images', '.DS_Store'), 'x');
    writeFileSync(join(dir, 'lapa', 'Thumbs.db'), 'x');
    const listed = parsel('import', 'p.parsel', 'lapa', '--dry-run');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/skipped 2 files that are not dataset content:\n {2}.*Thumbs\.db \(Windows thumbnail cache\)\n {2}.*train\/images\/\.DS_Store \(macOS Finder metadata\)/);
    const dry = parsel('import', 'p.parsel', 'lapa', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.out) as { format: string; importable: number; bySplit: Record<string, number> };
    expect([plan.format, plan.importable]).toEqual(['lapa', 4]);
    expect(plan.bySplit).toEqual({ train: 3, test: 1 });
    // Break one label: value 200 is not a LaPa class.
    const lbl = join(dir, 'lapa', 'train', 'labels', 'train_0001.png');
    const bytes = readFileSync(lbl);
    writeFileSync(join(dir, 'saved.png'), bytes);
    writeFileSync(lbl, Buffer.from('not a png'));
    const ab = parsel('import', 'p.parsel', 'lapa');
    expect(ab.code).toBe(3);
    expect(ab.err).toMatch(/undecodable +.*train_0001\.png: not a PNG file/);
    expect(ab.err).toMatch(/aborted: 1 problems, nothing imported/);
    expect(parsel('info', 'p.parsel', '--json').out).toMatch(/"total": 0/);
    const sk = parsel('import', 'p.parsel', 'lapa', '--on-problem', 'skip');
    expect(sk.code).toBe(4);
    expect(sk.out).toMatch(/done: imported 3, skipped 1, already imported 0/);
    writeFileSync(lbl, readFileSync(join(dir, 'saved.png')));
    const again = parsel('import', 'p.parsel', 'lapa', '--format', 'lapa', '--json');
    expect(again.code).toBe(0);
    const r = JSON.parse(again.out) as { imported: number; alreadyImported: number; status: string };
    expect([r.status, r.imported, r.alreadyImported]).toEqual(['done', 1, 3]);
  });

  it('refusals exit 3 with the reason', () => {
    mkdirSync(join(dir, 'empty'));
    const e = parsel('import', 'p.parsel', 'empty');
    expect(e.code).toBe(3);
    expect(e.err).toMatch(/cannot tell the dataset format/);
    expect(parsel('init', 'h.parsel', '--schema', 'helen-11').code).toBe(0);
    const s = parsel('import', 'h.parsel', 'lapa');
    expect(s.code).toBe(3);
    expect(s.err).toMatch(/masks are in schema lapa-11, but this project uses helen-11/);
  });

  it('SIGKILL mid-import: committed batches stay, the database is intact, a rerun finishes the rest', async () => {
    const ds = await writeIndexFolder(join(dir, 'many'), { schemaId: 'lapa-11', count: 360, size: 24, seed: 1 });
    expect(parsel('init', 'k.parsel', '--schema', 'lapa-11').code).toBe(0);
    const file = join(dir, 'k.parsel');
    const child = spawn(process.execPath, [join(OUT, 'run.mjs'), 'import', 'k.parsel', ds.dir, '--on-problem', 'skip', '--quiet'], { cwd: dir, env });
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    const count = () => {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        return db.prepare('SELECT count(*) FROM image').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    let seen = 0;
    for (let i = 0; i < 600 && seen === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      seen = count();
    }
    child.kill('SIGKILL');
    await exited;
    const atKill = count();
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(360);
    expect(atKill % 64).toBe(0); // whole batches only
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // every committed image has its import revision
    expect(db.prepare('SELECT count(*) FROM image WHERE head_revision_id IS NULL').pluck().get()).toBe(0);
    db.close();
    const again = parsel('import', 'k.parsel', ds.dir, '--json', '--quiet');
    expect(again.code).toBe(0);
    const r = JSON.parse(again.out) as { imported: number; alreadyImported: number };
    expect([r.imported + r.alreadyImported, r.alreadyImported]).toEqual([360, atKill]);
    expect(count()).toBe(360);
  });
});
