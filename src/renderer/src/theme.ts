/**
 * Light / dark theme: follows the system preference (`prefers-color-scheme`) unless the user picked
 * one with the top bar's toggle; the choice is kept in localStorage. The resolved theme is
 * `data-theme` on <html> (theme.css); applied before the first render so nothing flashes.
 */
import { useSyncExternalStore } from 'react';

export type ThemePref = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const KEY = 'parsel.theme';
const listeners = new Set<() => void>();
let pref: ThemePref = readPref();
let media: MediaQueryList | null = null;

function readPref(): ThemePref {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

function systemTheme(): Theme {
  return media?.matches ? 'light' : 'dark';
}

export function resolvedTheme(): Theme {
  return pref === 'system' ? systemTheme() : pref;
}

function apply(): void {
  document.documentElement.dataset.theme = resolvedTheme();
  for (const l of listeners) l();
}

/** Call once at startup (main.tsx): applies the theme and follows system changes. */
export function initTheme(): void {
  media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: light)') : null;
  media?.addEventListener('change', () => {
    if (pref === 'system') apply();
  });
  apply();
}

export function setThemePref(next: ThemePref): void {
  pref = next;
  try {
    if (next === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, next);
  } catch {
    // storage unavailable: the choice holds for this session
  }
  apply();
}

const subscribe = (fn: () => void) => {
  listeners.add(fn);
  return () => listeners.delete(fn);
};
const snapshot = () => `${pref}:${resolvedTheme()}`;

/** The preference and the theme in effect, re-rendering on change. */
export function useTheme(): { pref: ThemePref; theme: Theme } {
  const s = useSyncExternalStore(subscribe, snapshot);
  const [p, t] = s.split(':') as [ThemePref, Theme];
  return { pref: p, theme: t };
}
