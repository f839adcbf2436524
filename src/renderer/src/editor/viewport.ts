/**
 * Zoom/pan state of the viewer: screen = image * scale + (x, y). Pure math, no DOM, no React; the
 * viewer applies it to the Konva stage imperatively so pointer moves never re-render React.
 */

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 32;

/** Zoom factor of one mouse-wheel notch and of the +/- keys and buttons. */
export const ZOOM_STEP = 1.2;
/** Most a single trackpad / pinch event may zoom by (a burst of events stays smooth). */
const MAX_EVENT_FACTOR = 1.25;

export interface View {
  scale: number;
  x: number;
  y: number;
}

export function clampScale(s: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
}

/** The view that fits an image of w×h into a viewport of vw×vh with a small margin, centred. */
export function fitView(w: number, h: number, vw: number, vh: number, margin = 16): View {
  const scale = clampScale(Math.min((vw - 2 * margin) / w, (vh - 2 * margin) / h));
  return { scale, x: Math.round((vw - w * scale) / 2), y: Math.round((vh - h * scale) / 2) };
}

/** The view at `scale` keeping the image point under the screen point (px, py) fixed. */
export function zoomAt(v: View, scale: number, px: number, py: number): View {
  const s = clampScale(scale);
  const ix = (px - v.x) / v.scale;
  const iy = (py - v.y) / v.scale;
  return { scale: s, x: px - ix * s, y: py - iy * s };
}

/** Centred 1:1 (or any scale) view around the viewport centre. */
export function centredAt(v: View, scale: number, vw: number, vh: number): View {
  return zoomAt(v, scale, vw / 2, vh / 2);
}

/**
 * The +/- zoom: one ZOOM_STEP from `scale`, landing on a power of ZOOM_STEP (so 100 % is on the way
 * and repeated presses retrace the same scales).
 */
export function nextStep(scale: number, dir: 1 | -1): number {
  const k = Math.log(scale) / Math.log(ZOOM_STEP);
  const near = Math.round(k);
  // Already on a step (within rounding): go one further; between steps: to the next one that way.
  const target = Math.abs(k - near) < 1e-6 ? near + dir : dir > 0 ? Math.ceil(k) : Math.floor(k);
  return clampScale(Math.pow(ZOOM_STEP, target));
}

/**
 * Wheel event → zoom factor (> 1 zooms in).
 * - A mouse-wheel notch (line or page mode, or a large pixel delta: Chromium reports 100–240 px per
 *   notch depending on the platform) zooms by exactly ZOOM_STEP, whatever the delta's size.
 * - Trackpad pinch (Chromium sends it as wheel events with ctrlKey set and small deltas) and trackpad
 *   scrolling (small pixel deltas) zoom in proportion to the delta, at most MAX_EVENT_FACTOR per event.
 */
export function wheelFactor(e: { deltaY: number; deltaMode: number; ctrlKey?: boolean }): number {
  if (!Number.isFinite(e.deltaY) || e.deltaY === 0) return 1;
  const notch = e.deltaMode !== 0 || Math.abs(e.deltaY) >= 50;
  if (notch) return e.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP;
  const f = Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.004));
  return Math.min(MAX_EVENT_FACTOR, Math.max(1 / MAX_EVENT_FACTOR, f));
}

export function screenToImage(v: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.x) / v.scale, y: (sy - v.y) / v.scale };
}

export function imageToScreenPt(v: View, ix: number, iy: number): { x: number; y: number } {
  return { x: ix * v.scale + v.x, y: iy * v.scale + v.y };
}
