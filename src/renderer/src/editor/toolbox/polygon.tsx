/**
 * Polygon: click to add vertices (snapped to pixel corners); a click on the first vertex, a
 * double-click or Enter closes and fills it with the current class (add) or turns the current class
 * inside into the erase-to class (subtract); Backspace drops the last vertex, Escape cancels.
 */
import { PolygonTool } from '../tools';
import { EraseToOption } from './options';
import type { Tool, ToolContext, ToolDefinition, ToolOptionsProps } from './types';

function createPolygon(): Tool {
  const poly = new PolygonTool();
  const close = (pts: number[] | null, ctx: ToolContext) => {
    const p = ctx.prefs.get();
    if (pts) ctx.core.polygon(pts, p.current, p.polygonMode, p.eraseTo);
    ctx.redraw();
  };
  return {
    onPointerDown(e, ctx) {
      if (e.detail >= 2) return; // the double-click closes (onDoubleClick)
      const ip = ctx.toImage(e);
      close(poly.click(ip.x, ip.y, 6 / ctx.view().scale), ctx);
    },
    onDoubleClick(_e, ctx) {
      close(poly.close(), ctx);
    },
    onKeyDown(e, ctx) {
      if (!poly.active) return false;
      if (e.key === 'Enter') {
        close(poly.close(), ctx);
        return true;
      }
      if (e.key === 'Backspace') {
        poly.removeLast();
        ctx.redraw();
        return true;
      }
      return false;
    },
    cancel() {
      if (!poly.active) return false;
      poly.cancel();
      return true;
    },
    deactivate: () => poly.cancel(),
    drawOverlay(p, ctx) {
      if (!poly.active) return;
      // Outline so far, rubber band to the cursor, first vertex as the close target.
      const ip = p.pointer;
      const pts = ip ? [...poly.points, Math.round(ip.x), Math.round(ip.y)] : poly.points;
      p.path(pts, 0, 0, false);
      p.ctx.lineWidth = 1.5;
      p.ctx.strokeStyle = ctx.prefs.get().polygonMode === 'add' ? 'rgba(255,255,255,0.95)' : 'rgba(255,120,120,0.95)';
      p.ctx.stroke();
      for (let i = 0; i < poly.points.length; i += 2) {
        p.ctx.fillStyle = i === 0 ? '#ffd84a' : '#ffffff';
        const r = i === 0 ? 4 : 2.5;
        p.ctx.fillRect(p.sx(poly.points[i]) - r, p.sy(poly.points[i + 1]) - r, 2 * r, 2 * r);
      }
    },
  };
}

function PolygonOptions(props: ToolOptionsProps) {
  const { prefs, store, titleWithKey } = props;
  return (
    <>
      {prefs.polygonMode === 'subtract' && <EraseToOption {...props} />}
      <div className="group">
        <button className="toggle" aria-pressed={prefs.polygonMode === 'add'} onClick={() => store.set({ polygonMode: 'add' })} title={titleWithKey('Fill with the current class', 'polygon.mode')}>
          Add
        </button>
        <button
          className="toggle"
          aria-pressed={prefs.polygonMode === 'subtract'}
          onClick={() => store.set({ polygonMode: 'subtract' })}
          title={titleWithKey('Pixels of the current class inside become the erase-to class', 'polygon.mode')}
        >
          Subtract
        </button>
        <span className="dim hint" title="Click to add a vertex · click the first vertex, double-click or Enter to close · Backspace drops the last vertex · Esc cancels">
          click · close on 1st point / Enter · Esc
        </span>
      </div>
    </>
  );
}

export const polygonTool: ToolDefinition = {
  id: 'polygon',
  title: 'Polygon',
  action: 'tool.polygon',
  create: createPolygon,
  Options: PolygonOptions,
};
