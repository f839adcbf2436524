/**
 * Generated ONNX models with known behaviour, for tests and benchmarks (no pretrained weights).
 *
 *  - colourRuleModel: a 1x1 convolution with logits_k = c_k·x − |c_k|²/2, i.e. nearest-centroid
 *    classification of each pixel's normalised colour x, so the expected mask is computable exactly.
 *  - asymmetricModel: ignores the image (zero-weight conv) and adds a constant x-ramp, so the image's
 *    left half is class `left` and the right half class `right` (a partner pair). Flip-TTA with the
 *    partner swap reproduces the plain output; without the swap it does not.
 *  - markerDetectorModel: a face detector (UltraFace-style outputs: boxes [1, N, 4] normalised
 *    corners, scores [1, N, 2] = [background, face]) whose faces are the bounding boxes of marker
 *    pixels, so the expected boxes are known exactly.
 *  - bisenetLikeModel: ResNet-18-like encoder (BN folded into conv biases), stride 32, a small
 *    two-level head and a bilinear Resize back to the input size; random weights from a seed.
 */
import { mkdirSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel, type NodeDef, type TensorInit } from './onnx-writer';
import type { DetectorCardInput, ModelCardInput } from '../../src/shared/models/card';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GENERATED_DIR = join(ROOT, 'models', 'generated');

function f32(name: string, dims: number[], data: ArrayLike<number>): TensorInit {
  return { name, dims, data: Float32Array.from(data) };
}

export interface ColourRuleOptions {
  /** Centroids in the normalised input space (after scale/mean/std), in the model's channel order. */
  centroids: [number, number, number][];
  /** Append a Softmax so the output is probabilities (default false: logits). */
  probabilities?: boolean;
  /** Input layout (default NCHW); NHWC adds a Transpose in front. Output is always NCHW. */
  layout?: 'NCHW' | 'NHWC';
  inputName?: string;
  outputName?: string;
}

/** Nearest-centroid colour classifier; dynamic height and width. */
export function colourRuleModel(o: ColourRuleOptions): Uint8Array {
  const K = o.centroids.length;
  const w = new Float32Array(K * 3);
  const b = new Float32Array(K);
  o.centroids.forEach((c, k) => {
    w.set(c, k * 3);
    b[k] = -(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) / 2;
  });
  const input = o.inputName ?? 'image';
  const output = o.outputName ?? 'out';
  const nodes: NodeDef[] = [];
  let x = input;
  if (o.layout === 'NHWC') {
    nodes.push({ op: 'Transpose', inputs: [input], outputs: ['nchw'], attrs: { perm: [0, 3, 1, 2] } });
    x = 'nchw';
  }
  nodes.push({ op: 'Conv', inputs: [x, 'W', 'B'], outputs: [o.probabilities ? 'logits' : output], attrs: { kernel_shape: [1, 1] } });
  if (o.probabilities) nodes.push({ op: 'Softmax', inputs: ['logits'], outputs: [output], attrs: { axis: 1 } });
  return encodeModel({
    nodes,
    inputs: [{ name: input, shape: o.layout === 'NHWC' ? [1, 'h', 'w', 3] : [1, 3, 'h', 'w'] }],
    outputs: [{ name: output, shape: [1, K, 'h', 'w'] }],
    initializers: [f32('W', [K, 3, 1, 1], w), f32('B', [K], b)],
    graphName: 'colour_rule',
  });
}

/**
 * What `colourRuleModel` computes at one pixel of 0-255 RGB (default card: scale 1/255, no mean/std):
 * the logits c·x − |c|²/2 per centroid, with x the float32 inputs the engine feeds the graph.
 */
export function colourRuleLogits(centroids: readonly (readonly number[])[], r: number, g: number, b: number): number[] {
  const x = [Math.fround(r / 255), Math.fround(g / 255), Math.fround(b / 255)];
  return centroids.map((c) => c[0] * x[0] + c[1] * x[1] + c[2] * x[2] - (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) / 2);
}

/** The colour rule's class at a pixel (nearest centroid), or -1 where the best two logits are within `tie`. */
export function colourRuleClass(centroids: readonly (readonly number[])[], r: number, g: number, b: number, tie = 1e-5): number {
  const d = colourRuleLogits(centroids, r, g, b);
  const k = d.indexOf(Math.max(...d));
  const second = Math.max(...d.filter((_, j) => j !== k));
  return d[k] - second < tie ? -1 : k;
}

/** Softmax of one pixel's logits (double precision: the reference the engine's float32 result is checked against). */
export function softmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
}

/**
 * `colourRuleModel` (logits) with its output's shape hidden from the graph: `Reshape(x, Shape(x))`
 * leaves every output dimension but the batch symbolic and unnamed (onnxruntime reports
 * `[1, "", "", ""]`), as some exports with dynamic axes do, so only a run tells the class count.
 */
export function hiddenShapeModel(o: { centroids: [number, number, number][] }): Uint8Array {
  const K = o.centroids.length;
  const w = new Float32Array(K * 3);
  const b = new Float32Array(K);
  o.centroids.forEach((c, k) => {
    w.set(c, k * 3);
    b[k] = -(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) / 2;
  });
  return encodeModel({
    nodes: [
      { op: 'Conv', inputs: ['image', 'W', 'B'], outputs: ['logits'], attrs: { kernel_shape: [1, 1] } },
      { op: 'Shape', inputs: ['logits'], outputs: ['dims'] },
      { op: 'Reshape', inputs: ['logits', 'dims'], outputs: ['out'] },
    ],
    inputs: [{ name: 'image', shape: [1, 3, 'h', 'w'] }],
    outputs: [{ name: 'out', shape: [1, '', '', ''] }],
    initializers: [f32('W', [K, 3, 1, 1], w), f32('B', [K], b)],
    graphName: 'hidden_shape',
  });
}

/**
 * `colourRuleModel` (logits) plus `poison` (NaN or ±Infinity) added to class `channel`'s logits
 * wherever the input's red channel is above `threshold` (default: everywhere), as a float16 overflow or
 * a broken export does: the engine must fail such items instead of writing background.
 */
export function poisonedModel(o: { centroids: [number, number, number][]; poison: number; channel?: number; threshold?: number }): Uint8Array {
  const K = o.centroids.length;
  const w = new Float32Array(K * 3);
  const b = new Float32Array(K);
  o.centroids.forEach((c, k) => {
    w.set(c, k * 3);
    b[k] = -(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) / 2;
  });
  const p = new Float32Array(K);
  p[o.channel ?? 0] = o.poison;
  return encodeModel({
    nodes: [
      { op: 'Conv', inputs: ['image', 'W', 'B'], outputs: ['logits'], attrs: { kernel_shape: [1, 1] } },
      // mask = red > threshold (as 0/1 float, [1, 1, h, w]); out = logits + where(mask, poison, 0)
      { op: 'Slice', inputs: ['image', 'starts', 'ends', 'axes'], outputs: ['red'] },
      { op: 'Greater', inputs: ['red', 'thr'], outputs: ['hit'] },
      { op: 'Where', inputs: ['hit', 'P', 'Z'], outputs: ['add'] },
      { op: 'Add', inputs: ['logits', 'add'], outputs: ['out'] },
    ],
    inputs: [{ name: 'image', shape: [1, 3, 'h', 'w'] }],
    outputs: [{ name: 'out', shape: [1, K, 'h', 'w'] }],
    initializers: [
      f32('W', [K, 3, 1, 1], w),
      f32('B', [K], b),
      { name: 'starts', dims: [1], data: BigInt64Array.from([0n]) },
      { name: 'ends', dims: [1], data: BigInt64Array.from([1n]) },
      { name: 'axes', dims: [1], data: BigInt64Array.from([1n]) },
      f32('thr', [], [o.threshold ?? -1]),
      f32('P', [1, K, 1, 1], p),
      f32('Z', [1, K, 1, 1], new Float32Array(K)),
    ],
    graphName: 'poisoned',
  });
}

export interface AsymmetricOptions {
  classes: number;
  /** Class of the image's left half and of its right half (a partner pair of the schema). */
  left: number;
  right: number;
  width: number;
  height: number;
}

/** Left half → `left`, right half → `right`, whatever the image (fixed input size). */
export function asymmetricModel(o: AsymmetricOptions): Uint8Array {
  const { classes: K, width: W, height: H } = o;
  const ramp = new Float32Array(K * H * W).fill(-10);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const r = (4 * (W / 2 - (x + 0.5))) / W; // > 0 on the left half
      const i = y * W + x;
      ramp[0 * H * W + i] = -1;
      ramp[o.left * H * W + i] = r;
      ramp[o.right * H * W + i] = -r;
    }
  }
  return encodeModel({
    nodes: [
      { op: 'Conv', inputs: ['image', 'W', 'B'], outputs: ['zero'], attrs: { kernel_shape: [1, 1] } },
      { op: 'Add', inputs: ['zero', 'ramp'], outputs: ['out'] },
    ],
    inputs: [{ name: 'image', shape: [1, 3, H, W] }],
    outputs: [{ name: 'out', shape: [1, K, H, W] }],
    initializers: [f32('W', [K, 3, 1, 1], new Float32Array(K * 3)), f32('B', [K], new Float32Array(K)), f32('ramp', [1, K, H, W], ramp)],
    graphName: 'asymmetric',
  });
}

export interface MarkerDetectorOptions {
  /** Fixed input size (the card's input.width/height). */
  width: number;
  height: number;
  /** Shift (input pixels, along x) of the duplicate of the channel-0 box; default 2. */
  duplicateShift?: number;
  inputName?: string;
  boxesName?: string;
  scoresName?: string;
}

/**
 * A face detector with known behaviour. Input [1, 3, H, W] NCHW, fed with raw 0..255 pixel values
 * (card: scale 1, mean 0, std 1). For each channel c (0 R, 1 G, 2 B) a pixel is a marker of face c when
 * its value is > 127.5; candidate c is the bounding box of the markers of c (in input pixels, x1/y1
 * exclusive, divided by W/H: normalised corners) with face score 1 when any marker exists, else 0.
 * Candidate 3 is a duplicate of candidate 0 shifted `duplicateShift` input pixels to the right, with
 * score 0.9 × candidate 0's (non-maximum suppression must drop it). Outputs: `boxes` [1, 4, 4]
 * (x0, y0, x1, y1 normalised), `scores` [1, 4, 2] ([1 − s, s]).
 */
export function markerDetectorModel(o: MarkerDetectorOptions): Uint8Array {
  const { width: W, height: H } = o;
  const input = o.inputName ?? 'input';
  const boxesName = o.boxesName ?? 'boxes';
  const scoresName = o.scoresName ?? 'scores';
  const shift = o.duplicateShift ?? 2;
  const i64 = (name: string, v: number[]): TensorInit => ({ name, dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) });
  const ramp = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
  const inits: TensorInit[] = [
    f32('thr', [1], [127.5]),
    f32('xs1', [W], ramp(W, (i) => i + 1)),
    f32('xrev', [W], ramp(W, (i) => W - i)),
    f32('ys1', [H], ramp(H, (i) => i + 1)),
    f32('yrev', [H], ramp(H, (i) => H - i)),
    f32('Wc', [1], [W]),
    f32('Hc', [1], [H]),
    f32('one', [1], [1]),
    f32('dupScore', [1], [0.9]),
    f32('dupShift', [1, 1, 4], [shift / W, 0, shift / W, 0]),
    i64('ax2', [2]),
    i64('s0', [0]),
    i64('s1', [1]),
    i64('ax1', [1]),
  ];
  const nodes: NodeDef[] = [
    { op: 'Greater', inputs: [input, 'thr'], outputs: ['mb'] },
    { op: 'Cast', inputs: ['mb'], outputs: ['m'], attrs: { to: 1 } },
    { op: 'ReduceMax', inputs: ['m'], outputs: ['colAny'], attrs: { axes: [2], keepdims: 0 } }, // [1,3,W]
    { op: 'ReduceMax', inputs: ['m'], outputs: ['rowAny'], attrs: { axes: [3], keepdims: 0 } }, // [1,3,H]
    // last marker column + 1 = max(colAny * (i + 1)); first = W − max(colAny * (W − i))
    { op: 'Mul', inputs: ['colAny', 'xs1'], outputs: ['cx1'] },
    { op: 'ReduceMax', inputs: ['cx1'], outputs: ['x1p'], attrs: { axes: [2], keepdims: 0 } },
    { op: 'Mul', inputs: ['colAny', 'xrev'], outputs: ['cx0'] },
    { op: 'ReduceMax', inputs: ['cx0'], outputs: ['x0r'], attrs: { axes: [2], keepdims: 0 } },
    { op: 'Sub', inputs: ['Wc', 'x0r'], outputs: ['x0p'] },
    { op: 'Mul', inputs: ['rowAny', 'ys1'], outputs: ['cy1'] },
    { op: 'ReduceMax', inputs: ['cy1'], outputs: ['y1p'], attrs: { axes: [2], keepdims: 0 } },
    { op: 'Mul', inputs: ['rowAny', 'yrev'], outputs: ['cy0'] },
    { op: 'ReduceMax', inputs: ['cy0'], outputs: ['y0r'], attrs: { axes: [2], keepdims: 0 } },
    { op: 'Sub', inputs: ['Hc', 'y0r'], outputs: ['y0p'] },
    { op: 'Div', inputs: ['x0p', 'Wc'], outputs: ['x0n'] },
    { op: 'Div', inputs: ['y0p', 'Hc'], outputs: ['y0n'] },
    { op: 'Div', inputs: ['x1p', 'Wc'], outputs: ['x1n'] },
    { op: 'Div', inputs: ['y1p', 'Hc'], outputs: ['y1n'] },
    ...['x0n', 'y0n', 'x1n', 'y1n'].map((n): NodeDef => ({ op: 'Unsqueeze', inputs: [n, 'ax2'], outputs: [`${n}u`] })),
    { op: 'Concat', inputs: ['x0nu', 'y0nu', 'x1nu', 'y1nu'], outputs: ['box3'], attrs: { axis: 2 } }, // [1,3,4]
    { op: 'Slice', inputs: ['box3', 's0', 's1', 'ax1'], outputs: ['boxR'] }, // [1,1,4]
    { op: 'Add', inputs: ['boxR', 'dupShift'], outputs: ['boxD'] },
    { op: 'Concat', inputs: ['box3', 'boxD'], outputs: [boxesName], attrs: { axis: 1 } }, // [1,4,4]
    { op: 'ReduceMax', inputs: ['colAny'], outputs: ['present'], attrs: { axes: [2], keepdims: 0 } }, // [1,3]
    { op: 'Slice', inputs: ['present', 's0', 's1', 'ax1'], outputs: ['presR'] }, // [1,1]
    { op: 'Mul', inputs: ['presR', 'dupScore'], outputs: ['presD'] },
    { op: 'Concat', inputs: ['present', 'presD'], outputs: ['s'], attrs: { axis: 1 } }, // [1,4]
    { op: 'Unsqueeze', inputs: ['s', 'ax2'], outputs: ['s3'] }, // [1,4,1]
    { op: 'Sub', inputs: ['one', 's3'], outputs: ['bg'] },
    { op: 'Concat', inputs: ['bg', 's3'], outputs: [scoresName], attrs: { axis: 2 } }, // [1,4,2]
  ];
  return encodeModel({
    nodes,
    inputs: [{ name: input, shape: [1, 3, H, W] }],
    outputs: [
      { name: boxesName, shape: [1, 4, 4] },
      { name: scoresName, shape: [1, 4, 2] },
    ],
    initializers: inits,
    graphName: 'marker_detector',
  });
}

/** Card of `markerDetectorModel` (raw 0..255 input; UltraFace-style outputs). */
export function markerDetectorCard(o: MarkerDetectorOptions & { resize?: 'stretch' | 'letterbox'; nmsIouThreshold?: number; maxFaces?: number }): DetectorCardInput {
  return {
    name: `marker face detector ${o.width}x${o.height} (generated)`,
    task: 'face-detection',
    input: { name: o.inputName ?? 'input', width: o.width, height: o.height, scale: 1, mean: [0, 0, 0], std: [1, 1, 1], resize: o.resize ?? 'stretch' },
    output: { boxes: { name: o.boxesName ?? 'boxes', format: 'xyxy', units: 'normalized' }, scores: { name: o.scoresName ?? 'scores', faceIndex: 1 } },
    scoreThreshold: 0.5,
    nmsIouThreshold: o.nmsIouThreshold ?? 0.3,
    maxFaces: o.maxFaces ?? 16,
  };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BisenetLikeOptions {
  size?: number;
  classes?: number;
  seed?: number;
}

/**
 * BiSeNet-sized random model: ResNet-18 encoder (conv7x7/2, maxpool/2, 4 stages of 2 basic blocks,
 * 64-128-256-512 channels, stride 32), head: 3x3 conv on stage 4, upsample x2 + 1x1 projection of
 * stage 3, 3x3 conv, 1x1 classifier, bilinear Resize to size x size. About 12.5 M parameters.
 * Input `input` [N,3,size,size] (N dynamic), output `out` [N,classes,size,size] logits.
 */
export function bisenetLikeModel(o: BisenetLikeOptions = {}): Uint8Array {
  const S = o.size ?? 512;
  const K = o.classes ?? 19;
  const rand = mulberry32(o.seed ?? 1234);
  const nodes: NodeDef[] = [];
  const inits: TensorInit[] = [];
  let n = 0;
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, relu: boolean, gain = 1): string => {
    const id = `c${n++}`;
    const fan = cin * k * k;
    const a = Math.sqrt(6 / fan) * gain;
    const w = new Float32Array(cout * fan);
    for (let i = 0; i < w.length; i++) w[i] = (rand() * 2 - 1) * a;
    const b = new Float32Array(cout);
    for (let i = 0; i < cout; i++) b[i] = (rand() * 2 - 1) * 0.05;
    inits.push(f32(`${id}.w`, [cout, cin, k, k], w), f32(`${id}.b`, [cout], b));
    const p = (k - 1) >> 1;
    nodes.push({
      op: 'Conv',
      inputs: [x, `${id}.w`, `${id}.b`],
      outputs: [relu ? `${id}.pre` : id],
      attrs: { kernel_shape: [k, k], strides: [stride, stride], pads: [p, p, p, p] },
    });
    if (relu) nodes.push({ op: 'Relu', inputs: [`${id}.pre`], outputs: [id] });
    return id;
  };
  const add = (a: string, b: string, relu: boolean): string => {
    const id = `add${n++}`;
    nodes.push({ op: 'Add', inputs: [a, b], outputs: [relu ? `${id}.pre` : id] });
    if (relu) nodes.push({ op: 'Relu', inputs: [`${id}.pre`], outputs: [id] });
    return id;
  };
  const block = (x: string, cin: number, cout: number, stride: number): string => {
    const h = conv(conv(x, cin, cout, 3, stride, true), cout, cout, 3, 1, false, 0.5);
    const skip = stride !== 1 || cin !== cout ? conv(x, cin, cout, 1, stride, false) : x;
    return add(h, skip, true);
  };
  let x = conv('input', 3, 64, 7, 2, true);
  nodes.push({ op: 'MaxPool', inputs: [x], outputs: ['pool'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } });
  x = 'pool';
  const stages: string[] = [];
  let cin = 64;
  for (const [cout, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
    x = block(x, cin, cout, stride);
    x = block(x, cout, cout, 1);
    stages.push(x);
    cin = cout;
  }
  // head (context-path-like): 16² → 32², fuse stage 3, classify, upsample to S².
  const c4 = conv(stages[3], 512, 128, 3, 1, true);
  inits.push({ name: 'up2', dims: [4], data: Float32Array.from([1, 1, 2, 2]) });
  nodes.push({ op: 'Resize', inputs: [c4, '', 'up2'], outputs: ['c4up'], attrs: { mode: 'linear', coordinate_transformation_mode: 'half_pixel' } });
  const p3 = conv(stages[2], 256, 128, 1, 1, false);
  const fused = add('c4up', p3, true);
  const h = conv(fused, 128, 128, 3, 1, true);
  const logits = conv(h, 128, K, 1, 1, false);
  inits.push({ name: 'upS', dims: [4], data: Float32Array.from([1, 1, 16, 16]) });
  nodes.push({ op: 'Resize', inputs: [logits, '', 'upS'], outputs: ['out'], attrs: { mode: 'linear', coordinate_transformation_mode: 'half_pixel' } });
  return encodeModel({
    nodes,
    inputs: [{ name: 'input', shape: ['batch', 3, S, S] }],
    outputs: [{ name: 'out', shape: ['batch', K, S, S] }],
    initializers: inits,
    graphName: 'bisenet_like',
  });
}

/** Card of the BiSeNet-sized model (CelebAMask-HQ order B, ImageNet mean/std, 512², logits). */
export function bisenetLikeCard(size = 512): ModelCardInput {
  return {
    name: `BiSeNet-sized random model (${size}², generated)`,
    description: 'Random weights, for timing only: its masks mean nothing.',
    input: { name: 'input', width: size, height: size, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    output: { name: 'out', kind: 'logits' },
    labels: 'celebamask-hq-b',
    expects: 'image',
  };
}

/** Writes (once) the BiSeNet-sized model into models/generated/ and returns its path. */
export function ensureBisenetLike(o: BisenetLikeOptions = {}): string {
  const size = o.size ?? 512;
  const path = join(GENERATED_DIR, `bisenet-like-${size}-k${o.classes ?? 19}-s${o.seed ?? 1234}.onnx`);
  if (!existsSync(path)) {
    mkdirSync(GENERATED_DIR, { recursive: true });
    writeFileSync(path, bisenetLikeModel(o));
    writeFileSync(path.replace(/\.onnx$/, '.card.json'), JSON.stringify(bisenetLikeCard(size), null, 2) + '\n');
  }
  return path;
}
