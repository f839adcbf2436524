/**
 * Undo/redo history of one mask (DESIGN.md §3): one entry per stroke / polygon / fill / reassign, each
 * a `Patch` (patch.ts) of the changed rect only. Unlimited depth within a memory budget: when the
 * patches held exceed it, the oldest undo entries are dropped (the newest entry is always kept, even
 * alone over budget). Undo past the oldest kept entry is refused (returns null, mask untouched).
 *
 * The history knows nothing of the view: zoom, pan, tool or selection changes do not touch it, so
 * redo survives them. Only `push` (a new edit) clears the redo stack, as every editor does.
 */
import { applyPatch, type Patch } from './patch';
import type { MaskTarget, Rect } from './paint';

export const DEFAULT_HISTORY_BUDGET = 256 * 1024 * 1024;

/** Per-entry bookkeeping counted on top of the patch bytes (objects, rect). */
const ENTRY_OVERHEAD = 96;

export interface HistoryOptions {
  /** Bytes of patches to keep (undo + redo). Default 256 MiB. */
  budgetBytes?: number;
}

export class History {
  private undoStack: Patch[] = [];
  private redoStack: Patch[] = [];
  private held = 0;
  private budget: number;
  private dropped = 0;

  constructor(options: HistoryOptions = {}) {
    this.budget = options.budgetBytes ?? DEFAULT_HISTORY_BUDGET;
  }

  /** Bytes held by the undo and redo entries. */
  get bytes(): number {
    return this.held;
  }
  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }
  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }
  get undoDepth(): number {
    return this.undoStack.length;
  }
  get redoDepth(): number {
    return this.redoStack.length;
  }
  /** The entry the next undo would revert / the next redo would re-apply (callers tag entries by it). */
  get nextUndo(): Patch | undefined {
    return this.undoStack[this.undoStack.length - 1];
  }
  get nextRedo(): Patch | undefined {
    return this.redoStack[this.redoStack.length - 1];
  }
  /** Entries dropped to stay within the budget since creation / clear(). */
  get evicted(): number {
    return this.dropped;
  }
  get budgetBytes(): number {
    return this.budget;
  }
  set budgetBytes(b: number) {
    this.budget = b;
    this.evict();
  }

  /**
   * Records a finished edit (null = nothing changed: ignored, redo kept). Clears the redo stack.
   * Returns whether an entry was added.
   */
  push(patch: Patch | null): boolean {
    if (patch === null) return false;
    this.clearRedo();
    this.undoStack.push(patch);
    this.held += patch.bytes + ENTRY_OVERHEAD;
    this.evict();
    return true;
  }

  /** Undoes the newest edit; returns the rect to recolour, or null when there is nothing to undo. */
  undo(target: MaskTarget): Rect | null {
    const p = this.undoStack.pop();
    if (!p) return null;
    try {
      const r = applyPatch(target, p, 'undo');
      this.redoStack.push(p);
      return r;
    } catch (e) {
      this.undoStack.push(p);
      throw e;
    }
  }

  /** Re-applies the last undone edit; returns the rect to recolour, or null when there is none. */
  redo(target: MaskTarget): Rect | null {
    const p = this.redoStack.pop();
    if (!p) return null;
    try {
      const r = applyPatch(target, p, 'redo');
      this.undoStack.push(p);
      return r;
    } catch (e) {
      this.redoStack.push(p);
      throw e;
    }
  }

  clearRedo(): void {
    for (const p of this.redoStack) this.held -= p.bytes + ENTRY_OVERHEAD;
    this.redoStack = [];
  }

  /** Forgets everything (another image loaded). */
  clear(): void {
    this.undoStack = [];
    this.redoStack = [];
    this.held = 0;
    this.dropped = 0;
  }

  private evict(): void {
    if (this.held <= this.budget) return;
    // Oldest undo entries first; then the farthest redo entries; always keep one entry.
    let drop = 0;
    while (this.held > this.budget && drop < this.undoStack.length && this.undoStack.length - drop + this.redoStack.length > 1) {
      this.held -= this.undoStack[drop].bytes + ENTRY_OVERHEAD;
      drop++;
    }
    if (drop > 0) this.undoStack.splice(0, drop);
    this.dropped += drop;
    let rdrop = 0;
    while (this.held > this.budget && this.undoStack.length + this.redoStack.length - rdrop > 1) {
      this.held -= this.redoStack[rdrop].bytes + ENTRY_OVERHEAD;
      rdrop++;
    }
    if (rdrop > 0) this.redoStack.splice(0, rdrop);
    this.dropped += rdrop;
  }
}
