/**
 * Generated ONNX models with known behaviour, for tests and benchmarks (no pretrained weights).
 *
 *  - colourRuleModel: a 1x1 convolution with logits_k = c_k·x − |c_k|²/2, i.e. nearest-centroid
 *    classification of each pixel's normalised colour x, so the expected mask is computable exactly.
 *  - asymmetricModel: ignores the image (zero-weight conv) and adds a constant x-ramp, so the image's
 *    left half is class `left` and the right half class `right` (a partner pair). Flip-TTA with the
 *    partner swap reproduces the plain output; without the swap it does not.
 *  - bisenetLikeModel: ResNet-18-like encoder (BN folded into conv biases), stride 32, a small
 *    two-level head and a bilinear Resize back to the input size; random weights from a seed.
 */
import { mkdirSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel, type NodeDef, type TensorInit } from '../../src/main/inference/onnx-proto';
import type { ModelCardInput } from '../../src/shared/models/card';

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
