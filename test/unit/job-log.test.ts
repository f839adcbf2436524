/**
 * The session's job history (job:history): entries from job:progress events, outcomes from final
 * events or from the end of a registry run (a throw without a final event is recorded as failed with
 * its reason), durations, a reused job id making a new entry, and `job:history` over the backend.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus, directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { JobLog, finalOutcome, jobLogOf } from '../../src/main/services/job-log';
import { jobRegistry } from '../../src/main/services/job-registry';

function clocked() {
  const bus = new EventBus();
  let t = Date.parse('2026-01-01T00:00:00Z');
  const log = new JobLog(bus, () => '/p.parsel', () => t);
  return { bus, log, tick: (ms: number) => (t += ms) };
}

describe('job log', () => {
  it('records a job from its events and closes it on the final one, with counts and duration', () => {
    const { bus, log, tick } = clocked();
    bus.emit('job:progress', { jobId: 'a', kind: 'add-folder', done: 0, total: 0, phase: 'scanning' });
    tick(1500);
    bus.emit('job:progress', { jobId: 'a', kind: 'add-folder', done: 5, total: 10, phase: 'adding' });
    expect(log.list()[0]).toMatchObject({ jobId: 'a', status: 'running', done: 5, total: 10, endedAt: null, project: '/p.parsel' });
    tick(500);
    bus.emit('job:progress', { jobId: 'a', kind: 'add-folder', done: 10, total: 10, phase: 'done' });
    expect(log.list()[0]).toMatchObject({ status: 'done', done: 10, durationMs: 2000, endedAt: '2026-01-01T00:00:02.000Z' });
  });

  it('maps statuses and phases to outcomes', () => {
    expect(finalOutcome({ status: 'failed', phase: 'x' })).toBe('failed');
    expect(finalOutcome({ phase: 'aborted' })).toBe('failed');
    expect(finalOutcome({ phase: 'cancelled' })).toBe('cancelled');
    expect(finalOutcome({ status: 'paused', phase: 'paused' })).toBe('cancelled');
    expect(finalOutcome({ status: 'running', phase: 'done-ish' })).toBeNull();
    expect(finalOutcome({ phase: 'writing' })).toBeNull();
  });

  it('a job id run again is a new entry; newest first; failed counts and message kept', () => {
    const { bus, log } = clocked();
    bus.emit('job:progress', { jobId: '7', kind: 'prelabel', done: 1, total: 3, phase: 'inference', status: 'running' });
    bus.emit('job:progress', { jobId: '7', kind: 'prelabel', done: 2, total: 3, failed: 1, phase: 'paused', status: 'paused' });
    bus.emit('job:progress', { jobId: '7', kind: 'prelabel', done: 2, total: 3, failed: 1, phase: 'inference', status: 'running' });
    bus.emit('job:progress', { jobId: '7', kind: 'prelabel', done: 2, total: 3, failed: 1, phase: 'failed', status: 'failed', message: 'model file missing' });
    const [second, first] = log.list();
    expect(first).toMatchObject({ status: 'cancelled', failed: 1 });
    expect(second).toMatchObject({ status: 'failed', message: 'model file missing' });
    expect(second.key).toBeGreaterThan(first.key);
  });

  it('a registry run that throws without a final event is recorded as failed with the reason', async () => {
    const bus = new EventBus();
    const reg = jobRegistry((id) => `busy ${id}`, { bus, kind: 'export' });
    await expect(
      reg.run('x', async () => {
        bus.emit('job:progress', { jobId: 'x', kind: 'export', done: 1, total: 4, phase: 'writing' });
        throw new Error('disk full: /out/a.png');
      }),
    ).rejects.toThrow('disk full');
    expect(jobLogOf(bus).list()[0]).toMatchObject({ jobId: 'x', kind: 'export', status: 'failed', message: 'disk full: /out/a.png', done: 1 });
  });

  it('a registry run that ends after cancel, or says cancelled, is cancelled; a plain one done', async () => {
    const bus = new EventBus();
    const reg = jobRegistry((id) => `busy ${id}`, { bus, kind: 'metrics' });
    const slow = reg.run('c', async (_id, cancelled) => {
      while (!cancelled()) await new Promise((r) => setTimeout(r, 5));
      return { ok: true };
    });
    reg.cancel('c');
    await slow;
    await reg.run('d', async () => ({ status: 'cancelled' }));
    await reg.run('e', async () => 42);
    expect(jobLogOf(bus).list().map((e) => [e.jobId, e.status])).toEqual([
      ['e', 'done'],
      ['d', 'cancelled'],
      ['c', 'cancelled'],
    ]);
  });

  it('job:history over the backend lists a failed add-folder with its reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parsel-joblog-'));
    const backend = createBackend({ mode: 'browser', userDataDir: join(dir, 'user') });
    try {
      const api = directClient(backend.services, backend.bus);
      await api.call('project:create', { path: join(dir, 'p.parsel'), schemaId: 'celebamask-hq-a' });
      await expect(api.call('image:addFolder', { folder: join(dir, 'missing') })).rejects.toThrow();
      const [entry] = await api.call('job:history', {});
      expect(entry).toMatchObject({ kind: 'add-folder', status: 'failed', project: join(dir, 'p.parsel') });
      expect(entry.message).toContain('missing');
    } finally {
      backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
