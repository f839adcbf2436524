/**
 * The right-hand pane of the side-by-side comparison: the photo and layer B under the same view as
 * the stage (same size, same transform, so both show the same image point at the same place). Wheel
 * zooms and any drag pans here too, for both panes; nothing is edited here.
 */
import { useEffect, useRef } from 'react';
import type { IndexMask } from '../overlay';
import { wheelFactor, zoomAt, type View } from '../viewport';
import { LayerCanvas } from './LayerCanvas';
import { sizeCanvas, useElementSize } from '../elementSize';
import { listen } from '../listen';

export function ComparePane({
  img,
  layer,
  label,
  error,
  lut,
  outline,
  opacity,
  getView,
  setView,
  subscribe,
}: {
  img: HTMLImageElement;
  layer: IndexMask | null;
  label: string;
  error: string | null;
  lut: Uint32Array;
  outline: boolean;
  opacity: number;
  getView: () => View;
  setView: (v: View) => void;
  subscribe: (fn: () => void) => () => void;
}) {
  const el = useRef<HTMLDivElement>(null);
  const photo = useRef<HTMLCanvasElement>(null);
  const size = useElementSize(el);

  // The photo, redrawn on every view change.
  useEffect(() => {
    const c = photo.current;
    if (!c || size.w === 0) return;
    const dpr = sizeCanvas(c, size);
    const draw = () => {
      const ctx = c.getContext('2d');
      if (!ctx) return;
      const v = getView();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, c.width, c.height);
      ctx.imageSmoothingEnabled = v.scale < 2;
      ctx.setTransform(dpr * v.scale, 0, 0, dpr * v.scale, dpr * v.x, dpr * v.y);
      ctx.drawImage(img, 0, 0);
    };
    draw();
    return subscribe(draw);
  }, [img, size, getView, subscribe]);

  // Zoom and pan from this pane (native listeners: nothing reaches the stage's tools).
  useEffect(() => {
    const e = el.current;
    if (!e) return;
    let pan: { id: number; sx: number; sy: number; vx: number; vy: number } | null = null;
    const local = (ev: { clientX: number; clientY: number }) => {
      const b = e.getBoundingClientRect();
      return { x: ev.clientX - b.left, y: ev.clientY - b.top };
    };
    const onWheel = (ev: WheelEvent) => {
      ev.preventDefault();
      const p = local(ev);
      const v = getView();
      setView(zoomAt(v, v.scale * wheelFactor(ev), p.x, p.y));
    };
    const onDown = (ev: PointerEvent) => {
      ev.preventDefault();
      const v = getView();
      pan = { id: ev.pointerId, sx: ev.clientX, sy: ev.clientY, vx: v.x, vy: v.y };
      e.setPointerCapture?.(ev.pointerId);
    };
    const onMove = (ev: PointerEvent) => {
      if (!pan || pan.id !== ev.pointerId) return;
      setView({ scale: getView().scale, x: pan.vx + ev.clientX - pan.sx, y: pan.vy + ev.clientY - pan.sy });
    };
    const onUp = (ev: PointerEvent) => {
      if (pan?.id === ev.pointerId) pan = null;
    };
    const noMenu = (ev: MouseEvent) => ev.preventDefault();
    return listen(e, { wheel: onWheel, pointerdown: onDown, pointermove: onMove, pointerup: onUp, pointercancel: onUp, contextmenu: noMenu }, { wheel: { passive: false } });
  }, [getView, setView]);

  return (
    <div className="viewer-stage ed-compare-pane" ref={el} data-testid="compare-pane">
      <canvas ref={photo} className="ed-ui" />
      {layer && size.w > 0 && (
        <LayerCanvas mask={layer} lut={lut} outline={outline} opacity={opacity} size={size} getView={getView} subscribe={subscribe} testId="compare-layer-b" />
      )}
      <div className="ed-compare-label right" data-testid="compare-label-b">
        B · {label}
      </div>
      {error && <div className="notice">{error}</div>}
    </div>
  );
}
