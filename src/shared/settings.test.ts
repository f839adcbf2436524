import { describe, expect, it } from 'vitest';
import { comboIndex, comboOfEvent, defaultShortcuts, findConflicts, isShortcutAction, normalizeCombo, resolveShortcuts } from './settings';

const ev = (key: string, code: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}) => ({
  key,
  code,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('shortcut combos', () => {
  it('normalises spelling, modifier order and punctuation shift', () => {
    expect(normalizeCombo('shift+ctrl+z')).toBe('Ctrl+Shift+Z');
    expect(normalizeCombo('cmd+s')).toBe('Ctrl+S');
    expect(normalizeCombo('Shift+?')).toBe('?');
    expect(normalizeCombo('Ctrl++')).toBe('Ctrl++');
    expect(normalizeCombo('esc')).toBe('Escape');
    expect(normalizeCombo('Shift+1')).toBe('Shift+1');
    expect(normalizeCombo('Hyper+X')).toBeNull();
    expect(normalizeCombo('Ctrl+')).toBeNull();
    expect(normalizeCombo('é')).toBeNull();
  });

  it('reads events by physical key for letters and digits, by key for the rest', () => {
    expect(comboOfEvent(ev('z', 'KeyZ', { ctrlKey: true }))).toBe('Ctrl+Z');
    expect(comboOfEvent(ev('Z', 'KeyZ', { metaKey: true, shiftKey: true }))).toBe('Ctrl+Shift+Z');
    // Shift+0 on a US layout is ")"; on AZERTY the digit row is unshifted symbols: both read as digits.
    expect(comboOfEvent(ev(')', 'Digit0', { shiftKey: true }))).toBe('Shift+0');
    expect(comboOfEvent(ev('à', 'Digit0'))).toBe('0');
    expect(comboOfEvent(ev('?', 'Slash', { shiftKey: true }))).toBe('?');
    expect(comboOfEvent(ev('[', 'BracketLeft'))).toBe('[');
    expect(comboOfEvent(ev('Shift', 'ShiftLeft', { shiftKey: true }))).toBeNull();
  });

  it('defaults have no conflicts and cover classes 0..19 by digits and letters', () => {
    const d = defaultShortcuts();
    expect(findConflicts(d)).toEqual([]);
    expect(d['class.0']).toEqual(['0']);
    expect(d['class.9']).toEqual(['9']);
    expect(d['class.10']).toEqual(['R']);
    const idx = comboIndex(d);
    expect(idx.get('Ctrl+Z')).toBe('edit.undo');
    expect(idx.get('Shift+0')).toBe('view.fit');
  });

  it('overrides replace an action, and conflicts are found', () => {
    const m = resolveShortcuts({ 'tool.brush': ['E'] });
    expect(findConflicts(m)).toEqual([{ combo: 'E', actions: ['tool.brush', 'tool.eraser'] }]);
    expect(findConflicts(resolveShortcuts({ 'tool.brush': ['E'], 'tool.eraser': [] }))).toEqual([]);
    expect(isShortcutAction('class.255')).toBe(true);
    expect(isShortcutAction('class.256')).toBe(false);
    expect(isShortcutAction('class.01')).toBe(false);
    expect(isShortcutAction('view.fit')).toBe(true);
  });
});
