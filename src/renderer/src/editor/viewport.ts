/**
 * Zoom/pan state of the viewer: screen = image * scale + (x, y). Pure math, no DOM, no React; the
 * viewer applies it to the Konva stage imperatively so pointer moves never re-render React.
 */

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 32;

/** Zoom steps used by the +/- keys and buttons. */
const STEPS = [
  0.05, 0.0625, 0.083, 0.1, 0.125, 0.167, 0.25, 0.333, 0.5, 0.667, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32,
];

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

export function nextStep(scale: number, dir: 1 | -1): number {
  if (dir > 0) return STEPS.find((s) => s > scale * 1.001) ?? MAX_SCALE;
  for (let i = STEPS.length - 1; i >= 0; i--) if (STEPS[i] < scale * 0.999) return STEPS[i];
  return MIN_SCALE;
}

/** Wheel delta → zoom factor. Lines/pages normalised to pixels; a mouse notch (≈100 px) ≈ ×1.2. */
export function wheelFactor(e: { deltaY: number; deltaMode: number }): number {
  const px = e.deltaMode === 1 ? e.deltaY * 33 : e.deltaMode === 2 ? e.deltaY * 800 : e.deltaY;
  return Math.exp(-Math.max(-300, Math.min(300, px)) * 0.0018);
}

export function screenToImage(v: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.x) / v.scale, y: (sy - v.y) / v.scale };
}

export function imageToScreenPt(v: View, ix: number, iy: number): { x: number; y: number } {
  return { x: ix * v.scale + v.x, y: iy * v.scale + v.y };
}
