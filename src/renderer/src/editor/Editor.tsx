/**
 * Mask editor: one image, its head revision's mask, the painting tools, history, autosave, revisions.
 *
 * Structure (docs/ARCHITECTURE.md, "The editor"): the editor is a host. Tools are modules in toolbox/
 * (a registry; each owns its pointer handlers, keys, overlay drawing, cursor and toolbar options);
 * shortcuts are an action table (actions.ts); view and tool preferences are one store (prefs.ts);
 * loading, saving, conflicts and revert are the session hook (useEditorSession.ts); the bars and the
 * class list are components (NavBar, Toolbar, ClassLegend, StatusLine; dialogs in panels/).
 *
 * Rendering (DESIGN.md §3): the index map (`EditorCore.mask`) is the source of truth. The photo is a
 * `Konva.Image` on a non-listening layer; the mask is recoloured through the LUT straight into a
 * viewport-sized canvas, only in the dirty rectangle once per animation frame (maskView.ts explains
 * why not an image-sized canvas drawn by Konva). Cursor preview, polygon / lasso / selection
 * outlines and the pixel grid are drawn on a plain canvas over the stage in screen pixels (crisp 1 px
 * lines at any zoom, uiOverlay.ts); the brush preview is the outline of the exact footprint.
 * Zoom/pan, pointer state and live strokes live in refs: painting never re-renders React.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import { Image as KImage, Layer, Stage } from 'react-konva';
import type Konva from 'konva';
import type { LabelSchema } from '../../../shared/api/types';
import type { FlagInfo } from '../../../shared/api/methods-noise';
import type { ModelSetRecord } from '../../../shared/api/methods-models';
import { paletteLut } from '../../../shared/schema';
import { pickClass } from '../../../shared/mask/paint';
import { comboIndex, resolveShortcuts } from '../../../shared/settings';
import { ErrorBox, toShownError, useClient } from '../views/common';
import type { GridSession } from '../views/gridSession';
import { editorActions, findAction, runAction, type ActionContext } from './actions';
import { ClassLegend } from './ClassLegend';
import { MaskView } from './maskView';
import { DiffLegend, HeatLegend } from './Legends';
import { Minimap } from './Minimap';
import { ComparePane } from './compare/ComparePane';
import { ComparePanel, type CompareMode } from './compare/ComparePanel';
import { LayerCanvas } from './compare/LayerCanvas';
import { layerLabel, layerOptions, loadLayer, type LayerId } from './compare/layers';
import { SwipeHandle } from './compare/SwipeHandle';
import { NavBar } from './NavBar';
import { classLut } from './overlay';
import { ConflictDialog } from './panels/ConflictDialog';
import { HelpOverlay } from './panels/HelpOverlay';
import { RevisionPanel, type DiffInfo } from './panels/RevisionPanel';
import { SettingsDialog } from './panels/SettingsDialog';
import { editorPrefs, useEditorPrefs } from './prefs';
import { FlagsPanel, ReviewOverlay } from './review/FlagsPanel';
import { useNoiseReview } from './review/useNoiseReview';
import type { SaveState } from './saver';
import { saveSettings, useSettings } from './settingsStore';
import { StatusLine } from './StatusLine';
import { Toolbar } from './Toolbar';
import { getTool, listTools, registryVersion, type Tool, type ToolContext } from './toolbox';
import { maskDiff, type Selection } from './tools';
import { drawOverlay } from './uiOverlay';
import { useEditorKeyboard } from './useEditorKeyboard';
import { useEditorSession } from './useEditorSession';
import { useStageInput, type StageRefs } from './useStageInput';
import { centredAt, fitView, imageToScreenPt, nextStep, screenToImage, zoomAt, type View } from './viewport';
import './editor.css';
import { sizeCanvas, useElementSize } from './elementSize';

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
    tool: string;
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

interface Props {
  imageId: number;
  /** The open project (its file path): editor preferences are remembered per project (prefs.ts). */
  projectKey?: string | null;
  schema: LabelSchema | null;
  session: GridSession | null;
  onBack: () => void;
  onNavigate: (imageId: number) => void;
}

export function Editor({ imageId, projectKey = null, schema, session, onBack, onNavigate }: Props) {
  const client = useClient();
  const settings = useSettings(client);
  const store = editorPrefs;
  // Before the first paint: this project's remembered tool, brush, locks and view options.
  useLayoutEffect(() => store.useProject(projectKey), [store, projectKey]);
  const prefs = useEditorPrefs();
  const ses = useEditorSession(client, imageId, settings);
  const { detail, img, loaded, core, saver } = ses;

  const [selection, setSelectionState] = useState<Selection | null>(null);
  const [help, setHelp] = useState(false);
  const [showSettings, setShowSettings] = useState(false);
  const [diff, setDiff] = useState<DiffInfo | null>(null);
  const [diffMap, setDiffMap] = useState<Uint8Array | null>(null);
  const diffRef = useRef<DiffInfo | null>(null);
  // Comparing two layers (compare/): mode, layers A (stage) and B (pane / right of the swipe).
  const [compareMode, setCompareMode] = useState<CompareMode>('off');
  const [layerA, setLayerA] = useState<LayerId>('mask');
  const [layerB, setLayerB] = useState<LayerId | null>(null);
  const [layerData, setLayerData] = useState<ReadonlyMap<LayerId, Uint8Array>>(new Map());
  const [compareError, setCompareError] = useState<string | null>(null);
  const [modelSets, setModelSets] = useState<ModelSetRecord[]>([]);
  const [swipe, setSwipe] = useState(0.5);
  useLayoutEffect(() => {
    diffRef.current = diff;
  });
  const [drawn, setDrawn] = useState(false);

  const containerRef = useRef<HTMLDivElement>(null);
  const size = useElementSize(containerRef);
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
  const spaceDown = useRef(false);
  const hookRef = useRef<ViewerTestHook>({ imageToScreen: () => ({ x: 0, y: 0 }), ready: false });
  const uiRaf = useRef(0);
  const frames = useRef(0);
  const selectionRef = useRef<Selection | null>(null);
  const viewListeners = useRef(new Set<() => void>());
  const readOnly = useRef(false);

  const maskView = useMemo(() => (core ? new MaskView(core.mask) : null), [core]);
  const maskViewRef = useRef<MaskView | null>(null);
  useLayoutEffect(() => {
    maskViewRef.current = maskView;
  });

  // ---- tools -------------------------------------------------------------------------------------
  const regVersion = registryVersion();
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const tools = useMemo(() => listTools(), [regVersion]);
  const activeDef = getTool(prefs.tool) ?? tools[0];
  const instances = useRef(new Map<string, Tool>());
  const toolOf = useCallback((id: string): Tool | null => {
    const def = getTool(id);
    if (!def) return null;
    let t = instances.current.get(id);
    if (!t) instances.current.set(id, (t = def.create()));
    return t;
  }, []);
  const brush = useCallback(() => {
    const p = store.get();
    const st = settingsRef.current;
    return { size: p.brushSize ?? st.brush.size, shape: p.brushShape ?? st.brush.shape };
  }, [store]);
  const settingsRef = useRef(settings);
  useLayoutEffect(() => {
    settingsRef.current = settings;
  });
  const effBrush = { size: prefs.brushSize ?? settings.brush.size, shape: prefs.brushShape ?? settings.brush.shape };

  const setSelection = useCallback((s: Selection | null) => {
    selectionRef.current = s;
    setSelectionState(s);
  }, []);

  // ---- core wiring ---------------------------------------------------------------------------------
  const baseLut = useMemo(() => (schema ? paletteLut(schema) : null), [schema]);
  const hidden = store.hiddenOf(schema?.id);
  const alpha = store.alphaOf(schema?.id);
  const lut = useMemo(() => (baseLut ? classLut(baseLut, hidden, alpha) : null), [baseLut, hidden, alpha]);

  useEffect(() => {
    if (!core) return;
    core.onFrame = (d) => {
      frames.current++;
      if (d) maskView?.renderImageRect(d);
    };
  }, [core, maskView]);

  useEffect(() => {
    if (!core) return;
    core.setLock({ onlyOver: prefs.onlyOver, protect: prefs.protect.size ? protectTable(prefs.protect) : null });
  }, [core, prefs.onlyOver, prefs.protect]);

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
    maskView.setLut(lut, prefs.outline);
  }, [maskView, lut, prefs.outline]);

  // ---- compare ---------------------------------------------------------------------------------------
  const comparing = compareMode !== 'off' && layerB !== null;
  const showsLiveMask = !comparing || layerA === 'mask';
  const swipeX = Math.round(swipe * size.w);
  useLayoutEffect(() => {
    readOnly.current = !showsLiveMask;
  });
  useLayoutEffect(() => {
    if (!maskView) return;
    maskView.canvas.style.opacity = String(prefs.opacity);
    maskView.canvas.style.visibility = prefs.maskOff || !showsLiveMask ? 'hidden' : 'visible';
    maskView.canvas.style.clipPath = comparing && compareMode === 'swipe' ? `inset(0 ${size.w - swipeX}px 0 0)` : '';
  }, [maskView, prefs.opacity, prefs.maskOff, showsLiveMask, comparing, compareMode, size.w, swipeX]);

  // The model sets (their cached predictions are layers) and a default B, once comparing starts.
  const revisions = ses.revisions;
  useEffect(() => {
    if (compareMode === 'off') return;
    client.call('modelSet:list', {}).then(setModelSets, () => setModelSets([]));
  }, [client, compareMode]);
  useEffect(() => {
    if (compareMode === 'off' || layerB !== null) return;
    // The revision before the head (what this session's edits started from), else the head.
    const r = revisions[1] ?? revisions[0];
    if (r) setLayerB(`rev:${r.id}`);
    else setCompareError('This image has no revision to compare with yet: choose a model prediction as B.');
  }, [compareMode, layerB, revisions]);
  // Layer data, fetched once per layer.
  useEffect(() => {
    if (!comparing || !core) return;
    let cancelled = false;
    for (const id of [layerA, layerB]) {
      if (id === null || id === 'mask' || layerData.has(id)) continue;
      loadLayer(client, imageId, id, core.mask.width, core.mask.height).then(
        (data) => !cancelled && setLayerData((m) => new Map(m).set(id, data)),
        (err: unknown) => !cancelled && setCompareError(`${id}: ${toShownError(err).message}`),
      );
    }
    return () => {
      cancelled = true;
    };
  }, [client, imageId, core, comparing, layerA, layerB, layerData]);
  const layerMask = (id: LayerId | null) => {
    if (!core || id === null) return null;
    if (id === 'mask') return core.mask;
    const data = layerData.get(id);
    return data ? { width: core.mask.width, height: core.mask.height, data } : null;
  };
  const layerOpts = useMemo(() => layerOptions(revisions, modelSets), [revisions, modelSets]);
  const pickLayer = (which: 'a' | 'b', id: LayerId) => {
    setCompareError(null);
    if (which === 'a') setLayerA(id);
    else setLayerB(id);
  };

  useEffect(() => {
    maskView?.setDiff(diff ? diffMap : null);
  }, [maskView, diff, diffMap]);

  // ---- overlay canvas ------------------------------------------------------------------------------
  const toolCtxRef = useRef<ToolContext | null>(null);
  const drawUi = useCallback(() => {
    uiRaf.current = 0;
    const c = uiCanvasRef.current;
    const m = toolCtxRef.current?.core.mask;
    if (!c || !m) {
      const ctx = c?.getContext('2d');
      ctx?.clearRect(0, 0, c!.width, c!.height);
      return;
    }
    const p = pointer.current;
    const v = view.current;
    drawOverlay(c, {
      view: v,
      mask: m,
      grid: store.get().grid,
      selection: selectionRef.current,
      pointer: p ? screenToImage(v, p.x, p.y) : null,
      panning: pan.current !== null || spaceDown.current,
      tool: readOnly.current ? null : toolOf(store.get().tool),
      toolCtx: toolCtxRef.current,
    });
  }, [store, toolOf]);

  const scheduleUi = useCallback(() => {
    if (!uiRaf.current) uiRaf.current = requestAnimationFrame(drawUi);
  }, [drawUi]);

  useEffect(() => scheduleUi(), [scheduleUi, prefs.tool, effBrush.size, effBrush.shape, selection, prefs.grid, prefs.polygonMode, core]);
  useEffect(() => () => cancelAnimationFrame(uiRaf.current), []);

  // Another tool chosen (key, button, review): the others drop what they had in progress.
  useLayoutEffect(() => {
    const ctx = toolCtxRef.current;
    for (const [id, t] of instances.current) if (id !== prefs.tool && ctx) t.deactivate?.(ctx);
  }, [prefs.tool]);

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
    for (const l of viewListeners.current) l();
    scheduleUi();
  }, [scheduleUi]);
  /** Who follows the view imperatively (the minimap). */
  const subscribeView = useCallback((fn: () => void) => {
    viewListeners.current.add(fn);
    return () => {
      viewListeners.current.delete(fn);
    };
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
  const editRegion = useCallback((f: FlagInfo) => store.set({ current: f.suggestedClass, onlyOver: f.labelClass, tool: 'brush' }), [store]);
  const review = useNoiseReview({ client, imageId, schema, core, saver, author: settings.authorName, zoomToRect, onNavigate, editRegion });
  const reviewRef = useRef(review);
  useLayoutEffect(() => {
    reviewRef.current = review;
  });
  const getView = useCallback(() => view.current, []);

  /** Fits a half-open image rect with a margin of 15 % (at least 8 px) into the stage. */
  const zoomToBox = useCallback(
    (r: { x0: number; y0: number; x1: number; y1: number }) => {
      const w = r.x1 - r.x0;
      const h = r.y1 - r.y0;
      const pad = Math.max(8, Math.max(w, h) * 0.15);
      const v = fitView(w + 2 * pad, h + 2 * pad, size.w, size.h, 0);
      setView({ scale: v.scale, x: v.x - (r.x0 - pad) * v.scale, y: v.y - (r.y0 - pad) * v.scale });
    },
    [size, setView],
  );
  /** What "zoom to selection" shows: the selection, else the selected flag, else the shown changes. */
  const selectionBox = useCallback((): { x0: number; y0: number; x1: number; y1: number } | null => {
    const sel = selectionRef.current;
    if (sel?.kind === 'rect') return sel.rect;
    if (sel?.kind === 'polygon') {
      let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (let i = 0; i < sel.points.length; i += 2) {
        x0 = Math.min(x0, sel.points[i]);
        x1 = Math.max(x1, sel.points[i]);
        y0 = Math.min(y0, sel.points[i + 1]);
        y1 = Math.max(y1, sel.points[i + 1]);
      }
      return { x0, y0, x1, y1 };
    }
    const b = reviewRef.current.selectedBox;
    if (b) return { x0: b[0], y0: b[1], x1: b[2] + 1, y1: b[3] + 1 };
    return diffRef.current?.rect ?? null;
  }, []);

  useLayoutEffect(() => {
    const c = uiCanvasRef.current;
    if (!c || size.w === 0) return;
    const dpr = sizeCanvas(c, size);
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
        tool: store.get().tool,
        brushSize: brush().size,
        current: store.get().current,
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
  }, [core, saver, store, brush]);

  // ---- cursor read-out (imperative) --------------------------------------------------------------
  const updateReadout = useCallback(() => {
    const p = pointer.current;
    let posText = '';
    let classText = '';
    let hot: number | null = null;
    const m = toolCtxRef.current?.core.mask;
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

  // ---- pointer / wheel: pan and zoom here, everything else to the active tool (useStageInput.ts) ---
  const refs: StageRefs = { container: containerRef, view, pointer, pan, spaceDown, selection: selectionRef, toolCtx: toolCtxRef, readOnly };
  useStageInput(refs, { imageId, client, notify: ses.setNotice, core, store, brush, toolOf, setView, setSelection, updateReadout, scheduleUi });

  // ---- navigation ----------------------------------------------------------------------------------
  const { leave, setNotice } = ses;
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
    [session, imageId, onNavigate, leave, setNotice],
  );

  const back = useCallback(() => void leave(onBack), [leave, onBack]);

  // ---- revisions: diff -----------------------------------------------------------------------------
  const { fetchMask, setRevBusy, setError } = ses;
  const compare = useCallback(
    async (a: number, b: number) => {
      if (!core) return;
      setRevBusy(true);
      try {
        const [ma, mb] = await Promise.all([fetchMask(a), fetchMask(b)]);
        const d = maskDiff(ma, mb, core.mask.width);
        setDiffMap(d.map);
        setDiff({ a, b, count: d.count, rect: d.rect });
      } catch (err) {
        setError(toShownError(err));
      } finally {
        setRevBusy(false);
      }
    },
    [core, fetchMask, setRevBusy, setError],
  );

  // ---- actions and keyboard ------------------------------------------------------------------------
  const shortcuts = useMemo(() => resolveShortcuts(settings.shortcuts), [settings.shortcuts]);
  const keyIndex = useMemo(() => comboIndex(shortcuts), [shortcuts]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const actions = useMemo(() => editorActions(), [regVersion]);
  const modalOpen = help || showSettings || ses.conflict !== null;

  // What the actions call: always the latest closures (the table itself is static).
  const api = useRef({ fit, oneToOne, zoomTo, zoomToBox, go, toggleDone: ses.toggleDone, schema });
  useLayoutEffect(() => {
    api.current = { fit, oneToOne, zoomTo, zoomToBox, go, toggleDone: ses.toggleDone, schema };
  });
  const actx = useMemo<ActionContext>(
    () => ({
      prefs: store,
      brush,
      setTool: (id) => store.set({ tool: id }),
      hasClass: (i) => (api.current.schema?.classes ?? []).some((c) => c.index === i),
      hasSelection: () => selectionRef.current !== null,
      reassignSelection: () => {
        const c = toolCtxRef.current?.core;
        const sel = selectionRef.current;
        if (c && sel) c.reassign(sel, store.get().current, store.get().reassignFrom);
      },
      clearSelection: () => setSelection(null),
      // After any flag decision on its way (its undo must see it answered).
      undo: () => reviewRef.current.afterDecisions(() => toolCtxRef.current?.core.undo()),
      redo: () => reviewRef.current.afterDecisions(() => toolCtxRef.current?.core.redo()),
      // An explicit save ends the session's revision (the next edit starts a new one).
      save: () => void sesRef.current.saveRevision(),
      fit: () => api.current.fit(),
      actual: () => api.current.oneToOne(),
      zoomIn: () => api.current.zoomTo(nextStep(view.current.scale, 1)),
      zoomOut: () => api.current.zoomTo(nextStep(view.current.scale, -1)),
      zoomSelection: () => {
        const b = selectionBox();
        if (b) api.current.zoomToBox(b);
        return b !== null;
      },
      canZoomSelection: () => selectionBox() !== null,
      cycleCompare: () => setCompareMode((m) => (m === 'off' ? 'side' : m === 'side' ? 'swipe' : 'off')),
      next: () => void api.current.go(1),
      previous: () => void api.current.go(-1),
      toggleDone: () => api.current.toggleDone(),
      flagAccept: () => void reviewRef.current.accept(),
      flagDismiss: () => void reviewRef.current.dismiss(),
      flagReopen: () => void reviewRef.current.reopen(),
      help: () => setHelp(true),
    }),
    [store, brush, setSelection, selectionBox],
  );
  const sesRef = useRef(ses);
  useLayoutEffect(() => {
    sesRef.current = ses;
  });
  const run = useCallback(
    (id: string) => {
      const a = findAction(id, actions);
      if (a) runAction(a, actx);
    },
    [actions, actx],
  );

  useEditorKeyboard(refs, { keyIndex, actions, actx, help, setHelp, modalOpen, review: reviewRef, store, toolOf, setSelection, back, scheduleUi });

  // ---- render ------------------------------------------------------------------------------------
  const classes = schema?.classes ?? [];
  const keyOf = useCallback((action: string) => shortcuts[action]?.[0], [shortcuts]);
  const titleWithKey = useCallback((title: string, action: string) => (keyOf(action) ? `${title} (${keyOf(action)})` : title), [keyOf]);
  const LayerTools = tools.filter((t) => t.Layer);
  const imgSize = img ? { w: img.naturalWidth, h: img.naturalHeight } : null;

  return (
    <div className="viewer editor" data-testid="viewer">
      <NavBar
        detail={detail}
        canNavigate={session !== null}
        prefs={prefs}
        store={store}
        zoomRef={zoomRef}
        titleWithKey={titleWithKey}
        run={run}
        onBack={back}
        onSetStatus={(s) => void ses.setStatus(s)}
        onSettings={() => setShowSettings(true)}
      />

      <Toolbar
        tools={tools}
        active={activeDef}
        prefs={prefs}
        store={store}
        classes={classes}
        brush={effBrush}
        selection={selection}
        canUndo={ses.history.undo > 0}
        canRedo={ses.history.redo > 0}
        titleWithKey={titleWithKey}
        keyOf={keyOf}
        run={run}
      />

      <div className="ed-stage-row">
      <div
        className="viewer-stage"
        ref={containerRef}
        data-testid="stage"
        data-tool={activeDef.id}
        style={activeDef.cursor ? ({ '--tool-cursor': activeDef.cursor } as CSSProperties) : undefined}
      >
        {size.w > 0 && (
          <Stage ref={stageRef} width={size.w} height={size.h} listening={false}>
            <Layer ref={imageLayerRef} listening={false}>
              {img && <KImage image={img} listening={false} />}
            </Layer>
          </Stage>
        )}
        <div ref={maskHostRef} className="ed-mask-host" />
        {comparing && !showsLiveMask && lut && layerMask(layerA) && (
          <LayerCanvas
            mask={layerMask(layerA)!}
            lut={lut}
            outline={prefs.outline}
            opacity={prefs.maskOff ? 0 : prefs.opacity}
            size={size}
            getView={getView}
            subscribe={subscribeView}
            clip={compareMode === 'swipe' ? `inset(0 ${size.w - swipeX}px 0 0)` : undefined}
            testId="compare-layer-a"
          />
        )}
        {comparing && compareMode === 'swipe' && lut && layerMask(layerB) && (
          <LayerCanvas
            mask={layerMask(layerB)!}
            lut={lut}
            outline={prefs.outline}
            opacity={prefs.maskOff ? 0 : prefs.opacity}
            size={size}
            getView={getView}
            subscribe={subscribeView}
            clip={`inset(0 0 0 ${swipeX}px)`}
            testId="compare-layer-b"
          />
        )}
        {comparing && compareMode === 'swipe' && (
          <SwipeHandle x={swipeX} width={size.w} onMove={setSwipe} labelA={layerLabel(layerA, layerOpts)} labelB={layerLabel(layerB!, layerOpts)} />
        )}
        {comparing && compareMode === 'side' && (
          <div className="ed-compare-label" data-testid="compare-label-a">
            A · {layerLabel(layerA, layerOpts)}
          </div>
        )}
        <ReviewOverlay canvas={review.overlayCanvas} box={review.selectedBox} getView={getView} />
        <canvas ref={uiCanvasRef} className="ed-ui" />
        {LayerTools.map((t) => {
          const L = t.Layer!;
          return <L key={t.id} imageId={imageId} size={imgSize} active={activeDef.id === t.id} getView={getView} classes={classes} />;
        })}
        {(review.overlay === 'heat' && review.overlayCanvas) || diff ? (
          <div className="ed-legends">
            {review.overlay === 'heat' && review.overlayCanvas && <HeatLegend />}
            {diff && <DiffLegend a={diff.a} b={diff.b} count={diff.count} />}
          </div>
        ) : null}
        {img && size.w > 0 && <Minimap img={img} stage={size} getView={getView} setView={setView} subscribe={subscribeView} />}
        {ses.error && (
          <div className="notice" style={{ pointerEvents: 'auto' }}>
            <ErrorBox error={ses.error} />
            <button className="link" onClick={() => setError(null)}>
              dismiss
            </button>
          </div>
        )}
        {!ses.error && !img && <div className="notice">Loading…</div>}
        {ses.notice && (
          <div className="notice" style={{ top: 40 }} data-testid="notice">
            {ses.notice}
          </div>
        )}
        {loaded.kind === 'ready' && loaded.created && ses.history.undo === 0 && (
          <div className="notice" data-testid="no-mask">
            No mask yet — painting starts one (background elsewhere)
          </div>
        )}
      </div>
      {comparing && compareMode === 'side' && img && lut && (
        <ComparePane
          img={img}
          layer={layerMask(layerB)}
          label={layerLabel(layerB!, layerOpts)}
          error={compareError}
          lut={lut}
          outline={prefs.outline}
          opacity={prefs.maskOff ? 0 : prefs.opacity}
          getView={getView}
          setView={setView}
          subscribe={subscribeView}
        />
      )}
      </div>

      <div className="viewer-side">
        <FlagsPanel review={review} schema={schema} acceptKey={keyOf('flag.accept')} dismissKey={keyOf('flag.dismiss')} reopenKey={keyOf('flag.reopen')} />
        <h3>
          <span>Compare</span>
        </h3>
        <ComparePanel
          mode={compareMode}
          a={layerA}
          b={layerB ?? 'mask'}
          options={layerOpts}
          error={compareError}
          modeTitle={titleWithKey('Compare two layers', 'view.compare')}
          onMode={setCompareMode}
          onA={(id) => pickLayer('a', id)}
          onB={(id) => pickLayer('b', id)}
        />
        <ClassLegend classes={classes} schemaId={schema?.id ?? null} prefs={prefs} store={store} legendRef={legendRef} keyOf={keyOf} />
        <h3 style={{ marginTop: 14 }}>
          <span>Revisions</span>
        </h3>
        <RevisionPanel
          onSaveRevision={(message) => ses.saveRevision(message)}
          saveKey={keyOf('edit.save')}
          revisions={ses.revisions}
          headId={detail?.headRevisionId ?? null}
          diff={diff}
          busy={ses.revBusy}
          onCompare={(a, b) => void compare(a, b)}
          onClearDiff={() => {
            setDiff(null);
            setDiffMap(null);
          }}
          onZoomDiff={() => diff?.rect && zoomToBox(diff.rect)}
          onRevert={(id) => void ses.revert(id)}
        />
      </div>

      <StatusLine detail={detail} posRef={posRef} classRef={classRef} history={ses.history} saveState={ses.saveState} author={settings.authorName} numberOf={ses.numberOf} />

      {help && <HelpOverlay shortcuts={shortcuts} schema={schema} actions={actions} onClose={() => setHelp(false)} />}
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
      {ses.conflict && core && lut && (
        <ConflictDialog
          info={ses.conflict}
          mine={core.mask.data}
          width={core.mask.width}
          height={core.mask.height}
          img={img}
          lut={baseLut ?? lut}
          busy={ses.conflictBusy}
          error={ses.conflictError}
          onKeepMine={() => void ses.resolveConflict('mine')}
          onTakeTheirs={() => void ses.resolveConflict('theirs')}
        />
      )}
    </div>
  );
}

function protectTable(s: ReadonlySet<number>): Uint8Array {
  const t = new Uint8Array(256);
  for (const i of s) if (i >= 0 && i < 256) t[i] = 1;
  return t;
}

function formatZoom(scale: number): string {
  const pct = scale * 100;
  return pct < 10 ? `${pct.toFixed(1)}%` : `${Math.round(pct)}%`;
}
