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
import { ProjectStore } from '../../src/main/store/project-store';

const ROOT = resolve(__dirname, '../..');
const WRITER = join(ROOT, 'test/tooling/revision-writer.ts');

function runAndKill(file: string, killAfterAcks: number): Promise<number[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let buf = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ACK (\d+)$/.exec(line);
        if (m) acked.push(Number(m[1]));
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
});
