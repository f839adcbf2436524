/**
 * Mask editor: one image, its head revision's mask, the painting tools, history, autosave, revisions.
 *
 * Rendering (DESIGN.md §3): the index map (`EditorCore.mask`) is the source of truth. The photo is a
 * `Konva.Image` on a non-listening layer; the mask is recoloured through the LUT straight into a
 * viewport-sized canvas, only in the dirty rectangle once per animation frame (maskView.ts explains
 * why not an image-sized canvas drawn by Konva). Cursor preview, polygon / lasso / selection
 * outlines and the pixel grid are drawn on a plain canvas over the stage in screen pixels (crisp 1 px
 * lines at any zoom); the brush preview is the outline of the exact footprint that will be painted.
 * Zoom/pan, pointer state and live strokes live in refs: painting never re-renders React.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Image as KImage, Layer, Stage } from 'react-konva';
import type Konva from 'konva';
import type { ImageDetail, LabelSchema, RevisionSummary } from '../../../shared/api/types';
import type { FlagInfo } from '../../../shared/api/methods-noise';
import { paletteLut } from '../../../shared/schema';
import { decodeMask, encodeMask } from '../../../shared/mask/codec';
import { brushFootprint, footprintOutline, pickClass, type BrushShape } from '../../../shared/mask/paint';
import { comboIndex, comboOfEvent, resolveShortcuts } from '../../../shared/settings';
import { ErrorBox, rgbCss, STATUS_LABEL, toShownError, useClient, type ShownError } from '../views/common';
import type { GridSession } from '../views/gridSession';
import { EditorCore, HISTORY_BUDGET_BYTES } from './core';
import { MaskView } from './maskView';
import { classLut } from './overlay';
import { FaceBoxLayer } from './faceBoxes';
import { ConflictDialog, HelpOverlay, RevisionPanel, SettingsDialog, type ConflictInfo, type DiffInfo } from './panels';
import { FlagsPanel, ReviewOverlay } from './review/FlagsPanel';
import { useNoiseReview } from './review/useNoiseReview';
import { Saver, type SaveState } from './saver';
import { loadSettings, saveSettings, useSettings } from './settingsStore';
import { LassoTool, maskDiff, PolygonTool, RectTool, stepBrushSize, TOOL_TITLES, type Selection, type ToolId } from './tools';
import { centredAt, fitView, imageToScreenPt, nextStep, screenToImage, wheelFactor, zoomAt, type View } from './viewport';
import './editor.css';

export interface ViewerTestHook {
  /** CSS pixels relative to the page of an image point (pixel (i, j)'s centre is (i + 0.5, j + 0.5)). */
  imageToScreen(x: number, y: number): { x: number; y: number };
  /** True once the image and its mask (if any) have been drawn. */
  ready: boolean;
}

/** What tests and benchmarks read from the page (never used by the app itself). */
export interface EditorTestHook {
  state(): {
    save: SaveState;
    base: number | null;
    version: number;
    undoDepth: number;
    redoDepth: number;
    historyBytes: number;
    tool: ToolId;
    brushSize: number;
    current: number;
    scale: number;
  };
  /** Saves now (as leaving the image does); resolves true when saved. */
  flush(): Promise<boolean>;
  /** Recolours pending dirty rects now. */
  flushFrame(): void;
  /** Frames committed since load (one per animation frame with changes or view updates). */
  frames: number;
}

declare global {
  interface Window {
    __parselViewer?: ViewerTestHook;
    __parselEditor?: EditorTestHook;
  }
}

/** View and tool preferences shared by every image of the session (N/B keep them). */
const prefs = {
  opacity: loadNumber('parsel.viewer.opacity', 0.55),
  outline: false,
  maskOff: false,
  grid: true,
  hidden: new Map<string, Set<number>>(), // by schema id
  alpha: new Map<string, Map<number, number>>(),
  tool: 'brush' as ToolId,
  brushSize: null as number | null,
  brushShape: null as BrushShape | null,
  current: 1,
  eraseTo: 0,
  polygonMode: 'add' as 'add' | 'subtract',
  connectivity: 4 as 4 | 8,
  onlyOver: null as number | null,
  protect: new Set<number>(),
  reassignFrom: null as number | null,
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

type Loaded =
  | { kind: 'loading' }
  | { kind: 'ready'; core: EditorCore; saver: Saver; created: boolean }
  | { kind: 'error'; error: ShownError };

const GRID_MIN_SCALE = 8;

export function Editor({ imageId, schema, session, onBack, onNavigate }: Props) {
  const client = useClient();
  const settings = useSettings(client);
  const [detail, setDetail] = useState<ImageDetail | null>(null);
  /** The image's status as last set or loaded; read by the toggle shortcut (see setStatus). */
  const statusRef = useRef<ImageDetail['status'] | null>(null);
  const detailStatus = detail?.status ?? null;
  useLayoutEffect(() => {
    statusRef.current = detailStatus;
  }, [detailStatus]);
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [error, setError] = useState<ShownError | null>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [revisions, setRevisions] = useState<RevisionSummary[]>([]);
  const [saveState, setSaveState] = useState<SaveState>({ kind: 'saved', revisionId: null });
  const [histInfo, setHistInfo] = useState({ undo: 0, redo: 0, bytes: 0 });

  // View
  const [opacity, setOpacityState] = useState(prefs.opacity);
  const [outline, setOutlineState] = useState(prefs.outline);
  const [maskOff, setMaskOffState] = useState(prefs.maskOff);
  const [grid, setGridState] = useState(prefs.grid);
  const [hidden, setHiddenState] = useState<Set<number>>(() => prefs.hidden.get(schema?.id ?? '') ?? new Set());
  const [alpha, setAlphaState] = useState<Map<number, number>>(() => prefs.alpha.get(schema?.id ?? '') ?? new Map());

  // Tools
  const [tool, setToolState] = useState<ToolId>(prefs.tool);
  const [brushSize, setBrushSizeState] = useState<number>(prefs.brushSize ?? settings.brush.size);
  const [brushShape, setBrushShapeState] = useState<BrushShape>(prefs.brushShape ?? settings.brush.shape);
  const [current, setCurrentState] = useState(prefs.current);
  const [eraseTo, setEraseToState] = useState(prefs.eraseTo);
  const [polygonMode, setPolygonModeState] = useState(prefs.polygonMode);
  const [connectivity, setConnectivityState] = useState(prefs.connectivity);
  const [onlyOver, setOnlyOverState] = useState<number | null>(prefs.onlyOver);
  const [protect, setProtectState] = useState<Set<number>>(prefs.protect);
  const [reassignFrom, setReassignFromState] = useState<number | null>(prefs.reassignFrom);
  const [selection, setSelection] = useState<Selection | null>(null);

  // Panels
  const [help, setHelp] = useState(false);
  const [showSettings, setShowSettings] = useState(false);
  const [conflict, setConflict] = useState<ConflictInfo | null>(null);
  const [conflictBusy, setConflictBusy] = useState(false);
  const [conflictError, setConflictError] = useState<ShownError | null>(null);
  const [diff, setDiff] = useState<DiffInfo | null>(null);
  const [diffMap, setDiffMap] = useState<Uint8Array | null>(null);
  const [revBusy, setRevBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [drawn, setDrawn] = useState(false);

  const containerRef = useRef<HTMLDivElement>(null);
  const uiCanvasRef = useRef<HTMLCanvasElement>(null);
  const maskHostRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Konva.Stage>(null);
  const imageLayerRef = useRef<Konva.Layer>(null);
  const view = useRef<View>({ scale: 1, x: 0, y: 0 });
  const fitted = useRef(true);
  const zoomRef = useRef<HTMLSpanElement>(null);
  const posRef = useRef<HTMLSpanElement>(null);
  const classRef = useRef<HTMLSpanElement>(null);
  const legendRef = useRef<HTMLUListElement>(null);
  const hotRef = useRef<number | null>(null);
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const pan = useRef<{ id: number; sx: number; sy: number; vx: number; vy: number } | null>(null);
  const strokePointer = useRef<number | null>(null);
  const spaceDown = useRef(false);
  const hookRef = useRef<ViewerTestHook>({ imageToScreen: () => ({ x: 0, y: 0 }), ready: false });
  const uiRaf = useRef(0);
  const frames = useRef(0);
  const polygon = useRef(new PolygonTool());
  const lasso = useRef(new LassoTool());
  const rectSel = useRef(new RectTool());

  const core = loaded.kind === 'ready' ? loaded.core : null;
  const saver = loaded.kind === 'ready' ? loaded.saver : null;
  const maskView = useMemo(() => (core ? new MaskView(core.mask) : null), [core]);
  const maskViewRef = useRef<MaskView | null>(null);
  useLayoutEffect(() => {
    maskViewRef.current = maskView;
  });

  // Everything the pointer/keyboard handlers need, mirrored into a ref after each render.
  const live = useRef({
    tool,
    brushSize,
    brushShape,
    current,
    eraseTo,
    polygonMode,
    connectivity,
    selection,
    grid,
    core,
    saver,
  });
  useLayoutEffect(() => {
    live.current = { tool, brushSize, brushShape, current, eraseTo, polygonMode, connectivity, selection, grid, core, saver };
  });

  // ---- preference setters ------------------------------------------------------------------------
  const setOpacity = (v: number) => {
    prefs.opacity = v;
    try {
      localStorage.setItem('parsel.viewer.opacity', String(v));
    } catch {
      // storage may be unavailable
    }
    setOpacityState(v);
  };
  const setOutline = (v: boolean) => setOutlineState((prefs.outline = v));
  const setMaskOff = (v: boolean) => setMaskOffState((prefs.maskOff = v));
  const setGrid = (v: boolean) => setGridState((prefs.grid = v));
  const setHidden = (s: Set<number>) => {
    if (schema) prefs.hidden.set(schema.id, s);
    setHiddenState(s);
  };
  const setAlpha = (m: Map<number, number>) => {
    if (schema) prefs.alpha.set(schema.id, m);
    setAlphaState(m);
  };
  const setTool = useCallback((t: ToolId) => {
    // A half-drawn polygon or selection belongs to its tool: switching drops it (a stroke cannot be
    // in progress here: the pointer is up while a key or button is used).
    polygon.current.cancel();
    lasso.current.cancel();
    rectSel.current.cancel();
    prefs.tool = t;
    setToolState(t);
  }, []);
  const setBrushSize = useCallback((s: number) => setBrushSizeState((prefs.brushSize = Math.max(1, Math.min(500, Math.round(s))))), []);
  const setBrushShape = useCallback((s: BrushShape) => setBrushShapeState((prefs.brushShape = s)), []);
  const setCurrent = useCallback((c: number) => setCurrentState((prefs.current = c)), []);
  const setEraseTo = (c: number) => setEraseToState((prefs.eraseTo = c));
  const setPolygonMode = useCallback((m: 'add' | 'subtract') => setPolygonModeState((prefs.polygonMode = m)), []);
  const setConnectivity = useCallback((c: 4 | 8) => setConnectivityState((prefs.connectivity = c)), []);
  const setOnlyOver = (c: number | null) => setOnlyOverState((prefs.onlyOver = c));
  const setProtect = (s: Set<number>) => setProtectState((prefs.protect = s));
  const setReassignFrom = (c: number | null) => setReassignFromState((prefs.reassignFrom = c));

  // Settings arrive after the first render: take their brush defaults unless the user already chose.
  useEffect(() => {
    if (prefs.brushSize === null) setBrushSizeState(settings.brush.size);
    if (prefs.brushShape === null) setBrushShapeState(settings.brush.shape);
  }, [settings.brush.size, settings.brush.shape]);

  // ---- loading -------------------------------------------------------------------------------
  useEffect(() => {
    let cancelled = false;
    let made: { core: EditorCore; saver: Saver } | null = null;
    setDrawn(false);
    (async () => {
      try {
        const [d, st] = await Promise.all([client.call('image:get', { id: imageId }), loadSettings(client)]);
        if (cancelled) return;
        setDetail(d);
        const imgEl = new Image();
        imgEl.decoding = 'async';
        imgEl.src = client.mediaUrl('image', imageId);
        const maskP = (async () => {
          const revs = await client.call('revision:list', { imageId });
          if (d.headRevisionId === null) return { data: new Uint8Array(d.width * d.height), revs, created: true };
          const payload = await client.call('revision:mask', { revisionId: d.headRevisionId });
          if (payload.width !== d.width || payload.height !== d.height) {
            throw new Error(`the head mask is ${payload.width}×${payload.height} but the image is ${d.width}×${d.height}`);
          }
          return { data: decodeMask(payload), revs, created: false };
        })();
        await imgEl.decode().catch(() => {
          throw new Error(`the image could not be loaded (${d.path})`);
        });
        const m = await maskP;
        if (cancelled) return;
        const c = new EditorCore(d.width, d.height, m.data);
        const s = new Saver(client, imageId, c, d.headRevisionId, { delay: st.autosaveMs, author: st.authorName });
        made = { core: c, saver: s };
        setImg(imgEl);
        setRevisions(m.revs);
        setLoaded({ kind: 'ready', core: c, saver: s, created: m.created });
      } catch (err) {
        if (!cancelled) {
          setError(toShownError(err));
          setLoaded({ kind: 'error', error: toShownError(err) });
        }
      }
    })();
    return () => {
      cancelled = true;
      // Leaving the image: whatever is unsaved is saved (navigation paths already awaited this).
      if (made) {
        const { core: c, saver: s } = made;
        void s.flush().finally(() => {
          s.dispose();
          c.dispose();
        });
      }
    };
  }, [client, imageId]);

  // Closing or reloading the page: send what is unsaved (the WebSocket frame leaves before unload).
  useEffect(() => {
    if (!saver) return;
    const onHide = () => void saver.flush();
    window.addEventListener('pagehide', onHide);
    return () => window.removeEventListener('pagehide', onHide);
  }, [saver]);

  useEffect(() => {
    if (!saver) return;
    saver.delay = settings.autosaveMs;
    saver.author = settings.authorName;
  }, [saver, settings.autosaveMs, settings.authorName]);

  const refreshRevisions = useCallback(() => {
    client
      .call('revision:list', { imageId })
      .then(setRevisions)
      .catch(() => undefined);
    client
      .call('image:get', { id: imageId })
      .then(setDetail)
      .catch(() => undefined);
  }, [client, imageId]);

  // Another window or client saved this image: refresh the history (the conflict shows on our save).
  useEffect(
    () =>
      client.on('project:changed', (ev) => {
        if ((ev.reason === 'revision-saved' || ev.reason === 'status-changed') && ev.imageIds?.includes(imageId)) refreshRevisions();
      }),
    [client, imageId, refreshRevisions],
  );

  // ---- core wiring ---------------------------------------------------------------------------------
  const baseLut = useMemo(() => (schema ? paletteLut(schema) : null), [schema]);
  const lut = useMemo(() => (baseLut ? classLut(baseLut, hidden, alpha) : null), [baseLut, hidden, alpha]);

  useEffect(() => {
    if (!core || !saver) return;
    core.onFrame = (d) => {
      frames.current++;
      if (d) maskView?.renderImageRect(d);
    };
    core.onChange = () => {
      saver.changed();
      setHistInfo({ undo: core.history.undoDepth, redo: core.history.redoDepth, bytes: core.history.bytes });
    };
    saver.onState = (s) => {
      setSaveState(s);
      if (s.kind === 'conflict') openConflict(s.headRevisionId);
    };
    saver.onSaved = () => refreshRevisions();
    setSaveState(saver.state);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [core, saver, maskView, refreshRevisions]);

  useEffect(() => {
    if (!core) return;
    core.setLock({ onlyOver, protect: protect.size ? protectTable(protect) : null });
  }, [core, onlyOver, protect]);

  // The mask canvas sits between the Konva stage (photo) and the UI canvas.
  useLayoutEffect(() => {
    const el = maskHostRef.current;
    if (!maskView || !el) return;
    el.appendChild(maskView.canvas);
    return () => {
      maskView.dispose();
      maskView.canvas.remove();
    };
  }, [maskView]);

  useEffect(() => {
    if (!maskView || !lut) return;
    maskView.setLut(lut, outline);
  }, [maskView, lut, outline]);

  useLayoutEffect(() => {
    if (!maskView) return;
    maskView.canvas.style.opacity = String(opacity);
    maskView.canvas.style.visibility = maskOff ? 'hidden' : 'visible';
  }, [maskView, opacity, maskOff]);

  useEffect(() => {
    maskView?.setDiff(diff ? diffMap : null);
  }, [maskView, diff, diffMap]);

  // ---- UI canvas (cursor preview, polygon, lasso, selection, pixel grid) ---------------------------
  const footprint = useMemo(() => {
    const fp = brushFootprint(brushSize, brushShape);
    return { fp, outline: footprintOutline(fp) };
  }, [brushSize, brushShape]);
  const footprintRef = useRef(footprint);
  useLayoutEffect(() => {
    footprintRef.current = footprint;
  });

  const drawUi = useCallback(() => {
    uiRaf.current = 0;
    const c = uiCanvasRef.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const v = view.current;
    const L = live.current;
    const m = L.core?.mask;
    if (!m) return;
    const sx = (x: number) => Math.round((x * v.scale + v.x) * dpr) / dpr;
    const sy = (y: number) => Math.round((y * v.scale + v.y) * dpr) / dpr;
    // Pixel grid at high zoom, only over the visible part of the image.
    if (L.grid && v.scale >= GRID_MIN_SCALE) {
      const x0 = Math.max(0, Math.floor(-v.x / v.scale));
      const y0 = Math.max(0, Math.floor(-v.y / v.scale));
      const x1 = Math.min(m.width, Math.ceil((c.width / dpr - v.x) / v.scale));
      const y1 = Math.min(m.height, Math.ceil((c.height / dpr - v.y) / v.scale));
      ctx.beginPath();
      for (let x = x0; x <= x1; x++) {
        ctx.moveTo(sx(x) + 0.5 / dpr, sy(y0));
        ctx.lineTo(sx(x) + 0.5 / dpr, sy(y1));
      }
      for (let y = y0; y <= y1; y++) {
        ctx.moveTo(sx(x0), sy(y) + 0.5 / dpr);
        ctx.lineTo(sx(x1), sy(y) + 0.5 / dpr);
      }
      ctx.lineWidth = 1 / dpr;
      ctx.strokeStyle = 'rgba(0,0,0,0.35)';
      ctx.stroke();
    }
    const path = (pts: ArrayLike<number>, ox: number, oy: number, close: boolean) => {
      ctx.beginPath();
      for (let i = 0; i < pts.length; i += 2) {
        const X = sx(pts[i] + ox) + 0.5 / dpr;
        const Y = sy(pts[i + 1] + oy) + 0.5 / dpr;
        if (i === 0) ctx.moveTo(X, Y);
        else ctx.lineTo(X, Y);
      }
      if (close) ctx.closePath();
    };
    const twoTone = (dash = 4) => {
      ctx.lineWidth = 1 / dpr;
      ctx.setLineDash([]);
      ctx.strokeStyle = 'rgba(0,0,0,0.9)';
      ctx.stroke();
      ctx.setLineDash([dash, dash]);
      ctx.strokeStyle = 'rgba(255,255,255,0.95)';
      ctx.stroke();
      ctx.setLineDash([]);
    };
    // Selection (marching outline).
    const sel = L.selection;
    if (sel) {
      if (sel.kind === 'rect') path([sel.rect.x0, sel.rect.y0, sel.rect.x1, sel.rect.y0, sel.rect.x1, sel.rect.y1, sel.rect.x0, sel.rect.y1], 0, 0, true);
      else path(sel.points, 0, 0, true);
      twoTone(5);
    }
    const p = pointer.current;
    const ip = p ? screenToImage(v, p.x, p.y) : null;
    // Lasso / rectangle being drawn.
    if (lasso.current.active && lasso.current.points.length >= 2) {
      path(lasso.current.points, 0, 0, false);
      twoTone(3);
    }
    if (rectSel.current.current) {
      const r = rectSel.current.current;
      path([r.x0, r.y0, r.x1, r.y0, r.x1, r.y1, r.x0, r.y1], 0, 0, true);
      twoTone(3);
    }
    // Polygon being drawn: outline so far, rubber band to the cursor, first vertex as close target.
    const poly = polygon.current;
    if (poly.active) {
      const pts = ip ? [...poly.points, Math.round(ip.x), Math.round(ip.y)] : poly.points;
      path(pts, 0, 0, false);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = L.polygonMode === 'add' ? 'rgba(255,255,255,0.95)' : 'rgba(255,120,120,0.95)';
      ctx.stroke();
      for (let i = 0; i < poly.points.length; i += 2) {
        ctx.fillStyle = i === 0 ? '#ffd84a' : '#ffffff';
        const r = i === 0 ? 4 : 2.5;
        ctx.fillRect(sx(poly.points[i]) - r, sy(poly.points[i + 1]) - r, 2 * r, 2 * r);
      }
    }
    // Brush / eraser: the exact footprint at the pixel under the cursor.
    if (ip && !pan.current && !spaceDown.current && (L.tool === 'brush' || L.tool === 'eraser')) {
      const cx = Math.floor(ip.x);
      const cy = Math.floor(ip.y);
      path(footprintRef.current.outline, cx, cy, true);
      twoTone(L.tool === 'eraser' ? 2 : 4);
    }
  }, []);

  const scheduleUi = useCallback(() => {
    if (!uiRaf.current) uiRaf.current = requestAnimationFrame(drawUi);
  }, [drawUi]);

  useEffect(() => scheduleUi(), [scheduleUi, tool, brushSize, brushShape, selection, grid, polygonMode, core]);
  useEffect(() => () => cancelAnimationFrame(uiRaf.current), []);

  // ---- view ------------------------------------------------------------------------------------
  const applyView = useCallback(() => {
    const stage = stageRef.current;
    const v = view.current;
    if (stage) {
      stage.scale({ x: v.scale, y: v.scale });
      stage.position({ x: v.x, y: v.y });
      imageLayerRef.current?.imageSmoothingEnabled(v.scale < 2);
      stage.batchDraw();
    }
    maskViewRef.current?.setView(v);
    if (zoomRef.current) zoomRef.current.textContent = formatZoom(v.scale);
    scheduleUi();
  }, [scheduleUi]);

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
    setView(centredAt(view.current, 1, size.w, size.h));
    const nv = view.current;
    setView({ scale: 1, x: Math.round(nv.x), y: Math.round(nv.y) });
  }, [img, size, setView]);

  // ---- label-noise review (flags panel, A / D, overlays): review/useNoiseReview.ts ----------------
  const zoomToRect = useCallback(
    (x0: number, y0: number, x1: number, y1: number) => {
      // The region with its surroundings, at most 1600 %: a flag is judged in context.
      const pad = Math.max(16, Math.max(x1 - x0, y1 - y0));
      const scale = Math.min(16, fitView(x1 - x0 + 2 * pad, y1 - y0 + 2 * pad, size.w, size.h, 0).scale);
      setView({ scale, x: size.w / 2 - ((x0 + x1) / 2) * scale, y: size.h / 2 - ((y0 + y1) / 2) * scale });
    },
    [size, setView],
  );
  // A big flag edited by hand instead of accepted: brush with the suggested class, only over the flag's class.
  const editRegion = useCallback(
    (f: FlagInfo) => {
      setCurrent(f.suggestedClass);
      setOnlyOverState((prefs.onlyOver = f.labelClass));
      setTool('brush');
    },
    [setCurrent, setTool],
  );
  const review = useNoiseReview({ client, imageId, schema, core, saver, author: settings.authorName, zoomToRect, onNavigate, editRegion });
  const reviewRef = useRef(review);
  useLayoutEffect(() => {
    reviewRef.current = review;
  });
  const getView = useCallback(() => view.current, []);

  useLayoutEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const c = uiCanvasRef.current;
    if (!c || size.w === 0) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(size.w * dpr);
    c.height = Math.round(size.h * dpr);
    c.style.width = `${size.w}px`;
    c.style.height = `${size.h}px`;
    if (maskView) {
      maskView.resize(size.w, size.h, dpr);
      maskView.setView(view.current);
    }
    scheduleUi();
  }, [size, scheduleUi, maskView]);

  useLayoutEffect(() => {
    if (!img || size.w === 0) return;
    if (fitted.current) fit();
    else applyView();
  }, [img, size, fit, applyView]);

  useEffect(() => {
    if (!img || loaded.kind !== 'ready' || size.w === 0) return;
    const stage = stageRef.current;
    if (!stage) return;
    applyView();
    stage.draw();
    setDrawn(true);
  }, [img, loaded, size, applyView]);

  // ---- test hooks --------------------------------------------------------------------------------
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
  useEffect(() => {
    if (!core || !saver) return;
    const hook: EditorTestHook = {
      state: () => ({
        save: saver.state,
        base: saver.base,
        version: core.version,
        undoDepth: core.history.undoDepth,
        redoDepth: core.history.redoDepth,
        historyBytes: core.history.bytes,
        tool: live.current.tool,
        brushSize: live.current.brushSize,
        current: live.current.current,
        scale: view.current.scale,
      }),
      flush: () => saver.flush(),
      flushFrame: () => core.flushFrame(),
      get frames() {
        return frames.current;
      },
    };
    window.__parselEditor = hook;
    return () => {
      if (window.__parselEditor === hook) delete window.__parselEditor;
    };
  }, [core, saver]);

  // ---- cursor read-out (imperative) --------------------------------------------------------------
  const updateReadout = useCallback(() => {
    const p = pointer.current;
    let posText = '';
    let classText = '';
    let hot: number | null = null;
    const m = live.current.core?.mask;
    if (p && m) {
      const ip = screenToImage(view.current, p.x, p.y);
      const v = pickClass(m, ip.x, ip.y);
      if (v !== null) {
        posText = `x ${Math.floor(ip.x)}  y ${Math.floor(ip.y)}`;
        const c = schema?.classes.find((k) => k.index === v);
        classText = c ? `${v} ${c.title}` : v === schema?.ignoreIndex ? `${v} (ignore)` : `${v} (unknown)`;
        hot = v;
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
  }, [schema]);

  // ---- edits ---------------------------------------------------------------------------------------
  const reassignSelection = useCallback(() => {
    const L = live.current;
    if (!L.core || !L.selection) return;
    L.core.reassign(L.selection, L.current, prefs.reassignFrom);
  }, []);

  const closePolygon = useCallback((pts: number[] | null) => {
    const L = live.current;
    if (pts && L.core) L.core.polygon(pts, L.current, L.polygonMode, L.eraseTo);
    scheduleUi();
  }, [scheduleUi]);

  // ---- pointer / wheel -------------------------------------------------------------------------
  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
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
    const toImage = (e: { clientX: number; clientY: number }) => {
      const p = local(e);
      return screenToImage(view.current, p.x, p.y);
    };
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const p = local(e);
      pointer.current = p;
      setView(zoomAt(view.current, view.current.scale * wheelFactor(e), p.x, p.y));
      updateReadout();
    };
    const onDown = (e: PointerEvent) => {
      const L = live.current;
      if (e.button === 1 || (e.button === 0 && spaceDown.current)) {
        e.preventDefault();
        el.setPointerCapture?.(e.pointerId);
        pan.current = { id: e.pointerId, sx: e.clientX, sy: e.clientY, vx: view.current.x, vy: view.current.y };
        el.classList.add('panning');
        scheduleUi();
        return;
      }
      if (e.button !== 0 || !L.core) return;
      pointer.current = local(e);
      const ip = toImage(e);
      const c = L.core;
      const pick = () => {
        const v = pickClass(c.mask, ip.x, ip.y);
        if (v !== null) setCurrent(v);
      };
      switch (L.tool) {
        case 'brush':
        case 'eraser':
          if (e.altKey) {
            pick();
            return;
          }
          el.setPointerCapture?.(e.pointerId);
          strokePointer.current = e.pointerId;
          c.beginStroke(ip.x, ip.y, L.brushSize, L.brushShape, L.tool === 'eraser' ? L.eraseTo : L.current);
          break;
        case 'fill':
          if (e.altKey) pick();
          else c.fill(ip.x, ip.y, L.current, L.connectivity);
          break;
        case 'pick':
          pick();
          break;
        case 'polygon':
          if (e.detail >= 2) break; // the double-click closes (dblclick handler)
          closePolygon(polygon.current.click(ip.x, ip.y, 6 / view.current.scale));
          break;
        case 'lasso':
          el.setPointerCapture?.(e.pointerId);
          lasso.current.begin(ip.x, ip.y);
          break;
        case 'rect':
          el.setPointerCapture?.(e.pointerId);
          rectSel.current.begin(ip.x, ip.y);
          break;
      }
      scheduleUi();
    };
    const onMove = (e: PointerEvent) => {
      pointer.current = local(e);
      const pn = pan.current;
      if (pn && pn.id === e.pointerId) {
        setView({ scale: view.current.scale, x: pn.vx + e.clientX - pn.sx, y: pn.vy + e.clientY - pn.sy });
      } else if (strokePointer.current === e.pointerId && live.current.core?.stroking) {
        // Every intermediate position the browser coalesced into this event: fast strokes have no gaps.
        const c = live.current.core;
        const list = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
        if (list.length > 0) for (const ce of list) { const ip = toImage(ce); c.strokeTo(ip.x, ip.y); }
        else {
          const ip = toImage(e);
          c.strokeTo(ip.x, ip.y);
        }
      } else if (lasso.current.active) {
        const list = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
        for (const ce of list.length ? list : [e]) {
          const ip = toImage(ce);
          lasso.current.move(ip.x, ip.y);
        }
      } else if (rectSel.current.start) {
        const ip = toImage(e);
        rectSel.current.move(ip.x, ip.y);
      }
      scheduleUi();
      updateReadout();
    };
    const onUp = (e: PointerEvent) => {
      if (pan.current && pan.current.id === e.pointerId) {
        pan.current = null;
        el.classList.remove('panning');
      }
      if (strokePointer.current === e.pointerId) {
        strokePointer.current = null;
        live.current.core?.endStroke();
      }
      if (lasso.current.active) {
        const pts = lasso.current.end();
        setSelection(pts ? { kind: 'polygon', points: pts } : null);
      }
      if (rectSel.current.start) {
        const r = rectSel.current.end();
        setSelection(r ? { kind: 'rect', rect: r } : null);
      }
      if (el.hasPointerCapture?.(e.pointerId)) el.releasePointerCapture(e.pointerId);
      scheduleUi();
    };
    const onDbl = () => {
      if (live.current.tool === 'polygon') closePolygon(polygon.current.close());
    };
    const onLeave = () => {
      if (pan.current || strokePointer.current !== null) return;
      pointer.current = null;
      updateReadout();
      scheduleUi();
    };
    const onMouseDown = (e: MouseEvent) => {
      if (e.button === 1) e.preventDefault();
    };
    const onContext = (e: MouseEvent) => e.preventDefault();
    el.addEventListener('wheel', onWheel, { passive: false });
    el.addEventListener('pointerdown', onDown);
    el.addEventListener('pointermove', onMove);
    el.addEventListener('pointerup', onUp);
    el.addEventListener('pointercancel', onUp);
    el.addEventListener('pointerleave', onLeave);
    el.addEventListener('dblclick', onDbl);
    el.addEventListener('mousedown', onMouseDown);
    el.addEventListener('contextmenu', onContext);
    return () => {
      ro.disconnect();
      window.removeEventListener('resize', invalidate);
      window.removeEventListener('scroll', invalidate, true);
      el.removeEventListener('wheel', onWheel);
      el.removeEventListener('pointerdown', onDown);
      el.removeEventListener('pointermove', onMove);
      el.removeEventListener('pointerup', onUp);
      el.removeEventListener('pointercancel', onUp);
      el.removeEventListener('pointerleave', onLeave);
      el.removeEventListener('dblclick', onDbl);
      el.removeEventListener('mousedown', onMouseDown);
      el.removeEventListener('contextmenu', onContext);
    };
  }, [setView, updateReadout, scheduleUi, setCurrent, closePolygon]);

  // ---- saving, navigation, status ------------------------------------------------------------------
  const leave = useCallback(
    async (then: () => void) => {
      const s = live.current.saver;
      if (s && !(await s.flush())) {
        setNotice(s.state.kind === 'error' ? `Not saved: ${s.state.message}` : 'Resolve the conflict before leaving this image');
        return;
      }
      then();
    },
    [],
  );

  const go = useCallback(
    async (delta: 1 | -1) => {
      if (!session) return;
      let i = session.indexOf(imageId);
      if (i < 0) {
        // Opened by URL (reload): load the grid's page around its selection and look again.
        await session.getAt(session.selected);
        i = session.indexOf(imageId);
      }
      if (i < 0) {
        setNotice('This image is not in the grid’s current filter: N / B follow the grid, open it from there');
        return;
      }
      const it = await session.getAt(i + delta);
      if (!it) return;
      await leave(() => {
        session.selected = i + delta;
        onNavigate(it.id);
      });
    },
    [session, imageId, onNavigate, leave],
  );

  const back = useCallback(() => void leave(onBack), [leave, onBack]);

  const setStatus = useCallback(
    async (status: 'in_progress' | 'done') => {
      // The status the user asked for is the truth for the next keypress at once: a second Shift+D
      // pressed before React re-renders must toggle from this value, not from the stale detail.
      const previous = statusRef.current;
      statusRef.current = status;
      try {
        await live.current.saver?.flush();
        await client.call('image:setStatus', { ids: [imageId], status });
        setDetail((d) => (d ? { ...d, status } : d));
      } catch (err) {
        statusRef.current = previous;
        setError(toShownError(err));
      }
    },
    [client, imageId],
  );

  // ---- conflict ------------------------------------------------------------------------------------
  const openConflict = useCallback(
    (headRevisionId: number | null) => {
      setConflictError(null);
      setConflict({ headRevisionId, head: null, theirs: null, changed: null });
      (async () => {
        const [revs, payload] = await Promise.all([
          client.call('revision:list', { imageId }),
          headRevisionId === null ? Promise.resolve(null) : client.call('revision:mask', { revisionId: headRevisionId }),
        ]);
        setRevisions(revs);
        const theirs = payload ? decodeMask(payload) : new Uint8Array(live.current.core!.mask.data.length);
        const mine = live.current.core!.mask.data;
        setConflict({
          headRevisionId,
          head: revs.find((r) => r.id === headRevisionId) ?? null,
          theirs,
          changed: maskDiff(mine, theirs, live.current.core!.mask.width).count,
        });
      })().catch((err) => setConflictError(toShownError(err)));
    },
    [client, imageId],
  );

  const resolveConflict = useCallback(
    async (choice: 'mine' | 'theirs') => {
      const s = live.current.saver;
      if (!s || !conflict) return;
      setConflictBusy(true);
      setConflictError(null);
      try {
        if (choice === 'mine') await s.keepMine(conflict.headRevisionId);
        else if (conflict.theirs) {
          const aside = await s.takeTheirs(conflict.headRevisionId, conflict.theirs);
          if (aside) setNotice(`Your version was kept in the history as #${aside.id} (Ctrl+Z also brings it back)`);
        }
        if (s.state.kind === 'conflict') openConflict(s.state.headRevisionId);
        else setConflict(null);
        refreshRevisions();
      } catch (err) {
        setConflictError(toShownError(err));
      } finally {
        setConflictBusy(false);
      }
    },
    [conflict, openConflict, refreshRevisions],
  );

  // ---- revisions: diff and revert ------------------------------------------------------------------
  const fetchMask = useCallback(
    async (id: number) => decodeMask(await client.call('revision:mask', { revisionId: id })),
    [client],
  );

  const compare = useCallback(
    async (a: number, b: number) => {
      const c = live.current.core;
      if (!c) return;
      setRevBusy(true);
      try {
        const [ma, mb] = await Promise.all([fetchMask(a), fetchMask(b)]);
        const d = maskDiff(ma, mb, c.mask.width);
        setDiffMap(d.map);
        setDiff({ a, b, count: d.count, rect: d.rect });
      } catch (err) {
        setError(toShownError(err));
      } finally {
        setRevBusy(false);
      }
    },
    [fetchMask],
  );

  const revert = useCallback(
    async (id: number) => {
      const c = live.current.core;
      const s = live.current.saver;
      if (!c || !s) return;
      setRevBusy(true);
      try {
        if (!(await s.flush())) throw new Error('the current edits could not be saved first; nothing was reverted');
        const old = await fetchMask(id);
        const rev = await client.call('revision:save', {
          imageId,
          parentId: s.base,
          kind: 'human',
          author: s.author,
          note: `revert to #${id}`,
          mask: encodeMask(old, c.mask.width, c.mask.height),
        });
        c.replace(old);
        s.adopt(rev.id);
        refreshRevisions();
        setNotice(`Reverted to #${id} as revision #${rev.id}`);
      } catch (err) {
        setError(toShownError(err));
      } finally {
        setRevBusy(false);
      }
    },
    [client, imageId, fetchMask, refreshRevisions],
  );

  // ---- keyboard ----------------------------------------------------------------------------------
  const shortcuts = useMemo(() => resolveShortcuts(settings.shortcuts), [settings.shortcuts]);
  const keyIndex = useMemo(() => comboIndex(shortcuts), [shortcuts]);
  const modalOpen = help || showSettings || conflict !== null;

  useEffect(() => {
    const isField = (t: EventTarget | null) =>
      t instanceof HTMLElement &&
      (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') &&
      !(t instanceof HTMLInputElement && (t.type === 'range' || t.type === 'radio' || t.type === 'checkbox'));
    const classes = new Set((schema?.classes ?? []).map((c) => c.index));
    const onKey = (e: KeyboardEvent) => {
      if (isField(e.target)) return;
      if (help) {
        if (e.key === 'Escape' || e.key === '?') {
          e.preventDefault();
          setHelp(false);
        }
        return;
      }
      if (modalOpen) return;
      const L = live.current;
      // A big flag waiting for confirmation: Enter (or A, below) accepts it, Esc cancels.
      if (reviewRef.current.confirming && (e.key === 'Enter' || e.key === 'Escape') && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        if (e.key === 'Enter') void reviewRef.current.accept();
        else reviewRef.current.cancelConfirm();
        return;
      }
      if (e.key === ' ') {
        e.preventDefault();
        if (!spaceDown.current) {
          spaceDown.current = true;
          containerRef.current?.classList.add('can-pan');
          scheduleUi();
        }
        return;
      }
      // Tool-local keys first.
      if (L.tool === 'polygon' && polygon.current.active) {
        if (e.key === 'Enter') {
          e.preventDefault();
          closePolygon(polygon.current.close());
          return;
        }
        if (e.key === 'Backspace') {
          e.preventDefault();
          polygon.current.removeLast();
          scheduleUi();
          return;
        }
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        if (L.core?.stroking) {
          strokePointer.current = null;
          L.core.cancelStroke();
        } else if (polygon.current.active) polygon.current.cancel();
        else if (lasso.current.active) lasso.current.cancel();
        else if (rectSel.current.start) rectSel.current.cancel();
        else if (L.selection) setSelection(null);
        else back();
        scheduleUi();
        return;
      }
      const combo = comboOfEvent(e);
      if (!combo) return;
      const action = keyIndex.get(combo);
      if (!action) return;
      e.preventDefault();
      if (e.repeat && !/^(edit\.undo|edit\.redo|brush\.|view\.zoom)/.test(action)) return;
      const cm = /^class\.(\d+)$/.exec(action);
      if (cm) {
        const idx = Number(cm[1]);
        if (classes.has(idx)) setCurrent(idx);
        return;
      }
      switch (action) {
        case 'tool.brush':
          return setTool('brush');
        case 'tool.eraser':
          return setTool('eraser');
        case 'tool.fill':
          return setTool('fill');
        case 'tool.polygon':
          return setTool('polygon');
        case 'tool.pick':
          return setTool('pick');
        case 'tool.lasso':
          return setTool('lasso');
        case 'tool.rect':
          return setTool('rect');
        case 'tool.faceBox':
          return setTool('face');
        case 'brush.smaller':
          return setBrushSize(stepBrushSize(L.brushSize, -1));
        case 'brush.larger':
          return setBrushSize(stepBrushSize(L.brushSize, 1));
        case 'brush.shape':
          return setBrushShape(L.brushShape === 'round' ? 'square' : 'round');
        case 'polygon.mode':
          return setPolygonMode(L.polygonMode === 'add' ? 'subtract' : 'add');
        case 'fill.connectivity':
          return setConnectivity(L.connectivity === 4 ? 8 : 4);
        case 'selection.reassign':
          return reassignSelection();
        case 'edit.undo':
          // After any flag decision on its way (its undo must see it answered).
          reviewRef.current.afterDecisions(() => L.core?.undo());
          return;
        case 'edit.redo':
          reviewRef.current.afterDecisions(() => L.core?.redo());
          return;
        case 'edit.save':
          void L.saver?.flush();
          return;
        case 'view.fit':
          return fit();
        case 'view.actual':
          return oneToOne();
        case 'view.zoomIn':
          return zoomTo(nextStep(view.current.scale, 1));
        case 'view.zoomOut':
          return zoomTo(nextStep(view.current.scale, -1));
        case 'view.hideMask':
          return setMaskOff(!prefs.maskOff);
        case 'view.outline':
          return setOutline(!prefs.outline);
        case 'view.grid':
          return setGrid(!prefs.grid);
        case 'nav.next':
          void go(1);
          return;
        case 'nav.previous':
          void go(-1);
          return;
        case 'status.toggleDone':
          void setStatus(statusRef.current === 'done' ? 'in_progress' : 'done');
          return;
        case 'flag.accept':
          void reviewRef.current.accept();
          return;
        case 'flag.dismiss':
          void reviewRef.current.dismiss();
          return;
        case 'flag.reopen':
          void reviewRef.current.reopen();
          return;
        case 'help':
          setHelp(true);
          return;
      }
    };
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ') {
        spaceDown.current = false;
        containerRef.current?.classList.remove('can-pan');
        scheduleUi();
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
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [keyIndex, help, modalOpen, schema, fit, oneToOne, zoomTo, go, back, setStatus, closePolygon, reassignSelection, scheduleUi]);



  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice(null), 6000);
    return () => clearTimeout(t);
  }, [notice]);

  // ---- render ------------------------------------------------------------------------------------
  const classes = schema?.classes ?? [];
  const keyOf = (action: string) => shortcuts[action]?.[0];
  const titleWithKey = (title: string, action: string) => (keyOf(action) ? `${title} (${keyOf(action)})` : title);
  const classTitle = (i: number | null) => (i === null ? '—' : (classes.find((c) => c.index === i)?.title ?? String(i)));
  const curClass = classes.find((c) => c.index === current);

  const toggleVisible = (index: number, solo: boolean) => {
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

  const saveText = (() => {
    switch (saveState.kind) {
      case 'saved':
        return saveState.revisionId === null ? 'no revision yet' : `saved · rev ${saveState.revisionId}`;
      case 'dirty':
        return 'unsaved changes';
      case 'saving':
        return 'saving…';
      case 'conflict':
        return 'conflict — choose a version';
      case 'error':
        return `not saved: ${saveState.message}`;
    }
  })();

  const toolButton = (t: ToolId, action: string) => (
    <button
      key={t}
      className="toggle"
      aria-pressed={tool === t}
      onClick={() => setTool(t)}
      title={titleWithKey(TOOL_TITLES[t], action)}
      data-tool={t}
    >
      {TOOL_TITLES[t]}
    </button>
  );

  return (
    <div className="viewer editor" data-testid="viewer">
      <div className="viewer-tools">
        <button onClick={back} title="Back to the grid (Esc)">
          ← Grid
        </button>
        <button onClick={() => void go(-1)} title={titleWithKey('Previous image', 'nav.previous')} disabled={!session}>
          ‹
        </button>
        <button onClick={() => void go(1)} title={titleWithKey('Next image', 'nav.next')} disabled={!session}>
          ›
        </button>
        <span className="title" title={detail?.path}>
          {detail?.path ?? '…'}
        </span>
        <span className="spacer" />
        <div className="group" role="group" aria-label="Status">
          <button
            className="toggle"
            aria-pressed={detail?.status === 'in_progress'}
            onClick={() => void setStatus('in_progress')}
            disabled={!detail}
          >
            In progress
          </button>
          <button
            className="toggle"
            aria-pressed={detail?.status === 'done'}
            onClick={() => void setStatus('done')}
            disabled={!detail}
            title={titleWithKey('Mark done', 'status.toggleDone')}
          >
            Done
          </button>
        </div>
        <div className="group">
          <button onClick={fit} title={titleWithKey('Fit the image to the window', 'view.fit')}>
            Fit
          </button>
          <button onClick={oneToOne} title={titleWithKey('Actual pixels, 100 %', 'view.actual')}>
            1:1
          </button>
          <button onClick={() => zoomTo(nextStep(view.current.scale, -1))} title={titleWithKey('Zoom out', 'view.zoomOut')}>
            −
          </button>
          <span className="zoom" ref={zoomRef} data-testid="zoom">
            100%
          </span>
          <button onClick={() => zoomTo(nextStep(view.current.scale, 1))} title={titleWithKey('Zoom in', 'view.zoomIn')}>
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
            title="Mask overlay opacity"
          />
          <span className="mono dim" style={{ width: 34, textAlign: 'right' }}>
            {Math.round(opacity * 100)}%
          </span>
          <button className="toggle" aria-pressed={outline} onClick={() => setOutline(!outline)} title={titleWithKey('Outline only', 'view.outline')}>
            Outline
          </button>
          <button className="toggle" aria-pressed={maskOff} onClick={() => setMaskOff(!maskOff)} title={titleWithKey('Hide the mask', 'view.hideMask')}>
            Hide mask
          </button>
          <button className="toggle" aria-pressed={grid} onClick={() => setGrid(!grid)} title={titleWithKey('Pixel grid at 800 % and more', 'view.grid')}>
            Grid
          </button>
        </div>
        <div className="group">
          <button onClick={() => setHelp(true)} title={titleWithKey('Keyboard help', 'help')}>
            ?
          </button>
          <button onClick={() => setShowSettings(true)} title="Settings: author, autosave, brush defaults, shortcuts">
            Settings
          </button>
        </div>
      </div>

      <div className="ed-toolbar" role="toolbar" aria-label="Tools">
        <div className="group">
          {toolButton('brush', 'tool.brush')}
          {toolButton('eraser', 'tool.eraser')}
          {toolButton('fill', 'tool.fill')}
          {toolButton('polygon', 'tool.polygon')}
          {toolButton('pick', 'tool.pick')}
          {toolButton('lasso', 'tool.lasso')}
          {toolButton('rect', 'tool.rect')}
          {toolButton('face', 'tool.faceBox')}
        </div>
        <div className="group current-class" title="Current class (digits and letters, see ?)">
          <span className="swatch" style={{ background: curClass ? rgbCss(curClass.color) : 'transparent' }} />
          <span data-testid="current-class">
            {current} {curClass?.title ?? ''}
          </span>
        </div>
        {(tool === 'brush' || tool === 'eraser') && (
          <div className="group">
            <label htmlFor="brush-size">Size</label>
            <input
              id="brush-size"
              type="range"
              min={0}
              max={1000}
              value={Math.round((Math.log(brushSize) / Math.log(500)) * 1000)}
              onChange={(e) => setBrushSize(Math.exp((Number(e.target.value) / 1000) * Math.log(500)))}
              title={`Brush size in image pixels (${keyOf('brush.smaller')} / ${keyOf('brush.larger')})`}
            />
            <input
              className="num"
              type="number"
              min={1}
              max={500}
              value={brushSize}
              onChange={(e) => setBrushSize(Number(e.target.value) || 1)}
              aria-label="Brush size"
              data-testid="brush-size"
            />
            <span className="dim">px</span>
            <button className="toggle" aria-pressed={brushShape === 'round'} onClick={() => setBrushShape('round')} title={titleWithKey('Round brush', 'brush.shape')}>
              ●
            </button>
            <button className="toggle" aria-pressed={brushShape === 'square'} onClick={() => setBrushShape('square')} title={titleWithKey('Square brush', 'brush.shape')}>
              ■
            </button>
          </div>
        )}
        {(tool === 'eraser' || (tool === 'polygon' && polygonMode === 'subtract')) && (
          <div className="group">
            <label htmlFor="erase-to">Erase to</label>
            <select id="erase-to" value={eraseTo} onChange={(e) => setEraseTo(Number(e.target.value))}>
              {classes.map((c) => (
                <option key={c.index} value={c.index}>
                  {c.index} {c.title}
                </option>
              ))}
            </select>
          </div>
        )}
        {tool === 'polygon' && (
          <div className="group">
            <button className="toggle" aria-pressed={polygonMode === 'add'} onClick={() => setPolygonMode('add')} title={titleWithKey('Fill with the current class', 'polygon.mode')}>
              Add
            </button>
            <button
              className="toggle"
              aria-pressed={polygonMode === 'subtract'}
              onClick={() => setPolygonMode('subtract')}
              title={titleWithKey('Pixels of the current class inside become the erase-to class', 'polygon.mode')}
            >
              Subtract
            </button>
            <span className="dim hint" title="Click to add a vertex · click the first vertex, double-click or Enter to close · Backspace drops the last vertex · Esc cancels">
              click · close on 1st point / Enter · Esc
            </span>
          </div>
        )}
        {tool === 'fill' && (
          <div className="group">
            <button className="toggle" aria-pressed={connectivity === 4} onClick={() => setConnectivity(4)} title={titleWithKey('4-connected', 'fill.connectivity')}>
              4-conn
            </button>
            <button className="toggle" aria-pressed={connectivity === 8} onClick={() => setConnectivity(8)} title={titleWithKey('8-connected', 'fill.connectivity')}>
              8-conn
            </button>
          </div>
        )}
        {(tool === 'lasso' || tool === 'rect' || selection) && (
          <div className="group">
            <label htmlFor="reassign-from">Reassign</label>
            <select id="reassign-from" value={reassignFrom ?? -1} onChange={(e) => setReassignFrom(Number(e.target.value) < 0 ? null : Number(e.target.value))}>
              <option value={-1}>every class</option>
              {classes.map((c) => (
                <option key={c.index} value={c.index}>
                  only {c.index} {c.title}
                </option>
              ))}
            </select>
            <span className="dim">→ {classTitle(current)}</span>
            <button className="primary" disabled={!selection} onClick={reassignSelection} title={titleWithKey('Reassign the selection to the current class', 'selection.reassign')}>
              Reassign selection
            </button>
            <button disabled={!selection} onClick={() => setSelection(null)} title="Clear the selection (Esc)">
              Clear
            </button>
          </div>
        )}
        <span className="spacer" />
        <div className="group">
          <button onClick={() => review.afterDecisions(() => core?.undo())} disabled={histInfo.undo === 0} title={titleWithKey('Undo', 'edit.undo')}>
            Undo
          </button>
          <button onClick={() => review.afterDecisions(() => core?.redo())} disabled={histInfo.redo === 0} title={titleWithKey('Redo', 'edit.redo')}>
            Redo
          </button>
        </div>
      </div>

      <div className="viewer-stage" ref={containerRef} data-testid="stage" data-tool={tool}>
        {size.w > 0 && (
          <Stage ref={stageRef} width={size.w} height={size.h} listening={false}>
            <Layer ref={imageLayerRef} listening={false}>
              {img && <KImage image={img} listening={false} />}
            </Layer>
          </Stage>
        )}
        <div ref={maskHostRef} className="ed-mask-host" />
        <ReviewOverlay canvas={review.overlayCanvas} box={review.selectedBox} getView={getView} />
        <canvas ref={uiCanvasRef} className="ed-ui" />
        <FaceBoxLayer imageId={imageId} size={img ? { w: img.naturalWidth, h: img.naturalHeight } : null} active={tool === 'face'} getView={getView} />
        {error && (
          <div className="notice" style={{ pointerEvents: 'auto' }}>
            <ErrorBox error={error} />
            <button className="link" onClick={() => setError(null)}>
              dismiss
            </button>
          </div>
        )}
        {!error && !img && <div className="notice">Loading…</div>}
        {notice && (
          <div className="notice" style={{ top: 40 }} data-testid="notice">
            {notice}
          </div>
        )}
        {loaded.kind === 'ready' && loaded.created && histInfo.undo === 0 && (
          <div className="notice" data-testid="no-mask">
            No mask yet — painting starts one (background elsewhere)
          </div>
        )}
      </div>

      <div className="viewer-side">
        <FlagsPanel review={review} schema={schema} acceptKey={keyOf('flag.accept')} dismissKey={keyOf('flag.dismiss')} reopenKey={keyOf('flag.reopen')} />
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
        <ul className="legend ed-legend" ref={legendRef} aria-label="Classes">
          {classes.map((c) => {
            const on = !hidden.has(c.index);
            const prot = protect.has(c.index);
            const a = alpha.get(c.index) ?? 1;
            return (
              <li
                key={c.index}
                data-index={c.index}
                className={`${on ? '' : 'off'} ${current === c.index ? 'current' : ''}`}
                title={`${c.name} — click to paint with it${keyOf(`class.${c.index}`) ? ` (${keyOf(`class.${c.index}`)})` : ''}`}
                onClick={() => setCurrent(c.index)}
              >
                <input
                  type="checkbox"
                  checked={on}
                  onChange={() => undefined}
                  onClick={(e) => {
                    e.stopPropagation();
                    toggleVisible(c.index, e.altKey);
                  }}
                  tabIndex={-1}
                  aria-label={`Show ${c.title}`}
                  title="Show / hide (Alt+click: only this class)"
                />
                <span className="swatch" style={{ background: rgbCss(c.color) }} />
                <span className="idx">{c.index}</span>
                <span className="name">{c.title}</span>
                <kbd className="key">{keyOf(`class.${c.index}`) ?? ''}</kbd>
                <input
                  className="alpha"
                  type="range"
                  min={0}
                  max={100}
                  value={Math.round(a * 100)}
                  onClick={(e) => e.stopPropagation()}
                  onChange={(e) => {
                    const m = new Map(alpha);
                    m.set(c.index, Number(e.target.value) / 100);
                    setAlpha(m);
                  }}
                  aria-label={`Alpha of ${c.title}`}
                  title={`Opacity of ${c.title}: ${Math.round(a * 100)} %`}
                  tabIndex={-1}
                />
                <button
                  className={`lock ${prot ? 'on' : ''}`}
                  aria-pressed={prot}
                  aria-label={`Protect ${c.title}`}
                  title={prot ? `${c.title} is protected: no tool writes over it` : `Protect ${c.title} from every tool`}
                  onClick={(e) => {
                    e.stopPropagation();
                    const s = new Set(protect);
                    if (prot) s.delete(c.index);
                    else s.add(c.index);
                    setProtect(s);
                  }}
                >
                  <LockIcon closed={prot} />
                </button>
              </li>
            );
          })}
        </ul>
        <div className="ed-locks">
          <label htmlFor="only-over">Paint only over</label>
          <select id="only-over" value={onlyOver ?? -1} onChange={(e) => setOnlyOver(Number(e.target.value) < 0 ? null : Number(e.target.value))}>
            <option value={-1}>any class</option>
            {classes.map((c) => (
              <option key={c.index} value={c.index}>
                {c.index} {c.title}
              </option>
            ))}
          </select>
          {(onlyOver !== null || protect.size > 0) && (
            <div className="warn-text" data-testid="locks-on">
              Locks on{onlyOver !== null ? ` · only over ${classTitle(onlyOver)}` : ''}
              {protect.size > 0 ? ` · protecting ${[...protect].map(classTitle).join(', ')}` : ''}
            </div>
          )}
        </div>
        <h3 style={{ marginTop: 14 }}>
          <span>Revisions</span>
        </h3>
        <RevisionPanel
          revisions={revisions}
          headId={detail?.headRevisionId ?? null}
          diff={diff}
          busy={revBusy}
          onCompare={(a, b) => void compare(a, b)}
          onClearDiff={() => {
            setDiff(null);
            setDiffMap(null);
          }}
          onZoomDiff={() => {
            const r = diff?.rect;
            if (!r) return;
            const w = r.x1 - r.x0;
            const h = r.y1 - r.y0;
            const pad = Math.max(8, Math.max(w, h) * 0.15);
            const v = fitView(w + 2 * pad, h + 2 * pad, size.w, size.h, 0);
            setView({ scale: v.scale, x: v.x - (r.x0 - pad) * v.scale, y: v.y - (r.y0 - pad) * v.scale });
          }}
          onRevert={(id) => void revert(id)}
        />
      </div>

      <div className="viewer-status">
        <span>{detail ? `${detail.width}×${detail.height}` : '—'}</span>
        <span ref={posRef}>—</span>
        <span ref={classRef} data-testid="class-under-cursor">
          —
        </span>
        <span className="spacer" />
        <span title={`History within a budget of ${HISTORY_BUDGET_BYTES / 1048576} MiB`}>
          undo {histInfo.undo} · redo {histInfo.redo} · {formatBytes(histInfo.bytes)}
        </span>
        {detail && <span data-testid="image-status">{STATUS_LABEL[detail.status]}</span>}
        <span data-testid="save-state" className={`save-${saveState.kind}`}>
          {saveText}
        </span>
        <span className="dim">{settings.authorName}</span>
      </div>

      {help && <HelpOverlay shortcuts={shortcuts} schema={schema} onClose={() => setHelp(false)} />}
      {showSettings && (
        <SettingsDialog
          settings={settings}
          schema={schema}
          onClose={() => setShowSettings(false)}
          onSave={async (patch) => {
            await saveSettings(client, patch);
          }}
        />
      )}
      {conflict && core && lut && (
        <ConflictDialog
          info={conflict}
          mine={core.mask.data}
          width={core.mask.width}
          height={core.mask.height}
          img={img}
          lut={baseLut ?? lut}
          busy={conflictBusy}
          error={conflictError}
          onKeepMine={() => void resolveConflict('mine')}
          onTakeTheirs={() => void resolveConflict('theirs')}
        />
      )}
    </div>
  );
}

function LockIcon({ closed }: { closed: boolean }) {
  return (
    <svg width="10" height="12" viewBox="0 0 10 12" aria-hidden="true">
      <path d={closed ? 'M2.5 5.5V3.5a2.5 2.5 0 0 1 5 0v2' : 'M2.5 5.5V3.5a2.5 2.5 0 0 1 5 0'} fill="none" stroke="currentColor" strokeWidth="1.3" />
      <rect x="1" y="5.5" width="8" height="6" rx="1" fill="currentColor" />
    </svg>
  );
}

function protectTable(s: ReadonlySet<number>): Uint8Array {
  const t = new Uint8Array(256);
  for (const i of s) if (i >= 0 && i < 256) t[i] = 1;
  return t;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1048576).toFixed(1)} MiB`;
}

function formatZoom(scale: number): string {
  const pct = scale * 100;
  return pct < 10 ? `${pct.toFixed(1)}%` : `${Math.round(pct)}%`;
}
