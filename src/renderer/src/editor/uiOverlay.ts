/**
 * The overlay canvas over the stage, in screen pixels: the pixel grid at high zoom, the selection's
 * marching outline, then whatever the active tool draws (brush footprint, polygon, lasso…) through an
 * `OverlayPainter`. Redrawn at most once per animation frame by the editor.
 */
import type { MaskTarget } from '../../../shared/mask/paint';
import type { OverlayPainter, Point, Tool, ToolContext } from './toolbox';
import type { Selection } from './tools';
import type { View } from './viewport';

export const GRID_MIN_SCALE = 8;

export interface OverlayState {
  view: View;
  mask: MaskTarget;
  grid: boolean;
  selection: Selection | null;
  /** Image point under the cursor (null: off the stage). */
  pointer: Point | null;
  panning: boolean;
  tool: Tool | null;
  toolCtx: ToolContext | null;
}

export function drawOverlay(c: HTMLCanvasElement, s: OverlayState): void {
  const dpr = window.devicePixelRatio || 1;
  const ctx = c.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const v = s.view;
  const m = s.mask;
  const sx = (x: number) => Math.round((x * v.scale + v.x) * dpr) / dpr;
  const sy = (y: number) => Math.round((y * v.scale + v.y) * dpr) / dpr;
  // Pixel grid at high zoom, only over the visible part of the image.
  if (s.grid && v.scale >= GRID_MIN_SCALE) {
    const x0 = Math.max(0, Math.floor(-v.x / v.scale));
    const y0 = Math.max(0, Math.floor(-v.y / v.scale));
    const x1 = Math.min(m.width, Math.ceil((c.width / dpr - v.x) / v.scale));
    const y1 = Math.min(m.height, Math.ceil((c.height / dpr - v.y) / v.scale));
    ctx.beginPath();
    for (let x = x0; x <= x1; x++) {
      ctx.moveTo(sx(x) + 0.5 / dpr, sy(y0));
      ctx.lineTo(sx(x) + 0.5 / dpr, sy(y1));
    }
    for (let y = y0; y <= y1; y++) {
      ctx.moveTo(sx(x0), sy(y) + 0.5 / dpr);
      ctx.lineTo(sx(x1), sy(y) + 0.5 / dpr);
    }
    ctx.lineWidth = 1 / dpr;
    ctx.strokeStyle = 'rgba(0,0,0,0.35)';
    ctx.stroke();
  }
  const painter: OverlayPainter = {
    ctx,
    dpr,
    view: v,
    pointer: s.pointer,
    panning: s.panning,
    sx,
    sy,
    path(pts, ox, oy, close) {
      ctx.beginPath();
      for (let i = 0; i < pts.length; i += 2) {
        const X = sx(pts[i] + ox) + 0.5 / dpr;
        const Y = sy(pts[i + 1] + oy) + 0.5 / dpr;
        if (i === 0) ctx.moveTo(X, Y);
        else ctx.lineTo(X, Y);
      }
      if (close) ctx.closePath();
    },
    twoTone(dash = 4) {
      ctx.lineWidth = 1 / dpr;
      ctx.setLineDash([]);
      ctx.strokeStyle = 'rgba(0,0,0,0.9)';
      ctx.stroke();
      ctx.setLineDash([dash, dash]);
      ctx.strokeStyle = 'rgba(255,255,255,0.95)';
      ctx.stroke();
      ctx.setLineDash([]);
    },
  };
  // Selection (marching outline).
  const sel = s.selection;
  if (sel) {
    if (sel.kind === 'rect') painter.path([sel.rect.x0, sel.rect.y0, sel.rect.x1, sel.rect.y0, sel.rect.x1, sel.rect.y1, sel.rect.x0, sel.rect.y1], 0, 0, true);
    else painter.path(sel.points, 0, 0, true);
    painter.twoTone(5);
  }
  if (s.tool?.drawOverlay && s.toolCtx) s.tool.drawOverlay(painter, s.toolCtx);
}
