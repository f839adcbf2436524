/**
 * Weight averaging (DML-CSR eq. 6) with generated checkpoints: initializers follow the formula, int64
 * initializers are copied, the card and the averaging record are in the metadata, onnxruntime runs the
 * result (and matches a model built directly from the expected weights), graph mismatches are named;
 * `parsel average` through the built CLI bundle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCliBundle } from '../tooling/cli-bundle';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AVERAGING_METADATA_KEY,
  averageCheckpoints,
  bf16ToNumber,
  GraphMismatchError,
  halfToNumber,
  numberToBf16,
  numberToHalf,
  type Checkpoint,
} from '../../src/main/inference/average';
import { readInitializers, readOnnxMetadata } from '../../src/main/inference/onnx-proto';
import { encodeModel, type NodeDef, type TensorInit } from '../tooling/onnx-writer';
import { CARD_METADATA_KEY } from '../../src/shared/models/card';

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'out', 'test-average-cli', 'parsel.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parsel-average-'));
const K = 4;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Variant {
  /** Activation after the BatchNorm (default Relu). */
  act?: string;
  /** Conv kernel size (default 3). */
  kernel?: number;
  /** The int64 Reshape target (default [1, K, -1]). */
  shape?: number[];
}

/** Conv(3→K) → BatchNormalization (running statistics as initializers) → act → Reshape. Random floats from `seed`. */
function weights(seed: number, v: Variant = {}): TensorInit[] {
  const r = rng(seed);
  const ks = v.kernel ?? 3;
  const f = (name: string, dims: number[], lo: number, hi: number): TensorInit => {
    const n = dims.reduce((a, b) => a * b, 1);
    return { name, dims, data: Float32Array.from({ length: n }, () => lo + (hi - lo) * r()) };
  };
  return [
    f('conv.w', [K, 3, ks, ks], -1, 1),
    f('conv.b', [K], -0.5, 0.5),
    f('bn.scale', [K], 0.5, 1.5),
    f('bn.bias', [K], -0.5, 0.5),
    f('bn.mean', [K], -0.3, 0.3),
    f('bn.var', [K], 0.5, 2),
    { name: 'shape', dims: [3], data: BigInt64Array.from((v.shape ?? [1, K, -1]).map(BigInt)) },
  ];
}

function model(inits: TensorInit[], v: Variant = {}, metadata?: Record<string, string>): Uint8Array {
  const ks = v.kernel ?? 3;
  const p = (ks - 1) >> 1;
  const nodes: NodeDef[] = [
    { op: 'Conv', inputs: ['image', 'conv.w', 'conv.b'], outputs: ['c'], attrs: { kernel_shape: [ks, ks], pads: [p, p, p, p] } },
    { op: 'BatchNormalization', inputs: ['c', 'bn.scale', 'bn.bias', 'bn.mean', 'bn.var'], outputs: ['n'], attrs: { epsilon: { float: 1e-5 } } },
    { op: v.act ?? 'Relu', inputs: ['n'], outputs: ['a'] },
    { op: 'Reshape', inputs: ['a', 'shape'], outputs: ['out'] },
  ];
  return encodeModel({ nodes, inputs: [{ name: 'image', shape: [1, 3, 6, 6] }], outputs: [{ name: 'out', shape: [1, K, 36] }], initializers: inits, metadata });
}

const CARD = JSON.stringify({ name: 'tiny', input: { name: 'image' }, output: { name: 'out', kind: 'logits' }, labels: 'lapa-11' });
const ck = (name: string, seed: number, v: Variant = {}, meta?: Record<string, string>): Checkpoint => ({ name, bytes: model(weights(seed, v), v, meta) });
const floats = (bytes: Uint8Array) =>
  new Map(readInitializers(bytes).map((t) => [t.name, t.dataType === 1 ? Array.from(new Float32Array(t.raw!.slice().buffer)) : Array.from(new BigInt64Array(t.raw!.slice().buffer), Number)]));

function parsel(...args: string[]) {
  const script = `const { main } = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)}); process.exitCode = await main(${JSON.stringify(args)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: { ...process.env, PARSEL_USER_DATA: join(dir, 'user') }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function run(bytes: Uint8Array, input: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const r = await s.run({ image: new ort.Tensor('float32', input, [1, 3, 6, 6]) });
    return r.out.data as Float32Array;
  } finally {
    await s.release();
  }
}

beforeAll(async () => {
  await buildCliBundle(dirname(BUNDLE));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('averageCheckpoints', () => {
  it('plain mean of two checkpoints: every float initializer (BatchNorm statistics included) is the mean; int64 copied', () => {
    const a = ck('a.onnx', 1, {}, { [CARD_METADATA_KEY]: CARD });
    const b = ck('b.onnx', 2);
    const { model: out, record } = averageCheckpoints([a, b]);
    const [fa, fb, fo] = [floats(a.bytes), floats(b.bytes), floats(out)];
    expect(fa.get('conv.w')).not.toEqual(fb.get('conv.w'));
    for (const name of ['conv.w', 'conv.b', 'bn.scale', 'bn.bias', 'bn.mean', 'bn.var']) {
      const want = fa.get(name)!.map((x, i) => Math.fround((x + fb.get(name)![i]) / 2));
      expect(fo.get(name)).toEqual(want);
    }
    expect(fo.get('shape')).toEqual([1, K, -1]);
    expect(record).toMatchObject({ k: null, best: null, averagedInitializers: 6, copiedInitializers: 1, formula: 'M = 1/N·Σ_n M_n' });
    const meta = readOnnxMetadata(out);
    expect(meta[CARD_METADATA_KEY]).toBe(CARD);
    expect(JSON.parse(meta[AVERAGING_METADATA_KEY])).toMatchObject({ checkpoints: [{ name: 'a.onnx' }, { name: 'b.onnx' }], normalisation: expect.stringMatching(/averaged.*not re-estimated/) });
  });

  it('with a best model: M = k/(k+1)·M_best + 1/((k+1)N)·Σ M_n', () => {
    const best = ck('best.onnx', 7);
    const cs = [ck('c1.onnx', 3), ck('c2.onnx', 4), ck('c3.onnx', 5)];
    const k = 2;
    const { model: out, record } = averageCheckpoints(cs, { best, k });
    const fbest = floats(best.bytes);
    const fc_ = cs.map((c) => floats(c.bytes));
    const fo = floats(out);
    for (const name of ['conv.w', 'bn.var']) {
      const want = fbest.get(name)!.map((x, i) => Math.fround((k / (k + 1)) * x + (1 / ((k + 1) * 3)) * fc_.reduce((s, f) => s + f.get(name)![i], 0)));
      const got = fo.get(name)!;
      got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 6));
    }
    expect(record).toMatchObject({ k: 2, best: { name: 'best.onnx' } });
  });

  it('onnxruntime runs the averaged model, with the output of a model built from the expected weights', async () => {
    const a = ck('a.onnx', 11);
    const b = ck('b.onnx', 12);
    const { model: out } = averageCheckpoints([a, b]);
    const wa = weights(11);
    const wb = weights(12);
    const expected = wa.map((t, j) =>
      t.data instanceof Float32Array ? { ...t, data: t.data.map((x, i) => (x + (wb[j].data as Float32Array)[i]) / 2) } : t,
    );
    const input = Float32Array.from({ length: 3 * 36 }, (_, i) => Math.sin(i));
    const got = await run(out, input);
    const want = await run(model(expected), input);
    expect(got.length).toBe(K * 36);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(Array.from(got)).not.toEqual(Array.from(await run(a.bytes, input)));
  });

  it('names the first difference when the graphs differ', () => {
    const a = ck('a.onnx', 1);
    const expectMismatch = (b: Checkpoint, msg: RegExp) => {
      try {
        averageCheckpoints([a, b]);
      } catch (e) {
        expect(e).toBeInstanceOf(GraphMismatchError);
        expect((e as Error).message).toMatch(msg);
        return;
      }
      throw new Error('expected a GraphMismatchError');
    };
    expectMismatch(ck('sig.onnx', 2, { act: 'Sigmoid' }), /^sig\.onnx does not share the graph of a\.onnx: node 2 \(Relu_2\): op type Relu vs Sigmoid$/);
    expectMismatch(ck('k1.onnx', 2, { kernel: 1 }), /node 0 \(Conv_0\): attribute "kernel_shape" differs/);
    expectMismatch(ck('shape.onnx', 2, { shape: [1, K, 36] }), /shape\.onnx: int64 initializer "shape" differs from a\.onnx; only floating-point initializers are averaged/);
    const w = weights(2);
    w[1] = { name: 'conv.b', dims: [2, 2], data: new Float32Array(4) };
    expectMismatch({ name: 'dims.onnx', bytes: model(w) }, /initializer "conv\.b" has shape \[2, 2\], not \[4\]/);
    const renamed = weights(2).map((t) => (t.name === 'bn.mean' ? { ...t, name: 'bn.running_mean' } : t));
    // The node still reads bn.mean: the initializer set differs.
    expectMismatch({ name: 'renamed.onnx', bytes: model(renamed) }, /renamed\.onnx does not share the graph of a\.onnx: initializer "bn\.mean" is missing/);
  });

  it('refuses a lone checkpoint without a best model, k without a best model, a negative k', () => {
    const a = ck('a.onnx', 1);
    expect(() => averageCheckpoints([a])).toThrow(/at least two checkpoints/);
    expect(() => averageCheckpoints([a, ck('b.onnx', 2)], { k: 1 })).toThrow(/give a best model/);
    expect(() => averageCheckpoints([a], { best: ck('b.onnx', 2), k: -1 })).toThrow(/k must be a finite number >= 0/);
  });
});

describe('float16 / bfloat16 conversions used for half-precision initializers', () => {
  it('every float16 value survives number → half → number', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = halfToNumber(h);
      if (Number.isNaN(v)) expect(Number.isNaN(halfToNumber(numberToHalf(v)))).toBe(true);
      else expect(halfToNumber(numberToHalf(v))).toBe(v);
    }
    expect(halfToNumber(0x3c00)).toBe(1);
    expect(halfToNumber(0xc000)).toBe(-2);
  });

  it('rounds to the nearest half and bfloat16', () => {
    fc.assert(
      fc.property(fc.double({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const h = halfToNumber(numberToHalf(x));
        const ulp = Math.abs(x) < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 10);
        expect(Math.abs(h - x)).toBeLessThanOrEqual(ulp / 2 + 1e-300);
        const b = bf16ToNumber(numberToBf16(x));
        expect(Math.abs(b - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -8 + 1e-38);
      }),
    );
  });
});

describe('parsel average (built bundle)', () => {
  it('writes the averaged model, copies a sidecar card, refuses mismatches and overwrites', () => {
    const paths = ['m1', 'm2', 'best'].map((n, i) => {
      const p = join(dir, `${n}.onnx`);
      writeFileSync(p, model(weights(20 + i)));
      return p;
    });
    writeFileSync(join(dir, 'best.card.json'), CARD);
    const out = join(dir, 'avg.onnx');
    const r = parsel('average', out, paths[0], paths[1], '--best', paths[2], '--k', '1', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.out);
    expect(rec).toMatchObject({ k: 1, averagedInitializers: 6, copiedInitializers: 1, card: join(dir, 'avg.card.json') });
    expect(readFileSync(join(dir, 'avg.card.json'), 'utf8')).toBe(CARD);
    expect(floats(new Uint8Array(readFileSync(out))).get('shape')).toEqual([1, K, -1]);
    // `parsel models check` reads the averaging record back and says what the model is.
    const said = parsel('models', 'check', out);
    expect(said.out).toContain('averaged: Weight-averaged self-ensemble of 2 checkpoints and best model best.onnx (k = 1, DML-CSR eq. 6); normalisation statistics (BatchNorm) averaged, not re-estimated on data.');
    expect(parsel('models', 'check', paths[0]).out).not.toContain('averaged:');
    const again = parsel('average', out, paths[0], paths[1]);
    expect(again.code).toBe(3);
    expect(again.err).toMatch(/exists; pass --force/);
    const text = parsel('average', out, paths[0], paths[1], '--force');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/6 float initializers averaged, 1 copied/);
    expect(text.out).toMatch(/averaged, not re-estimated/);
    writeFileSync(join(dir, 'sig.onnx'), model(weights(30, { act: 'Sigmoid' }), { act: 'Sigmoid' }));
    const bad = parsel('average', join(dir, 'x.onnx'), paths[0], join(dir, 'sig.onnx'));
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/sig\.onnx does not share the graph of m1\.onnx: node 2 \(Relu_2\): op type Relu vs Sigmoid \[INVALID_INPUT\]/);
    expect(existsSync(join(dir, 'x.onnx'))).toBe(false);
    expect(parsel('average', out, paths[0]).code).toBe(2);
    expect(parsel('average', join(dir, 'y.onnx'), paths[0], paths[1], '--k', '2').code).toBe(2);
    expect(parsel('average', join(dir, 'y.onnx'), paths[0], join(dir, 'missing.onnx')).code).toBe(3);
    const help = parsel('average', '--help');
    expect(help.out + help.err).toMatch(/not re-estimated/);
  });
});
