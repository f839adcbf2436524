/**
 * Test images for the generated marker face detector (`markerDetectorModel` in onnx-gen.ts): faces are
 * rectangles whose R (face "A") or G (face "B") channel is > 127, on a dark background, with a feature
 * block inside; the colour-rule parser built from `CENTROIDS` gives each colour a known class, so the
 * expected mask of a detect → crop → parse → paste-back run is known exactly (`expectedLabels`).
 */
import type { Box } from '../../src/main/inference/types';

/** Pixel colours of the test images and the class the colour-rule parser gives each (lapa-11 indices). */
export const PALETTE: { rgb: [number, number, number]; cls: number }[] = [
  { rgb: [40, 40, 40], cls: 0 }, // background: no channel > 127
  { rgb: [220, 60, 60], cls: 1 }, // face A skin (R marker)
  { rgb: [200, 20, 100], cls: 4 }, // face A eye (R marker)
  { rgb: [60, 220, 60], cls: 10 }, // face B (G marker)
  { rgb: [20, 200, 100], cls: 6 }, // face B feature (G marker)
];
/** 11 centroids on 0..1: the palette colours at their classes, far-off blues elsewhere. */
export const CENTROIDS: [number, number, number][] = Array.from({ length: 11 }, (_, k) => {
  const p = PALETTE.find((q) => q.cls === k);
  return (p ? p.rgb.map((v) => v / 255) : [0.1, 0.1, 0.3 + 0.06 * k]) as [number, number, number];
});
const clsOf = (r: number, g: number, b: number) => PALETTE.find((p) => p.rgb[0] === r && p.rgb[1] === g && p.rgb[2] === b)!.cls;

export interface Face {
  /** Box [x0, y0, x1, y1) of the face rectangle; filled with `skin`, a 6×4 feature block inside. */
  box: Box;
  skin: 1 | 3;
}

/** A W×H image of background with the given faces (skin rectangle + feature block at +6,+8). */
export function faceImage(W: number, H: number, faces: Face[]): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set(PALETTE[0].rgb, i * 3);
  for (const f of faces) {
    const [x0, y0, x1, y1] = f.box;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const feature = x >= x0 + 6 && x < x0 + 12 && y >= y0 + 8 && y < y0 + 12;
        rgb.set(PALETTE[f.skin + (feature ? 1 : 0)].rgb, (y * W + x) * 3);
      }
  }
  return rgb;
}

/** Expected labels: the colour rule inside the crops (∩ image), background outside every crop. */
export function expectedLabels(rgb: Uint8Array, W: number, H: number, crops: Box[]): Uint8Array {
  const out = new Uint8Array(W * H);
  for (const [x0, y0, x1, y1] of crops)
    for (let y = Math.max(0, y0); y < Math.min(H, y1); y++)
      for (let x = Math.max(0, x0); x < Math.min(W, x1); x++) {
        const i = y * W + x;
        out[i] = clsOf(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]);
      }
  return out;
}

