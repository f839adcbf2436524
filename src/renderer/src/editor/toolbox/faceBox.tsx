/**
 * The "Face box" tool and the face boxes of the image (`faceBox:*`): the crops a model set with faces
 * mode "box" parses (region-based parsing, as in STN-iCNN; several faces per image).
 *
 * The boxes are shown as outlines over the image whatever the tool. With the tool active, a drag draws
 * a box (snapped to pixel corners, clipped to the image, see `faceBoxFromDrag`) and each box gets a
 * close button; every change replaces the image's boxes with one `faceBox:set` call (saves run one at
 * a time, in order; only the reply to the newest one is shown). Coordinates are image pixels, corners top-left / bottom-right
 * (src/shared/api/methods-faces.ts). Space + drag and the middle button still pan (the stage handles
 * them); the wheel still zooms.
 *
 * As a registered tool (toolbox/types.ts) it has no stage handlers: its `Layer` takes the pointer
 * while the tool is active, and shows the boxes whatever the tool.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FaceBoxInput } from '../../../../shared/api/methods-faces';
import { ErrorBox, toShownError, useClient, type ShownError } from '../../views/common';
import { faceBoxFromDrag, serialSaves } from '../tools';
import { screenToImage, type View } from '../viewport';
import type { ToolDefinition, ToolLayerProps } from './types';

/** `size`: image size in pixels, null until the image is loaded (nothing is drawn or accepted before). */
type Props = ToolLayerProps;

const sameView = (a: View, b: View) => a.x === b.x && a.y === b.y && a.scale === b.scale;

export function FaceBoxLayer({ imageId, size, active, getView }: Props) {
  const client = useClient();
  const host = useRef<HTMLDivElement>(null);
  const [boxes, setBoxes] = useState<FaceBoxInput[]>([]);
  const [draft, setDraft] = useState<FaceBoxInput | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [view, setView] = useState<View>(getView);
  const drag = useRef<{ id: number; x: number; y: number } | null>(null);
  const shown = useRef(imageId);

  // The image's boxes.
  useEffect(() => {
    shown.current = imageId;
    setBoxes([]);
    setDraft(null);
    setError(null);
    client
      .call('faceBox:list', { imageId })
      .then((list) => {
        if (shown.current === imageId) setBoxes(list.map(({ x0, y0, x1, y1 }) => ({ x0, y0, x1, y1 })));
      })
      .catch((e: unknown) => shown.current === imageId && setError(toShownError(e)));
  }, [client, imageId]);

  const visible = active || boxes.length > 0;
  // Follow zoom / pan while anything is shown (the editor keeps its view in a ref; re-render only when it changed).
  useEffect(() => {
    if (!visible) return;
    let raf = 0;
    let last = getView();
    setView({ ...last });
    const tick = () => {
      const v = getView();
      if (!sameView(v, last)) {
        last = v;
        setView({ ...v });
      }
      raf = requestAnimationFrame(tick);
    };
    tick();
    return () => cancelAnimationFrame(raf);
  }, [getView, visible]);

  // One at a time, in order; only the reply to the newest save replaces the boxes (serialSaves).
  const saves = useMemo(
    () =>
      serialSaves((s: { imageId: number; boxes: FaceBoxInput[] }) => client.call('faceBox:set', s), {
        stored: (stored, { imageId: id }) => {
          if (shown.current === id) setBoxes(stored.map(({ x0, y0, x1, y1 }) => ({ x0, y0, x1, y1 })));
        },
        failed: async (e, { imageId: id }, latest) => {
          if (shown.current !== id) return;
          setError(toShownError(e));
          if (!latest) return;
          // Show what is stored, not what was refused.
          const stored = await client.call('faceBox:list', { imageId: id }).catch(() => null);
          if (stored && shown.current === id) setBoxes(stored.map(({ x0, y0, x1, y1 }) => ({ x0, y0, x1, y1 })));
        },
      }),
    [client],
  );
  const save = useCallback(
    (next: FaceBoxInput[]) => {
      setBoxes(next);
      setError(null);
      void saves({ imageId, boxes: next });
    },
    [saves, imageId],
  );

  // Esc during a drag drops the box being drawn (and does not leave the editor).
  useEffect(() => {
    if (!draft) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopImmediatePropagation();
      drag.current = null;
      setDraft(null);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [draft]);

  const toImage = (e: React.PointerEvent) => {
    const r = host.current!.getBoundingClientRect();
    return screenToImage(getView(), e.clientX - r.left, e.clientY - r.top);
  };

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    // Space + drag pans (the stage marks itself 'can-pan'); the middle button pans too.
    if (!active || !size || e.button !== 0 || host.current?.parentElement?.classList.contains('can-pan')) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const p = toImage(e);
    drag.current = { id: e.pointerId, x: p.x, y: p.y };
    setDraft(null);
  };
  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId || !size) return;
    setDraft(faceBoxFromDrag(d, toImage(e), size.w, size.h));
  };
  const onPointerUp = (e: React.PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId || !size) return;
    drag.current = null;
    setDraft(null);
    const box = faceBoxFromDrag(d, toImage(e), size.w, size.h);
    if (box) save([...boxes, box]);
  };

  const place = (b: FaceBoxInput) => ({
    left: b.x0 * view.scale + view.x,
    top: b.y0 * view.scale + view.y,
    width: (b.x1 - b.x0) * view.scale,
    height: (b.y1 - b.y0) * view.scale,
  });

  if (!visible && !error) return null;
  return (
    <div
      ref={host}
      className={`ed-face-host${active ? ' active' : ''}`}
      data-testid="face-boxes"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      // A native drag (of selected text) would cancel the pointer mid-box.
      onDragStart={(e) => e.preventDefault()}
      onPointerCancel={() => {
        drag.current = null;
        setDraft(null);
      }}
    >
      {boxes.map((b, i) => (
        <div key={`${i}:${b.x0},${b.y0},${b.x1},${b.y1}`} className="ed-face-box" style={place(b)} data-testid="face-box" data-box={`${b.x0},${b.y0},${b.x1},${b.y1}`}>
          <span className="ed-face-label">face {i + 1}</span>
          {active && (
            <button
              className="ed-face-delete"
              title={`Delete face box ${i + 1}`}
              aria-label={`Delete face box ${i + 1}`}
              data-testid="face-box-delete"
              onPointerDown={(e) => e.stopPropagation()}
              onClick={() => save(boxes.filter((_, j) => j !== i))}
            >
              ×
            </button>
          )}
        </div>
      ))}
      {draft && <div className="ed-face-box draft" style={place(draft)} data-testid="face-box-draft" />}
      {active && (
        <div className="ed-face-hint" data-testid="face-box-hint">
          Drag to draw a face box ({boxes.length} on this image). Pre-labelling with a model set in face-box mode parses each box.
        </div>
      )}
      {error && (
        <div className="ed-face-error">
          <ErrorBox error={error} />
        </div>
      )}
    </div>
  );
}

export const faceBoxTool: ToolDefinition = {
  id: 'face',
  title: 'Face box',
  action: 'tool.faceBox',
  create: () => ({}),
  Layer: FaceBoxLayer,
};
