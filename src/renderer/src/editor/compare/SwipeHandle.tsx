/** The swipe comparison's divider: A left of it, B right of it; drag it (or click anywhere on its strip). */
import { useEffect, useRef } from 'react';

export function SwipeHandle({ x, width, onMove, labelA, labelB }: { x: number; width: number; onMove: (fraction: number) => void; labelA: string; labelB: string }) {
  const el = useRef<HTMLDivElement>(null);
  const move = useRef(onMove);
  useEffect(() => {
    move.current = onMove;
  });
  useEffect(() => {
    const e = el.current;
    if (!e) return;
    let drag: number | null = null;
    const at = (ev: PointerEvent) => {
      const b = e.parentElement!.getBoundingClientRect();
      move.current(Math.min(1, Math.max(0, (ev.clientX - b.left) / b.width)));
    };
    const onDown = (ev: PointerEvent) => {
      ev.stopPropagation();
      ev.preventDefault();
      drag = ev.pointerId;
      e.setPointerCapture?.(ev.pointerId);
      at(ev);
    };
    const onPtrMove = (ev: PointerEvent) => {
      ev.stopPropagation();
      if (drag === ev.pointerId) at(ev);
    };
    const onUp = (ev: PointerEvent) => {
      ev.stopPropagation();
      if (drag === ev.pointerId) drag = null;
    };
    e.addEventListener('pointerdown', onDown);
    e.addEventListener('pointermove', onPtrMove);
    e.addEventListener('pointerup', onUp);
    e.addEventListener('pointercancel', onUp);
    return () => {
      e.removeEventListener('pointerdown', onDown);
      e.removeEventListener('pointermove', onPtrMove);
      e.removeEventListener('pointerup', onUp);
      e.removeEventListener('pointercancel', onUp);
    };
  }, []);
  return (
    <>
      <div className="ed-compare-label" data-testid="compare-label-a">
        A · {labelA}
      </div>
      <div className="ed-compare-label right" data-testid="compare-label-b">
        B · {labelB}
      </div>
      <div
        ref={el}
        className="ed-swipe"
        style={{ left: Math.round(x) - 8 }}
        data-testid="swipe-handle"
        role="slider"
        aria-label="Swipe between A and B"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={width > 0 ? Math.round((100 * x) / width) : 50}
      >
        <div className="ed-swipe-line" />
        <div className="ed-swipe-knob">⇔</div>
      </div>
    </>
  );
}
