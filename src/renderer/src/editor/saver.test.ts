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

function fakeClient() {
  const saves: { parentId: number | null; note?: string | null }[] = [];
  const client = {
    call: (method: string, req: { parentId: number | null; note?: string | null }) => {
      if (method !== 'revision:save') throw new Error(`unexpected ${method}`);
      saves.push({ parentId: req.parentId, note: req.note });
      return Promise.resolve({ id: 100 + saves.length, imageId: 1, parentId: req.parentId, kind: 'human', author: 'a', note: req.note ?? null, createdAt: '', width: 2, height: 1 });
    },
  } as unknown as RendererClient;
  return { client, saves };
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
});
