/**
 * Viewer: one image with its head revision's mask overlaid in the schema's colours.
 *
 * Rendering (DESIGN.md §3): the mask is recoloured through the palette LUT into an offscreen canvas
 * shown by a `Konva.Image`; the image layer and the overlay layer do not listen to events; the overlay
 * layer draws with image smoothing off. Zoom/pan and the cursor read-out live in refs and are applied
 * to the stage / status bar imperatively: a pointer move never re-renders React.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Image as KImage, Layer, Stage } from 'react-konva';
import type Konva from 'konva';
import type { ImageDetail, LabelSchema, RevisionSummary } from '../../../shared/api/types';
import { paletteLut } from '../../../shared/schema';
import { decodeMask } from '../../../shared/mask/codec';
import { ErrorBox, rgbCss, STATUS_LABEL, toShownError, useClient, type ShownError } from '../views/common';
import type { GridSession } from '../views/gridSession';
import { OverlayCanvas, visibleLut, type IndexMask } from './overlay';
import {
  centredAt,
  fitView,
  imageToScreenPt,
  nextStep,
  screenToImage,
  wheelFactor,
  zoomAt,
  type View,
} from './viewport';

export interface ViewerTestHook {
  /** CSS pixels relative to the page of an image point (pixel (i, j)'s centre is (i + 0.5, j + 0.5)). */
  imageToScreen(x: number, y: number): { x: number; y: number };
  /** True once the image and its mask (if any) have been drawn. */
  ready: boolean;
}

declare global {
  interface Window {
    __parselViewer?: ViewerTestHook;
  }
}

/** View preferences shared by every image of the session (N/B keep them). */
const prefs = {
  opacity: loadNumber('parsel.viewer.opacity', 0.55),
  outline: false,
  maskOff: false,
  hidden: new Map<string, Set<number>>(), // by schema id
};

function loadNumber(key: string, fallback: number): number {
  try {
    const v = Number(localStorage.getItem(key));
    return Number.isFinite(v) && localStorage.getItem(key) !== null ? v : fallback;
  } catch {
    return fallback;
  }
}

interface Props {
  imageId: number;
  schema: LabelSchema | null;
  session: GridSession | null;
  onBack: () => void;
  onNavigate: (imageId: number) => void;
}

type MaskState =
  | { kind: 'loading' }
  | { kind: 'none' }
  | { kind: 'ready'; mask: IndexMask; revision: RevisionSummary | null }
  | { kind: 'error'; error: ShownError };

export function Viewer({ imageId, schema, session, onBack, onNavigate }: Props) {
  const client = useClient();
  const [detail, setDetail] = useState<ImageDetail | null>(null);
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  const [maskState, setMaskState] = useState<MaskState>({ kind: 'loading' });
  const [error, setError] = useState<ShownError | null>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [opacity, setOpacityState] = useState(prefs.opacity);
  const [outline, setOutlineState] = useState(prefs.outline);
  const [maskOff, setMaskOffState] = useState(prefs.maskOff);
  const [hidden, setHiddenState] = useState<Set<number>>(() => prefs.hidden.get(schema?.id ?? '') ?? new Set());
  const [drawn, setDrawn] = useState(false);

  const containerRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Konva.Stage>(null);
  const imageLayerRef = useRef<Konva.Layer>(null);
  const overlayLayerRef = useRef<Konva.Layer>(null);
  const view = useRef<View>({ scale: 1, x: 0, y: 0 });
  const fitted = useRef(true);
  const zoomRef = useRef<HTMLSpanElement>(null);
  const posRef = useRef<HTMLSpanElement>(null);
  const classRef = useRef<HTMLSpanElement>(null);
  const legendRef = useRef<HTMLUListElement>(null);
  const hotRef = useRef<number | null>(null);
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const pan = useRef<{ id: number; sx: number; sy: number; vx: number; vy: number } | null>(null);
  const spaceDown = useRef(false);
  const hookRef = useRef<ViewerTestHook>({ imageToScreen: () => ({ x: 0, y: 0 }), ready: false });

  const setOpacity = (v: number) => {
    prefs.opacity = v;
    try {
      localStorage.setItem('parsel.viewer.opacity', String(v));
    } catch {
      // storage may be unavailable
    }
    setOpacityState(v);
  };
  const setOutline = (v: boolean) => {
    prefs.outline = v;
    setOutlineState(v);
  };
  const setMaskOff = (v: boolean) => {
    prefs.maskOff = v;
    setMaskOffState(v);
  };
  const setHidden = (s: Set<number>) => {
    if (schema) prefs.hidden.set(schema.id, s);
    setHiddenState(s);
  };

  // ---- loading -------------------------------------------------------------------------------
  useEffect(() => {
    let cancelled = false;
    setDrawn(false);
    (async () => {
      try {
        const d = await client.call('image:get', { id: imageId });
        if (cancelled) return;
        setDetail(d);
        const imgEl = new Image();
        imgEl.decoding = 'async';
        imgEl.src = client.mediaUrl('image', imageId);
        const maskP = (async (): Promise<MaskState> => {
          if (d.headRevisionId === null) return { kind: 'none' };
          try {
            const [payload, revisions] = await Promise.all([
              client.call('revision:mask', { revisionId: d.headRevisionId }),
              client.call('revision:list', { imageId }).catch(() => [] as RevisionSummary[]),
            ]);
            const data = decodeMask(payload);
            return {
              kind: 'ready',
              mask: { width: payload.width, height: payload.height, data },
              revision: revisions.find((r) => r.id === d.headRevisionId) ?? null,
            };
          } catch (err) {
            return { kind: 'error', error: toShownError(err) };
          }
        })();
        await imgEl.decode().catch(() => {
          throw new Error(`the image could not be loaded (${d.path})`);
        });
        const ms = await maskP;
        if (cancelled) return;
        setImg(imgEl);
        setMaskState(ms);
      } catch (err) {
        if (!cancelled) setError(toShownError(err));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [client, imageId]);

  // ---- overlay ---------------------------------------------------------------------------------
  const baseLut = useMemo(() => (schema ? paletteLut(schema) : null), [schema]);
  const overlay = useMemo(
    () => (maskState.kind === 'ready' ? new OverlayCanvas(maskState.mask) : null),
    [maskState],
  );

  useEffect(() => {
    if (!overlay || !baseLut) return;
    overlay.render(visibleLut(baseLut, hidden), outline);
    overlayLayerRef.current?.batchDraw();
  }, [overlay, baseLut, hidden, outline]);

  // ---- view ------------------------------------------------------------------------------------
  const applyView = useCallback(() => {
    const stage = stageRef.current;
    const v = view.current;
    if (stage) {
      stage.scale({ x: v.scale, y: v.scale });
      stage.position({ x: v.x, y: v.y });
      // Downscaled photos look better smoothed; magnified ones must show their real pixels.
      imageLayerRef.current?.imageSmoothingEnabled(v.scale < 2);
      stage.batchDraw();
    }
    if (zoomRef.current) zoomRef.current.textContent = `${formatZoom(v.scale)}`;
  }, []);

  const setView = useCallback(
    (v: View, isFit = false) => {
      view.current = v;
      fitted.current = isFit;
      applyView();
    },
    [applyView],
  );

  const fit = useCallback(() => {
    if (!img || size.w === 0) return;
    setView(fitView(img.naturalWidth, img.naturalHeight, size.w, size.h), true);
  }, [img, size, setView]);

  const zoomTo = useCallback(
    (scale: number) => {
      if (!img) return;
      const p = pointer.current;
      if (p) setView(zoomAt(view.current, scale, p.x, p.y));
      else setView(centredAt(view.current, scale, size.w, size.h));
    },
    [img, size, setView],
  );

  const oneToOne = useCallback(() => {
    if (!img) return;
    const v = view.current;
    // Keep the image point at the viewport centre where it is.
    setView(centredAt(v, 1, size.w, size.h));
    const nv = view.current;
    setView({ scale: 1, x: Math.round(nv.x), y: Math.round(nv.y) });
  }, [img, size, setView]);

  useLayoutEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, []);

  // Fit on load and whenever the viewport resizes while fitted.
  useLayoutEffect(() => {
    if (!img || size.w === 0) return;
    if (fitted.current) fit();
    else applyView();
  }, [img, size, fit, applyView]);

  // Ready once image and mask are on the stage.
  useEffect(() => {
    if (!img || maskState.kind === 'loading' || size.w === 0) return;
    const stage = stageRef.current;
    if (!stage) return;
    applyView();
    stage.draw();
    setDrawn(true);
  }, [img, maskState, size, overlay, applyView]);

  // ---- test hook -------------------------------------------------------------------------------
  useEffect(() => {
    const hook = hookRef.current;
    hook.imageToScreen = (x, y) => {
      const r = containerRef.current?.getBoundingClientRect();
      const p = imageToScreenPt(view.current, x, y);
      return { x: (r?.left ?? 0) + p.x + window.scrollX, y: (r?.top ?? 0) + p.y + window.scrollY };
    };
    window.__parselViewer = hook;
    return () => {
      hook.ready = false;
      if (window.__parselViewer === hook) delete window.__parselViewer;
    };
  }, []);
  useEffect(() => {
    hookRef.current.ready = drawn;
  }, [drawn]);

  // ---- cursor read-out (imperative) --------------------------------------------------------------
  const updateReadout = useCallback(() => {
    const p = pointer.current;
    let posText = '';
    let classText = '';
    let hot: number | null = null;
    if (p && img) {
      const ip = screenToImage(view.current, p.x, p.y);
      const x = Math.floor(ip.x);
      const y = Math.floor(ip.y);
      if (x >= 0 && y >= 0 && x < img.naturalWidth && y < img.naturalHeight) {
        posText = `x ${x}  y ${y}`;
        const v = overlay?.valueAt(x, y) ?? null;
        if (v !== null) {
          const c = schema?.classes.find((k) => k.index === v);
          classText = c ? `${v} ${c.title}` : v === schema?.ignoreIndex ? `${v} (ignore)` : `${v} (unknown)`;
          hot = v;
        }
      }
    }
    if (posRef.current) posRef.current.textContent = posText || '—';
    if (classRef.current) classRef.current.textContent = classText || '—';
    if (hot !== hotRef.current) {
      const ul = legendRef.current;
      if (ul) {
        ul.querySelector('li.hot')?.classList.remove('hot');
        if (hot !== null) ul.querySelector(`li[data-index="${hot}"]`)?.classList.add('hot');
      }
      hotRef.current = hot;
    }
  }, [img, overlay, schema]);

  // ---- pointer / wheel -------------------------------------------------------------------------
  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const local = (e: { clientX: number; clientY: number }) => {
      const r = el.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
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
        el.setPointerCapture(e.pointerId);
        pan.current = { id: e.pointerId, sx: e.clientX, sy: e.clientY, vx: view.current.x, vy: view.current.y };
        el.classList.add('panning');
      }
    };
    const onMove = (e: PointerEvent) => {
      pointer.current = local(e);
      const pn = pan.current;
      if (pn && pn.id === e.pointerId) {
        setView({ scale: view.current.scale, x: pn.vx + e.clientX - pn.sx, y: pn.vy + e.clientY - pn.sy });
      }
      updateReadout();
    };
    const onUp = (e: PointerEvent) => {
      if (pan.current && pan.current.id === e.pointerId) {
        pan.current = null;
        el.classList.remove('panning');
        if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
      }
    };
    const onLeave = () => {
      if (pan.current) return;
      pointer.current = null;
      updateReadout();
    };
    // Middle-button autoscroll would fight the pan.
    const onMouseDown = (e: MouseEvent) => {
      if (e.button === 1) e.preventDefault();
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    el.addEventListener('pointerdown', onDown);
    el.addEventListener('pointermove', onMove);
    el.addEventListener('pointerup', onUp);
    el.addEventListener('pointercancel', onUp);
    el.addEventListener('pointerleave', onLeave);
    el.addEventListener('mousedown', onMouseDown);
    return () => {
      el.removeEventListener('wheel', onWheel);
      el.removeEventListener('pointerdown', onDown);
      el.removeEventListener('pointermove', onMove);
      el.removeEventListener('pointerup', onUp);
      el.removeEventListener('pointercancel', onUp);
      el.removeEventListener('pointerleave', onLeave);
      el.removeEventListener('mousedown', onMouseDown);
    };
  }, [setView, updateReadout]);

  // ---- navigation --------------------------------------------------------------------------------
  const go = useCallback(
    async (delta: 1 | -1) => {
      if (!session) return;
      const i = session.indexOf(imageId);
      if (i < 0) return;
      const it = await session.getAt(i + delta);
      if (it) {
        session.selected = i + delta;
        onNavigate(it.id);
      }
    },
    [session, imageId, onNavigate],
  );

  // ---- keyboard ----------------------------------------------------------------------------------
  useEffect(() => {
    const isField = (t: EventTarget | null) =>
      t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') &&
      !(t instanceof HTMLInputElement && t.type === 'range');
    const onKey = (e: KeyboardEvent) => {
      if (isField(e.target)) return;
      if (e.key === ' ') {
        e.preventDefault();
        if (!spaceDown.current) {
          spaceDown.current = true;
          containerRef.current?.classList.add('can-pan');
        }
        return;
      }
      if (e.altKey || e.metaKey || (e.ctrlKey && e.key !== '0' && e.key !== '1')) return;
      switch (e.key) {
        case 'Escape':
          onBack();
          break;
        case '0':
          fit();
          break;
        case '1':
          oneToOne();
          break;
        case '+':
        case '=':
          zoomTo(nextStep(view.current.scale, 1));
          break;
        case '-':
        case '_':
          zoomTo(nextStep(view.current.scale, -1));
          break;
        case 'h':
        case 'H':
          setMaskOff(!prefs.maskOff);
          break;
        case 'o':
        case 'O':
          setOutline(!prefs.outline);
          break;
        case 'n':
        case 'N':
          void go(1);
          break;
        case 'b':
        case 'B':
          void go(-1);
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ') {
        spaceDown.current = false;
        containerRef.current?.classList.remove('can-pan');
      }
    };
    const onBlur = () => {
      spaceDown.current = false;
      containerRef.current?.classList.remove('can-pan');
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKeyUp);
    window.addEventListener('blur', onBlur);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', onBlur);
    };
  }, [onBack, fit, oneToOne, zoomTo, go]);

  // ---- render ------------------------------------------------------------------------------------
  const classes = schema?.classes ?? [];
  const hasMask = maskState.kind === 'ready';
  const revision = maskState.kind === 'ready' ? maskState.revision : null;
  const sizeMismatch =
    hasMask && img && (maskState.mask.width !== img.naturalWidth || maskState.mask.height !== img.naturalHeight);

  const toggleClass = (index: number, solo: boolean) => {
    if (solo) {
      const onlyThis = classes.length - hidden.size === 1 && !hidden.has(index);
      setHidden(onlyThis ? new Set() : new Set(classes.filter((c) => c.index !== index).map((c) => c.index)));
      return;
    }
    const next = new Set(hidden);
    if (next.has(index)) next.delete(index);
    else next.add(index);
    setHidden(next);
  };

  return (
    <div className="viewer" data-testid="viewer">
      <div className="viewer-tools">
        <button onClick={onBack} title="Back to the grid (Esc)">
          ← Grid
        </button>
        <button onClick={() => void go(-1)} title="Previous image (B)" disabled={!session}>
          ‹
        </button>
        <button onClick={() => void go(1)} title="Next image (N)" disabled={!session}>
          ›
        </button>
        <span className="title" title={detail?.path}>
          {detail?.path ?? '…'}
        </span>
        <span className="spacer" />
        <div className="group">
          <button onClick={fit} title="Fit the image to the window (0)">
            Fit
          </button>
          <button onClick={oneToOne} title="Actual pixels, 100 % (1)">
            1:1
          </button>
          <button onClick={() => zoomTo(nextStep(view.current.scale, -1))} title="Zoom out (−)">
            −
          </button>
          <span className="zoom" ref={zoomRef} data-testid="zoom">
            100%
          </span>
          <button onClick={() => zoomTo(nextStep(view.current.scale, 1))} title="Zoom in (+)">
            +
          </button>
        </div>
        <div className="group">
          <label htmlFor="overlay-opacity">Opacity</label>
          <input
            id="overlay-opacity"
            type="range"
            min={0}
            max={100}
            step={1}
            value={Math.round(opacity * 100)}
            onChange={(e) => setOpacity(Number(e.target.value) / 100)}
            disabled={!hasMask}
            title="Mask overlay opacity"
          />
          <span className="mono dim" style={{ width: 34, textAlign: 'right' }}>
            {Math.round(opacity * 100)}%
          </span>
          <button
            className="toggle"
            aria-pressed={outline}
            onClick={() => setOutline(!outline)}
            disabled={!hasMask}
            title="Outline only: draw class boundaries (O)"
          >
            Outline
          </button>
          <button
            className="toggle"
            aria-pressed={maskOff}
            onClick={() => setMaskOff(!maskOff)}
            disabled={!hasMask}
            title="Hide the mask (H)"
          >
            Hide mask
          </button>
        </div>
      </div>

      <div className="viewer-stage" ref={containerRef} data-testid="stage">
        {size.w > 0 && (
          <Stage ref={stageRef} width={size.w} height={size.h} listening={false}>
            <Layer ref={imageLayerRef} listening={false}>
              {img && <KImage image={img} listening={false} />}
            </Layer>
            <Layer ref={overlayLayerRef} listening={false} imageSmoothingEnabled={false} visible={!maskOff}>
              {overlay && img && (
                <KImage
                  image={overlay.canvas}
                  width={img.naturalWidth}
                  height={img.naturalHeight}
                  opacity={opacity}
                  listening={false}
                />
              )}
            </Layer>
          </Stage>
        )}
        {error && (
          <div className="notice" style={{ pointerEvents: 'auto' }}>
            <ErrorBox error={error} />
          </div>
        )}
        {!error && !img && <div className="notice">Loading…</div>}
        {img && maskState.kind === 'none' && <div className="notice" data-testid="no-mask">No mask yet</div>}
        {img && maskState.kind === 'error' && (
          <div className="notice">
            <ErrorBox error={maskState.error} />
          </div>
        )}
        {sizeMismatch && (
          <div className="notice" style={{ top: 36 }}>
            Mask is {maskState.mask.width}×{maskState.mask.height}, image is {img.naturalWidth}×{img.naturalHeight}
          </div>
        )}
      </div>

      <div className="viewer-side">
        <h3>
          <span>Classes</span>
          <button
            className="link"
            style={{ fontSize: 11, textTransform: 'none', letterSpacing: 0 }}
            onClick={() => setHidden(hidden.size ? new Set() : new Set(classes.map((c) => c.index)))}
            title="Show or hide every class"
          >
            {hidden.size ? 'show all' : 'hide all'}
          </button>
        </h3>
        <ul className="legend" ref={legendRef} aria-label="Class visibility">
          {classes.map((c) => {
            const on = !hidden.has(c.index);
            return (
              <li
                key={c.index}
                data-index={c.index}
                className={on ? '' : 'off'}
                title={`${c.name} — click to toggle, Alt+click to show only this class`}
                onClick={(e) => toggleClass(c.index, e.altKey)}
              >
                <input type="checkbox" checked={on} readOnly tabIndex={-1} aria-label={`Show ${c.title}`} />
                <span className="swatch" style={{ background: rgbCss(c.color) }} />
                <span className="idx">{c.index}</span>
                <span>{c.title}</span>
              </li>
            );
          })}
        </ul>
        <h3 style={{ marginTop: 14 }}>
          <span>Keys</span>
        </h3>
        <div className="faint" style={{ fontSize: 11, lineHeight: 1.8 }}>
          <kbd>0</kbd> fit · <kbd>1</kbd> 1:1 · <kbd>+</kbd>/<kbd>−</kbd> zoom
          <br />
          wheel zoom · <kbd>Space</kbd>+drag or middle-drag pan
          <br />
          <kbd>H</kbd> hide mask · <kbd>O</kbd> outline
          <br />
          <kbd>N</kbd>/<kbd>B</kbd> next/previous · <kbd>Esc</kbd> grid
        </div>
      </div>

      <div className="viewer-status">
        <span>{img ? `${img.naturalWidth}×${img.naturalHeight}` : '—'}</span>
        <span ref={posRef}>—</span>
        <span ref={classRef} data-testid="class-under-cursor">
          —
        </span>
        <span className="spacer" />
        {detail && <span>{STATUS_LABEL[detail.status]}</span>}
        <span>
          {maskState.kind === 'none'
            ? 'no mask yet'
            : revision
              ? `rev ${revision.id} · ${revision.kind} · ${revision.author}`
              : detail?.headRevisionId
                ? `rev ${detail.headRevisionId}`
                : ''}
        </span>
      </div>
    </div>
  );
}

function formatZoom(scale: number): string {
  const pct = scale * 100;
  return pct < 10 ? `${pct.toFixed(1)}%` : `${Math.round(pct)}%`;
}
