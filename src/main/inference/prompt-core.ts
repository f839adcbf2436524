/**
 * Promptable (SAM-family) pre- and post-processing, per the card (shared/models/card.ts, promptable
 * cards): where the image goes in the encoder's input, the normalised tensor, the prompt as decoder
 * points, the decoder's masks back at the image size, thresholds, the candidates' order and their
 * bounding-box crops. Pure functions over typed arrays; the worker (prompt-worker.ts) runs them.
 */
import type { PromptableCard } from '../../shared/models/card';
import type { PromptBox, PromptMask, PromptPoint } from '../../shared/api/methods-prompt';

/** Size of the image content inside the encoder's size×size input (top-left; the rest is padding). */
export interface EncoderPlacement {
  /** Content width and height in input pixels. */
  width: number;
  height: number;
}

/**
 * 'longest-side': scale = size / max(W, H), sides int(side·scale + 0.5) (SAM's `get_preprocess_shape`);
 * 'stretch': size × size.
 */
export function encoderPlacement(card: PromptableCard, W: number, H: number): EncoderPlacement {
  const S = card.encoder.size;
  if (card.encoder.resize === 'stretch') return { width: S, height: S };
  const s = S / Math.max(W, H);
  return { width: Math.max(1, Math.floor(W * s + 0.5)), height: Math.max(1, Math.floor(H * s + 0.5)) };
}

/**
 * The encoder's [1, 3, size, size] float32 input: the resized content (p.width × p.height RGB) normalised
 * per channel, at the top-left, zeros elsewhere (SAM pads after normalising).
 */
export function encoderTensor(card: PromptableCard, rgb: Uint8Array, p: EncoderPlacement): Float32Array {
  const S = card.encoder.size;
  const { scale, mean, std } = card.encoder;
  const src = card.encoder.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const t = new Float32Array(3 * S * S);
  for (let c = 0; c < 3; c++) {
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = (v * scale - mean[c]) / std[c];
    const plane = c * S * S;
    const s = src[c];
    for (let y = 0; y < p.height; y++) {
      const row = plane + y * S;
      const srow = y * p.width * 3 + s;
      for (let x = 0; x < p.width; x++) t[row + x] = lut[rgb[srow + x * 3]];
    }
  }
  return t;
}

/** Decoder point inputs: [1, N, 2] coordinates and [1, N] labels. */
export interface PromptPoints {
  coords: Float32Array;
  labels: Float32Array;
  n: number;
}

/**
 * The prompt as decoder points: clicks labelled 1 / 0, the box as two points labelled 2 and 3, and,
 * without a box, SAM's padding point (0, 0) labelled −1 when the card asks for it. Coordinates: 0.5 is
 * taken off for integer pixel centres, then scaled into the encoder's input frame for 'input' cards.
 */
export function promptPoints(card: PromptableCard, W: number, H: number, points: readonly PromptPoint[], box: PromptBox | null): PromptPoints {
  const p = encoderPlacement(card, W, H);
  const off = card.prompt.pixelCentres === 'integer' ? 0.5 : 0;
  const sx = card.prompt.coordinates === 'input' ? p.width / W : 1;
  const sy = card.prompt.coordinates === 'input' ? p.height / H : 1;
  const xs: number[] = [];
  const ls: number[] = [];
  const put = (x: number, y: number, l: number) => {
    xs.push((x - off) * sx, (y - off) * sy);
    ls.push(l);
  };
  for (const q of points) put(q.x, q.y, q.positive ? 1 : 0);
  if (box) {
    put(Math.min(box.x0, box.x1), Math.min(box.y0, box.y1), 2);
    put(Math.max(box.x0, box.x1), Math.max(box.y0, box.y1), 3);
  } else if (card.prompt.padPoint) {
    xs.push(0, 0);
    ls.push(-1);
  }
  return { coords: Float32Array.from(xs), labels: Float32Array.from(ls), n: ls.length };
}

/**
 * Bilinear resize of one float plane (half-pixel centres, edges clamped: PyTorch's
 * `interpolate(mode='bilinear', align_corners=False)` without antialiasing, as SAM post-processes) of
 * the sw×sh window at (0, 0) of a plane `stride` wide, to dw×dh.
 */
export function resizePlane(src: Float32Array, offset: number, stride: number, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const out = new Float32Array(dw * dh);
  const fx = sw / dw;
  const fy = sh / dh;
  const x0s = new Int32Array(dw);
  const x1s = new Int32Array(dw);
  const wxs = new Float32Array(dw);
  for (let x = 0; x < dw; x++) {
    let sx = (x + 0.5) * fx - 0.5;
    if (sx < 0) sx = 0;
    const i = Math.min(Math.floor(sx), sw - 1);
    x0s[x] = i;
    x1s[x] = Math.min(i + 1, sw - 1);
    wxs[x] = sx - i;
  }
  for (let y = 0; y < dh; y++) {
    let sy = (y + 0.5) * fy - 0.5;
    if (sy < 0) sy = 0;
    const j = Math.min(Math.floor(sy), sh - 1);
    const j1 = Math.min(j + 1, sh - 1);
    const wy = sy - j;
    const r0 = offset + j * stride;
    const r1 = offset + j1 * stride;
    const o = y * dw;
    for (let x = 0; x < dw; x++) {
      const a = src[r0 + x0s[x]] + (src[r0 + x1s[x]] - src[r0 + x0s[x]]) * wxs[x];
      const b = src[r1 + x0s[x]] + (src[r1 + x1s[x]] - src[r1 + x0s[x]]) * wxs[x];
      out[o + x] = a + (b - a) * wy;
    }
  }
  return out;
}

/**
 * Mask k's logits at the image size. 'image' frame: the decoder's plane as it is (it must be W×H);
 * 'input' frame: h×w logits covering the encoder's size² input are scaled to size², the content part
 * cut out and scaled to W×H (SAM's `postprocess_masks`, done here in two steps as it does).
 */
export function maskLogitsAtImage(card: PromptableCard, masks: Float32Array, dims: readonly number[], k: number, W: number, H: number): Float32Array {
  const [, , h, w] = dims;
  const plane = h * w;
  if (card.decoder.maskFrame === 'image') {
    if (h !== H || w !== W) throw new Error(`decoder output "${card.decoder.masks}" is ${w}×${h} but the image is ${W}×${H} (card: decoder.maskFrame "image")`);
    return masks.subarray(k * plane, (k + 1) * plane);
  }
  const S = card.encoder.size;
  const p = encoderPlacement(card, W, H);
  const full = h === S && w === S ? masks.subarray(k * plane, (k + 1) * plane) : resizePlane(masks, k * plane, w, w, h, S, S);
  if (p.width === W && p.height === H) {
    // content is already W×H: cut it out
    const out = new Float32Array(W * H);
    for (let y = 0; y < H; y++) out.set(full.subarray(y * S, y * S + W), y * W);
    return out;
  }
  return resizePlane(full, 0, S, p.width, p.height, W, H);
}

/** Thresholds logits (> t) and crops to the bounding box. */
export function cropMask(logits: Float32Array, W: number, H: number, threshold: number): Omit<PromptMask, 'score' | 'index'> {
  let x0 = W;
  let y0 = H;
  let x1 = -1;
  let y1 = -1;
  let area = 0;
  for (let y = 0; y < H; y++) {
    const o = y * W;
    let rowAny = false;
    for (let x = 0; x < W; x++) {
      if (logits[o + x] > threshold) {
        area++;
        rowAny = true;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
    }
    if (rowAny) {
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  if (area === 0) return { area: 0, x: 0, y: 0, w: 0, h: 0, bits: new Uint8Array(0) };
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const bits = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = (y0 + y) * W + x0;
    for (let x = 0; x < w; x++) bits[y * w + x] = logits[o + x] > threshold ? 1 : 0;
  }
  return { area, x: x0, y: y0, w, h, bits };
}

/**
 * The order in which candidates are offered. 'sam': SAM's `select_masks` choice first (mask 0 when more
 * than 2.5 points were fed, counting the padding point; else the best-scoring of masks 1..M−1), then
 * the others by score; 'score': by score. Without scores: output order.
 */
export function candidateOrder(card: PromptableCard, scores: readonly number[] | null, m: number, pointsFed: number): number[] {
  const idx = Array.from({ length: m }, (_, i) => i);
  if (!scores || m === 1) return idx;
  const byScore = (a: number, b: number) => scores[b] - scores[a] || a - b;
  if (card.decoder.multimask === 'score') return idx.sort(byScore);
  const first = pointsFed > 2.5 ? 0 : idx.slice(1).sort(byScore)[0];
  return [first, ...idx.filter((i) => i !== first).sort(byScore)];
}

// ---------------------------------------------------------------------------------------------------
// The embedding cache file

/** An image's encoder outputs (what the decoder is fed with), for a W×H image. */
export interface Embedding {
  width: number;
  height: number;
  tensors: { name: string; dims: number[]; data: Float32Array }[];
}

const MAGIC = 'PARSEL-EMB/1\n';

/** Cache file: MAGIC | u32 LE header length | header JSON | float32 data of each tensor in order. */
export function encodeEmbedding(e: Embedding, encoderSha: string): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify({ width: e.width, height: e.height, encoderSha, tensors: e.tensors.map((t) => ({ name: t.name, dims: t.dims })) }));
  const magic = new TextEncoder().encode(MAGIC);
  let n = magic.length + 4 + head.length;
  for (const t of e.tensors) n += t.data.byteLength;
  const out = new Uint8Array(n);
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(magic.length, head.length, true);
  out.set(head, magic.length + 4);
  let o = magic.length + 4 + head.length;
  for (const t of e.tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), o);
    o += t.data.byteLength;
  }
  return out;
}

/** Reads a cache file; null when it is not one of this encoder's for this image size (then it is recomputed). */
export function decodeEmbedding(buf: Uint8Array, encoderSha: string, outputs: readonly string[]): Embedding | null {
  const magic = new TextEncoder().encode(MAGIC);
  if (buf.length < magic.length + 4 || !magic.every((b, i) => buf[i] === b)) return null;
  const hl = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(magic.length, true);
  let head: { width: number; height: number; encoderSha: string; tensors: { name: string; dims: number[] }[] };
  try {
    head = JSON.parse(new TextDecoder().decode(buf.subarray(magic.length + 4, magic.length + 4 + hl))) as typeof head;
  } catch {
    return null;
  }
  if (head.encoderSha !== encoderSha || head.tensors.map((t) => t.name).join('\n') !== outputs.join('\n')) return null;
  let o = magic.length + 4 + hl;
  const tensors: Embedding['tensors'] = [];
  for (const t of head.tensors) {
    const len = t.dims.reduce((a, b) => a * b, 1);
    if (o + len * 4 > buf.length) return null;
    const data = new Float32Array(len);
    new Uint8Array(data.buffer).set(buf.subarray(o, o + len * 4));
    tensors.push({ name: t.name, dims: t.dims, data });
    o += len * 4;
  }
  return o === buf.length ? { width: head.width, height: head.height, tensors } : null;
}

