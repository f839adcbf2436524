/** Editor preferences remembered per project (prefs.ts): stored on change, restored, validated. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFS, fromStored, PrefsStore, PROJECT_PREFS_PREFIX, type PrefsStorage } from './prefs';

function memoryStorage(): PrefsStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('editor preferences per project', () => {
  it('changes are stored for the project and come back in a new session; another project starts from the defaults', () => {
    const storage = memoryStorage();
    const a = new PrefsStore({ ...DEFAULT_PREFS });
    a.useProject('/data/a.parsel', storage);
    a.set({ brushSize: 23, brushShape: 'square', tool: 'fill', opacity: 0.3, outline: true, onlyOver: 1, protect: new Set([4, 5]), reviewOverlay: 'heat' });
    a.setHidden('celebamask-hq-a', new Set([2]));
    a.setAlpha('celebamask-hq-a', new Map([[3, 0.25]]));

    const b = new PrefsStore({ ...DEFAULT_PREFS });
    b.useProject('/data/a.parsel', storage);
    const p = b.get();
    expect([p.brushSize, p.brushShape, p.tool, p.opacity, p.outline, p.onlyOver, [...p.protect], p.reviewOverlay]).toEqual([23, 'square', 'fill', 0.3, true, 1, [4, 5], 'heat']);
    expect([...b.hiddenOf('celebamask-hq-a')]).toEqual([2]);
    expect(b.alphaOf('celebamask-hq-a').get(3)).toBe(0.25);

    b.useProject('/data/b.parsel', storage);
    expect(b.get().tool).toBe('brush');
    expect(b.get().brushSize).toBeNull();
    expect(b.get().protect.size).toBe(0);
    // A new project takes the last opacity used anywhere.
    expect(b.get().opacity).toBe(0.3);
    b.set({ tool: 'polygon' });
    b.useProject('/data/a.parsel', storage);
    expect(b.get().tool).toBe('fill');
    expect(JSON.parse(storage.map.get(`${PROJECT_PREFS_PREFIX}/data/b.parsel`)!).tool).toBe('polygon');
  });

  it('unreadable or malformed stored values fall back to the defaults, field by field, without throwing', () => {
    const storage = memoryStorage();
    storage.setItem(`${PROJECT_PREFS_PREFIX}x`, '{not json');
    const s = new PrefsStore({ ...DEFAULT_PREFS });
    s.useProject('x', storage);
    expect(s.get().tool).toBe('brush');

    const p = fromStored(
      { v: 1, brushSize: 'big', current: 999, eraseTo: 3, protect: [1, -1, 'a', 300, 2], connectivity: 6, opacity: 4, tool: '../x', alpha: { s: [[1, 2], [2, 0.5]] } },
      DEFAULT_PREFS,
    );
    expect(p.brushSize).toBeNull();
    expect(p.current).toBe(DEFAULT_PREFS.current);
    expect(p.eraseTo).toBe(3);
    expect([...p.protect]).toEqual([1, 2]);
    expect(p.connectivity).toBe(4);
    expect(p.opacity).toBe(DEFAULT_PREFS.opacity);
    expect(p.tool).toBe('brush');
    expect([...p.alpha.get('s')!]).toEqual([[2, 0.5]]);
    expect(fromStored({ v: 2, tool: 'fill' }, DEFAULT_PREFS)).toBe(DEFAULT_PREFS);
  });
});
