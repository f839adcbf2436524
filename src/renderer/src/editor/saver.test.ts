/** Saver.hold (no idle save while a flag decision is on its way) and nextNote (the next save's note only). */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RendererClient } from '../api/client';
import { EditorCore } from './core';
import { Saver } from './saver';

beforeAll(() => {
  vi.stubGlobal('requestAnimationFrame', () => 1);
  vi.stubGlobal('cancelAnimationFrame', () => undefined);
});
afterAll(() => vi.unstubAllGlobals());

/** A backend of one image: session saves rewrite one working revision until finished (like working-revision.ts, without the mask comparison). */
function fakeClient() {
  const saves: { parentId: number | null; note?: string | null }[] = [];
  const calls: string[] = [];
  let next = 100;
  let working: { id: number; session: string } | null = null;
  const rev = (id: number, state: 'working' | 'final') => ({ id, number: id - 99, imageId: 1, parentId: null, kind: 'human', state, author: 'a', note: null, createdAt: '', updatedAt: '', width: 2, height: 1 });
  const client = {
    call: (method: string, req: { parentId: number | null; note?: string | null; session: string; finish?: boolean }) => {
      calls.push(req.finish ? `${method} finish` : method);
      if (method === 'revision:finish') {
        const id = working?.id ?? null;
        working = null;
        return Promise.resolve({ outcome: id === null ? 'unchanged' : 'updated', revision: id === null ? null : rev(id, 'final'), headRevisionId: id });
      }
      if (method !== 'revision:sessionSave') throw new Error(`unexpected ${method}`);
      saves.push({ parentId: req.parentId, note: req.note });
      const ours = working !== null && working.session === req.session;
      const id = ours ? working!.id : ++next;
      working = req.finish ? null : { id, session: req.session };
      return Promise.resolve({ outcome: ours ? 'updated' : 'created', revision: rev(id, req.finish ? 'final' : 'working'), headRevisionId: id });
    },
  } as unknown as RendererClient;
  return { client, saves, calls };
}

describe('Saver', () => {
  it('hold keeps the idle timer from saving; release re-arms it', async () => {
    vi.useFakeTimers();
    try {
      const { client, saves } = fakeClient();
      const core = new EditorCore(2, 1, new Uint8Array([0, 0]));
      const saver = new Saver(client, 1, core, 10, { delay: 100, author: 'a' });
      core.onChange = () => saver.changed();
      core.fill(0, 0, 1, 4);
      const release = saver.hold();
      await vi.advanceTimersByTimeAsync(1000);
      expect(saves).toEqual([]);
      expect(saver.unsaved).toBe(true);
      release();
      release(); // twice is once
      await vi.advanceTimersByTimeAsync(150);
      expect(saves).toEqual([{ parentId: 10, note: undefined }]);
      expect(saver.unsaved).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('nextNote goes with the next save only', async () => {
    const { client, saves } = fakeClient();
    const core = new EditorCore(2, 1, new Uint8Array([0, 0]));
    const saver = new Saver(client, 1, core, 10, { delay: 60_000, author: 'a' });
    core.fill(0, 0, 1, 4);
    saver.nextNote = 'undo of accepting noise flag 3';
    expect(await saver.flush()).toBe(true);
    core.fill(0, 0, 2, 4);
    expect(await saver.flush()).toBe(true);
    expect(saves).toEqual([
      { parentId: 10, note: 'undo of accepting noise flag 3' },
      { parentId: 101, note: undefined },
    ]);
    saver.dispose();
  });

  it('autosaves go into one working revision; save(message) and end() finish it, and the next edit starts a new one', async () => {
    const { client, saves, calls } = fakeClient();
    const core = new EditorCore(2, 1, new Uint8Array([0, 0]));
    const saver = new Saver(client, 1, core, 10, { delay: 60_000, author: 'a' });
    expect(saver.session.length).toBeGreaterThanOrEqual(8);
    core.fill(0, 0, 1, 4);
    await saver.flush();
    core.fill(0, 0, 2, 4);
    await saver.flush();
    expect(saver.base).toBe(101);
    // Leaving: nothing unsaved, the working revision is finished.
    expect(await saver.end()).toBe(true);
    expect(calls).toEqual(['revision:sessionSave', 'revision:sessionSave', 'revision:finish']);
    // Nothing open any more: ending again sends nothing.
    expect(await saver.end()).toBe(true);
    expect(calls).toHaveLength(3);
    // An explicit save with a message: finished at once, with the message; the next edit is a new revision.
    core.fill(1, 0, 3, 4);
    const r = await saver.save('  left brow  ');
    expect(r?.revision).toMatchObject({ id: 102, state: 'final' });
    expect(saves[2]).toEqual({ parentId: 101, note: 'left brow' });
    expect(calls[3]).toBe('revision:sessionSave finish');
    core.fill(1, 0, 4, 4);
    await saver.flush();
    expect(saver.base).toBe(103);
    // Unsaved edits on leaving: one save that finishes.
    core.fill(0, 0, 5, 4);
    expect(await saver.end()).toBe(true);
    expect(calls.slice(4)).toEqual(['revision:sessionSave', 'revision:sessionSave finish']);
    expect(saver.base).toBe(103);
    saver.dispose();
  });
});
