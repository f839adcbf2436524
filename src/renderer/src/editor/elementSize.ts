/**
 * The CSS size of an element, kept up to date with a ResizeObserver (the editor's stage and the
 * compare pane), and a canvas sized to it at the device pixel ratio.
 */
import { useLayoutEffect, useState, type RefObject } from 'react';

export interface Size {
  w: number;
  h: number;
}

export function useElementSize(ref: RefObject<HTMLElement | null>): Size {
  const [size, setSize] = useState<Size>({ w: 0, h: 0 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

/** Gives canvas `c` a backing store of `size` × the device pixel ratio and CSS size `size`; returns the ratio. */
export function sizeCanvas(c: HTMLCanvasElement, size: Size): number {
  const dpr = window.devicePixelRatio || 1;
  c.width = Math.round(size.w * dpr);
  c.height = Math.round(size.h * dpr);
  c.style.width = `${size.w}px`;
  c.style.height = `${size.h}px`;
  return dpr;
}
