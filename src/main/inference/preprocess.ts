/**
 * Pre-processing: where the model's input frame lies on the image (whole image, letterbox, face crop),
 * resampling into it, and normalising into a float32 tensor.
 *
 * Geometry: continuous image coordinates, pixel (x, y) covers [x, x+1) × [y, y+1). A `Frame` is the
 * rectangle of the image (possibly extending beyond it) that the model's whole input covers; the input
 * is that rectangle stretched to input.width × input.height. Post-processing maps back with the same
 * frame, so whole-image, letterboxed and cropped inference share one code path.
 */
import type { InputSpec } from '../../shared/models/card';
import type { Box } from './types';

export interface Frame {
  x0: number;
  y0: number;
  w: number;
  h: number;
}

/** Content placement of a letterboxed image inside the input: integer size and offset. */
export interface Placement {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where a whole W×H image goes in the input per the card's resize rule. */
export function placeImage(spec: InputSpec, W: number, H: number): Placement {
  if (spec.resize === 'stretch') return { left: 0, top: 0, width: spec.width, height: spec.height };
  const s = Math.min(spec.width / W, spec.height / H);
  const width = Math.max(1, Math.min(spec.width, Math.round(W * s)));
  const height = Math.max(1, Math.min(spec.height, Math.round(H * s)));
  return { left: Math.floor((spec.width - width) / 2), top: Math.floor((spec.height - height) / 2), width, height };
}

/** The frame (image rectangle covered by the whole input) of a placement of a W×H image. */
export function frameOfPlacement(spec: InputSpec, p: Placement, W: number, H: number): Frame {
  const sx = W / p.width;
  const sy = H / p.height;
  return { x0: -p.left * sx, y0: -p.top * sy, w: spec.width * sx, h: spec.height * sy };
}

/**
 * A face box expanded by `margin` of its size on every side; with `square`, first made square around
 * its centre with side = the larger of width and height. The result may extend beyond the image
 * (outside pixels are fed as the card's padValue).
 */
export function expandBox(box: Box, margin: number, square: boolean): Frame {
  const [x0, y0, x1, y1] = box;
  let w = Math.max(1, x1 - x0);
  let h = Math.max(1, y1 - y0);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  if (square) w = h = Math.max(w, h);
  w *= 1 + 2 * margin;
  h *= 1 + 2 * margin;
  return { x0: cx - w / 2, y0: cy - h / 2, w, h };
}

/** Bounding box of landmark points (e.g. the 68 iBUG points), as a Box. */
export function boxFromLandmarks(points: readonly (readonly [number, number])[]): Box {
  if (points.length === 0) throw new Error('boxFromLandmarks: no points');
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
}

/**
 * Bilinear resampling of the frame of an RGB image into iw×ih RGB (half-pixel centres, like
 * cv2.resize INTER_LINEAR; no antialiasing). Samples outside the image use `pad`.
 */
export function sampleFrame(rgb: Uint8Array, W: number, H: number, f: Frame, iw: number, ih: number, pad: number): Uint8Array {
  const out = new Uint8Array(iw * ih * 3);
  const sx = f.w / iw;
  const sy = f.h / ih;
  const px = (x: number, y: number, c: number) => (x < 0 || y < 0 || x >= W || y >= H ? pad : rgb[(y * W + x) * 3 + c]);
  for (let j = 0; j < ih; j++) {
    const Y = f.y0 + (j + 0.5) * sy - 0.5;
    const y0 = Math.floor(Y);
    const fy = Y - y0;
    for (let i = 0; i < iw; i++) {
      const X = f.x0 + (i + 0.5) * sx - 0.5;
      const x0 = Math.floor(X);
      const fx = X - x0;
      const o = (j * iw + i) * 3;
      // Inside the image (common case): clamp edges like cv2 BORDER_REPLICATE; far outside: pad.
      const inside = X >= -0.5 && Y >= -0.5 && X <= W - 0.5 && Y <= H - 0.5;
      const xa = inside ? Math.min(Math.max(x0, 0), W - 1) : x0;
      const xb = inside ? Math.min(Math.max(x0 + 1, 0), W - 1) : x0 + 1;
      const ya = inside ? Math.min(Math.max(y0, 0), H - 1) : y0;
      const yb = inside ? Math.min(Math.max(y0 + 1, 0), H - 1) : y0 + 1;
      for (let c = 0; c < 3; c++) {
        const top = px(xa, ya, c) * (1 - fx) + px(xb, ya, c) * fx;
        const bot = px(xa, yb, c) * (1 - fx) + px(xb, yb, c) * fx;
        out[o + c] = Math.round(top * (1 - fy) + bot * fy);
      }
    }
  }
  return out;
}

/**
 * Normalises RGB content (cw×ch, placed at `p` inside the input; the rest is padValue) into a float32
 * tensor of the card's layout and colour order. `out` may be passed to reuse a buffer of input.width*input.height*3 floats.
 */
export function toTensor(spec: InputSpec, rgb: Uint8Array, p: Placement, out?: Float32Array): Float32Array {
  const iw = spec.width;
  const ih = spec.height;
  const t = out ?? new Float32Array(iw * ih * 3);
  const bgr = spec.colorOrder === 'BGR';
  // per model channel m: which RGB channel feeds it, and the affine a*p + b
  const src = bgr ? [2, 1, 0] : [0, 1, 2];
  const a = [0, 1, 2].map((m) => spec.scale / spec.std[m]);
  const b = [0, 1, 2].map((m) => -spec.mean[m] / spec.std[m]);
  const lut = [0, 1, 2].map((m) => {
    const l = new Float32Array(256);
    for (let v = 0; v < 256; v++) l[v] = a[m] * v + b[m];
    return l;
  });
  const padV = [0, 1, 2].map((m) => lut[m][spec.padValue]);
  const plane = iw * ih;
  const nchw = spec.layout === 'NCHW';
  const full = p.left === 0 && p.top === 0 && p.width === iw && p.height === ih;
  if (!full) {
    for (let m = 0; m < 3; m++) {
      if (nchw) t.fill(padV[m], m * plane, (m + 1) * plane);
      else for (let q = 0; q < plane; q++) t[q * 3 + m] = padV[m];
    }
  }
  for (let m = 0; m < 3; m++) {
    const l = lut[m];
    const s = src[m];
    for (let y = 0; y < p.height; y++) {
      const row = (p.top + y) * iw;
      const srow = y * p.width * 3 + s;
      for (let x = 0; x < p.width; x++) {
        const ix = p.left + x;
        const v = l[rgb[srow + x * 3]];
        if (nchw) t[m * plane + row + ix] = v;
        else t[(row + ix) * 3 + m] = v;
      }
    }
  }
  return t;
}

/** Mirrors a model input tensor horizontally (NCHW or NHWC, 3 channels). */
export function flipTensor(spec: InputSpec, t: Float32Array): Float32Array {
  const iw = spec.width;
  const ih = spec.height;
  const out = new Float32Array(t.length);
  if (spec.layout === 'NCHW') {
    for (let r = 0; r < 3 * ih; r++) {
      const o = r * iw;
      for (let x = 0; x < iw; x++) out[o + x] = t[o + iw - 1 - x];
    }
  } else {
    for (let y = 0; y < ih; y++) {
      for (let x = 0; x < iw; x++) {
        const a = (y * iw + x) * 3;
        const b = (y * iw + iw - 1 - x) * 3;
        out[a] = t[b];
        out[a + 1] = t[b + 1];
        out[a + 2] = t[b + 2];
      }
    }
  }
  return out;
}
