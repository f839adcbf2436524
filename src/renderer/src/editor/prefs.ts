/**
 * The editor's view and tool preferences: one store shared by every image of the session (N / B keep
 * them), read by React with `useEditorPrefs` (useSyncExternalStore) and by the pointer and keyboard
 * handlers with `editorPrefs.get()` (no re-render needed to see the latest value).
 *
 * The snapshot is immutable: `set` replaces it (and the Sets / Maps in it) and notifies subscribers
 * once. `brushSize` / `brushShape` are null until the user picks one: the settings' defaults apply.
 *
 * Remembered per project: `useProject(key)` (the editor passes the project file's path) loads what was
 * stored for that project in localStorage (`parsel.editor.prefs:<key>`, validated field by field: a
 * bad or foreign value falls back to the default, never throws) and stores every later change there.
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
  /** The noise review's layer over the photo: none, the disagreement heat map, the model's classes. */
  reviewOverlay: 'none' | 'heat' | 'model';
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
  reviewOverlay: 'none',
};

export type PrefsPatch = Partial<EditorPrefs> | ((p: EditorPrefs) => Partial<EditorPrefs>);

/** Where per-project preferences are kept (localStorage; tests pass a Map-backed one). */
export interface PrefsStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const PROJECT_PREFS_PREFIX = 'parsel.editor.prefs:';

/** A tiny external store (subscribe / getSnapshot) for `useSyncExternalStore`. */
export class PrefsStore {
  private snap: EditorPrefs;
  private readonly listeners = new Set<() => void>();
  private project: { key: string; storage: PrefsStorage } | null = null;

  constructor(initial: EditorPrefs) {
    this.snap = initial;
  }

  /**
   * Follows a project: its remembered preferences replace the current ones (defaults for what it has
   * none of; the last opacity used anywhere for a new project), and changes are stored for it. The same
   * key again changes nothing; null stops storing.
   */
  useProject(key: string | null, storage: PrefsStorage | null = browserStorage()): void {
    if (key === null || storage === null) {
      this.project = null;
      return;
    }
    if (this.project?.key === key && this.project.storage === storage) return;
    this.project = null; // nothing is written while switching
    let raw: unknown = null;
    try {
      const text = storage.getItem(PROJECT_PREFS_PREFIX + key);
      raw = text === null ? null : JSON.parse(text);
    } catch {
      raw = null; // unreadable: the defaults
    }
    const base: EditorPrefs = { ...DEFAULT_PREFS, opacity: loadNumber(OPACITY_KEY, DEFAULT_PREFS.opacity, storage) };
    this.replace(fromStored(raw, base));
    this.project = { key, storage };
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
    this.replace({ ...this.snap, ...p });
  }

  private replace(candidate: EditorPrefs): void {
    const next = normalize(candidate);
    if (shallowEqual(next, this.snap)) return;
    const opacityChanged = next.opacity !== this.snap.opacity;
    this.snap = next;
    const storage = this.project?.storage ?? browserStorage();
    if (opacityChanged && storage) storeItem(storage, OPACITY_KEY, String(next.opacity));
    if (this.project) storeItem(this.project.storage, PROJECT_PREFS_PREFIX + this.project.key, JSON.stringify(toStored(next)));
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

function browserStorage(): PrefsStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage may be unavailable (blocked)
  }
}

function loadNumber(key: string, fallback: number, storage = browserStorage()): number {
  try {
    const raw = storage?.getItem(key) ?? null;
    const v = Number(raw);
    return raw !== null && Number.isFinite(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

function storeItem(storage: PrefsStorage, key: string, value: string): void {
  try {
    storage.setItem(key, value);
  } catch {
    // storage may be unavailable or full: the preferences still apply to this session
  }
}

/** What is stored per project (JSON): Sets and Maps as arrays. */
interface StoredPrefs {
  v: 1;
  opacity: number;
  outline: boolean;
  maskOff: boolean;
  grid: boolean;
  hidden: Record<string, number[]>;
  alpha: Record<string, [number, number][]>;
  tool: string;
  brushSize: number | null;
  brushShape: BrushShape | null;
  current: number;
  eraseTo: number;
  polygonMode: 'add' | 'subtract';
  connectivity: 4 | 8;
  onlyOver: number | null;
  protect: number[];
  reassignFrom: number | null;
  reviewOverlay: 'none' | 'heat' | 'model';
}

function toStored(p: EditorPrefs): StoredPrefs {
  return {
    v: 1,
    opacity: p.opacity,
    outline: p.outline,
    maskOff: p.maskOff,
    grid: p.grid,
    hidden: Object.fromEntries([...p.hidden].map(([k, s]) => [k, [...s]])),
    alpha: Object.fromEntries([...p.alpha].map(([k, m]) => [k, [...m]])),
    tool: p.tool,
    brushSize: p.brushSize,
    brushShape: p.brushShape,
    current: p.current,
    eraseTo: p.eraseTo,
    polygonMode: p.polygonMode,
    connectivity: p.connectivity,
    onlyOver: p.onlyOver,
    protect: [...p.protect],
    reassignFrom: p.reassignFrom,
    reviewOverlay: p.reviewOverlay,
  };
}

const isClass = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Stored JSON → preferences, field by field: anything missing or malformed keeps `base`'s value. */
export function fromStored(raw: unknown, base: EditorPrefs): EditorPrefs {
  if (!isObject(raw) || raw.v !== 1) return base;
  const p = { ...base };
  const bool = (k: 'outline' | 'maskOff' | 'grid') => {
    if (typeof raw[k] === 'boolean') p[k] = raw[k];
  };
  bool('outline');
  bool('maskOff');
  bool('grid');
  if (typeof raw.opacity === 'number' && raw.opacity >= 0 && raw.opacity <= 1) p.opacity = raw.opacity;
  if (typeof raw.tool === 'string' && /^[a-z][a-z0-9-]*$/.test(raw.tool)) p.tool = raw.tool;
  if (raw.brushSize === null || (typeof raw.brushSize === 'number' && Number.isFinite(raw.brushSize))) p.brushSize = raw.brushSize;
  if (raw.brushShape === null || raw.brushShape === 'round' || raw.brushShape === 'square') p.brushShape = raw.brushShape;
  if (isClass(raw.current)) p.current = raw.current;
  if (isClass(raw.eraseTo)) p.eraseTo = raw.eraseTo;
  if (raw.polygonMode === 'add' || raw.polygonMode === 'subtract') p.polygonMode = raw.polygonMode;
  if (raw.connectivity === 4 || raw.connectivity === 8) p.connectivity = raw.connectivity;
  if (raw.onlyOver === null || isClass(raw.onlyOver)) p.onlyOver = raw.onlyOver;
  if (raw.reassignFrom === null || isClass(raw.reassignFrom)) p.reassignFrom = raw.reassignFrom;
  if (Array.isArray(raw.protect)) p.protect = new Set(raw.protect.filter(isClass));
  if (raw.reviewOverlay === 'none' || raw.reviewOverlay === 'heat' || raw.reviewOverlay === 'model') p.reviewOverlay = raw.reviewOverlay;
  if (isObject(raw.hidden)) {
    const m = new Map<string, ReadonlySet<number>>();
    for (const [k, v] of Object.entries(raw.hidden)) if (Array.isArray(v)) m.set(k, new Set(v.filter(isClass)));
    p.hidden = m;
  }
  if (isObject(raw.alpha)) {
    const m = new Map<string, ReadonlyMap<number, number>>();
    for (const [k, v] of Object.entries(raw.alpha)) {
      if (!Array.isArray(v)) continue;
      const inner = new Map<number, number>();
      for (const e of v) if (Array.isArray(e) && isClass(e[0]) && typeof e[1] === 'number' && e[1] >= 0 && e[1] <= 1) inner.set(e[0], e[1]);
      m.set(k, inner);
    }
    p.alpha = m;
  }
  return p;
}

/** The session's store (module-level: every editor instance of the page shares it). */
export const editorPrefs = new PrefsStore(normalize({ ...DEFAULT_PREFS, opacity: loadNumber(OPACITY_KEY, DEFAULT_PREFS.opacity) }));

export function useEditorPrefs(store: PrefsStore = editorPrefs): EditorPrefs {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
