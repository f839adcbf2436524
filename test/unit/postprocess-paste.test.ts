/**
 * The upsample + arg-max paste (src/main/inference/postprocess.ts) against the plain path
 * (test/tooling/paste-reference.ts: softmax of every source pixel, then at every target pixel every
 * class interpolated and the first largest taken). Labels, probabilities and the crops' centrality must agree bit for bit
 * on ties and near-ties, smooth and quantised logits, probabilities after flip-TTA, model-set averaging
 * and a schema remap, non-finite values, a generated model's output, odd sizes, up- and downsampling,
 * letterbox frames, overlapping face crops and 1-pixel images and outputs.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { mergeFlip, newTarget, paste, softmaxPlanar } from '../../src/main/inference/postprocess';
import type { Frame } from '../../src/main/inference/preprocess';
import { applyProbRemap, buildProbRemap } from '../../src/shared/models/prob-remap';
import { flipPartnerLut, getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { colourRuleModel } from '../tooling/onnx-gen';
import { referencePaste } from '../tooling/paste-reference';
import { Rng } from '../../src/shared/random';

/** Uniform [0, 1) numbers from the project's seeded PRNG (shared/random.ts). */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** x moved by d float32 ulps. */
function ulps(x: number, d: number): number {
  const f = new Float32Array([x]);
  const i = new Int32Array(f.buffer);
  if (x === 0) return d === 0 ? 0 : Math.sign(d) * 2 ** -149 * Math.abs(d);
  i[0] += x > 0 ? d : -d;
  return f[0];
}

/** Logits from a few levels, so that exact ties and 1–2 ulp near-ties are everywhere. */
function tieLogits(K: number, n: number, r: () => number, scale: number): Float32Array {
  const p = new Float32Array(K * n);
  for (let i = 0; i < p.length; i++) {
    const level = scale * (Math.floor(r() * 3) - 1);
    const u = r();
    p[i] = u < 0.5 ? level : ulps(level, u < 0.75 ? 1 : u < 0.9 ? -1 : 2);
  }
  return p;
}

/** Smooth class fields (blobs with boundaries, like a network's output); `quantum` rounds them (ties on plateaus). */
function smoothLogits(K: number, oh: number, ow: number, r: () => number, quantum = 0): Float32Array {
  const n = oh * ow;
  const p = new Float32Array(K * n);
  for (let k = 0; k < K; k++) {
    const fx = (0.25 + 1.25 * r()) / Math.max(ow, 2);
    const fy = (0.25 + 1.25 * r()) / Math.max(oh, 2);
    const px = 6.3 * r();
    const py = 6.3 * r();
    const amp = 2 + 6 * r();
    const bias = 2 * r();
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let v = amp * Math.sin(6.28 * fx * x + px) * Math.cos(6.28 * fy * y + py) + bias;
        if (quantum) v = Math.round(v / quantum) * quantum;
        p[k * n + y * ow + x] = v;
      }
    }
  }
  return p;
}

function softmaxed(p: Float32Array, K: number, n: number): Float32Array {
  const q = p.slice();
  softmaxPlanar(q, K, n);
  return q;
}

/** Pastes `p` into fresh targets by both paths (one or several frames), and compares everything. */
function expectSame(
  p: Float32Array,
  K: number,
  oh: number,
  ow: number,
  isProb: boolean,
  frames: Frame[],
  W: number,
  H: number,
  what: string,
): number {
  let interpolated = 0;
  for (const wantProbs of [false, true]) {
    const crops = frames.length > 1 || frames[0].x0 > 0 || frames[0].y0 > 0;
    const fast = newTarget(W, H, K, wantProbs, crops);
    const ref = newTarget(W, H, K, wantProbs, crops);
    for (const f of frames) {
      const n = paste(p.slice(), K, oh, ow, isProb, f, fast);
      if (!wantProbs) interpolated += n;
      referencePaste(p.slice(), K, oh, ow, isProb, f, ref);
    }
    const label = `${what} (${wantProbs ? 'with probabilities' : 'labels only'})`;
    const firstDiff = fast.labels.findIndex((v, i) => v !== ref.labels[i]);
    expect(firstDiff, `${label}: first differing label at ${firstDiff}`).toBe(-1);
    if (wantProbs) expect(Buffer.from(fast.probs as Uint8Array).equals(Buffer.from(ref.probs as Uint8Array)), `${label}: probabilities`).toBe(true);
    if (crops) expect(Buffer.from((fast.best as Float32Array).buffer).equals(Buffer.from((ref.best as Float32Array).buffer)), `${label}: crop centrality`).toBe(true);
  }
  return interpolated;
}

/** Model output sizes and the image sizes pasted onto (stretch: the frame is the whole image). */
const GEOMETRY: [number, number, number, number][] = [
  // oh, ow, H, W
  [1, 1, 1, 1],
  [1, 1, 5, 3],
  [1, 6, 1, 1],
  [1, 6, 4, 13],
  [5, 1, 11, 2],
  [2, 2, 1, 1],
  [2, 2, 7, 7],
  [7, 9, 14, 18],
  [7, 9, 3, 4],
  [16, 16, 37, 53],
  [16, 16, 9, 5],
  [33, 17, 66, 34],
  [33, 17, 100, 71],
  [24, 40, 24, 40],
  [48, 48, 17, 23],
  [64, 64, 128, 128],
  [64, 48, 31, 200],
];

describe('paste: the labels-only shortcut and the row-by-row probabilities give what the plain path gives', () => {
  it('random logits full of exact ties and 1–2 ulp near-ties, at three scales (near 0 the softmax merges them)', () => {
    const r = rng(1);
    for (const [oh, ow, H, W] of GEOMETRY) {
      for (const K of [1, 2, 3, 19]) {
        for (const scale of [1e-8, 1, 3000]) {
          const p = tieLogits(K, oh * ow, r, scale);
          const what = `ties K=${K} scale ${scale} ${oh}x${ow} → ${H}x${W}`;
          expectSame(p, K, oh, ow, false, [{ x0: 0, y0: 0, w: W, h: H }], W, H, `${what}, logits`);
          expectSame(softmaxed(p, K, oh * ow), K, oh, ow, true, [{ x0: 0, y0: 0, w: W, h: H }], W, H, `${what}, probabilities`);
          // Probabilities given as ties directly (a model's own softmax can tie too).
          expectSame(tieLogits(K, oh * ow, r, 0.25).map(Math.abs), K, oh, ow, true, [{ x0: 0, y0: 0, w: W, h: H }], W, H, `${what}, tied probabilities`);
        }
      }
    }
  });

  it('smooth and quantised smooth logits: most target pixels take the shortcut, all agree', () => {
    const r = rng(2);
    let interpolated = 0;
    let pixels = 0;
    for (const [oh, ow, H, W] of GEOMETRY) {
      for (const quantum of [0, 0.5, 2 ** -20]) {
        const K = 11;
        const p = smoothLogits(K, oh, ow, r, quantum);
        const frame = { x0: 0, y0: 0, w: W, h: H };
        const a = expectSame(p, K, oh, ow, false, [frame], W, H, `smooth q=${quantum} ${oh}x${ow} → ${H}x${W}, logits`);
        const b = expectSame(softmaxed(p, K, oh * ow), K, oh, ow, true, [frame], W, H, `smooth q=${quantum} ${oh}x${ow} → ${H}x${W}, probabilities`);
        if (oh >= 16 && ow >= 16) {
          interpolated += a + b;
          pixels += 2 * W * H;
        }
      }
    }
    // The comparison is not vacuous: on the larger outputs the shortcut did most of the work.
    expect(interpolated / pixels).toBeLessThan(0.4);
    expect(interpolated).toBeGreaterThan(0);
  });

  it('a logit near-tie that the softmax turns into an exact tie: the lower class, as the plain path says', () => {
    // Class 1 is the larger logit by one ulp everywhere, but both probabilities round to 0.5.
    const oh = 4;
    const ow = 4;
    const n = oh * ow;
    const p = new Float32Array(2 * n);
    p.fill(1e-8, 0, n);
    p.fill(ulps(1e-8, 1), n);
    expect(p[n] > p[0]).toBe(true);
    const probs = softmaxed(p, 2, n);
    expect(probs[0]).toBe(probs[n]);
    const t = newTarget(8, 8, 2, false, false);
    const interpolated = paste(p.slice(), 2, oh, ow, false, { x0: 0, y0: 0, w: 8, h: 8 }, t);
    expect([...new Set(t.labels)]).toEqual([0]);
    expect(interpolated).toBe(64);
    expectSame(p, 2, oh, ow, false, [{ x0: 0, y0: 0, w: 8, h: 8 }], 8, 8, 'softmax tie');
  });

  it('flip-TTA merge, model-set average and a schema remap (probabilities in)', () => {
    const r = rng(3);
    const B = getSchema('celebamask-hq-b');
    const lut = flipPartnerLut(B);
    const remap = buildProbRemap(B, getSchema('lapa-11'));
    expect(remap).not.toBeNull();
    const K = B.classes.length;
    for (const [oh, ow, H, W] of [
      [16, 16, 32, 32],
      [9, 14, 31, 40],
      [1, 3, 2, 7],
    ]) {
      const n = oh * ow;
      const a = softmaxed(smoothLogits(K, oh, ow, r), K, n);
      const f = softmaxed(smoothLogits(K, oh, ow, r), K, n);
      mergeFlip(a, f, K, oh, ow, lut);
      const frame = { x0: 0, y0: 0, w: W, h: H };
      expectSame(a, K, oh, ow, true, [frame], W, H, `flip-merged ${oh}x${ow}`);
      const b = softmaxed(smoothLogits(K, oh, ow, r, 0.5), K, n);
      const avg = a.map((v, i) => v + b[i]);
      for (let i = 0; i < avg.length; i++) avg[i] *= 1 / 2;
      expectSame(avg, K, oh, ow, true, [frame], W, H, `set average ${oh}x${ow}`);
      const mapped = applyProbRemap(avg, n, remap!);
      expectSame(mapped, remap!.targetClasses, oh, ow, true, [frame], W, H, `remapped ${oh}x${ow}`);
    }
  });

  it('letterbox frames, face crops that overlap and leave the image, down- and upsampling', () => {
    const r = rng(4);
    const K = 7;
    for (const [oh, ow] of [
      [12, 12],
      [5, 8],
      [1, 1],
    ]) {
      const p = smoothLogits(K, oh, ow, r, 0.25);
      const probs = softmaxed(p, K, oh * ow);
      const W = 41;
      const H = 29;
      const frameSets: Frame[][] = [
        [{ x0: -6.5, y0: 0, w: W + 13, h: H }],
        [{ x0: 0, y0: -3.25, w: W, h: H + 6.5 }],
        [
          { x0: 3.3, y0: 2.1, w: 20.2, h: 20.2 },
          { x0: 12.7, y0: -5.5, w: 33.9, h: 33.9 },
          { x0: -8, y0: 10.4, w: 17, h: 25 },
        ],
        [{ x0: 30.5, y0: 20.25, w: 3.5, h: 2 }],
        [{ x0: 1.5, y0: 1.5, w: 80, h: 60 }],
      ];
      for (const frames of frameSets) {
        const what = `${oh}x${ow} into ${frames.length} frame(s) from x0 ${frames[0].x0}`;
        expectSame(p, K, oh, ow, false, frames, W, H, `${what}, logits`);
        expectSame(probs, K, oh, ow, true, frames, W, H, `${what}, probabilities`);
      }
    }
  });

  it('NaN, +∞ and −∞ among the values: the plain path’s labels (no shortcut through them)', () => {
    const r = rng(5);
    const K = 5;
    const oh = 9;
    const ow = 11;
    const n = oh * ow;
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of ['class 0', 'any class']) {
        const p = smoothLogits(K, oh, ow, r);
        for (let i = 0; i < 6; i++) {
          const q = Math.floor(r() * n);
          p[(at === 'class 0' ? 0 : Math.floor(r() * K)) * n + q] = bad;
        }
        const frame = { x0: 0, y0: 0, w: 23, h: 17 };
        expectSame(p, K, oh, ow, false, [frame], 23, 17, `${bad} at ${at}, logits`);
        expectSame(p, K, oh, ow, true, [frame], 23, 17, `${bad} at ${at}, probabilities`);
      }
    }
  });

  it('a generated model’s logits and probabilities on a synthetic face (colour rule), 2× and odd sizes', async () => {
    const schema = getSchema('lapa-11');
    const centroids = schema.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);
    const size = 96;
    const face = generateFace({ seed: 7, width: size, height: size, schema });
    const x = new Float32Array(3 * size * size);
    for (let q = 0; q < size * size; q++) for (let c = 0; c < 3; c++) x[c * size * size + q] = face.rgb[q * 3 + c] / 255;
    const K = schema.classes.length;
    for (const probabilities of [false, true]) {
      const session = await ort.InferenceSession.create(colourRuleModel({ centroids, probabilities }));
      const out = await session.run({ image: new ort.Tensor('float32', x, [1, 3, size, size]) });
      await session.release();
      const p = out.out.data as Float32Array;
      expect(p.length).toBe(K * size * size);
      for (const [W, H] of [
        [192, 192],
        [250, 171],
        [61, 47],
      ]) {
        expectSame(p, K, size, size, probabilities, [{ x0: 0, y0: 0, w: W, h: H }], W, H, `colour rule ${probabilities ? 'probabilities' : 'logits'} → ${W}x${H}`);
      }
    }
  });
});
