/**
 * Parity with PyTorch, kept alive without Python: a reduced-width BiSeNet (face-parsing.PyTorch
 * layout, width 1/8, 128², random weights, BatchNorm calibrated) exported by torch.onnx.export with its
 * defaults (torch 2.15: opset 18, weights in `bisenet-tiny.onnx.data`), a 128² synthetic face and
 * PyTorch's probabilities for it (round(p·255), as Parsel quantises) with the arg-max of the float
 * probabilities. Written by `training/parity/parity.py --fixture test/fixtures/parity`; the full check
 * over BiSeNet / SegFormer / UNet, opsets and sizes is docs/parity.md.
 *
 * Also: an enlarged image is resampled with half-pixel centres (as PIL and cv2 do), which sharp's
 * enlargement is not.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceEngine, loadModelCard, type ModelCard } from '../../src/main/inference';
import { decodeRgb, resizeToPlacement } from '../../src/main/inference/runner';
import { checkModelFile } from '../../src/main/services/model-check';

const DIR = resolve(__dirname, '..', 'fixtures', 'parity');
const MODEL = join(DIR, 'bisenet-tiny.onnx');

/** A `.npy` (format 1.0, C order, uint8) as shape + bytes. */
function readNpyU8(path: string): { shape: number[]; data: Uint8Array } {
  const b = new Uint8Array(readFileSync(path));
  const len = b[8] | (b[9] << 8);
  const header = new TextDecoder().decode(b.subarray(10, 10 + len));
  if (!header.includes("'descr': '|u1'")) throw new Error(`${path}: expected uint8, header ${header}`);
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1].split(',').filter((s) => s.trim()).map(Number);
  return { shape, data: b.subarray(10 + len) };
}

describe('parity fixture: tiny BiSeNet against PyTorch', () => {
  let card: ModelCard;
  let engine: InferenceEngine;
  beforeAll(async () => {
    card = loadModelCard(MODEL);
    engine = await InferenceEngine.create({ models: [{ path: MODEL, card }], providers: ['cpu'] });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('models check accepts a model whose weights are external data (torch.onnx.export default)', async () => {
    const c = await checkModelFile(MODEL);
    expect(c.problems).toEqual([]);
    expect(c.ok).toBe(true);
    expect(c.graph?.inputs.map((i) => [i.name, i.shape])).toEqual([['input', [1, 3, 128, 128]]]);
    expect(c.graph?.outputs.map((o) => o.name)).toEqual(['out', 'out16', 'out32']);
  });

  it("gives PyTorch's probabilities and arg-max on the same image", async () => {
    const img = await decodeRgb(join(DIR, 'face-128.png'));
    const want = readNpyU8(join(DIR, 'expected-probs-u8.npy'));
    const wantLabels = readNpyU8(join(DIR, 'expected-labels.npy'));
    expect(want.shape).toEqual([19, 128, 128]);
    const pred = await engine.predict(img, { probs: true });
    const got = pred.probs!;
    expect(got.length).toBe(want.data.length);
    // Both sides are round(p·255) of float32 probabilities that agree to ~1e-5: a value may round
    // differently by one step, never more.
    let maxDiff = 0;
    let offByOne = 0;
    for (let i = 0; i < got.length; i++) {
      const d = Math.abs(got[i] - want.data[i]);
      maxDiff = Math.max(maxDiff, d);
      if (d === 1) offByOne++;
    }
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(offByOne / got.length).toBeLessThan(0.001);
    let agree = 0;
    for (let i = 0; i < pred.labels.length; i++) if (pred.labels[i] === wantLabels.data[i]) agree++;
    // Measured 100 %; the target is 99.9 %.
    expect(agree / pred.labels.length).toBeGreaterThanOrEqual(0.999);
    // The map is not trivial: several classes, so a wrong normalisation or colour order would show.
    expect(new Set(wantLabels.data).size).toBeGreaterThanOrEqual(4);
  });
});

describe('enlarging an image to the model input (resizeToPlacement)', () => {
  const gray = (vals: number[][]) => {
    const H = vals.length;
    const W = vals[0].length;
    const rgb = new Uint8Array(W * H * 3);
    vals.forEach((row, y) => row.forEach((v, x) => rgb.fill(v, (y * W + x) * 3, (y * W + x) * 3 + 3)));
    return { rgb, W, H };
  };
  const resize = async (vals: number[][], width: number, height: number, interpolation: 'bilinear' | 'nearest' = 'bilinear') => {
    const { rgb, W, H } = gray(vals);
    const out = await resizeToPlacement(sharp(rgb, { raw: { width: W, height: H, channels: 3 } }), rgb, W, H, { left: 0, top: 0, width, height }, interpolation);
    const rows: number[][] = [];
    for (let y = 0; y < height; y++) rows.push(Array.from({ length: width }, (_, x) => out[(y * width + x) * 3]));
    return rows;
  };
  const impulse = [0, 0, 240, 0, 0, 0];

  it('puts enlarged samples at half-pixel centres, as PIL BILINEAR and cv2 INTER_LINEAR do', async () => {
    // PIL: Image.fromarray(np.array([[0,0,240,0,0,0]], np.uint8)).resize((12, 1), Image.BILINEAR)
    expect(await resize([impulse], 12, 1)).toEqual([[0, 0, 0, 60, 180, 180, 60, 0, 0, 0, 0, 0]]);
    expect(await resize([impulse], 9, 1)).toEqual([[0, 0, 40, 200, 120, 0, 0, 0, 0]]);
    // vertically too
    const col = await resize(impulse.map((v) => [v]), 1, 12);
    expect(col.map((r) => r[0])).toEqual([0, 0, 0, 60, 180, 180, 60, 0, 0, 0, 0, 0]);
  });

  it('is needed: sharp alone enlarges with its samples displaced by half an output pixel', async () => {
    const { rgb, W, H } = gray([impulse]);
    const { data } = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).resize(12, 1, { fit: 'fill', kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from({ length: 12 }, (_, x) => data[x * 3])).toEqual([0, 0, 0, 0, 120, 240, 120, 0, 0, 0, 0, 0]);
  });

  it('shrinks through sharp (antialiased like PIL) and handles one axis up, one down', async () => {
    expect(await resize([impulse], 4, 1)).toEqual([[0, 133, 27, 0]]);
    // x enlarged 6 → 12, y shrunk 4 → 2 (all rows equal, so the shrink keeps the row)
    expect(await resize([impulse, impulse, impulse, impulse], 12, 2)).toEqual([
      [0, 0, 0, 60, 180, 180, 60, 0, 0, 0, 0, 0],
      [0, 0, 0, 60, 180, 180, 60, 0, 0, 0, 0, 0],
    ]);
  });
});
