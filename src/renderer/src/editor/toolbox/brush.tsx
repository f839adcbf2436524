/**
 * Brush and eraser: press and drag paints the brush footprint along the path (every coalesced pointer
 * position, so fast strokes have no gaps); the eraser writes the "erase to" class. Alt+click picks the
 * class under the cursor. The overlay shows the exact footprint that will be painted.
 */
import { brushFootprint, footprintOutline, type BrushShape } from '../../../../shared/mask/paint';
import type { Tool, ToolDefinition, ToolOptionsProps } from './types';
import { EraseToOption } from './options';

let cached: { size: number; shape: BrushShape; outline: ArrayLike<number> } | null = null;
function outlineOf(size: number, shape: BrushShape): ArrayLike<number> {
  if (!cached || cached.size !== size || cached.shape !== shape) cached = { size, shape, outline: footprintOutline(brushFootprint(size, shape)) };
  return cached.outline;
}

function createBrush(erase: boolean): Tool {
  let strokePointer: number | null = null;
  return {
    onPointerDown(e, ctx) {
      const ip = ctx.toImage(e);
      if (e.altKey) {
        ctx.pick(ip.x, ip.y);
        return;
      }
      ctx.capture(e.pointerId);
      strokePointer = e.pointerId;
      const p = ctx.prefs.get();
      const b = ctx.brush();
      ctx.core.beginStroke(ip.x, ip.y, b.size, b.shape, erase ? p.eraseTo : p.current);
    },
    onPointerMove(e, ctx) {
      if (strokePointer !== e.pointerId || !ctx.core.stroking) return;
      const list = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      for (const ce of list.length > 0 ? list : [e]) {
        const ip = ctx.toImage(ce);
        ctx.core.strokeTo(ip.x, ip.y);
      }
    },
    onPointerUp(e, ctx) {
      if (strokePointer !== e.pointerId) return;
      strokePointer = null;
      ctx.core.endStroke();
    },
    cancel(ctx) {
      if (!ctx.core.stroking) return false;
      strokePointer = null;
      ctx.core.cancelStroke();
      return true;
    },
    busy: () => strokePointer !== null,
    deactivate(ctx) {
      if (ctx.core.stroking) ctx.core.cancelStroke();
      strokePointer = null;
    },
    drawOverlay(p, ctx) {
      if (!p.pointer || p.panning) return;
      const b = ctx.brush();
      p.path(outlineOf(b.size, b.shape), Math.floor(p.pointer.x), Math.floor(p.pointer.y), true);
      p.twoTone(erase ? 2 : 4);
    },
  };
}

/** Size slider (logarithmic), size field and shape toggles. */
export function BrushOptions({ brush, store, titleWithKey, keyOf }: ToolOptionsProps) {
  const setSize = (s: number) => store.set({ brushSize: s });
  return (
    <div className="group">
      <label htmlFor="brush-size">Size</label>
      <input
        id="brush-size"
        type="range"
        min={0}
        max={1000}
        value={Math.round((Math.log(brush.size) / Math.log(500)) * 1000)}
        onChange={(e) => setSize(Math.exp((Number(e.target.value) / 1000) * Math.log(500)))}
        title={`Brush size in image pixels (${keyOf('brush.smaller')} / ${keyOf('brush.larger')})`}
      />
      <input
        className="num"
        type="number"
        min={1}
        max={500}
        value={brush.size}
        onChange={(e) => setSize(Number(e.target.value) || 1)}
        aria-label="Brush size"
        data-testid="brush-size"
      />
      <span className="dim">px</span>
      <button className="toggle" aria-pressed={brush.shape === 'round'} onClick={() => store.set({ brushShape: 'round' })} title={titleWithKey('Round brush', 'brush.shape')}>
        ●
      </button>
      <button className="toggle" aria-pressed={brush.shape === 'square'} onClick={() => store.set({ brushShape: 'square' })} title={titleWithKey('Square brush', 'brush.shape')}>
        ■
      </button>
    </div>
  );
}

function EraserOptions(props: ToolOptionsProps) {
  return (
    <>
      <BrushOptions {...props} />
      <EraseToOption {...props} />
    </>
  );
}

export const brushTool: ToolDefinition = {
  id: 'brush',
  title: 'Brush',
  action: 'tool.brush',
  cursor: 'none',
  create: () => createBrush(false),
  Options: BrushOptions,
};

export const eraserTool: ToolDefinition = {
  id: 'eraser',
  title: 'Eraser',
  action: 'tool.eraser',
  cursor: 'none',
  create: () => createBrush(true),
  Options: EraserOptions,
};
