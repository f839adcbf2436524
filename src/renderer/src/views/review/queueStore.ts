/**
 * The review queue's order as last listed, shared between the queue view and the editor's flags panel
 * (which moves to the next image in the queue once an image has no open flag left). Module state: one
 * queue per window, like the grid session.
 */
import type { ClassPair } from '../../../../shared/api/methods-noise';

let order: number[] = [];
let reopen = false;
let pair: ClassPair | null = null;
let project: string | null = null;

export const reviewQueue = {
  /** Forgets the order and the pair filter when another project is open than the one they were of. */
  forProject(path: string): void {
    if (project === path) return;
    project = path;
    order = [];
    pair = null;
    reopen = false;
  },
  /** The queue's image ids in display order (highest score first). */
  setOrder(ids: number[]): void {
    order = ids.slice();
  },
  /** The image after `imageId` in the queue, or null (last, or not opened from the queue). */
  next(imageId: number): number | null {
    const i = order.indexOf(imageId);
    return i >= 0 && i + 1 < order.length ? order[i + 1] : null;
  },
  position(imageId: number): { index: number; total: number } | null {
    const i = order.indexOf(imageId);
    return i < 0 ? null : { index: i, total: order.length };
  },
  /** Whether the Project screen shows the queue again when the user comes back from the editor. */
  get reopen(): boolean {
    return reopen;
  },
  set reopen(v: boolean) {
    reopen = v;
  },
  /** The label → suggested pair the queue is filtered by (kept while the editor is open), or null. */
  get pair(): ClassPair | null {
    return pair;
  },
  set pair(v: ClassPair | null) {
    pair = v;
  },
};
