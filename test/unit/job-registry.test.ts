/** The cancellable-run registry shared by scan, export, import and statistics (src/main/services/job-registry.ts). */
import { describe, expect, it } from 'vitest';
import { jobRegistry } from '../../src/main/services/job-registry';
import { expectCode } from '../tooling/api-expect';

describe('jobRegistry', () => {
  it('refuses a second run of a running id, lets the run see its cancel, and releases the id after', async () => {
    const jobs = jobRegistry((id) => `scan job ${id} is already running`);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: boolean[] = [];
    const first = jobs.run('a', async (id, cancelled) => {
      expect(id).toBe('a');
      seen.push(cancelled());
      await gate;
      seen.push(cancelled());
      return 'done';
    });
    await expectCode(jobs.run('a', async () => 'second'), 'CONFLICT', /^scan job a is already running$/);
    expect(() => jobs.free('a')).toThrow('scan job a is already running');
    expect(jobs.cancel('a')).toEqual({ cancelled: true });
    expect(jobs.cancel('other')).toEqual({ cancelled: false });
    release();
    expect(await first).toBe('done');
    expect(seen).toEqual([false, true]);
    // Released, also when the body throws.
    expect(jobs.cancel('a')).toEqual({ cancelled: false });
    await expect(jobs.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await jobs.run('a', async () => 'again')).toBe('again');
  });

  it('gives a fresh id when none is asked for', async () => {
    const jobs = jobRegistry((id) => id);
    const ids = await Promise.all([jobs.run(undefined, async (id) => id), jobs.run(undefined, async (id) => id)]);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });
});
