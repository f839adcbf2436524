/**
 * The editor's view and tool preferences: one store shared by every image of the session (N / B keep
 * them), read by React with `useEditorPrefs` (useSyncExternalStore) and by the pointer and keyboard
 * handlers with `editorPrefs.get()` (no re-render needed to see the latest value).
 *
 * The snapshot is immutable: `set` replaces it (and the Sets / Maps in it) and notifies subscribers
 * once. `brushSize` / `brushShape` are null until the user picks one: the settings' defaults apply.
 */
import { useSyncExternalStore } from 'react';
import { MAX_BRUSH_SIZE, MIN_BRUSH_SIZE, type BrushShape } from '../../../shared/mask/paint';

export interface EditorPrefs {
  /** Mask overlay opacity 0..1. */
  opacity: number;
  outline: boolean;
  maskOff: boolean;
  /** Pixel grid at high zoom. */
  grid: boolean;
  /** Classes hidden from the overlay, by schema id. */
  hidden: ReadonlyMap<string, ReadonlySet<number>>;
  /** Per-class overlay alpha, by schema id. */
  alpha: ReadonlyMap<string, ReadonlyMap<number, number>>;
  /** Id of the active tool (see toolbox/registry.ts). */
  tool: string;
  brushSize: number | null;
  brushShape: BrushShape | null;
  /** The class painted with. */
  current: number;
  /** The class the eraser / polygon subtract writes. */
  eraseTo: number;
  polygonMode: 'add' | 'subtract';
  connectivity: 4 | 8;
  /** Lock: tools write only over this class (null: any). */
  onlyOver: number | null;
  /** Lock: classes no tool writes over. */
  protect: ReadonlySet<number>;
  /** Selection reassign: only pixels of this class (null: every class). */
  reassignFrom: number | null;
}

const OPACITY_KEY = 'parsel.viewer.opacity';

export const DEFAULT_PREFS: EditorPrefs = {
  opacity: 0.55,
  outline: false,
  maskOff: false,
  grid: true,
  hidden: new Map(),
  alpha: new Map(),
  tool: 'brush',
  brushSize: null,
  brushShape: null,
  current: 1,
  eraseTo: 0,
  polygonMode: 'add',
  connectivity: 4,
  onlyOver: null,
  protect: new Set(),
  reassignFrom: null,
};

export type PrefsPatch = Partial<EditorPrefs> | ((p: EditorPrefs) => Partial<EditorPrefs>);

/** A tiny external store (subscribe / getSnapshot) for `useSyncExternalStore`. */
export class PrefsStore {
  private snap: EditorPrefs;
  private readonly listeners = new Set<() => void>();

  constructor(initial: EditorPrefs) {
    this.snap = initial;
  }

  readonly getSnapshot = (): EditorPrefs => this.snap;
  get(): EditorPrefs {
    return this.snap;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  set(patch: PrefsPatch): void {
    const p = typeof patch === 'function' ? patch(this.snap) : patch;
    const next = normalize({ ...this.snap, ...p });
    if (shallowEqual(next, this.snap)) return;
    const opacityChanged = next.opacity !== this.snap.opacity;
    this.snap = next;
    if (opacityChanged) storeNumber(OPACITY_KEY, next.opacity);
    for (const l of [...this.listeners]) l();
  }

  /** Hidden classes / alphas of one schema. */
  hiddenOf(schemaId: string | undefined): ReadonlySet<number> {
    return this.snap.hidden.get(schemaId ?? '') ?? EMPTY_SET;
  }
  alphaOf(schemaId: string | undefined): ReadonlyMap<number, number> {
    return this.snap.alpha.get(schemaId ?? '') ?? EMPTY_MAP;
  }
  setHidden(schemaId: string, s: ReadonlySet<number>): void {
    this.set((p) => ({ hidden: new Map(p.hidden).set(schemaId, s) }));
  }
  setAlpha(schemaId: string, m: ReadonlyMap<number, number>): void {
    this.set((p) => ({ alpha: new Map(p.alpha).set(schemaId, m) }));
  }
}

const EMPTY_SET: ReadonlySet<number> = new Set();
const EMPTY_MAP: ReadonlyMap<number, number> = new Map();

function normalize(p: EditorPrefs): EditorPrefs {
  if (p.brushSize !== null) p.brushSize = Math.max(MIN_BRUSH_SIZE, Math.min(MAX_BRUSH_SIZE, Math.round(p.brushSize)));
  if (!Number.isFinite(p.opacity)) p.opacity = DEFAULT_PREFS.opacity;
  p.opacity = Math.max(0, Math.min(1, p.opacity));
  return p;
}

function shallowEqual(a: EditorPrefs, b: EditorPrefs): boolean {
  for (const k of Object.keys(a) as (keyof EditorPrefs)[]) if (a[k] !== b[k]) return false;
  return true;
}

function loadNumber(key: string, fallback: number): number {
  try {
    const raw = localStorage.getItem(key);
    const v = Number(raw);
    return raw !== null && Number.isFinite(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

function storeNumber(key: string, v: number): void {
  try {
    localStorage.setItem(key, String(v));
  } catch {
    // storage may be unavailable
  }
}

/** The session's store (module-level: every editor instance of the page shares it). */
export const editorPrefs = new PrefsStore(
  normalize({ ...DEFAULT_PREFS, opacity: typeof localStorage === 'undefined' ? DEFAULT_PREFS.opacity : loadNumber(OPACITY_KEY, DEFAULT_PREFS.opacity) }),
);

export function useEditorPrefs(store: PrefsStore = editorPrefs): EditorPrefs {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
