/**
 * Promptable pre/post-processing (src/main/inference/prompt-core.ts) against hand-worked values: the
 * encoder placement (SAM's int(side·s + 0.5)), the normalised padded tensor, the prompt as decoder points
 * (half-pixel offset, scaling into the 1024 frame, padding point, box corners), bilinear resizing with
 * half-pixel centres, the 'input'-frame masks cut and scaled to the image, crops, SAM's candidate order,
 * and the embedding cache file (a file of another encoder is not read back).
 */
import { describe, expect, it } from 'vitest';
import { parsePromptableCard, parseAnyCard, parseModelCard, type PromptableCard } from '../../src/shared/models/card';
import {
  candidateOrder,
  cropMask,
  decodeEmbedding,
  encodeEmbedding,
  encoderPlacement,
  encoderTensor,
  maskLogitsAtImage,
  promptPoints,
  resizePlane,
} from '../../src/main/inference/prompt-core';

function card(over: Record<string, unknown> = {}): PromptableCard {
  const r = parsePromptableCard({ name: 'sam', task: 'promptable-segmentation', encoder: { file: 'e.onnx' }, ...over });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.card;
}

describe('promptable cards', () => {
  it('fill SAM defaults and name bad fields', () => {
    const c = card();
    expect(c.encoder).toMatchObject({ input: 'image', size: 1024, resize: 'longest-side', scale: 1, mean: [123.675, 116.28, 103.53], outputs: ['image_embeddings'] });
    expect(c.decoder).toMatchObject({ pointCoords: 'point_coords', masks: 'masks', scores: 'iou_predictions', maskFrame: 'image', maskThreshold: 0, multimask: 'sam' });
    expect(c.prompt).toEqual({ coordinates: 'input', pixelCentres: 'integer', padPoint: true });
    const bad = parsePromptableCard({ name: 'x', task: 'promptable-segmentation', encoder: { file: 'e', resize: 'crop', std: [1, 0, 1] }, decoder: { embeddings: ['a', 'b'] } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems).toEqual(['encoder.resize must be "longest-side" or "stretch"', 'encoder.std values must all be > 0']);
    const two = parsePromptableCard({ name: 'x', task: 'promptable-segmentation', encoder: { file: 'e' }, decoder: { embeddings: ['a', 'b'] } });
    expect(!two.ok && two.problems).toEqual([expect.stringMatching(/^decoder\.embeddings: 2 names for 1 encoder output/)]);
    expect(parseAnyCard({ name: 'x', task: 'promptable-segmentation', encoder: { file: 'e' } }).ok).toBe(true);
    expect(parseModelCard({ name: 'x', task: 'promptable-segmentation' })).toEqual({ ok: false, problems: [expect.stringMatching(/this is a promptable-segmentation card/)] });
  });
});

describe('encoder input', () => {
  it('longest side to 1024 with int(side·s + 0.5), or a stretch', () => {
    expect(encoderPlacement(card(), 640, 480)).toEqual({ width: 1024, height: 768 });
    expect(encoderPlacement(card(), 333, 1000)).toEqual({ width: 341, height: 1024 }); // 333·1.024 = 340.99
    expect(encoderPlacement(card({ encoder: { file: 'e', resize: 'stretch' } }), 640, 480)).toEqual({ width: 1024, height: 1024 });
  });

  it('normalises per channel and pads with zeros after normalising', () => {
    const c = card({ encoder: { file: 'e', size: 4, mean: [10, 20, 30], std: [2, 4, 5] } });
    const rgb = Uint8Array.from([10, 20, 30, 12, 24, 35]); // 2×1 content
    const t = encoderTensor(c, rgb, { width: 2, height: 1 });
    expect(t.length).toBe(48);
    expect([...t.subarray(0, 4)]).toEqual([0, 1, 0, 0]);
    expect([...t.subarray(16, 20)]).toEqual([0, 1, 0, 0]);
    expect([...t.subarray(32, 36)]).toEqual([0, 1, 0, 0]);
    expect(t.subarray(4, 16).every((v) => v === 0)).toBe(true);
    const bgr = encoderTensor(card({ encoder: { file: 'e', size: 4, colorOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] } }), rgb, { width: 2, height: 1 });
    expect(bgr[0]).toBe(30);
    expect(bgr[32]).toBe(10);
  });
});

describe('prompt points', () => {
  it('take 0.5 off, scale into the input frame, pad without a box, and put a box as labels 2 and 3', () => {
    const p = promptPoints(card(), 640, 480, [{ x: 100.5, y: 50.5, positive: true }, { x: 10.5, y: 0.5, positive: false }], null);
    expect([...p.coords]).toEqual([160, 80, 16, 0, 0, 0]);
    expect([...p.labels]).toEqual([1, 0, -1]);
    const b = promptPoints(card(), 640, 480, [], { x0: 300.5, y0: 200.5, x1: 100.5, y1: 100.5 });
    expect([...b.coords]).toEqual([160, 160, 480, 320]);
    expect([...b.labels]).toEqual([2, 3]);
    const img = promptPoints(card({ prompt: { coordinates: 'image', pixelCentres: 'half', padPoint: false } }), 640, 480, [{ x: 100.5, y: 50.5, positive: true }], null);
    expect([...img.coords]).toEqual([100.5, 50.5]);
    expect(img.n).toBe(1);
  });
});

describe('masks back at the image', () => {
  it('resize bilinearly with half-pixel centres', () => {
    const src = Float32Array.from([0, 4]);
    expect([...resizePlane(src, 0, 2, 2, 1, 4, 1)]).toEqual([0, 1, 3, 4]);
    expect([...resizePlane(Float32Array.from([1, 2, 3, 4]), 0, 4, 4, 1, 2, 1)]).toEqual([1.5, 3.5]);
  });

  it("cut the content out of 'input'-frame masks and scale it to the image", () => {
    const c = card({ encoder: { file: 'e', size: 4 }, decoder: { maskFrame: 'input', origImSize: null } });
    // 2×1 image → content 4×2 of the 4×4 input; one 4×4 mask: content rows 0-1 hold x.
    const m = Float32Array.from([0, 1, 2, 3, 0, 1, 2, 3, 9, 9, 9, 9, 9, 9, 9, 9]);
    expect([...maskLogitsAtImage(c, m, [1, 1, 4, 4], 0, 2, 1)]).toEqual([0.5, 2.5]);
    const img = card();
    expect(() => maskLogitsAtImage(img, new Float32Array(4), [1, 1, 2, 2], 0, 3, 2)).toThrow(/is 2×2 but the image is 3×2/);
  });

  it('threshold and crop to the bounding box', () => {
    const l = Float32Array.from([-1, -1, -1, -1, 0.5, 2, -1, 0, 3]); // 3×3
    expect(cropMask(l, 3, 3, 0)).toEqual({ area: 3, x: 1, y: 1, w: 2, h: 2, bits: Uint8Array.from([1, 1, 0, 1]) });
    expect(cropMask(l, 3, 3, 5)).toEqual({ area: 0, x: 0, y: 0, w: 0, h: 0, bits: new Uint8Array(0) });
  });

  it("offer SAM's choice first: best of masks 1..3 for ≤ 2.5 points, mask 0 beyond; 'score' by score", () => {
    const s = [0.9, 0.6, 0.8, 0.7];
    expect(candidateOrder(card(), s, 4, 2)).toEqual([2, 0, 3, 1]);
    expect(candidateOrder(card(), s, 4, 3)).toEqual([0, 2, 3, 1]);
    expect(candidateOrder(card({ decoder: { multimask: 'score' } }), s, 4, 2)).toEqual([0, 2, 3, 1]);
    expect(candidateOrder(card(), null, 3, 2)).toEqual([0, 1, 2]);
  });
});

describe('embedding cache file', () => {
  it("round-trips, and a file of another encoder or other outputs is not read back", () => {
    const e = { width: 7, height: 5, tensors: [{ name: 'image_embeddings', dims: [1, 2, 2, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8.5]) }] };
    const bytes = encodeEmbedding(e, 'abc');
    expect(decodeEmbedding(bytes, 'abc', ['image_embeddings'])).toEqual(e);
    expect(decodeEmbedding(bytes, 'abd', ['image_embeddings'])).toBeNull();
    expect(decodeEmbedding(bytes, 'abc', ['other'])).toBeNull();
    expect(decodeEmbedding(bytes.subarray(0, bytes.length - 1), 'abc', ['image_embeddings'])).toBeNull();
  });
});
