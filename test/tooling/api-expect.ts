/**
 * Helpers for tests that drive the typed API (direct client, WebSocket client or services).
 */
import { expect } from 'vitest';
import type { Events, ParselApi } from '../../src/shared/api/contract';
import { ParselError } from '../../src/shared/api/errors';
import type { PrelabelStarted } from '../../src/shared/api/methods-models';

/**
 * Expects `p` to reject with a ParselError of `code` (the failure shows the error's message), and,
 * when given, a message matching `msg`. Resolves with the error.
 */
export async function expectCode(p: Promise<unknown>, code: string, msg?: RegExp): Promise<ParselError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ParselError);
    expect((e as ParselError).code, (e as Error).message).toBe(code);
    if (msg) expect((e as Error).message).toMatch(msg);
    return e as ParselError;
  }
  throw new Error(`expected ${code}`);
}

/**
 * Starts (or resumes) a pre-label job with `start` and resolves, once the job has ended, with its start
 * reply and every progress event of it (the last one says how it ended).
 */
export async function runJob(
  api: ParselApi,
  start: () => Promise<PrelabelStarted>,
): Promise<{ started: PrelabelStarted; events: Events['job:progress'][] }> {
  const events: Events['job:progress'][] = [];
  let finish: () => void = () => {};
  const ended = new Promise<void>((r) => (finish = r));
  let id: string | null = null;
  const off = api.on('job:progress', (e) => {
    events.push(e);
    if (id !== null && e.jobId === id && e.status !== 'running') finish();
  });
  try {
    const started = await start();
    id = String(started.jobId);
    if (events.some((e) => e.jobId === id && e.status !== 'running')) finish();
    await ended;
    return { started, events: events.filter((e) => e.jobId === id) };
  } finally {
    off();
  }
}
