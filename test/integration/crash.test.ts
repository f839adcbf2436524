/**
 * A writer process killed with SIGKILL at random moments must never leave a damaged database, and
 * every revision it acknowledged (printed after commit) must still be there.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { getSchema } from '../../src/shared/schema';
import { decodeMask } from '../../src/shared/mask/codec';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';

const ROOT = resolve(__dirname, '../..');
const WRITER = join(ROOT, 'test/tooling/revision-writer.ts');
const SESSION_WRITER = join(ROOT, 'test/tooling/session-writer.ts');

/** Acknowledged revision ids, and for the session writer the step of each acknowledgement. */
function runAndKill(file: string, killAfterAcks: number, writer = WRITER, args: string[] = [], steps: number[] = []): Promise<number[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let buf = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ACK (\d+)(?: (\d+))?$/.exec(line);
        if (m) acked.push(Number(m[1]));
        if (m?.[2] !== undefined) steps.push(Number(m[2]));
        if (acked.length === killAfterAcks) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolvePromise(acked);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('crash safety', () => {
  it('survives 20 SIGKILLs mid-write with integrity ok and no acknowledged revision lost', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'parsel-crash-')), 'crash.parsel');
    const store = ProjectStore.create(file, getSchema('celebamask-hq-a'), 'crash');
    store.insertImages([{ path: 'a.png', sha256: 'd'.repeat(64), width: 64, height: 64 }]);
    store.close();

    // Seeded so a failure can be replayed; kill points spread from "right away" to "after many commits".
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const allAcked: number[] = [];
    for (let round = 0; round < 20; round++) {
      const acked = await runAndKill(file, 1 + Math.floor(rand() * 60));
      allAcked.push(...acked);
      const db = new Database(file);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const ids = new Set((db.prepare('SELECT id FROM revision').pluck().all() as number[]));
      for (const id of allAcked) expect(ids.has(id)).toBe(true);
      // The chain is linear and the head is the newest revision.
      const head = db.prepare('SELECT head_revision_id FROM image WHERE id = 1').pluck().get() as number;
      expect(head).toBe(Math.max(...ids));
      db.close();
    }
    expect(allAcked.length).toBeGreaterThanOrEqual(20);
  }, 180_000);

  it('editing sessions: after 10 SIGKILLs every acknowledged autosave is stored, in the revision it was acknowledged in', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'parsel-crash-')), 'sessions.parsel');
    const store = ProjectStore.create(file, getSchema('celebamask-hq-a'), 'crash');
    store.insertImages([{ path: 'a.png', sha256: 'e'.repeat(64), width: 64, height: 64 }]);
    store.close();
    let seed = 777;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const final = new Map<number, number>(); // revision id -> step of its last acknowledged save
    let next = 1;
    let total = 0;
    for (let round = 0; round < 10; round++) {
      const steps: number[] = [];
      const acked = await runAndKill(file, 1 + Math.floor(rand() * 40), SESSION_WRITER, [String(next)], steps);
      total += acked.length;
      acked.forEach((id, k) => final.set(id, steps[k]));
      next = steps[steps.length - 1] + 200; // the next run's masks never equal this one's
      const s = ProjectStore.open(file);
      expect(storeDb(s).pragma('integrity_check', { simple: true })).toBe('ok');
      // One working revision at most: the killed session's, which the next run ends.
      expect((storeDb(s).prepare(`SELECT count(*) FROM revision WHERE state = 'working'`).pluck().get() as number)).toBeLessThanOrEqual(1);
      for (const [id, step] of final) {
        const m = decodeMask(s.revisionMask(id));
        // The revision holds its last acknowledged save, or a later save of the same run that committed
        // before the kill landed (never lost, never an earlier one).
        const stored = m[0] + 19 * m[1] + 361 * m[2];
        expect(stored).toBeGreaterThanOrEqual(step);
        expect(stored).toBeLessThan(step + 200);
      }
      const nums = s.listRevisions(1).map((r) => r.number);
      expect(nums).toEqual(nums.map((_, k) => nums.length - k));
      s.close();
    }
    // Autosaves were folded: far fewer revisions than acknowledged saves.
    expect(total).toBeGreaterThanOrEqual(10);
    expect(final.size).toBeLessThan(total);
  }, 180_000);
});
