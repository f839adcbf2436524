import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InferenceEngine,
  appendOnnxMetadata,
  boxFromLandmarks,
  checkCard,
  inspectModel,
  loadModelCard,
  readOnnxMetadata,
  type BatchResult,
  type Box,
  type ModelCard,
} from '../../src/main/inference';
import { Runner } from '../../src/main/inference/runner';
import { mergeFlip, softmaxPlanar, argmaxPlanar } from '../../src/main/inference/postprocess';
import { parseAnyCardJson, parseModelCard, type ModelCardInput } from '../../src/shared/models/card';
import { flipPartnerLut, getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { asymmetricModel, bisenetLikeModel, colourRuleLogits, colourRuleModel, softmax } from '../tooling/onnx-gen';

const LAPA = getSchema('lapa-11');
const B = getSchema('celebamask-hq-b');
let dir: string;

function card(c: ModelCardInput): ModelCard {
  const r = parseModelCard(c);
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.card;
}

/** Centroids: the schema's palette colours on 0..1 (input is p/255, mean 0, std 1). */
const lapaCentroids = LAPA.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);
/** A second centroid set (shifted), for model sets. */
const shifted = lapaCentroids.map((c) => c.map((v, i) => Math.min(1, v + 0.15 * (i - 1))) as [number, number, number]);

/** argmax with a margin: the gap between best and second (ties or near-ties are not asserted). */
function argmaxMargin(v: number[]): { k: number; margin: number } {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
  let second = -Infinity;
  for (let i = 0; i < v.length; i++) if (i !== k) second = Math.max(second, v[i]);
  return { k, margin: v[k] - second };
}

const colourCard = (size: number, extra: Partial<ModelCardInput> = {}): ModelCard =>
  card({ name: 'colour rule', input: { name: 'image', width: size, height: size }, output: { kind: 'logits' }, labels: 'lapa-11', ...extra });

let colourPath: string;
let colourProbPath: string;
let shiftedPath: string;
let asymPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parsel-inference-'));
  colourPath = join(dir, 'colour.onnx');
  colourProbPath = join(dir, 'colour-prob.onnx');
  shiftedPath = join(dir, 'shifted.onnx');
  asymPath = join(dir, 'asym.onnx');
  writeFileSync(colourPath, colourRuleModel({ centroids: lapaCentroids }));
  writeFileSync(colourProbPath, colourRuleModel({ centroids: lapaCentroids, probabilities: true }));
  writeFileSync(shiftedPath, colourRuleModel({ centroids: shifted }));
  // celebamask-hq-b: l_eye 4 / r_eye 5 are partners
  writeFileSync(asymPath, asymmetricModel({ classes: 19, left: 4, right: 5, width: 32, height: 16 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model cards', () => {
  it('parse with defaults and field-named messages', () => {
    const ok = colourCard(64);
    expect(ok.input.layout).toBe('NCHW');
    expect(ok.input.colorOrder).toBe('RGB');
    expect(ok.expects).toBe('image');
    const bad = parseModelCard({ name: 'x', input: { name: 'in', width: 0, height: 512, std: [1, 0, 1], extra: 1 }, output: { kind: 'logit' }, labels: 'nope' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        'input.width must be at least 1',
        'input.std values must all be > 0',
        'input: unknown field "extra"',
        'output.kind must be "logits" or "probabilities"',
        expect.stringMatching(/^labels: unknown label schema "nope"; known: celebamask-hq-a/),
      ]),
    );
    const missing = parseModelCard({ name: 'x', input: { width: 1, height: 1 }, output: { kind: 'logits' }, labels: 'lapa-11' });
    expect(!missing.ok && missing.problems).toEqual(['input.name: required field is missing']);
  });

  it('are checked against the graph with specific messages', async () => {
    const graph = await inspectModel(colourPath);
    expect(graph.inputs[0]).toMatchObject({ name: 'image', type: 'float32', shape: [1, 3, 'h', 'w'] });
    expect(checkCard(colourCard(64), graph)).toEqual([]);
    expect(checkCard(colourCard(64, { input: { name: 'input', width: 64, height: 64 } }), graph)).toEqual([
      'input.name: the graph has no input "input"; its inputs are "image" [1, 3, h, w]',
    ]);
    expect(checkCard(colourCard(64, { labels: 'celebamask-hq-b' }), graph)[0]).toMatch(
      /output "out" \[1, 11, h, w\] has 11 classes but the card's schema "celebamask-hq-b" has 19/,
    );
    expect(checkCard(colourCard(64, { input: { name: 'image', width: 64, height: 64, layout: 'NHWC' } }), graph)).toEqual([
      'input "image" [1, 3, h, w] looks NCHW (3 channels in NCHW position) but the card says NHWC: set input.layout to "NCHW"',
    ]);
    const asym = await inspectModel(asymPath);
    const asymCard = card({ name: 'a', input: { name: 'image', width: 64, height: 16 }, output: { kind: 'logits' }, labels: 'lapa-11' });
    expect(checkCard(asymCard, asym)).toEqual([
      'input.width: the card says 64 but the graph\'s input width is 32 [1, 3, 16, 32]',
      'output "out" [1, 19, 16, 32] has 19 classes but the card\'s schema "lapa-11" has 11; choose the schema the model was trained with (or check output.layout)',
    ]);
  });

  it('the example cards in models/ are valid', () => {
    const files = readdirSync('models').filter((f) => f.endsWith('.card.json'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) expect(parseAnyCardJson(readFileSync(join('models', f), 'utf8'), f)).toMatchObject({ ok: true });
    // the face-detector example is a detector card (face-detection), the others parser cards
    const tasks = files.map((f) => {
      const r = parseAnyCardJson(readFileSync(join('models', f), 'utf8'), f);
      return r.ok ? r.card.task : 'invalid';
    });
    expect(tasks.filter((t) => t === 'face-detection')).toHaveLength(1);
    expect(tasks.filter((t) => t === 'face-parsing')).toHaveLength(files.length - 1);
  });

  it('load from the ONNX metadata when no .card.json is beside the model', () => {
    const bytes = appendOnnxMetadata(colourRuleModel({ centroids: lapaCentroids }), { 'parsel.card': JSON.stringify({ name: 'meta', input: { name: 'image', width: 8, height: 8 }, output: { kind: 'logits' }, labels: 'lapa-11' }) });
    const p = join(dir, 'meta.onnx');
    writeFileSync(p, bytes);
    expect(readOnnxMetadata(p)['parsel.card']).toContain('"meta"');
    expect(loadModelCard(p).name).toBe('meta');
    writeFileSync(join(dir, 'meta.card.json'), '{"name": 1}');
    expect(() => loadModelCard(p)).toThrow(/meta\.card\.json: name/);
  });
});

describe('engine (through the worker)', () => {
  let engine: InferenceEngine;
  beforeAll(async () => {
    engine = await InferenceEngine.create({ models: [{ path: colourPath, card: colourCard(64) }], providers: ['cpu'], intraOpThreads: 1 });
  });
  afterAll(() => engine.close());

  it('colour-rule model: exactly the nearest-centroid mask on a synthetic face', async () => {
    expect(engine.provider).toBe('cpu');
    expect(engine.warnings).toEqual([]);
    const f = generateFace({ seed: 3, width: 64, height: 64, schema: LAPA });
    const p = await engine.predict(f);
    expect(p.width).toBe(64);
    expect(p.labels.length).toBe(64 * 64);
    expect(p.probs!.length).toBe(11 * 64 * 64);
    let checked = 0;
    for (let q = 0; q < 64 * 64; q++) {
      const { k, margin } = argmaxMargin(colourRuleLogits(lapaCentroids, f.rgb[q * 3], f.rgb[q * 3 + 1], f.rgb[q * 3 + 2]));
      if (margin < 1e-5) continue;
      checked++;
      expect(p.labels[q]).toBe(k);
    }
    expect(checked).toBeGreaterThan(4000); // exact ties (equidistant colours) are skipped
    expect(new Set(p.labels).size).toBeGreaterThan(2);
    // probabilities: softmax of the logits, quantised
    const q = 33 * 64 + 20;
    const sm = softmax(colourRuleLogits(lapaCentroids, f.rgb[q * 3], f.rgb[q * 3 + 1], f.rgb[q * 3 + 2]));
    for (let k = 0; k < 11; k++) expect(Math.abs(p.probs![k * 64 * 64 + q] - sm[k] * 255)).toBeLessThanOrEqual(1);
  });

  it('labels are at the image size (upsampled probabilities), and mostly the colour rule of the original pixels', async () => {
    const f = generateFace({ seed: 4, width: 160, height: 128, schema: LAPA, noise: 0 });
    const p = await engine.predict(f, { probs: false });
    expect(p.probs).toBeNull();
    expect([p.width, p.height, p.labels.length]).toEqual([160, 128, 160 * 128]);
    let agree = 0;
    for (let q = 0; q < 160 * 128; q++) if (p.labels[q] === argmaxMargin(colourRuleLogits(lapaCentroids, f.rgb[q * 3], f.rgb[q * 3 + 1], f.rgb[q * 3 + 2])).k) agree++;
    expect(agree / (160 * 128)).toBeGreaterThan(0.8);
  });

  it('batch run: paths and pixels, results in order, a bad file reported', async () => {
    const sub = join(dir, 'batch');
    mkdirSync(sub, { recursive: true });
    const items = [];
    for (let i = 0; i < 3; i++) {
      const f = generateFace({ seed: 10 + i, width: 64, height: 64, schema: LAPA });
      const path = join(sub, `${i}.png`);
      await sharp(f.rgb, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(path);
      items.push({ key: `p${i}`, path }, { key: `m${i}`, rgb: f.rgb.slice(), width: 64, height: 64 });
    }
    items.push({ key: 'bad', path: join(sub, 'missing.jpg') });
    const got: BatchResult[] = [];
    const s = await engine.run(items, { concurrency: 3, onResult: (r) => void got.push(r) });
    expect(s).toMatchObject({ done: 6, failed: 1, cancelled: false });
    expect(got.map((r) => r.key)).toEqual(items.map((i) => i.key));
    // a PNG file and the same pixels in memory give the same labels
    const a = got[0];
    const b = got[1];
    expect(a.ok && b.ok && Buffer.from(a.labels).equals(Buffer.from(b.labels))).toBe(true);
    expect(got[6]).toMatchObject({ key: 'bad', ok: false });
  });

  it('a file rewritten in place is read again (no stale pixels from any cache)', async () => {
    const path = join(dir, 'replaced.png');
    const run = async () => {
      const got: BatchResult[] = [];
      await engine.run([{ key: 'x', path }], { onResult: (r) => void got.push(r) });
      if (!got[0].ok) throw new Error(got[0].error);
      return got[0].labels;
    };
    const faces = [1, 2].map((seed) => generateFace({ seed: 40 + seed, width: 64, height: 64, schema: LAPA }));
    const direct = await Promise.all(faces.map((f) => engine.predict(f, { probs: false })));
    expect(Buffer.from(direct[0].labels).equals(Buffer.from(direct[1].labels))).toBe(false);
    for (let i = 0; i < 2; i++) {
      // Same path, new content, the same size: what the engine labels is the new file's.
      writeFileSync(path, await sharp(faces[i].rgb, { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer());
      expect(Buffer.from(await run()).equals(Buffer.from(direct[i].labels))).toBe(true);
    }
  });
});

describe('a dead worker', () => {
  it('fails predictions at once, and close() does not wait for a reply it cannot get', async () => {
    const e = await InferenceEngine.create({ models: [{ path: colourPath, card: colourCard(8) }], providers: ['cpu'], intraOpThreads: 1 });
    await (e as unknown as { rpc: { worker: { terminate(): Promise<number> } } }).rpc.worker.terminate();
    await expect(e.predict({ rgb: new Uint8Array(8 * 8 * 3), width: 8, height: 8 })).rejects.toThrow(/inference worker exited/);
    const t0 = performance.now();
    await e.close();
    // A live worker answers in milliseconds; close()'s own wait for an answer is 10 s.
    expect(performance.now() - t0).toBeLessThan(5000);
  }, 30_000);
});

describe('softmaxPlanar', () => {
  it('every pixel (plane by plane) gives bit for bit what the pixel-by-pixel walk gives', () => {
    const K = 19;
    const n = 37 * 41;
    const p = new Float32Array(K * n);
    let x = 12345;
    for (let i = 0; i < p.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      p[i] = (x / 2 ** 32 - 0.5) * 40; // logits from -20 to 20
    }
    const all = p.slice();
    const each = p.slice();
    softmaxPlanar(all, K, n);
    softmaxPlanar(each, K, n, new Uint8Array(n).fill(1));
    expect(Buffer.from(all.buffer).equals(Buffer.from(each.buffer))).toBe(true);
    // And it is a softmax: sums to 1, order kept.
    for (const q of [0, 500, n - 1]) {
      let s = 0;
      for (let k = 0; k < K; k++) s += all[k * n + q];
      expect(s).toBeCloseTo(1, 5);
      expect(argmaxPlanar(all, K, n)[q]).toBe(argmaxPlanar(p, K, n)[q]);
    }
  });
});

describe('output kinds, TTA, model sets', () => {
  it('logits and probabilities outputs give the same labels and probabilities', async () => {
    const e1 = await InferenceEngine.create({ models: [{ path: colourPath, card: colourCard(48) }], providers: ['cpu'], intraOpThreads: 1 });
    const e2 = await InferenceEngine.create({
      models: [{ path: colourProbPath, card: colourCard(48, { output: { kind: 'probabilities' } }) }],
      providers: ['cpu'],
      intraOpThreads: 1,
    });
    try {
      const f = generateFace({ seed: 5, width: 96, height: 96, schema: LAPA });
      const [a, b] = await Promise.all([e1.predict(f), e2.predict(f)]);
      let diff = 0;
      for (let i = 0; i < a.labels.length; i++) if (a.labels[i] !== b.labels[i]) diff++;
      expect(diff).toBeLessThanOrEqual(2); // only float near-ties may differ
      let maxd = 0;
      for (let i = 0; i < a.probs!.length; i++) maxd = Math.max(maxd, Math.abs(a.probs![i] - b.probs![i]));
      expect(maxd).toBeLessThanOrEqual(1);
    } finally {
      await e1.close();
      await e2.close();
    }
  });

  it('flip-TTA swaps left/right partners back (and skipping the swap would break it)', async () => {
    const c = card({ name: 'asym', input: { name: 'image', width: 32, height: 16 }, output: { kind: 'logits' }, labels: 'celebamask-hq-b' });
    const plain = await InferenceEngine.create({ models: [{ path: asymPath, card: c }], providers: ['cpu'], intraOpThreads: 1 });
    const tta = await InferenceEngine.create({ models: [{ path: asymPath, card: c }], tta: 'flip', providers: ['cpu'], intraOpThreads: 1 });
    try {
      const f = generateFace({ seed: 6, width: 32, height: 16, schema: B });
      const a = await plain.predict(f);
      const b = await tta.predict(f);
      expect(a.labels[0]).toBe(4); // left half: l_eye
      expect(a.labels[31]).toBe(5); // right half: r_eye
      expect(Buffer.from(b.labels).equals(Buffer.from(a.labels))).toBe(true);
    } finally {
      await plain.close();
      await tta.close();
    }
    // The same merge without the partner swap (identity LUT) gives something else.
    const s = await ort.InferenceSession.create(asymPath);
    const x = new ort.Tensor('float32', new Float32Array(3 * 16 * 32), [1, 3, 16, 32]);
    const out = () => s.run({ image: x }).then((r) => Float32Array.from(r.out.data as Float32Array));
    const [p, pf] = [await out(), await out()];
    softmaxPlanar(p, 19, 512);
    softmaxPlanar(pf, 19, 512);
    const identity = Uint8Array.from({ length: 256 }, (_, i) => i);
    const noSwap = p.slice();
    mergeFlip(noSwap, pf, 19, 16, 32, identity);
    const swap = p.slice();
    mergeFlip(swap, pf, 19, 16, 32, flipPartnerLut(B));
    const plainLabels = argmaxPlanar(p, 19, 512);
    expect(Buffer.from(argmaxPlanar(swap, 19, 512)).equals(Buffer.from(plainLabels))).toBe(true);
    const wrong = argmaxPlanar(noSwap, 19, 512);
    let differ = 0;
    for (let i = 0; i < 512; i++) if (wrong[i] !== plainLabels[i]) differ++;
    expect(differ).toBeGreaterThanOrEqual(256); // at least one half comes out as the wrong side
    expect(Math.abs(noSwap[4 * 512] - 0.5 * (p[4 * 512] + p[5 * 512]))).toBeLessThan(1e-6); // l/r smeared
    await s.release();
  });

  it('model sets average probabilities', async () => {
    const c = colourCard(40);
    const e = await InferenceEngine.create({ models: [{ path: colourPath, card: c }, { path: shiftedPath, card: c }], providers: ['cpu'], intraOpThreads: 1 });
    try {
      const f = generateFace({ seed: 7, width: 40, height: 40, schema: LAPA });
      const p = await e.predict(f);
      let checked = 0;
      let differsFromFirst = 0;
      for (let q = 0; q < 1600; q++) {
        const [r, g, b] = [f.rgb[q * 3], f.rgb[q * 3 + 1], f.rgb[q * 3 + 2]];
        const s1 = softmax(colourRuleLogits(lapaCentroids, r, g, b));
        const s2 = softmax(colourRuleLogits(shifted, r, g, b));
        const avg = s1.map((v, k) => (v + s2[k]) / 2);
        const { k, margin } = argmaxMargin(avg);
        if (margin > 1e-5) {
          checked++;
          expect(p.labels[q]).toBe(k);
          expect(Math.abs(p.probs![k * 1600 + q] - avg[k] * 255)).toBeLessThanOrEqual(1);
        }
        if (k !== argmaxMargin(s1).k) differsFromFirst++;
      }
      expect(checked).toBeGreaterThan(1590);
      expect(differsFromFirst).toBeGreaterThan(0); // the second model matters
    } finally {
      await e.close();
    }
  });
});

describe('face crops', () => {
  it('crops from boxes and from landmarks, pasted back at full resolution, two faces', async () => {
    const faceCard = colourCard(32, { expects: 'face', crop: { margin: 0.2, square: true } });
    const e = await InferenceEngine.create({ models: [{ path: colourPath, card: faceCard }], providers: ['cpu'], intraOpThreads: 1 });
    try {
      // Two flat-colour regions: left = skin colour (class 1), right = hair colour (class 10).
      const W = 200;
      const H = 100;
      const rgb = new Uint8Array(W * H * 3);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) rgb.set(x < 100 ? LAPA.classes[1].color : LAPA.classes[10].color, (y * W + x) * 3);
      const faces: Box[] = [
        [20, 20, 70, 70],
        [130, 30, 170, 70],
      ];
      const p = await e.predict({ rgb, width: W, height: H }, { faces });
      expect(p.labels.length).toBe(W * H);
      expect(p.crops).toHaveLength(2);
      expect(p.crops[0]).toEqual([10, 10, 80, 80]); // 50 px box + 20 % on each side
      const at = (x: number, y: number) => p.labels[y * W + x];
      expect(at(45, 45)).toBe(1);
      expect(at(12, 12)).toBe(1);
      expect(at(150, 50)).toBe(10);
      expect(at(5, 5)).toBe(0); // outside every crop: background
      expect(at(100, 5)).toBe(0);
      expect(p.probs![0 * W * H + 5 * W + 5]).toBe(255);
      // every pixel inside a crop got its colour class
      for (let y = 11; y < 79; y++) for (let x = 11; x < 79; x++) expect(at(x, y)).toBe(1);

      // Landmarks of a generated two-face image → boxes → crops.
      const f = generateFace({ seed: 8, width: 192, height: 160, schema: LAPA, faces: 2 });
      const boxes = f.faces.map((fi) => boxFromLandmarks(fi.landmarks));
      expect(boxes).toHaveLength(2);
      const q = await e.predict(f, { faces: boxes, probs: false });
      let inside = 0;
      let agree = 0;
      for (const b of q.crops) {
        for (let y = Math.max(0, Math.ceil(b[1])); y < Math.min(160, b[3]); y++)
          for (let x = Math.max(0, Math.ceil(b[0])); x < Math.min(192, b[2]); x++) {
            const i = y * 192 + x;
            inside++;
            if (q.labels[i] === argmaxMargin(colourRuleLogits(lapaCentroids, f.rgb[i * 3], f.rgb[i * 3 + 1], f.rgb[i * 3 + 2])).k) agree++;
          }
      }
      expect(agree / inside).toBeGreaterThan(0.75); // crops are resampled to 32² and back
    } finally {
      await e.close();
    }
  });

  it('overlapping crops: each pixel takes the crop it is most central in', async () => {
    const faceCard = colourCard(16, { expects: 'face', crop: { margin: 0, square: true } });
    const e = await InferenceEngine.create({ models: [{ path: colourPath, card: faceCard }], providers: ['cpu'], intraOpThreads: 1 });
    try {
      const W = 100;
      const rgb = new Uint8Array(W * 50 * 3);
      for (let q = 0; q < W * 50; q++) rgb.set(q % W < 50 ? LAPA.classes[1].color : LAPA.classes[10].color, q * 3);
      // crop A covers x 0..60 (mostly skin), crop B x 40..100 (mostly hair): the seam lands at x = 50.
      const p = await e.predict({ rgb, width: W, height: 50 }, { faces: [[0, -5, 60, 55], [40, -5, 100, 55]], probs: false });
      expect(p.labels[25 * W + 45]).toBe(1);
      expect(p.labels[25 * W + 55]).toBe(10);
    } finally {
      await e.close();
    }
  });
});

describe('providers and responsiveness', () => {
  it('an unavailable provider asked first is reported and CPU is used', async () => {
    const e = await InferenceEngine.create({ models: [{ path: colourPath, card: colourCard(8) }], providers: ['cuda', 'nosuch'], intraOpThreads: 1 });
    try {
      expect(e.provider).toBe('cpu');
      expect(e.warnings.some((w) => w.includes('"cuda" failed to initialise') && w.includes('npm run get-cuda'))).toBe(true);
      expect(e.warnings.some((w) => w.includes('"nosuch" failed to initialise'))).toBe(true);
      expect(e.warnings.some((w) => w.includes('using execution provider "cpu" (fell back from "cuda")'))).toBe(true);
    } finally {
      await e.close();
    }
  });

  it('the main thread stays responsive during a batch (event-loop utilisation)', async () => {
    const path = join(dir, 'bisenet-128.onnx');
    writeFileSync(path, bisenetLikeModel({ size: 128, seed: 1 }));
    const c = card({ name: 'b', input: { name: 'input', width: 128, height: 128 }, output: { name: 'out', kind: 'logits' }, labels: 'celebamask-hq-b' });
    const e = await InferenceEngine.create({ models: [{ path, card: c }], providers: ['cpu'], intraOpThreads: 1 });
    try {
      const f = generateFace({ seed: 9, width: 256, height: 256, schema: B });
      const h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      const elu0 = performance.eventLoopUtilization();
      const t0 = performance.now();
      let n = 0;
      async function* items() {
        for (let i = 0; i < 12; i++) yield { key: String(i), rgb: f.rgb.slice(), width: 256, height: 256 };
      }
      const s = await e.run(items(), { concurrency: 3, onResult: () => void n++ });
      h.disable();
      const elu = performance.eventLoopUtilization(elu0);
      const ms = performance.now() - t0;
      expect(s.done).toBe(12);
      expect(n).toBe(12);
      // Inference runs in worker threads, so the main loop is mostly idle, waiting for their messages
      // (with session.run on the main thread it is busy nearly all the time, utilisation near 1). A
      // share, not a duration: it holds on a loaded machine, where a stall bound in ms did not (the
      // stall figures are the benchmark's: docs/BENCHMARKS.md). The batch outlasts the worst stall.
      expect(elu.utilization).toBeLessThan(0.5);
      expect(ms).toBeGreaterThan(h.max / 1e6);
    } finally {
      await e.close();
    }
  });
});

describe('session worker death', () => {
  it('a pending run and later runs reject at once with the exit code; release returns promptly', async () => {
    const runner = await Runner.create({ models: [{ path: colourPath, card: colourCard(32) }], tta: 'none', providers: ['cpu'] });
    const worker = (runner as unknown as { host: { rpc: { worker: import('node:worker_threads').Worker } } }).host.rpc.worker;
    const prep = await runner.prepare({ key: 'a', rgb: new Uint8Array(32 * 32 * 3).fill(128), width: 32, height: 32 });
    expect((await runner.infer(prep, false)).width).toBe(32);
    // A run the worker never answers (its message is held back), then the worker dies.
    const post = worker.postMessage.bind(worker);
    worker.postMessage = () => undefined;
    const pending = runner.infer(await runner.prepare({ key: 'b', rgb: new Uint8Array(32 * 32 * 3).fill(128), width: 32, height: 32 }), false);
    worker.postMessage = post;
    const exited = new Promise<number>((r) => worker.once('exit', r));
    await worker.terminate();
    const code = await exited;
    await expect(pending).rejects.toThrow(`inference session worker exited (code ${code})`);
    const later = runner.infer(await runner.prepare({ key: 'c', rgb: new Uint8Array(32 * 32 * 3).fill(128), width: 32, height: 32 }), false);
    await expect(later).rejects.toThrow(`inference session worker exited (code ${code})`);
    const t0 = Date.now();
    await runner.release();
    expect(Date.now() - t0).toBeLessThan(1000);
  }, 20_000);
});
