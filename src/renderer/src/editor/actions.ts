/**
 * The editor's action table: everything a shortcut key (or a toolbar button) does, as data. Keys are
 * not here: they come from the user's settings (shared/settings.ts, `resolveShortcuts`), by action id.
 * The keyboard handler looks the pressed combo up, then runs `perform` when `enabled` allows; the help
 * overlay lists the table by group; buttons use `checked` for aria-pressed. Actions that select a tool
 * are made from the tool registry (toolbox/), and `class.<index>` picks a class.
 *
 * A feature adds its actions with `registerAction` (and a default key in shared/settings.ts).
 */
import { ACTION_TITLES } from '../../../shared/settings';
import type { PrefsStore } from './prefs';
import { stepBrushSize } from './tools';
import { listTools } from './toolbox';

/** What the editor lends the actions (wired in Editor.tsx). */
export interface ActionContext {
  readonly prefs: PrefsStore;
  brush(): { size: number; shape: 'round' | 'square' };
  setTool(id: string): void;
  hasClass(index: number): boolean;
  hasSelection(): boolean;
  reassignSelection(): void;
  clearSelection(): void;
  undo(): void;
  redo(): void;
  save(): void;
  fit(): void;
  actual(): void;
  zoomIn(): void;
  zoomOut(): void;
  /** Zooms to the selection, else the selected flag, else the shown changes; false when none. */
  zoomSelection(): boolean;
  canZoomSelection(): boolean;
  /** Compare mode: off → side by side → swipe → off. */
  cycleCompare(): void;
  next(): void;
  previous(): void;
  toggleDone(): void;
  flagAccept(): void;
  flagDismiss(): void;
  flagReopen(): void;
  help(): void;
}

export type ActionGroup = 'Tools' | 'Tool options' | 'Edit' | 'View' | 'Images' | 'Noise review';

export interface EditorAction {
  /** Shortcut action id (keys: settings.shortcuts[id]). */
  id: string;
  title: string;
  /** Help overlay section; none: not listed. */
  group?: ActionGroup;
  /** Runs again while the key is held (auto-repeat); otherwise repeats are ignored. */
  repeat?: boolean;
  perform(ctx: ActionContext): void;
  /** False: the key does nothing (and a button showing it is disabled). Default: enabled. */
  enabled?(ctx: ActionContext): boolean;
  /** For toggles: the state a button shows as pressed. */
  checked?(ctx: ActionContext): boolean;
}

const title = (id: keyof typeof ACTION_TITLES) => ACTION_TITLES[id];

const toggle = (ctx: ActionContext, key: 'maskOff' | 'outline' | 'grid') => ctx.prefs.set((p) => ({ [key]: !p[key] }));

const BASE_ACTIONS: EditorAction[] = [
  {
    id: 'brush.smaller',
    title: title('brush.smaller'),
    group: 'Tool options',
    repeat: true,
    perform: (c) => c.prefs.set({ brushSize: stepBrushSize(c.brush().size, -1) }),
  },
  {
    id: 'brush.larger',
    title: title('brush.larger'),
    group: 'Tool options',
    repeat: true,
    perform: (c) => c.prefs.set({ brushSize: stepBrushSize(c.brush().size, 1) }),
  },
  {
    id: 'brush.shape',
    title: title('brush.shape'),
    group: 'Tool options',
    repeat: true,
    perform: (c) => c.prefs.set({ brushShape: c.brush().shape === 'round' ? 'square' : 'round' }),
  },
  {
    id: 'polygon.mode',
    title: title('polygon.mode'),
    group: 'Tool options',
    perform: (c) => c.prefs.set((p) => ({ polygonMode: p.polygonMode === 'add' ? 'subtract' : 'add' })),
    checked: (c) => c.prefs.get().polygonMode === 'subtract',
  },
  {
    id: 'fill.connectivity',
    title: title('fill.connectivity'),
    group: 'Tool options',
    perform: (c) => c.prefs.set((p) => ({ connectivity: p.connectivity === 4 ? 8 : 4 })),
    checked: (c) => c.prefs.get().connectivity === 8,
  },
  {
    id: 'selection.reassign',
    title: title('selection.reassign'),
    group: 'Tool options',
    perform: (c) => c.reassignSelection(),
    enabled: (c) => c.hasSelection(),
  },
  { id: 'selection.clear', title: 'Clear the selection', perform: (c) => c.clearSelection(), enabled: (c) => c.hasSelection() },
  { id: 'edit.undo', title: title('edit.undo'), group: 'Edit', repeat: true, perform: (c) => c.undo() },
  { id: 'edit.redo', title: title('edit.redo'), group: 'Edit', repeat: true, perform: (c) => c.redo() },
  { id: 'edit.save', title: title('edit.save'), group: 'Edit', perform: (c) => c.save() },
  { id: 'status.toggleDone', title: title('status.toggleDone'), group: 'Edit', perform: (c) => c.toggleDone() },
  { id: 'view.fit', title: title('view.fit'), group: 'View', perform: (c) => c.fit() },
  { id: 'view.actual', title: title('view.actual'), group: 'View', perform: (c) => c.actual() },
  { id: 'view.zoomIn', title: title('view.zoomIn'), group: 'View', repeat: true, perform: (c) => c.zoomIn() },
  { id: 'view.zoomOut', title: title('view.zoomOut'), group: 'View', repeat: true, perform: (c) => c.zoomOut() },
  {
    id: 'view.zoomSelection',
    title: title('view.zoomSelection'),
    group: 'View',
    perform: (c) => void c.zoomSelection(),
    enabled: (c) => c.canZoomSelection(),
  },
  { id: 'view.compare', title: title('view.compare'), group: 'View', perform: (c) => c.cycleCompare() },
  { id: 'view.hideMask', title: title('view.hideMask'), group: 'View', perform: (c) => toggle(c, 'maskOff'), checked: (c) => c.prefs.get().maskOff },
  { id: 'view.outline', title: title('view.outline'), group: 'View', perform: (c) => toggle(c, 'outline'), checked: (c) => c.prefs.get().outline },
  { id: 'view.grid', title: title('view.grid'), group: 'View', perform: (c) => toggle(c, 'grid'), checked: (c) => c.prefs.get().grid },
  { id: 'nav.next', title: title('nav.next'), group: 'Images', perform: (c) => c.next() },
  { id: 'nav.previous', title: title('nav.previous'), group: 'Images', perform: (c) => c.previous() },
  { id: 'help', title: title('help'), group: 'Images', perform: (c) => c.help() },
  { id: 'flag.accept', title: title('flag.accept'), group: 'Noise review', perform: (c) => c.flagAccept() },
  { id: 'flag.dismiss', title: title('flag.dismiss'), group: 'Noise review', perform: (c) => c.flagDismiss() },
  { id: 'flag.reopen', title: title('flag.reopen'), group: 'Noise review', perform: (c) => c.flagReopen() },
];

const extra: EditorAction[] = [];

/** Adds an action (a feature's own); its id must be new. */
export function registerAction(a: EditorAction): void {
  if (editorActions().some((b) => b.id === a.id)) throw new Error(`an action "${a.id}" exists already`);
  extra.push(a);
}

/** The whole table: tool selection (from the registry) first, then the rest, then registered ones. */
export function editorActions(): EditorAction[] {
  const tools: EditorAction[] = listTools()
    .filter((t) => t.action)
    .map((t) => ({
      id: t.action!,
      title: (ACTION_TITLES as Record<string, string>)[t.action!] ?? t.title,
      group: 'Tools',
      perform: (c: ActionContext) => c.setTool(t.id),
      checked: (c: ActionContext) => c.prefs.get().tool === t.id,
    }));
  return [...tools, ...BASE_ACTIONS, ...extra];
}

/** The action of an id, including `class.<index>` (makes that class current, if the schema has it). */
export function findAction(id: string, table: readonly EditorAction[]): EditorAction | undefined {
  const found = table.find((a) => a.id === id);
  if (found) return found;
  const m = /^class\.(\d+)$/.exec(id);
  if (!m) return undefined;
  const index = Number(m[1]);
  return {
    id,
    title: `Class ${index}`,
    perform: (c) => c.prefs.set({ current: index }),
    enabled: (c) => c.hasClass(index),
  };
}

/**
 * Runs an action for a key press: ignores auto-repeat unless the action allows it, and disabled
 * actions. Returns whether it ran.
 */
export function runAction(a: EditorAction, ctx: ActionContext, repeat = false): boolean {
  if (repeat && !a.repeat) return false;
  if (a.enabled && !a.enabled(ctx)) return false;
  a.perform(ctx);
  return true;
}
