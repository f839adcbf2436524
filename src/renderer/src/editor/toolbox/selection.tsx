/**
 * Lasso and rectangle selection: press, drag, release → a selection (vertices on pixel corners) that
 * the "Reassign selection" action turns into the current class (optionally only one class's pixels).
 */
import { LassoTool, RectTool } from '../tools';
import { SelectionOptions } from './options';
import type { Tool, ToolDefinition } from './types';

function createLasso(): Tool {
  const lasso = new LassoTool();
  return {
    onPointerDown(e, ctx) {
      ctx.capture(e.pointerId);
      const ip = ctx.toImage(e);
      lasso.begin(ip.x, ip.y);
    },
    onPointerMove(e, ctx) {
      if (!lasso.active) return;
      const list = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      for (const ce of list.length ? list : [e]) {
        const ip = ctx.toImage(ce);
        lasso.move(ip.x, ip.y);
      }
    },
    onPointerUp(_e, ctx) {
      if (!lasso.active) return;
      const pts = lasso.end();
      ctx.setSelection(pts ? { kind: 'polygon', points: pts } : null);
    },
    cancel() {
      if (!lasso.active) return false;
      lasso.cancel();
      return true;
    },
    deactivate: () => lasso.cancel(),
    drawOverlay(p) {
      if (!lasso.active || lasso.points.length < 2) return;
      p.path(lasso.points, 0, 0, false);
      p.twoTone(3);
    },
  };
}

function createRect(): Tool {
  const rect = new RectTool();
  return {
    onPointerDown(e, ctx) {
      ctx.capture(e.pointerId);
      const ip = ctx.toImage(e);
      rect.begin(ip.x, ip.y);
    },
    onPointerMove(e, ctx) {
      if (!rect.start) return;
      const ip = ctx.toImage(e);
      rect.move(ip.x, ip.y);
    },
    onPointerUp(_e, ctx) {
      if (!rect.start) return;
      const r = rect.end();
      ctx.setSelection(r ? { kind: 'rect', rect: r } : null);
    },
    cancel() {
      if (!rect.start) return false;
      rect.cancel();
      return true;
    },
    deactivate: () => rect.cancel(),
    drawOverlay(p) {
      const r = rect.current;
      if (!r) return;
      p.path([r.x0, r.y0, r.x1, r.y0, r.x1, r.y1, r.x0, r.y1], 0, 0, true);
      p.twoTone(3);
    },
  };
}

export const lassoTool: ToolDefinition = {
  id: 'lasso',
  title: 'Lasso',
  action: 'tool.lasso',
  create: createLasso,
  Options: SelectionOptions,
  selects: true,
};

export const rectTool: ToolDefinition = {
  id: 'rect',
  title: 'Rectangle',
  action: 'tool.rect',
  create: createRect,
  Options: SelectionOptions,
  selects: true,
};
