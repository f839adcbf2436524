/**
 * EditorCore's tagged history entries (an accepted noise flag): the tag follows its entry through
 * undo and redo, untagged entries report nothing, and a new edit (which clears redo) drops it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EditorCore, type EditTag } from './core';

beforeAll(() => {
  vi.stubGlobal('requestAnimationFrame', () => 1);
  vi.stubGlobal('cancelAnimationFrame', () => undefined);
});
afterAll(() => vi.unstubAllGlobals());

describe('EditorCore tags', () => {
  it('an accept (replace with a tag) is one entry; undo / redo report its tag and restore the pixels', () => {
    const before = new Uint8Array([0, 1, 1, 2, 2, 2]);
    const core = new EditorCore(3, 2, before.slice());
    const seen: [string, EditTag][] = [];
    core.onTagged = (op, tag) => seen.push([op, { ...tag }]);
    core.fill(0, 0, 3, 4); // an untagged edit first: pixel 0 → 3
    const afterFill = core.mask.data.slice();
    const accepted = new Uint8Array([3, 5, 5, 2, 2, 2]);
    const tag: EditTag = { kind: 'flag-accept', flagId: 7, revisionId: 42 };
    expect(core.replace(accepted, tag)).toBe(true);
    expect(core.history.undoDepth).toBe(2);
    expect(core.nextTag('undo')).toBe(tag);

    expect(core.undo()).toBe(true);
    expect(Array.from(core.mask.data)).toEqual(Array.from(afterFill));
    expect(seen).toEqual([['undo', tag]]);
    expect(core.nextTag('redo')).toBe(tag);
    expect(core.redo()).toBe(true);
    expect(Array.from(core.mask.data)).toEqual(Array.from(accepted));
    expect(seen.map((x) => x[0])).toEqual(['undo', 'redo']);

    // Undo of the accept, then of the fill (untagged: nothing reported).
    core.undo();
    core.undo();
    expect(Array.from(core.mask.data)).toEqual(Array.from(before));
    expect(seen.map((x) => x[0])).toEqual(['undo', 'redo', 'undo']);
    // A new edit clears redo: the accept can no longer be redone.
    core.fill(2, 1, 9, 4);
    expect(core.history.redoDepth).toBe(0);
    expect(core.nextTag('redo')).toBeUndefined();
  });

  it('replacing with identical pixels adds no entry and no tag', () => {
    const core = new EditorCore(2, 1, new Uint8Array([1, 2]));
    expect(core.replace(new Uint8Array([1, 2]), { kind: 'flag-accept', flagId: 1, revisionId: 1 })).toBe(false);
    expect(core.nextTag('undo')).toBeUndefined();
  });
});
