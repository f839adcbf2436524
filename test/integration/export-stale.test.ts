/**
 * Temporary folders of killed exports (issue 15): an export SIGKILL'd mid-way leaves
 * `.<dest>.parsel-export-*`; the next export into the same parent removes it and says so, and
 * leaves alone a running export's folder, recent folders whose owner is unknown, final folders and
 * links.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE } from '../../src/shared/api/methods-export';
import { OWNER_FILE } from '../../src/main/services/export-temp';
import { makeExportProject, type ExportProject } from '../tooling/export-project';

const ROOT = resolve(__dirname, '../..');
const CHILD = join(ROOT, 'test', 'tooling', 'export-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'parsel-export-stale-'));
const out = join(dir, 'out');
let p: ExportProject;
let sleeper: ChildProcess | null = null;

beforeAll(async () => {
  p = await makeExportProject(dir, { count: 80, size: 192, schemaId: 'celebamask-hq-a', userDataDir: join(dir, 'user'), meta: (i) => ({ split: i % 5 ? 'train' : 'val' }) });
  mkdirSync(out);
}, 180_000);

afterAll(() => {
  sleeper?.kill('SIGKILL');
  p.backend.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs an export in a child process and SIGKILLs it once it has written some items. */
async function killedExport(dest: string): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, p.file, dest, join(dir, 'user-child')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const pid = child.pid!;
  await new Promise<void>((done, fail) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n').slice(0, -1)) {
        const m = JSON.parse(line) as { done?: number; phase?: string; status?: string };
        if (m.status) fail(new Error(`the export finished before it could be killed (${m.status})`));
        if (m.phase === 'writing' && (m.done ?? 0) >= 2) {
          child.kill('SIGKILL');
          done();
        }
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    });
    child.on('exit', (code, sig) => (sig === 'SIGKILL' ? done() : fail(new Error(`export child exited ${code}: ${err}`))));
  });
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  return pid;
}

describe('stale export folders', () => {
  it('the next export into the same parent removes a SIGKILLed export\'s folder and says so; never a live one, a final folder or a link', async () => {
    const pid = await killedExport(join(out, 'killed'));
    const killed = readdirSync(out).filter((n) => n.startsWith('.killed.parsel-export-'));
    expect(killed).toHaveLength(1);
    const killedPath = join(out, killed[0]);
    expect(existsSync(join(killedPath, OWNER_FILE))).toBe(true);
    expect(existsSync(join(out, 'killed'))).toBe(false);

    // A finished export: its final folder has no owner file.
    const first = await p.api.call('export:run', { dir: join(out, 'first'), spec: { format: 'lapa', remap: { target: 'lapa-11', ignoreIndex: 255 } } });
    expect(first.status).toBe('done');
    expect(existsSync(join(out, 'first', OWNER_FILE))).toBe(false);
    // Its own sweep already removed the killed export's folder.
    expect(first.staleRemoved).toEqual([{ path: killedPath, reason: expect.stringMatching(new RegExp(`^its export \\(process ${pid}, started .*\\) is gone$`)) }]);
    expect(existsSync(killedPath)).toBe(false);

    // Others of every kind next to it.
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    const mk = (name: string, owner: object | null, files: Record<string, string> = {}, old = false) => {
      const d = join(out, name);
      mkdirSync(join(d, 'train'), { recursive: true });
      writeFileSync(join(d, 'train', 'a.png'), 'x');
      if (owner) writeFileSync(join(d, OWNER_FILE), JSON.stringify(owner));
      for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
      if (old) utimesSync(d, twoDaysAgo, twoDaysAgo);
      return d;
    };
    sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    const live = mk('.live.parsel-export-aaaaaaaaaaaa', { pid: sleeper.pid, host: hostname(), startedAt: new Date().toISOString() }, {}, true);
    const gone = mk('.gone.parsel-export-0123456789ab', { pid, host: hostname(), startedAt: new Date().toISOString() });
    const oldUnknown = mk('.old.parsel-export-bbbbbbbbbbbb', null, {}, true);
    const recentUnknown = mk('.recent.parsel-export-cccccccccccc', null);
    const otherHostRecent = mk('.far.parsel-export-cccccccccccd', { pid: 1, host: `not-${hostname()}`, startedAt: new Date().toISOString() });
    const finalLookalike = mk('.final.parsel-export-dddddddddddd', null, { [MANIFEST_FILE]: '{}' }, true);
    const notHex = mk('.odd.parsel-export-zzzzzzzzzzzz', null, {}, true);
    const target = mk('linked-target', null, {}, true);
    const link = join(out, '.link.parsel-export-eeeeeeeeeeee');
    symlinkSync(target, link, 'dir');

    const second = await p.api.call('export:run', { dir: join(out, 'second'), spec: { format: 'lapa', remap: { target: 'lapa-11', ignoreIndex: 255 } } });
    expect(second.status).toBe('done');
    expect(second.staleRemoved.map((s) => s.path)).toEqual([gone, oldUnknown]);
    expect(second.staleRemoved[1].reason).toMatch(/^unchanged for 48 h, no owner recorded$/);
    for (const kept of [live, recentUnknown, otherHostRecent, finalLookalike, notHex, target, link, join(out, 'first'), join(out, 'second')]) {
      expect(existsSync(kept), kept).toBe(true);
    }
    expect(existsSync(gone)).toBe(false);
    expect(existsSync(oldUnknown)).toBe(false);
    // Nothing temporary of the finished exports is left.
    expect(readdirSync(out).filter((n) => n.startsWith('.first.') || n.startsWith('.second.'))).toEqual([]);
  }, 120_000);
});
