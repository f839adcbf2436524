/**
 * Generated SAM-family models (issue 14): an image encoder and a prompt decoder with the I/O signatures
 * of SAM's ONNX export (segment-anything `scripts/export_onnx_model.py`, `return_single_mask=False`),
 * whose masks are known exactly, for tests and benchmarks. No pretrained weights.
 *
 * Encoder: `image` [1, 3, S, S] (normalised, padded) → `image_embeddings` [1, 256, S/16, S/16]: a 16×16
 * stride-16 patch convolution, then `depth` residual 3×3 convolutions (0 for tests; more for a
 * benchmark that needs the encoder to take a while).
 *
 * Decoder: `image_embeddings` [1, 256, 64, 64], `point_coords` [1, N, 2], `point_labels` [1, N],
 * `mask_input` [1, 1, 256, 256], `has_mask_input` [1], `orig_im_size` [2] → `masks` [1, 4, H, W],
 * `iou_predictions` [1, 4], `low_res_masks` [1, 4, 256, 256]. Coordinates are SAM's: the encoder's
 * input frame (S = 1024), pixel centres at integers. The low-res logits of mask k at input-frame point g:
 *
 *   L_k(g) = min( R_k² − min_{positive p} |g − p|²,           (a disc around the nearest positive click;
 *                                                             no positive click but a box: +BIG)
 *                 min_{negative q} |g − q|² − r²,            (cut by a disc of radius r around each negative)
 *                 64 · min(gx − x0, x1 − gx, gy − y0, y1 − gy) (inside the box, when there is one),
 *                 −BIG when there is neither a positive click nor a box )
 *
 * plus 1e-3 · tanh(what a SAM-shaped mask decoder computes from the embedding and the prompt): with
 * `transformer: true` that is SAM's mask decoder at its real size (prompt encoder with random Fourier
 * features and the mask-input downscaler, a two-way transformer of depth 2, 256 wide, 8 heads, MLP
 * 2048, attention downsampled to 128, the transposed-convolution upscaler, four hypernetwork MLPs and
 * the IoU head: ~4 M parameters, as MobileSAM's and SAM's decoders — the runtime of the real thing
 * while the geometry stays exact to a few thousandths of a logit). Then SAM's post-processing in the
 * graph: ×4 bilinear to S², cut to the resized image (int(side · S / max(H, W) + 0.5)), bilinear to
 * `orig_im_size`. `iou_predictions` = `scores` + 1e-3 · tanh(IoU head).
 *
 * So with one positive click at image point c of an H×W image, mask k is about the disc of radius
 * R_k · max(H, W) / S image pixels around c (`expectedMask` computes it).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel, type NodeDef, type TensorInit } from './onnx-writer';
import type { PromptableCardInput } from '../../src/shared/models/card';
import { Rng } from '../../src/shared/random';
import { GENERATED_DIR } from './onnx-gen';

const BIG = 1e6;

export interface SamEncoderOptions {
  /** Input side (default 1024); the embedding is S/16 square. */
  size?: number;
  /** Residual 3×3 convolutions after the patch embedding (default 0). */
  depth?: number;
  seed?: number;
}

export interface SamDecoderOptions {
  /** Radii (encoder-input pixels) of the four masks; default [96, 48, 96, 160]. */
  radii?: [number, number, number, number];
  /** Base IoU predictions of the four masks; default [0.9, 0.6, 0.8, 0.7]. */
  scores?: [number, number, number, number];
  /** Radius of the cut around a negative click (encoder-input pixels); default 40. */
  negativeRadius?: number;
  /** Build SAM's whole mask decoder (default true); false: only the geometry (small and fast, for unit tests). */
  transformer?: boolean;
  /** Encoder input side the coordinates refer to (default 1024). */
  size?: number;
  seed?: number;
}

export const SAM_DEFAULT_RADII: [number, number, number, number] = [96, 48, 96, 160];
export const SAM_DEFAULT_SCORES: [number, number, number, number] = [0.9, 0.6, 0.8, 0.7];

const f32 = (name: string, dims: number[], data: ArrayLike<number>): TensorInit => ({ name, dims, data: Float32Array.from(data) });
const i64 = (name: string, v: number[]): TensorInit => ({ name, dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) });

/** A small graph builder: unique names, random weights from a seed. */
class G {
  nodes: NodeDef[] = [];
  inits: TensorInit[] = [];
  private n = 0;
  constructor(private readonly rng: Rng) {}
  id(p: string): string {
    return `${p}_${this.n++}`;
  }
  op(op: string, inputs: string[], attrs?: NodeDef['attrs'], out?: string): string {
    const o = out ?? this.id(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [o], ...(attrs ? { attrs } : {}) });
    return o;
  }
  const(dims: number[], data: ArrayLike<number>, p = 'k'): string {
    const name = this.id(p);
    this.inits.push(f32(name, dims, data));
    return name;
  }
  ints(v: number[]): string {
    const name = this.id('i');
    this.inits.push(i64(name, v));
    return name;
  }
  rand(dims: number[], fanIn: number, gain = 1): string {
    const len = dims.reduce((a, b) => a * b, 1);
    const a = Math.sqrt(3 / fanIn) * gain;
    const w = new Float32Array(len);
    for (let i = 0; i < len; i++) w[i] = (this.rng.next() * 2 - 1) * a;
    const name = this.id('w');
    this.inits.push({ name, dims, data: w });
    return name;
  }
  /** x [..., din] · W [din, dout] + b */
  linear(x: string, din: number, dout: number): string {
    return this.op('Add', [this.op('MatMul', [x, this.rand([din, dout], din)]), this.rand([dout], din, 0.1)]);
  }
  layerNorm(x: string, dim: number): string {
    return this.op('LayerNormalization', [x, this.const([dim], new Float32Array(dim).fill(1)), this.const([dim], new Float32Array(dim))], { axis: -1, epsilon: { float: 1e-5 } });
  }
  /** LayerNorm over the channel axis of [1, C, H, W] (SAM's LayerNorm2d). */
  layerNorm2d(x: string, c: number): string {
    const mu = this.op('ReduceMean', [x], { axes: [1], keepdims: 1 });
    const d = this.op('Sub', [x, mu]);
    const v = this.op('ReduceMean', [this.op('Mul', [d, d])], { axes: [1], keepdims: 1 });
    const s = this.op('Sqrt', [this.op('Add', [v, this.const([1], [1e-6])])]);
    return this.op('Add', [this.op('Mul', [this.op('Div', [d, s]), this.const([1, c, 1, 1], new Float32Array(c).fill(1))]), this.const([1, c, 1, 1], new Float32Array(c))]);
  }
  gelu(x: string): string {
    const e = this.op('Erf', [this.op('Mul', [x, this.const([1], [Math.SQRT1_2])])]);
    return this.op('Mul', [this.op('Mul', [x, this.const([1], [0.5])]), this.op('Add', [e, this.const([1], [1])])]);
  }
  conv(x: string, cin: number, cout: number, k: number, stride: number, pad = 0): string {
    return this.op('Conv', [x, this.rand([cout, cin, k, k], cin * k * k), this.rand([cout], cin * k * k, 0.1)], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] });
  }
  convT(x: string, cin: number, cout: number): string {
    return this.op('ConvTranspose', [x, this.rand([cin, cout, 2, 2], cin), this.rand([cout], cin, 0.1)], { kernel_shape: [2, 2], strides: [2, 2] });
  }
  /** SAM's Attention: projections to `inner`, 8 heads, softmax(q·kᵀ/√d)·v, projection back to 256. Inputs [1, L, 256]. */
  attention(q: string, k: string, v: string, inner: number, heads = 8): string {
    const dh = inner / heads;
    const split = (x: string) => this.op('Transpose', [this.op('Reshape', [x, this.ints([1, -1, heads, dh])])], { perm: [0, 2, 1, 3] });
    const qh = split(this.linear(q, 256, inner));
    const kh = this.op('Transpose', [this.op('Reshape', [this.linear(k, 256, inner), this.ints([1, -1, heads, dh])])], { perm: [0, 2, 3, 1] });
    const vh = split(this.linear(v, 256, inner));
    const att = this.op('Softmax', [this.op('Mul', [this.op('MatMul', [qh, kh]), this.const([1], [1 / Math.sqrt(dh)])])], { axis: -1 });
    const o = this.op('Reshape', [this.op('Transpose', [this.op('MatMul', [att, vh])], { perm: [0, 2, 1, 3] }), this.ints([1, -1, inner])]);
    return this.linear(o, inner, 256);
  }
  mlp(x: string, dims: number[]): string {
    let h = x;
    for (let i = 0; i + 1 < dims.length; i++) {
      h = this.linear(h, dims[i], dims[i + 1]);
      if (i + 2 < dims.length) h = this.op('Relu', [h]);
    }
    return h;
  }
}

/** SAM-style image encoder (see the file comment). */
export function samEncoderModel(o: SamEncoderOptions = {}): Uint8Array {
  const S = o.size ?? 1024;
  const g = new G(new Rng(o.seed ?? 14));
  let x = g.conv('image', 3, 256, 16, 16);
  for (let i = 0; i < (o.depth ?? 0); i++) x = g.op('Add', [x, g.op('Relu', [g.conv(x, 256, 256, 3, 1, 1)])]);
  g.op('Identity', [x], undefined, 'image_embeddings');
  return encodeModel({
    nodes: g.nodes,
    inputs: [{ name: 'image', shape: [1, 3, S, S] }],
    outputs: [{ name: 'image_embeddings', shape: [1, 256, S / 16, S / 16] }],
    initializers: g.inits,
    graphName: 'sam_like_encoder',
  });
}

/** SAM-style prompt decoder with known masks (see the file comment). */
export function samDecoderModel(o: SamDecoderOptions = {}): Uint8Array {
  const S = o.size ?? 1024;
  const LR = S / 4; // low-res mask side (256)
  const E = S / 16; // embedding side (64)
  const radii = o.radii ?? SAM_DEFAULT_RADII;
  const base = o.scores ?? SAM_DEFAULT_SCORES;
  const r = o.negativeRadius ?? 40;
  const M = 4;
  const g = new G(new Rng(o.seed ?? 41));
  const ax = (v: number[]) => g.ints(v);

  // ---- geometry: the known logits at the low-res grid (cell u centred at 4u + 1.5 in SAM's coordinates)
  const cell = S / LR;
  const grid = Array.from({ length: LR }, (_, u) => cell * u + (cell - 1) / 2);
  const gx = g.const([1, 1, 1, LR], grid, 'gx');
  const gy = g.const([1, 1, LR, 1], grid, 'gy');
  const px = g.op('Unsqueeze', [g.op('Gather', ['point_coords', g.ints([0])], { axis: 2 }), ax([3])]); // [1,N,1,1]
  const py = g.op('Unsqueeze', [g.op('Gather', ['point_coords', g.ints([1])], { axis: 2 }), ax([3])]);
  const dx = g.op('Sub', [gx, px]);
  const dy = g.op('Sub', [gy, py]);
  const d2 = g.op('Add', [g.op('Mul', [dx, dx]), g.op('Mul', [dy, dy])]); // [1,N,LR,LR]
  const lab = g.op('Unsqueeze', ['point_labels', ax([2, 3])]); // [1,N,1,1]
  const is = (v: number) => g.op('Cast', [g.op('Equal', [lab, g.const([1], [v])])], { to: 1 });
  const pos = is(1);
  const neg = is(0);
  const tl = is(2);
  const br = is(3);
  const one = g.const([1], [1]);
  const big = g.const([1], [BIG]);
  const notPos = g.op('Mul', [g.op('Sub', [one, pos]), big]);
  const minPos = g.op('ReduceMin', [g.op('Add', [d2, notPos])], { axes: [1], keepdims: 1 }); // [1,1,LR,LR]
  const anyPos = g.op('ReduceMax', [pos], { axes: [1, 2, 3], keepdims: 1 }); // [1,1,1,1]
  const hasBox = g.op('ReduceMax', [tl], { axes: [1, 2, 3], keepdims: 1 });
  const Pk = g.op('Sub', [g.const([1, M, 1, 1], radii.map((v) => v * v)), minPos]); // [1,M,LR,LR]
  const P = g.op('Add', [g.op('Mul', [Pk, anyPos]), g.op('Mul', [g.op('Sub', [one, anyPos]), big])]);
  const notNeg = g.op('Mul', [g.op('Sub', [one, neg]), big]);
  const N = g.op('Sub', [g.op('ReduceMin', [g.op('Add', [d2, notNeg])], { axes: [1], keepdims: 1 }), g.const([1], [r * r])]);
  const sumN = (m: string, v: string) => g.op('ReduceSum', [g.op('Mul', [m, v]), g.ints([1])], { keepdims: 1 }); // [1,1,1,1]
  const bx0 = sumN(tl, px);
  const by0 = sumN(tl, py);
  const bx1 = sumN(br, px);
  const by1 = sumN(br, py);
  const inX = g.op('Min', [g.op('Sub', [gx, bx0]), g.op('Sub', [bx1, gx])]);
  const inY = g.op('Min', [g.op('Sub', [gy, by0]), g.op('Sub', [by1, gy])]);
  const Bin = g.op('Mul', [g.op('Min', [inX, inY]), g.const([1], [64])]);
  const B = g.op('Add', [g.op('Mul', [Bin, hasBox]), g.op('Mul', [g.op('Sub', [one, hasBox]), big])]);
  const valid = g.op('Min', [g.op('Add', [anyPos, hasBox]), one]);
  const V = g.op('Mul', [g.op('Sub', [g.op('Mul', [valid, g.const([1], [2])]), one]), big]);
  const geometry = g.op('Min', [g.op('Min', [P, N]), g.op('Min', [B, V])]); // [1,M,LR,LR]

  // ---- what SAM's mask decoder computes (small weight in the output)
  let learned: string;
  let iouHead: string;
  if (o.transformer ?? true) {
    // Prompt encoder: random Fourier features of (c + 0.5) / S, label embeddings, padding points.
    const norm = g.op('Sub', [g.op('Mul', [g.op('Add', ['point_coords', g.const([1], [0.5])]), g.const([1], [2 / S])]), one]);
    const gauss = g.rand([2, 128], 1, Math.sqrt(3));
    const proj = g.op('Mul', [g.op('MatMul', [norm, gauss]), g.const([1], [2 * Math.PI])]);
    const pe = g.op('Concat', [g.op('Sin', [proj]), g.op('Cos', [proj])], { axis: 2 }); // [1,N,256]
    const lab3 = g.op('Unsqueeze', ['point_labels', ax([2])]); // [1,N,1]
    const onehot = g.op('Cast', [g.op('Equal', [lab3, g.const([5], [-1, 0, 1, 2, 3])])], { to: 1 }); // [1,N,5]
    const notPad = g.op('Cast', [g.op('Not', [g.op('Equal', [lab3, g.const([1], [-1])])])], { to: 1 });
    const sparse = g.op('Add', [g.op('Mul', [pe, notPad]), g.op('MatMul', [onehot, g.rand([5, 256], 1)])]);
    // Dense prompt: the mask-input downscaler, or the no-mask embedding.
    let m = g.gelu(g.layerNorm2d(g.conv('mask_input', 1, 4, 2, 2), 4));
    m = g.gelu(g.layerNorm2d(g.conv(m, 4, 16, 2, 2), 16));
    m = g.conv(m, 16, 256, 1, 1);
    const has = g.op('Reshape', ['has_mask_input', ax([1, 1, 1, 1])]);
    const dense = g.op('Add', [g.op('Mul', [m, has]), g.op('Mul', [g.rand([1, 256, 1, 1], 1), g.op('Sub', [one, has])])]);
    // Tokens and image.
    const outTok = g.rand([1, 1 + M, 256], 1);
    const tokens = g.op('Concat', [outTok, sparse], { axis: 1 });
    const src = g.op('Transpose', [g.op('Reshape', [g.op('Add', ['image_embeddings', dense]), ax([1, 256, E * E])])], { perm: [0, 2, 1] });
    const keyPe = g.rand([1, E * E, 256], 1);
    let q = tokens;
    let k = src;
    for (let layer = 0; layer < 2; layer++) {
      if (layer === 0) q = g.attention(q, q, q, 256);
      else {
        const qq = g.op('Add', [q, tokens]);
        q = g.op('Add', [q, g.attention(qq, qq, q, 256)]);
      }
      q = g.layerNorm(q, 256);
      const kk = g.op('Add', [k, keyPe]);
      q = g.layerNorm(g.op('Add', [q, g.attention(g.op('Add', [q, tokens]), kk, k, 128)]), 256);
      q = g.layerNorm(g.op('Add', [q, g.mlp(q, [256, 2048, 256])]), 256);
      k = g.layerNorm(g.op('Add', [k, g.attention(kk, g.op('Add', [q, tokens]), q, 128)]), 256);
    }
    q = g.layerNorm(g.op('Add', [q, g.attention(g.op('Add', [q, tokens]), g.op('Add', [k, keyPe]), k, 128)]), 256);
    const iouTok = g.op('Slice', [q, g.ints([0]), g.ints([1]), g.ints([1])]); // [1,1,256]
    const maskTok = g.op('Reshape', [g.op('Slice', [q, g.ints([1]), g.ints([1 + M]), g.ints([1])]), ax([M, 1, 256])]);
    // Upscaling to LR², hypernetworks, mask logits.
    const img = g.op('Reshape', [g.op('Transpose', [k], { perm: [0, 2, 1] }), ax([1, 256, E, E])]);
    const up = g.gelu(g.convT(g.gelu(g.layerNorm2d(g.convT(img, 256, 64), 64)), 64, 32)); // [1,32,LR,LR]
    const perToken = (x: string, din: number, dout: number) => g.op('Add', [g.op('MatMul', [x, g.rand([M, din, dout], din)]), g.rand([M, 1, dout], din, 0.1)]);
    const h1 = g.op('Relu', [perToken(maskTok, 256, 256)]);
    const h2 = g.op('Relu', [perToken(h1, 256, 256)]);
    const hyper = g.op('Reshape', [perToken(h2, 256, 32), ax([1, M, 32])]);
    learned = g.op('Reshape', [g.op('MatMul', [hyper, g.op('Reshape', [up, ax([1, 32, LR * LR])])]), ax([1, M, LR, LR])]);
    iouHead = g.op('Reshape', [g.mlp(iouTok, [256, 256, 256, M]), ax([1, M])]);
  } else {
    // Only touch the other inputs (a decoder that ignored them would not be SAM-shaped at all).
    const e = g.op('ReduceMean', ['image_embeddings'], { axes: [1, 2, 3], keepdims: 1 });
    const mi = g.op('ReduceMean', ['mask_input'], { axes: [1, 2, 3], keepdims: 1 });
    learned = g.op('Add', [g.op('Add', [e, mi]), g.op('Reshape', ['has_mask_input', ax([1, 1, 1, 1])])]);
    iouHead = g.op('Reshape', [learned, ax([1, 1])]);
  }
  const small = g.const([1], [1e-3]);
  g.op('Add', [geometry, g.op('Mul', [g.op('Tanh', [learned]), small])], undefined, 'low_res_masks');
  g.op('Add', [g.const([1, M], base), g.op('Mul', [g.op('Tanh', [iouHead]), small])], undefined, 'iou_predictions');

  // ---- SAM's post-processing in the graph: ×4 to S², cut to the resized image, to orig_im_size.
  const upS = g.op('Resize', ['low_res_masks', '', g.const([4], [1, 1, cell, cell])], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
  const scale = g.op('Div', [g.const([1], [S]), g.op('ReduceMax', ['orig_im_size'], { axes: [0], keepdims: 1 })]);
  const prepadded = g.op('Cast', [g.op('Floor', [g.op('Add', [g.op('Mul', ['orig_im_size', scale]), g.const([1], [0.5])])])], { to: 7 });
  const cut = g.op('Slice', [upS, g.ints([0, 0]), prepadded, g.ints([2, 3])]);
  const sizes = g.op('Concat', [g.ints([1, M]), g.op('Cast', ['orig_im_size'], { to: 7 })], { axis: 0 });
  g.op('Resize', [cut, '', '', sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, 'masks');

  return encodeModel({
    nodes: g.nodes,
    inputs: [
      { name: 'image_embeddings', shape: [1, 256, E, E] },
      { name: 'point_coords', shape: [1, 'num_points', 2] },
      { name: 'point_labels', shape: [1, 'num_points'] },
      { name: 'mask_input', shape: [1, 1, LR, LR] },
      { name: 'has_mask_input', shape: [1] },
      { name: 'orig_im_size', shape: [2] },
    ],
    outputs: [
      { name: 'masks', shape: [1, M, 'H', 'W'] },
      { name: 'iou_predictions', shape: [1, M] },
      { name: 'low_res_masks', shape: [1, M, LR, LR] },
    ],
    initializers: g.inits,
    graphName: o.transformer === false ? 'sam_like_decoder_geometry' : 'sam_like_decoder',
  });
}

/** The card of a generated pair (SAM's defaults: SAM mean/std on 0..255, longest side, input coordinates). */
export function samCard(encoderFile: string, name = 'SAM-like (generated)'): PromptableCardInput {
  return {
    name,
    description: 'Generated: masks are discs around positive clicks, cut by negatives and a box (test/tooling/sam-gen.ts).',
    task: 'promptable-segmentation',
    family: 'sam',
    encoder: { file: encoderFile },
  };
}

export interface SamPair {
  encoder: string;
  decoder: string;
  card: string;
}

/**
 * Writes (once) a generated encoder + decoder + card into `dir` (default models/generated/) and returns
 * their paths. `transformer` false: the small geometry-only decoder.
 */
export function ensureSamPair(o: { dir?: string; transformer?: boolean; encoderDepth?: number; size?: number } = {}): SamPair {
  const dir = o.dir ?? GENERATED_DIR;
  const size = o.size ?? 1024;
  const tag = `${size}-d${o.encoderDepth ?? 0}`;
  const encoder = join(dir, `sam-like-encoder-${tag}.onnx`);
  const decoder = join(dir, `sam-like-decoder-${size}-${o.transformer === false ? 'geometry' : 'full'}-enc-d${o.encoderDepth ?? 0}.onnx`);
  const card = decoder.replace(/\.onnx$/, '.card.json');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(encoder)) writeFileSync(encoder, samEncoderModel({ size, depth: o.encoderDepth }));
  if (!existsSync(decoder)) writeFileSync(decoder, samDecoderModel({ size, transformer: o.transformer }));
  if (!existsSync(card)) {
    const c = samCard(encoder.slice(dir.length + 1), `SAM-like ${o.transformer === false ? 'geometry' : 'full'} decoder (generated, ${size})`);
    if (size !== 1024) (c.encoder as { size?: number }).size = size;
    writeFileSync(card, JSON.stringify(c, null, 2) + '\n');
  }
  return { encoder, decoder, card };
}

/**
 * The mask the generated decoder gives, computed here in double precision: pixel (X, Y) of the W×H
 * image is in mask k when L_k at its place in the encoder's frame is > 0 (the graph's two bilinear
 * resamplings move the edge by well under a pixel; tests allow for that). Points and box are in Parsel's
 * continuous image coordinates, as the `prompt:decode` request takes them.
 */
export function expectedMask(
  W: number,
  H: number,
  k: number,
  points: { x: number; y: number; positive: boolean }[],
  box: { x0: number; y0: number; x1: number; y1: number } | null,
  o: { size?: number; radii?: number[]; negativeRadius?: number } = {},
): Uint8Array {
  const S = o.size ?? 1024;
  const R = (o.radii ?? SAM_DEFAULT_RADII)[k];
  const r = o.negativeRadius ?? 40;
  const s = S / Math.max(W, H);
  const nw = Math.floor(W * s + 0.5);
  const nh = Math.floor(H * s + 0.5);
  const tx = (x: number) => (x - 0.5) * (nw / W);
  const ty = (y: number) => (y - 0.5) * (nh / H);
  const pos = points.filter((p) => p.positive).map((p) => [tx(p.x), ty(p.y)]);
  const neg = points.filter((p) => !p.positive).map((p) => [tx(p.x), ty(p.y)]);
  const b = box ? [tx(box.x0), ty(box.y0), tx(box.x1), ty(box.y1)] : null;
  const out = new Uint8Array(W * H);
  for (let Y = 0; Y < H; Y++) {
    const gy = (Y + 0.5) * (nh / H) - 0.5;
    for (let X = 0; X < W; X++) {
      const gx = (X + 0.5) * (nw / W) - 0.5;
      let L = pos.length ? R * R - Math.min(...pos.map(([x, y]) => (gx - x) ** 2 + (gy - y) ** 2)) : b ? BIG : -BIG;
      if (neg.length) L = Math.min(L, Math.min(...neg.map(([x, y]) => (gx - x) ** 2 + (gy - y) ** 2)) - r * r);
      if (b) L = Math.min(L, 64 * Math.min(gx - b[0], b[2] - gx, gy - b[1], b[3] - gy));
      out[Y * W + X] = L > 0 ? 1 : 0;
    }
  }
  return out;
}
