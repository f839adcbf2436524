/**
 * One read-only mask layer over the photo, in screen space (a MaskView of its own), following the
 * editor's view imperatively. Used for the compared layers: the side-by-side pane, the swipe's
 * right-hand layer, and the left-hand layer when it is not the mask being edited.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, type CSSProperties } from 'react';
import { MaskView } from '../maskView';
import type { IndexMask } from '../overlay';
import type { View } from '../viewport';

export function LayerCanvas({
  mask,
  lut,
  outline,
  opacity,
  size,
  getView,
  subscribe,
  clip,
  testId,
}: {
  mask: IndexMask;
  lut: Uint32Array;
  outline: boolean;
  opacity: number;
  size: { w: number; h: number };
  getView: () => View;
  subscribe: (fn: () => void) => () => void;
  /** CSS clip-path (the swipe). */
  clip?: string;
  testId?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useMemo(() => new MaskView(mask), [mask]);
  useLayoutEffect(() => {
    const el = host.current;
    if (!el) return;
    el.appendChild(view.canvas);
    return () => {
      view.dispose();
      view.canvas.remove();
    };
  }, [view]);
  useLayoutEffect(() => {
    if (size.w === 0) return;
    view.resize(size.w, size.h, window.devicePixelRatio || 1);
    view.setView(getView());
  }, [view, size.w, size.h, getView]);
  useEffect(() => subscribe(() => view.setView(getView())), [view, subscribe, getView]);
  useEffect(() => view.setLut(lut, outline), [view, lut, outline]);
  const style: CSSProperties = { opacity, ...(clip ? { clipPath: clip } : {}) };
  return <div ref={host} className="ed-mask-host ed-layer" style={style} data-testid={testId} />;
}
