/**
 * What the Segment and Re-parse / model-brush sessions (prompt.tsx, assist.tsx) share: a small store
 * their panels read with `useSyncExternalStore` (a change also redraws the overlay of the editor the
 * tool was last attached to), and the model chosen, remembered in localStorage.
 */
import type { ToolContext } from './types';

export class ToolSession {
  private ctx: ToolContext | null = null;
  private readonly listeners = new Set<() => void>();
  private snap = 0;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getSnapshot = (): number => this.snap;
  notify(): void {
    this.snap++;
    for (const l of this.listeners) l();
    this.ctx?.redraw();
  }
  attach(ctx: ToolContext): void {
    this.ctx = ctx;
  }
  /** The editor attached last (null before any tool event). */
  protected attached(): ToolContext | null {
    return this.ctx;
  }
}

/** The id stored under `key`, or null (none, not a positive integer, or no storage). */
export function readStoredId(key: string): number | null {
  try {
    const v = Number(localStorage.getItem(key));
    return Number.isInteger(v) && v > 0 ? v : null;
  } catch {
    return null;
  }
}

export function storeId(key: string, id: number): void {
  try {
    localStorage.setItem(key, String(id));
  } catch {
    // not stored: the choice lasts this session
  }
}
