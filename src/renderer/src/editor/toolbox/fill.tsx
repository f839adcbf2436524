/** Bucket fill (4- or 8-connected) with the current class; Alt+click picks. Pick: click picks the class. */
import type { ToolDefinition, ToolOptionsProps } from './types';

function FillOptions({ prefs, store, titleWithKey }: ToolOptionsProps) {
  return (
    <div className="group">
      <button className="toggle" aria-pressed={prefs.connectivity === 4} onClick={() => store.set({ connectivity: 4 })} title={titleWithKey('4-connected', 'fill.connectivity')}>
        4-conn
      </button>
      <button className="toggle" aria-pressed={prefs.connectivity === 8} onClick={() => store.set({ connectivity: 8 })} title={titleWithKey('8-connected', 'fill.connectivity')}>
        8-conn
      </button>
    </div>
  );
}

export const fillTool: ToolDefinition = {
  id: 'fill',
  title: 'Fill',
  action: 'tool.fill',
  create: () => ({
    onPointerDown(e, ctx) {
      const ip = ctx.toImage(e);
      const p = ctx.prefs.get();
      if (e.altKey) ctx.pick(ip.x, ip.y);
      else ctx.core.fill(ip.x, ip.y, p.current, p.connectivity);
    },
  }),
  Options: FillOptions,
};

export const pickTool: ToolDefinition = {
  id: 'pick',
  title: 'Pick',
  action: 'tool.pick',
  create: () => ({
    onPointerDown(e, ctx) {
      const ip = ctx.toImage(e);
      ctx.pick(ip.x, ip.y);
    },
  }),
};
