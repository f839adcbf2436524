/**
 * The minimap: shown while the image does not fit the stage (zoomed in or panned off), bottom right.
 * A thumbnail of the photo with the visible part outlined; a click centres the view on that point and
 * a drag pans with it. It follows the view imperatively (`subscribe`): zoom and pan never re-render
 * React. Its pointer events stop here, so no tool paints through it.
 */
import { useEffect, useRef } from 'react';
import type { View } from './viewport';

/** Longest side of the minimap in CSS pixels. */
export const MINIMAP_SIZE = 180;

/** The visible image rect, or null when the whole image is on screen (no minimap needed). */
export function visibleRect(v: View, iw: number, ih: number, sw: number, sh: number): { x0: number; y0: number; x1: number; y1: number } | null {
  const x0 = Math.max(0, -v.x / v.scale);
  const y0 = Math.max(0, -v.y / v.scale);
  const x1 = Math.min(iw, (sw - v.x) / v.scale);
  const y1 = Math.min(ih, (sh - v.y) / v.scale);
  const eps = 0.5;
  if (x0 <= eps && y0 <= eps && x1 >= iw - eps && y1 >= ih - eps) return null;
  return { x0, y0, x1, y1 };
}

export function Minimap({
  img,
  stage,
  getView,
  setView,
  subscribe,
}: {
  img: HTMLImageElement;
  /** Stage size in CSS pixels. */
  stage: { w: number; h: number };
  getView: () => View;
  setView: (v: View) => void;
  /** Calls back on every view change; returns the unsubscribe. */
  subscribe: (fn: () => void) => () => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const iw = img.naturalWidth;
  const ih = img.naturalHeight;
  const k = MINIMAP_SIZE / Math.max(iw, ih);
  const mw = Math.max(1, Math.round(iw * k));
  const mh = Math.max(1, Math.round(ih * k));

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(mw * dpr);
    c.height = Math.round(mh * dpr);
    const thumb = document.createElement('canvas');
    thumb.width = c.width;
    thumb.height = c.height;
    thumb.getContext('2d')?.drawImage(img, 0, 0, thumb.width, thumb.height);
    const draw = () => {
      const r = visibleRect(getView(), iw, ih, stage.w, stage.h);
      c.style.display = r ? 'block' : 'none';
      c.dataset.visible = r ? `${r.x0.toFixed(1)},${r.y0.toFixed(1)},${r.x1.toFixed(1)},${r.y1.toFixed(1)}` : '';
      if (!r) return;
      const ctx = c.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(thumb, 0, 0);
      ctx.setTransform(dpr * k, 0, 0, dpr * k, 0, 0);
      // Dim what is off screen, outline what is on it.
      ctx.fillStyle = 'rgba(0,0,0,0.45)';
      ctx.beginPath();
      ctx.rect(0, 0, iw, ih);
      ctx.rect(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
      ctx.fill('evenodd');
      ctx.lineWidth = 1.5 / (dpr * k);
      ctx.strokeStyle = '#ffd84a';
      ctx.strokeRect(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
    };
    draw();
    const off = subscribe(draw);

    // Click / drag: centre the view on the image point under the pointer.
    let dragging: number | null = null;
    const centreAt = (e: PointerEvent) => {
      const b = c.getBoundingClientRect();
      const ix = ((e.clientX - b.left) / b.width) * iw;
      const iy = ((e.clientY - b.top) / b.height) * ih;
      const v = getView();
      setView({ scale: v.scale, x: stage.w / 2 - ix * v.scale, y: stage.h / 2 - iy * v.scale });
    };
    const onDown = (e: PointerEvent) => {
      e.stopPropagation();
      if (e.button !== 0) return;
      e.preventDefault();
      dragging = e.pointerId;
      c.setPointerCapture?.(e.pointerId);
      centreAt(e);
    };
    const onMove = (e: PointerEvent) => {
      e.stopPropagation();
      if (dragging === e.pointerId) centreAt(e);
    };
    const onUp = (e: PointerEvent) => {
      e.stopPropagation();
      if (dragging === e.pointerId) dragging = null;
    };
    const stop = (e: Event) => e.stopPropagation();
    c.addEventListener('pointerdown', onDown);
    c.addEventListener('pointermove', onMove);
    c.addEventListener('pointerup', onUp);
    c.addEventListener('pointercancel', onUp);
    c.addEventListener('dblclick', stop);
    return () => {
      off();
      c.removeEventListener('pointerdown', onDown);
      c.removeEventListener('pointermove', onMove);
      c.removeEventListener('pointerup', onUp);
      c.removeEventListener('pointercancel', onUp);
      c.removeEventListener('dblclick', stop);
    };
  }, [img, iw, ih, k, mw, mh, stage.w, stage.h, getView, setView, subscribe]);

  return <canvas ref={canvas} className="ed-minimap" data-testid="minimap" style={{ width: mw, height: mh }} aria-label="Minimap: click or drag to move the view" />;
}
