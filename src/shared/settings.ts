/**
 * User settings shared by main (stored as JSON in the user data folder, validated by `settings:set`)
 * and the renderer (the editor's keyboard map, author name, brush defaults, autosave delay).
 *
 * Shortcuts are a map action → list of key combos. A combo is written `Ctrl+Shift+Z`: modifiers in
 * the order Ctrl, Alt, Shift, then one key. Letters are upper case, digits are the digit (taken from
 * the physical key, so `Shift+1` is `Shift+1` on every layout), other keys are `KeyboardEvent.key`
 * (`[`, `?`, `Escape`, `Enter`, `ArrowLeft`…); for printable punctuation the Shift that produced it is
 * not written (`?`, not `Shift+/`). `Ctrl` also matches the Mac's Cmd key.
 */

export const SHORTCUT_ACTIONS = [
  'tool.brush',
  'tool.eraser',
  'tool.fill',
  'tool.polygon',
  'tool.pick',
  'tool.lasso',
  'tool.rect',
  'tool.faceBox',
  'tool.prompt',
  'tool.modelBrush',
  'tool.reparse',
  'brush.smaller',
  'brush.larger',
  'brush.shape',
  'polygon.mode',
  'fill.connectivity',
  'selection.reassign',
  'edit.undo',
  'edit.redo',
  'edit.save',
  'view.fit',
  'view.actual',
  'view.zoomIn',
  'view.zoomOut',
  'view.zoomSelection',
  'view.compare',
  'view.hideMask',
  'view.outline',
  'view.grid',
  'nav.next',
  'nav.previous',
  'status.toggleDone',
  'flag.accept',
  'flag.dismiss',
  'flag.reopen',
  'help',
  // Classes: class.<index> for every index 0..255 (only the schema's are shown).
] as const;

export type ShortcutAction = (typeof SHORTCUT_ACTIONS)[number] | `class.${number}`;

export const ACTION_TITLES: Record<(typeof SHORTCUT_ACTIONS)[number], string> = {
  'tool.brush': 'Brush',
  'tool.eraser': 'Eraser',
  'tool.fill': 'Bucket fill',
  'tool.polygon': 'Polygon',
  'tool.pick': 'Pick class from pixel',
  'tool.lasso': 'Lasso selection',
  'tool.rect': 'Rectangle selection',
  'tool.faceBox': 'Face box (drag to draw; the crops of face-box pre-labelling)',
  'tool.modelBrush': "Model brush: paint the model set's predicted classes (Shift+drag lasso or Enter on a selection: the model's current class inside)",
  'tool.reparse': 'Re-parse a box with the model set, or propose the whole image (Enter commits, a proposal class commits it alone)',
  'tool.prompt': 'Segment with a promptable model (click, Alt+click, drag a box; Enter paints, Tab next mask)',
  'brush.smaller': 'Brush smaller',
  'brush.larger': 'Brush larger',
  'brush.shape': 'Brush round / square',
  'polygon.mode': 'Polygon add / subtract',
  'fill.connectivity': 'Fill 4- / 8-connected',
  'selection.reassign': 'Reassign selection to the current class',
  'edit.undo': 'Undo',
  'edit.redo': 'Redo',
  'edit.save': 'Save now',
  'view.fit': 'Fit to window',
  'view.actual': 'Actual pixels (1:1)',
  'view.zoomIn': 'Zoom in',
  'view.zoomOut': 'Zoom out',
  'view.zoomSelection': 'Zoom to the selection (else the selected flag, else the shown changes)',
  'view.compare': 'Compare two layers: off / side by side / swipe',
  'view.hideMask': 'Hide / show the mask',
  'view.outline': 'Outline only',
  'view.grid': 'Pixel grid (at 800 % and more)',
  'nav.next': 'Next image (current filter)',
  'nav.previous': 'Previous image (current filter)',
  'status.toggleDone': 'Mark done / in progress',
  'flag.accept': 'Noise flag: accept the suggestion (fix revision), then the next flag',
  'flag.dismiss': 'Noise flag: dismiss (remembered across rescans), then the next flag',
  'flag.reopen': 'Noise flag: reopen the selected dismissed flag (a rescan keeps it open)',
  help: 'Keyboard help',
};

/** Letters for classes 10..19 (digits 1–9 and 0 take classes 1..9 and 0). */
const CLASS_LETTERS = ['R', 'T', 'Y', 'U', 'J', 'K', 'C', 'V', 'W', 'Z'];

export type ShortcutMap = Record<string, string[]>;

export function defaultShortcuts(): ShortcutMap {
  const m: ShortcutMap = {
    'tool.brush': ['Q'],
    'tool.eraser': ['E'],
    'tool.fill': ['F'],
    'tool.polygon': ['P'],
    'tool.pick': ['I'],
    'tool.lasso': ['L'],
    'tool.rect': ['M'],
    // Every letter is taken (tools, A/D, class letters): Shift+F, "face", is free.
    'tool.faceBox': ['Shift+F'],
    // Shift+S, "segment" (S is the brush shape).
    'tool.prompt': ['Shift+S'],
    // Shift+B, "brush" by the model; Shift+P, "parse".
    'tool.modelBrush': ['Shift+B'],
    'tool.reparse': ['Shift+P'],
    'brush.smaller': ['['],
    'brush.larger': [']'],
    'brush.shape': ['S'],
    'polygon.mode': ['X'],
    'fill.connectivity': ['Shift+C'],
    'selection.reassign': ['Enter'],
    'edit.undo': ['Ctrl+Z'],
    'edit.redo': ['Ctrl+Y', 'Ctrl+Shift+Z'],
    'edit.save': ['Ctrl+S'],
    'view.fit': ['Shift+0'],
    'view.actual': ['Shift+1'],
    'view.zoomIn': ['+', '='],
    'view.zoomOut': ['-'],
    'view.zoomSelection': ['Shift+2'],
    'view.compare': ['Shift+V'],
    'view.hideMask': ['H'],
    'view.outline': ['O'],
    'view.grid': ['G'],
    'nav.next': ['N'],
    'nav.previous': ['B'],
    'status.toggleDone': ['Shift+D'],
    // A / D (DESIGN.md §3): free of the tools and the class letters; Shift+D stays "mark done".
    'flag.accept': ['A'],
    'flag.dismiss': ['D'],
    // R is a class letter; Shift+R, "reopen", is free.
    'flag.reopen': ['Shift+R'],
    help: ['?'],
  };
  for (let i = 0; i <= 9; i++) m[`class.${i}`] = [String(i)];
  CLASS_LETTERS.forEach((k, j) => (m[`class.${10 + j}`] = [k]));
  return m;
}

export interface BrushDefaults {
  size: number;
  shape: 'round' | 'square';
}

export interface Settings {
  authorName: string;
  /** Idle time after the last edit before the editor saves a revision. */
  autosaveMs: number;
  brush: BrushDefaults;
  /** Only the actions that differ from the defaults need be stored; `resolveShortcuts` merges. */
  shortcuts: ShortcutMap;
}

export const DEFAULT_SETTINGS: Settings = {
  authorName: 'annotator',
  autosaveMs: 1500,
  brush: { size: 12, shape: 'round' },
  shortcuts: {},
};

export function isShortcutAction(a: string): boolean {
  if ((SHORTCUT_ACTIONS as readonly string[]).includes(a)) return true;
  const m = /^class\.(\d{1,3})$/.exec(a);
  return m !== null && Number(m[1]) <= 255 && String(Number(m[1])) === m[1];
}

const NAMED_KEYS = new Set([
  'Escape',
  'Enter',
  'Tab',
  'Backspace',
  'Delete',
  'Home',
  'End',
  'PageUp',
  'PageDown',
  'ArrowLeft',
  'ArrowRight',
  'ArrowUp',
  'ArrowDown',
  'F1',
  'F2',
  'F3',
  'F4',
  'F5',
  'F6',
  'F7',
  'F8',
  'F9',
  'F10',
  'F11',
  'F12',
]);

/** Canonical form of a combo string, or null when it is not one (`ctrl+shift+z` → `Ctrl+Shift+Z`). */
export function normalizeCombo(s: string): string | null {
  const parts = s.split('+');
  // A trailing '+' key: "Ctrl++" splits into [..., '', ''].
  let key = parts.pop() ?? '';
  if (key === '' && parts.length > 0 && parts[parts.length - 1] === '') {
    parts.pop();
    key = '+';
  }
  let ctrl = false;
  let alt = false;
  let shift = false;
  for (const p of parts) {
    const l = p.trim().toLowerCase();
    if (l === 'ctrl' || l === 'cmd' || l === 'meta') ctrl = true;
    else if (l === 'alt') alt = true;
    else if (l === 'shift') shift = true;
    else return null;
  }
  key = key.trim();
  if (key.length === 1) {
    if (/[a-z]/i.test(key)) key = key.toUpperCase();
    else if (!/[0-9]/.test(key) && !/[!-/:-@[-`{-~]/.test(key)) return null;
    else if (!/[0-9]/.test(key)) shift = false; // punctuation carries its own shift
  } else {
    const named = [...NAMED_KEYS].find((k) => k.toLowerCase() === key.toLowerCase());
    if (key.toLowerCase() === 'esc') key = 'Escape';
    else if (!named) return null;
    else key = named;
  }
  return `${ctrl ? 'Ctrl+' : ''}${alt ? 'Alt+' : ''}${shift ? 'Shift+' : ''}${key}`;
}

/** The combo of a keyboard event (null for lone modifiers and keys we do not bind). */
export function comboOfEvent(e: {
  key: string;
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}): string | null {
  let key: string;
  if (/^Key[A-Z]$/.test(e.code)) key = e.code.slice(3);
  else if (/^Digit[0-9]$/.test(e.code)) key = e.code.slice(5);
  else if (/^Numpad[0-9]$/.test(e.code)) key = e.code.slice(6);
  else if (e.code === 'NumpadAdd') key = '+';
  else if (e.code === 'NumpadSubtract') key = '-';
  else key = e.key;
  const mods = `${e.ctrlKey || e.metaKey ? 'Ctrl+' : ''}${e.altKey ? 'Alt+' : ''}${e.shiftKey ? 'Shift+' : ''}`;
  return normalizeCombo(mods + key);
}

/** Defaults with the user's overrides laid over them (an override replaces the action's whole list). */
export function resolveShortcuts(overrides: ShortcutMap): ShortcutMap {
  return { ...defaultShortcuts(), ...overrides };
}

export interface ShortcutConflict {
  combo: string;
  actions: string[];
}

/** Combos bound to more than one action in a resolved map. */
export function findConflicts(map: ShortcutMap): ShortcutConflict[] {
  const by = new Map<string, string[]>();
  for (const [action, combos] of Object.entries(map)) {
    for (const c of combos) {
      const n = normalizeCombo(c) ?? c;
      const list = by.get(n) ?? [];
      if (!list.includes(action)) list.push(action);
      by.set(n, list);
    }
  }
  return [...by.entries()].filter(([, a]) => a.length > 1).map(([combo, actions]) => ({ combo, actions }));
}

/** combo → action, for dispatching key events. */
export function comboIndex(map: ShortcutMap): Map<string, string> {
  const out = new Map<string, string>();
  for (const [action, combos] of Object.entries(map)) for (const c of combos) out.set(normalizeCombo(c) ?? c, action);
  return out;
}
