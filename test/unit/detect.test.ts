import { describe, expect, it } from 'vitest';
import { decodeDetections, iou, nms, type Detection } from '../../src/main/inference/detect';
import { frameOfPlacement, placeImage } from '../../src/main/inference/preprocess';
import type { Box } from '../../src/main/inference/types';
import { parseDetectorCard, parseModelCard, parseAnyCard, type DetectorCard, type DetectorCardInput } from '../../src/shared/models/card';

function dcard(extra: Partial<DetectorCardInput> = {}, output?: DetectorCardInput['output']): DetectorCard {
  const r = parseDetectorCard({
    name: 'det',
    task: 'face-detection',
    input: { name: 'input', width: 100, height: 50 },
    output: output ?? { boxes: { name: 'boxes' }, scores: { name: 'scores' } },
    ...extra,
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.card;
}
const t = (dims: number[], v: number[]) => ({ data: Float32Array.from(v), dims });
const ident = { x0: 0, y0: 0, w: 100, h: 50 };
/** Boxes from float32 outputs: equal to the hand-worked ones up to float32 rounding. */
function expectBox(got: Box | undefined, want: number[]): void {
  expect(got).toBeDefined();
  got!.forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
}

describe('detector card', () => {
  it('fills defaults (UltraFace layout) and names fields in problems', () => {
    const c = dcard();
    expect(c.output.boxes).toEqual({ name: 'boxes', format: 'xyxy', units: 'normalized' });
    expect(c.output.scores.faceIndex).toBe(1);
    expect([c.scoreThreshold, c.nmsIouThreshold, c.maxFaces]).toEqual([0.7, 0.3, 16]);
    const bad = parseDetectorCard({
      name: 'd',
      task: 'face-detection',
      input: { name: 'input', width: 100, height: 50 },
      output: { boxes: { name: 'b', format: 'ltrb' }, scores: { faceIndex: -1 } },
      scoreThreshold: 2,
      maxFaces: 0,
    });
    expect(bad.ok).toBe(false);
    const problems = bad.ok ? [] : bad.problems;
    expect(problems).toContain('output.boxes.format must be "xyxy", "xywh" or "cxcywh"');
    expect(problems).toContain('output.scores.name: required field is missing');
    expect(problems).toContain('output.scores.faceIndex must be >= 0');
    expect(problems).toContain('scoreThreshold must be <= 1');
    expect(problems).toContain('maxFaces must be at least 1');
  });

  it('a parser card is not a detector card and the other way round', () => {
    const parser = { name: 'p', input: { name: 'x', width: 8, height: 8 }, output: { kind: 'logits' }, labels: 'lapa-11' };
    const d = parseDetectorCard(parser);
    expect(d.ok).toBe(false);
    expect(d.ok ? '' : d.problems[0]).toMatch(/this is a face-parsing model card; a face-detector card says "task": "face-detection"/);
    const p = parseModelCard({ task: 'face-detection', name: 'd' });
    expect(p.ok ? '' : p.problems[0]).toMatch(/this is a face-detector card/);
    const any = parseAnyCard({ name: 'd', task: 'face-detection', input: { name: 'i', width: 4, height: 4 }, output: { boxes: { name: 'b' }, scores: { name: 's' } } });
    expect(any.ok && any.card.task).toBe('face-detection');
    expect(parseAnyCard(parser).ok && (parseAnyCard(parser) as { card: { task: string } }).card.task).toBe('face-parsing');
  });
});

describe('iou / nms', () => {
  it('hand-worked IoU', () => {
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 12);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
  });

  it('greedy NMS equals a brute-force reference on random boxes', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const dets: Detection[] = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => {
        const x = rnd() * 50;
        const y = rnd() * 50;
        return { box: [x, y, x + 5 + rnd() * 30, y + 5 + rnd() * 30] as Box, score: Math.round(rnd() * 4) / 4 };
      });
      const thr = rnd();
      const max = 1 + Math.floor(rnd() * 5);
      // reference: repeatedly take the best remaining (earliest on ties) and drop everything overlapping it
      const left = dets.map((d, i) => ({ d, i }));
      const ref: Detection[] = [];
      while (left.length && ref.length < max) {
        let b = 0;
        for (let k = 1; k < left.length; k++) if (left[k].d.score > left[b].d.score || (left[k].d.score === left[b].d.score && left[k].i < left[b].i)) b = k;
        const best = left.splice(b, 1)[0].d;
        ref.push(best);
        for (let k = left.length - 1; k >= 0; k--) if (iou(left[k].d.box, best.box) > thr) left.splice(k, 1);
      }
      expect(nms(dets, thr, max)).toEqual(ref);
    }
  });
});

describe('decodeDetections', () => {
  it('threshold, NMS, max faces, best first', () => {
    const c = dcard({ scoreThreshold: 0.5, nmsIouThreshold: 0.3, maxFaces: 2 });
    // normalised xyxy on a 100×50 input, identity frame
    const boxes = t([1, 4, 4], [0.1, 0.1, 0.3, 0.5, 0.11, 0.1, 0.31, 0.5, 0.6, 0.2, 0.8, 0.6, 0.0, 0.0, 1.0, 1.0]);
    const scores = t([1, 4, 2], [0.2, 0.8, 0.1, 0.9, 0.3, 0.7, 0.6, 0.4]);
    const d = decodeDetections(c, boxes, scores, ident, 100, 50);
    // candidate 1 (0.9) beats its duplicate 0 (0.8, IoU ≈ 0.9); 3 is below threshold
    expect(d.map((x) => x.score)).toEqual([Math.fround(0.9), Math.fround(0.7)]);
    expectBox(d[0].box, [11, 5, 31, 25]);
    expectBox(d[1].box, [60, 10, 80, 30]);
    expect(decodeDetections(dcard({ scoreThreshold: 0.5, maxFaces: 1 }), boxes, scores, ident, 100, 50)).toHaveLength(1);
    expect(decodeDetections(dcard({ scoreThreshold: 0.95 }), boxes, scores, ident, 100, 50)).toEqual([]);
  });

  it('xywh / cxcywh in input pixels, rank-2 tensors, faceIndex 0 of one channel', () => {
    const boxes = t([2, 4], [10, 5, 20, 10, 50, 25, 20, 10]);
    const scores = t([2, 1], [0.9, 0.8]);
    const xywh = dcard({}, { boxes: { name: 'b', format: 'xywh', units: 'pixels' }, scores: { name: 's', faceIndex: 0 } });
    expect(decodeDetections(xywh, boxes, scores, ident, 100, 50).map((d) => d.box)).toEqual([
      [10, 5, 30, 15],
      [50, 25, 70, 35],
    ]);
    const cx = dcard({}, { boxes: { name: 'b', format: 'cxcywh', units: 'pixels' }, scores: { name: 's', faceIndex: 0 } });
    expect(decodeDetections(cx, boxes, scores, ident, 100, 50).map((d) => d.box)).toEqual([
      [0, 0, 20, 10], // [0, 0, 20, 10]: centre (10, 5), size 20×10
      [40, 20, 60, 30],
    ]);
  });

  it('undoes stretch and letterbox exactly, clips to the image', () => {
    // stretch: a 400×100 image into the 100×50 input → x·4, y·2
    const st = dcard();
    const f1 = frameOfPlacement(st.input, placeImage(st.input, 400, 100), 400, 100);
    const one = (b: number[]) => [t([1, 1, 4], b), t([1, 1, 2], [0, 1])] as const;
    expectBox(decodeDetections(st, ...one([0.25, 0.2, 0.5, 0.6]), f1, 400, 100)[0]?.box, [100, 20, 200, 60]);
    // letterbox: a 200×200 image into 100×50 → scale 0.25, content 50×50 at left 25
    const lb = dcard({ input: { name: 'input', width: 100, height: 50, resize: 'letterbox' } });
    const p = placeImage(lb.input, 200, 200);
    expect(p).toEqual({ left: 25, top: 0, width: 50, height: 50 });
    const f2 = frameOfPlacement(lb.input, p, 200, 200);
    // input x 35..60 → content x 10..35 → image x 40..140; y 0.1..0.5 of 50 = 5..25 → 20..100
    expectBox(decodeDetections(lb, ...one([0.35, 0.1, 0.6, 0.5]), f2, 200, 200)[0]?.box, [40, 20, 140, 100]);
    // a box reaching into the padding is clipped to the image; one wholly in the padding is dropped
    expectBox(decodeDetections(lb, ...one([0.1, 0.1, 0.4, 0.5]), f2, 200, 200)[0]?.box, [0, 20, 60, 100]);
    expect(decodeDetections(lb, ...one([0.0, 0.1, 0.2, 0.5]), f2, 200, 200)).toEqual([]);
  });

  it('refuses outputs that do not fit the card', () => {
    const c = dcard();
    expect(() => decodeDetections(c, t([1, 2, 5], new Array(10).fill(0)), t([1, 2, 2], [0, 1, 0, 1]), ident, 100, 50)).toThrow(/"boxes" has 5 numbers per box; expected 4/);
    expect(() => decodeDetections(c, t([1, 2, 4], new Array(8).fill(0)), t([1, 3, 2], new Array(6).fill(0)), ident, 100, 50)).toThrow(/2 boxes but 3 score rows/);
    expect(() => decodeDetections(c, t([1, 2, 4], new Array(8).fill(0)), t([1, 2, 1], [1, 1]), ident, 100, 50)).toThrow(/faceIndex is 1 but "scores" has 1 score channels/);
    expect(() => decodeDetections(c, t([2, 2, 4], new Array(16).fill(0)), t([1, 2, 2], [0, 1, 0, 1]), ident, 100, 50)).toThrow(/expected \[1, N, D\] or \[N, D\]/);
  });
});
