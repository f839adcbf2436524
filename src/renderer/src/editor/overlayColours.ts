/**
 * Colours of the editor's analysis overlays, chosen away from every class colour of every built-in
 * schema (and the ignore grey), so a highlight never reads as a class: the diff highlight is a pale
 * cyan (the nearest class colour is ≥ 100 RGB units away; it was magenta, the colour of "hat"), the
 * heat map a steel-blue → pale-cyan ramp (≥ 60 units from any class along the whole ramp).
 * overlayColours.test.ts measures both against shared/schema.
 */
export type Rgb3 = readonly [number, number, number];

export const DIFF_RGB: Rgb3 = [153, 255, 255];
/** Heat map: the least disagreement shown (t = HEAT_MIN) … the most (t = 1). */
export const HEAT_LOW: Rgb3 = [51, 102, 136];
export const HEAT_HIGH: Rgb3 = [153, 255, 255];
/** Disagreement below this (of 1) is not coloured: those pixels are dimmed instead. */
export const HEAT_MIN = 0.15;

/** The ramp's colour at t in [HEAT_MIN, 1]. */
export function heatRgb(t: number): Rgb3 {
  const u = Math.min(1, Math.max(0, (t - HEAT_MIN) / (1 - HEAT_MIN)));
  return [0, 1, 2].map((i) => Math.round(HEAT_LOW[i] + (HEAT_HIGH[i] - HEAT_LOW[i]) * u)) as unknown as Rgb3;
}

export const css = (c: Rgb3, a = 1) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;

/** Packed for a Uint32 view of ImageData (little-endian ABGR), opaque. */
export function packAbgr(c: Rgb3): number {
  return ((255 << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;
}
