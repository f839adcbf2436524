/**
 * Face detection post-processing (pure: no Node, no onnxruntime): a detector's raw outputs (boxes and
 * scores, see `DetectorCard`) → face boxes in image pixels. Steps, in order:
 *   1. score: channel `faceIndex` of each candidate; candidates below `scoreThreshold` are dropped;
 *   2. box format (xyxy / xywh / cxcywh) → corners, units (0..1 of the input, or input pixels) → input pixels;
 *   3. input pixels → image pixels through the frame of the resize (stretch or letterbox): the same frame
 *      that placed the image into the input, so the mapping undoes the resize exactly;
 *   4. greedy non-maximum suppression: best score first, a candidate whose IoU with a kept box is above
 *      `nmsIouThreshold` is dropped (ties in score keep the earlier candidate);
 *   5. at most `maxFaces`; boxes clipped to the image; boxes with no area inside the image dropped.
 */
import type { DetectorCard } from '../../shared/models/card';
import type { Frame } from './preprocess';
import type { Box } from './types';

export interface Detection {
  /** Image pixels, [x0, y0, x1, y1] (x1/y1 exclusive, fractional). */
  box: Box;
  score: number;
}

export interface RawTensor {
  data: Float32Array;
  dims: number[];
}

/** Intersection over union of two xyxy boxes (0 when either has no area). */
export function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const area = (r: Box) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy NMS over detections (any order): returns the kept ones, best score first, at most `max`. */
export function nms(dets: readonly Detection[], iouThreshold: number, max: number): Detection[] {
  const order = dets.map((d, i) => ({ d, i })).sort((a, b) => b.d.score - a.d.score || a.i - b.i);
  const kept: Detection[] = [];
  for (const { d } of order) {
    if (kept.length >= max) break;
    if (kept.every((k) => iou(k.box, d.box) <= iouThreshold)) kept.push(d);
  }
  return kept;
}

/** N (candidates) and the per-candidate width of a [1, N, D] or [N, D] tensor; throws naming the output. */
function rows(t: RawTensor, what: string): { n: number; d: number } {
  const dims = t.dims;
  if (dims.length === 3 && dims[0] === 1) return { n: dims[1], d: dims[2] };
  if (dims.length === 2) return { n: dims[0], d: dims[1] };
  throw new Error(`detector output ${what} has dims [${dims.join(', ')}]; expected [1, N, D] or [N, D]`);
}

/**
 * Decodes a detector's outputs into face boxes in image pixels (see the file comment for the steps).
 * `frame` is the image rectangle covered by the whole model input (`frameOfPlacement`); `W`×`H` the image.
 */
export function decodeDetections(card: DetectorCard, boxes: RawTensor, scores: RawTensor, frame: Frame, W: number, H: number): Detection[] {
  const b = rows(boxes, `"${card.output.boxes.name}"`);
  const s = rows(scores, `"${card.output.scores.name}"`);
  if (b.d !== 4) throw new Error(`detector output "${card.output.boxes.name}" has ${b.d} numbers per box; expected 4`);
  if (s.n !== b.n) throw new Error(`detector outputs disagree: ${b.n} boxes but ${s.n} score rows`);
  const fi = card.output.scores.faceIndex;
  if (fi >= s.d) throw new Error(`output.scores.faceIndex is ${fi} but "${card.output.scores.name}" has ${s.d} score channels`);
  const iw = card.input.width;
  const ih = card.input.height;
  const [ux, uy] = card.output.boxes.units === 'normalized' ? [iw, ih] : [1, 1];
  const kx = frame.w / iw;
  const ky = frame.h / ih;
  const fmt = card.output.boxes.format;
  const cands: Detection[] = [];
  for (let i = 0; i < b.n; i++) {
    const score = scores.data[i * s.d + fi];
    if (!(score >= card.scoreThreshold)) continue; // NaN scores are not faces either
    const o = i * 4;
    const p = [boxes.data[o], boxes.data[o + 1], boxes.data[o + 2], boxes.data[o + 3]];
    let x0: number, y0: number, x1: number, y1: number;
    if (fmt === 'xyxy') [x0, y0, x1, y1] = p;
    else if (fmt === 'xywh') [x0, y0, x1, y1] = [p[0], p[1], p[0] + p[2], p[1] + p[3]];
    else [x0, y0, x1, y1] = [p[0] - p[2] / 2, p[1] - p[3] / 2, p[0] + p[2] / 2, p[1] + p[3] / 2];
    if (![x0, y0, x1, y1].every(Number.isFinite) || x1 <= x0 || y1 <= y0) continue;
    cands.push({
      box: [frame.x0 + x0 * ux * kx, frame.y0 + y0 * uy * ky, frame.x0 + x1 * ux * kx, frame.y0 + y1 * uy * ky],
      score,
    });
  }
  const out: Detection[] = [];
  for (const d of nms(cands, card.nmsIouThreshold, card.maxFaces)) {
    const c: Box = [Math.max(0, d.box[0]), Math.max(0, d.box[1]), Math.min(W, d.box[2]), Math.min(H, d.box[3])];
    if (c[2] > c[0] && c[3] > c[1]) out.push({ box: c, score: d.score });
  }
  return out;
}
