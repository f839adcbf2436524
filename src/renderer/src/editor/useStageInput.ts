/**
 * The stage's pointer and wheel input: the wheel zooms around the cursor, the middle button and
 * Space + drag pan; every other primary-button gesture goes to the active tool with a ToolContext
 * (toolbox/types.ts). Listeners are native (not React's) and read refs: painting never re-renders.
 */
import { useEffect, type RefObject } from 'react';
import { pickClass } from '../../../shared/mask/paint';
import type { RendererClient } from '../api/client';
import type { EditorCore } from './core';
import type { PrefsStore } from './prefs';
import type { Tool, ToolContext } from './toolbox';
import type { Selection } from './tools';
import { screenToImage, wheelFactor, zoomAt, type View } from './viewport';
import { listen } from './listen';

/** The editor's live view state, shared by the input hooks (refs: no re-render on change). */
export interface StageRefs {
  container: RefObject<HTMLDivElement | null>;
  view: RefObject<View>;
  /** Cursor in stage pixels, null when off the stage. */
  pointer: RefObject<{ x: number; y: number } | null>;
  pan: RefObject<{ id: number; sx: number; sy: number; vx: number; vy: number } | null>;
  spaceDown: RefObject<boolean>;
  selection: RefObject<Selection | null>;
  /** The context lent to tools; null until a mask is loaded. */
  toolCtx: RefObject<ToolContext | null>;
  /** True while the stage shows a layer other than the edited mask: tools get no input (pan and zoom do). */
  readOnly: RefObject<boolean>;
}

export function useStageInput(
  refs: StageRefs,
  p: {
    imageId: number;
    client: RendererClient;
    notify: (message: string) => void;
    core: EditorCore | null;
    store: PrefsStore;
    brush: ToolContext['brush'];
    toolOf: (id: string) => Tool | null;
    setView: (v: View) => void;
    setSelection: (s: Selection | null) => void;
    updateReadout: () => void;
    scheduleUi: () => void;
  },
): void {
  const { imageId, client, notify, core, store, brush, toolOf, setView, setSelection, updateReadout, scheduleUi } = p;
  const { container: containerRef, view, pointer, pan, spaceDown, selection: selectionRef, toolCtx: toolCtxRef, readOnly } = refs;
  useEffect(() => {
    const el = containerRef.current;
    if (!el || !core) {
      toolCtxRef.current = null;
      return;
    }
    // The stage's page position, cached: reading it per move could force a layout in the hot path.
    let box: DOMRect | null = null;
    const invalidate = () => {
      box = null;
    };
    const ro = new ResizeObserver(invalidate);
    ro.observe(el);
    window.addEventListener('resize', invalidate);
    window.addEventListener('scroll', invalidate, true);
    const local = (e: { clientX: number; clientY: number }) => {
      box ??= el.getBoundingClientRect();
      return { x: e.clientX - box.left, y: e.clientY - box.top };
    };
    const ctx: ToolContext = {
      imageId,
      client,
      core,
      prefs: store,
      brush,
      view: () => view.current,
      toImage: (e) => {
        const p = local(e);
        return screenToImage(view.current, p.x, p.y);
      },
      capture: (id) => el.setPointerCapture?.(id),
      redraw: scheduleUi,
      selection: () => selectionRef.current,
      setSelection,
      pick: (x, y) => {
        const v = pickClass(core.mask, x, y);
        if (v !== null) store.set({ current: v });
      },
      notify,
    };
    toolCtxRef.current = ctx;
    const active = () => toolOf(store.get().tool);
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const p = local(e);
      pointer.current = p;
      setView(zoomAt(view.current, view.current.scale * wheelFactor(e), p.x, p.y));
      updateReadout();
    };
    const onDown = (e: PointerEvent) => {
      if (e.button === 1 || (e.button === 0 && spaceDown.current)) {
        e.preventDefault();
        el.setPointerCapture?.(e.pointerId);
        pan.current = { id: e.pointerId, sx: e.clientX, sy: e.clientY, vx: view.current.x, vy: view.current.y };
        el.classList.add('panning');
        scheduleUi();
        return;
      }
      if (e.button !== 0) return;
      pointer.current = local(e);
      if (readOnly.current) return;
      active()?.onPointerDown?.(e, ctx);
      scheduleUi();
    };
    const onMove = (e: PointerEvent) => {
      pointer.current = local(e);
      const pn = pan.current;
      if (pn && pn.id === e.pointerId) {
        setView({ scale: view.current.scale, x: pn.vx + e.clientX - pn.sx, y: pn.vy + e.clientY - pn.sy });
      } else active()?.onPointerMove?.(e, ctx);
      scheduleUi();
      updateReadout();
    };
    const onUp = (e: PointerEvent) => {
      if (pan.current && pan.current.id === e.pointerId) {
        pan.current = null;
        el.classList.remove('panning');
      }
      active()?.onPointerUp?.(e, ctx);
      if (el.hasPointerCapture?.(e.pointerId)) el.releasePointerCapture(e.pointerId);
      scheduleUi();
    };
    const onDbl = (e: MouseEvent) => active()?.onDoubleClick?.(e, ctx);
    const onLeave = () => {
      if (pan.current || active()?.busy?.()) return;
      pointer.current = null;
      updateReadout();
      scheduleUi();
    };
    const onMouseDown = (e: MouseEvent) => {
      if (e.button === 1) e.preventDefault();
    };
    const onContext = (e: MouseEvent) => e.preventDefault();
    const unlisten = listen(
      el,
      { wheel: onWheel, pointerdown: onDown, pointermove: onMove, pointerup: onUp, pointercancel: onUp, pointerleave: onLeave, dblclick: onDbl, mousedown: onMouseDown, contextmenu: onContext },
      { wheel: { passive: false } },
    );
    return () => {
      ro.disconnect();
      window.removeEventListener('resize', invalidate);
      window.removeEventListener('scroll', invalidate, true);
      unlisten();
      if (toolCtxRef.current === ctx) toolCtxRef.current = null;
    };
  }, [imageId, client, notify, core, store, brush, setView, updateReadout, scheduleUi, setSelection, toolOf, containerRef, view, pointer, pan, spaceDown, selectionRef, toolCtxRef, readOnly]);
}
