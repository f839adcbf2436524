/**
 * The press → drag → release gesture that draws a box, shared by the Segment tool (prompt.tsx) and
 * Re-parse (assist.tsx). A press that moves less than DRAG_PX screen pixels is a click; past that, the
 * box from the press point to the pointer (image pixels) is kept in the session's `draft` for the tool
 * to draw and to use on release. `down` and `move` are the tool's handlers as they are (a press also
 * attaches the session to the editor). The pointer is captured on press; pointercancel arrives as a release
 * (e.type tells), which each tool treats its own way.
 */
import type { PromptBox } from '../../../../shared/api/methods-prompt';
import type { OverlayPainter, ToolContext } from './types';

/** Screen pixels the pointer must travel for a press to be a box rather than a click. */
export const DRAG_PX = 4;

export class BoxDrag {
  private press: { id: number; x: number; y: number; sx: number; sy: number } | null = null;
  constructor(private readonly holder: { draft: PromptBox | null; attach(ctx: ToolContext): void }) {}

  get pressed(): boolean {
    return this.press !== null;
  }
  down = (e: PointerEvent, ctx: ToolContext): void => {
    this.holder.attach(ctx);
    const p = ctx.toImage(e);
    ctx.capture(e.pointerId);
    this.press = { id: e.pointerId, x: p.x, y: p.y, sx: e.clientX, sy: e.clientY };
  };
  move = (e: PointerEvent, ctx: ToolContext): void => {
    const press = this.press;
    if (!press || press.id !== e.pointerId) return;
    if (Math.hypot(e.clientX - press.sx, e.clientY - press.sy) < DRAG_PX && !this.holder.draft) return;
    const p = ctx.toImage(e);
    this.holder.draft = { x0: Math.min(press.x, p.x), y0: Math.min(press.y, p.y), x1: Math.max(press.x, p.x), y1: Math.max(press.y, p.y) };
    ctx.redraw();
  };
  /** True when `e` releases the press (which ends); the box dragged, if any, is still in `holder.draft`. */
  up(e: PointerEvent): boolean {
    if (!this.press || this.press.id !== e.pointerId) return false;
    this.press = null;
    return true;
  }
  reset(): void {
    this.press = null;
  }
}

/** Outlines a box (image pixels) on the overlay. */
export function drawBox(p: OverlayPainter, b: PromptBox, dash: number): void {
  p.path([b.x0, b.y0, b.x1, b.y0, b.x1, b.y1, b.x0, b.y1], 0, 0, true);
  p.twoTone(dash);
}
