/**
 * Face detection in the engine with a generated detector of known behaviour (markerDetectorModel: a
 * face is the bounding box of the pixels whose R — or G — value is > 127.5): the boxes come back at
 * the exact image coordinates through stretch and letterbox, NMS drops the duplicate, several faces
 * are cropped, parsed and pasted back exactly, images without a face come back with no detection,
 * and cards that do not fit the graph are refused with specific messages.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceEngine, checkDetectorCard, expandBox, inspectModel, type Box, type DetectorCard, type ModelCard } from '../../src/main/inference';
import { parseDetectorCard, parseModelCard, type DetectorCardInput } from '../../src/shared/models/card';
import { CENTROIDS, expectedLabels, faceImage, type Face } from '../tooling/detector-images';
import { ROOT, colourRuleModel, markerDetectorCard, markerDetectorModel } from '../tooling/onnx-gen';

let dir: string;
let parserPath: string;
let det64: string;

function dcard(c: DetectorCardInput): DetectorCard {
  const r = parseDetectorCard(c);
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.card;
}
/** The colour-rule parser at 48² (a 32-px face with margin 0.25 is a 48-px crop: no resampling). */
const parserCard = (() => {
  const r = parseModelCard({ name: 'colour rule', input: { name: 'image', width: 48, height: 48 }, output: { kind: 'logits' }, labels: 'lapa-11', expects: 'face', crop: { margin: 0.25, square: true } });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.card as ModelCard;
})();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parsel-detector-'));
  parserPath = join(dir, 'colour.onnx');
  det64 = join(dir, 'det64.onnx');
  writeFileSync(parserPath, colourRuleModel({ centroids: CENTROIDS }));
  writeFileSync(det64, markerDetectorModel({ width: 64, height: 64 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withEngine<T>(det: DetectorCard, fn: (e: InferenceEngine) => Promise<T>): Promise<T> {
  const e = await InferenceEngine.create({ models: [{ path: parserPath, card: parserCard }], detector: { path: det64, card: det }, providers: ['cpu'], intraOpThreads: 1 });
  try {
    return await fn(e);
  } finally {
    await e.close();
  }
}

const cropOf = (b: Box): Box => {
  const f = expandBox(b, 0.25, true);
  return [f.x0, f.y0, f.x0 + f.w, f.y0 + f.h];
};

describe('face detector in the engine', () => {
  it('stretch: two faces at their exact image boxes, the duplicate dropped by NMS, crops parsed and pasted back exactly', async () => {
    // 128×192 stretched into 64×64: x/2, y/3 (edges on multiples of 2 and 3: the marker boxes are exact)
    const W = 128;
    const H = 192;
    const faces: Face[] = [
      { box: [16, 30, 48, 60], skin: 1 },
      { box: [80, 120, 112, 150], skin: 3 },
    ];
    const rgb = faceImage(W, H, faces);
    await withEngine(dcard(markerDetectorCard({ width: 64, height: 64, resize: 'stretch' })), async (e) => {
      expect(e.detectorProvider).toBe('cpu');
      const p = await e.predict({ rgb, width: W, height: H });
      expect(p.detections).not.toBeNull();
      expect(p.detections!.map((d) => d.box)).toEqual(faces.map((f) => f.box));
      expect(p.detections!.map((d) => d.score)).toEqual([1, 1]);
      expect(p.crops).toEqual([
        [8, 21, 56, 69],
        [72, 111, 120, 159],
      ]);
      expect(p.crops).toEqual(faces.map((f) => cropOf(f.box)));
      const want = expectedLabels(rgb, W, H, p.crops);
      expect(Buffer.from(p.labels).equals(Buffer.from(want))).toBe(true);
      expect(new Set(p.labels)).toEqual(new Set([0, 1, 4, 10, 6]));
      // background outside the crops with probability 255
      expect(p.probs![0 * W * H + 0]).toBe(255);

      // the multi-face paste-back equals the parse of each crop given as a box on its own
      for (const f of faces) {
        const one = await e.predict({ rgb, width: W, height: H }, { faces: [f.box] });
        expect(one.detections).toBeNull(); // boxes given: the detector is not run
        const [x0, y0, x1, y1] = one.crops[0];
        for (let y = Math.max(0, y0); y < Math.min(H, y1); y++)
          for (let x = Math.max(0, x0); x < Math.min(W, x1); x++) expect(p.labels[y * W + x]).toBe(one.labels[y * W + x]);
      }
    });
  });

  it('NMS threshold from the card: at 0.99 the shifted duplicate is kept as a third face; maxFaces keeps the best', async () => {
    const W = 128;
    const H = 192;
    const faces: Face[] = [
      { box: [16, 30, 48, 60], skin: 1 },
      { box: [80, 120, 112, 150], skin: 3 },
    ];
    const rgb = faceImage(W, H, faces);
    await withEngine(dcard(markerDetectorCard({ width: 64, height: 64, nmsIouThreshold: 0.99 })), async (e) => {
      const p = await e.predict({ rgb, width: W, height: H });
      // the duplicate: face A shifted 2 input pixels = 4 image pixels right, score 0.9, last
      expect(p.detections!.map((d) => d.box)).toEqual([faces[0].box, faces[1].box, [20, 30, 52, 60]]);
      expect(p.detections![2].score).toBeCloseTo(0.9, 6);
      expect(p.crops).toHaveLength(3);
    });
    await withEngine(dcard(markerDetectorCard({ width: 64, height: 64, maxFaces: 1 })), async (e) => {
      const p = await e.predict({ rgb, width: W, height: H });
      expect(p.detections!.map((d) => d.box)).toEqual([faces[0].box]);
      expect(Buffer.from(p.labels).equals(Buffer.from(expectedLabels(rgb, W, H, [cropOf(faces[0].box)])))).toBe(true);
    });
  });

  it('letterbox: boxes mapped back through the padding exactly, crops beyond the image edge', async () => {
    // 128×64 letterboxed into 64×64: scale 1/2, content 64×32 at top 16
    const W = 128;
    const H = 64;
    const faces: Face[] = [
      { box: [16, 18, 48, 46], skin: 1 },
      { box: [80, 10, 112, 42], skin: 3 },
    ];
    const rgb = faceImage(W, H, faces);
    await withEngine(dcard(markerDetectorCard({ width: 64, height: 64, resize: 'letterbox' })), async (e) => {
      const p = await e.predict({ rgb, width: W, height: H });
      expect(p.detections!.map((d) => d.box)).toEqual(faces.map((f) => f.box));
      expect(p.crops).toEqual([
        [8, 8, 56, 56],
        [72, 2, 120, 50],
      ]);
      expect(Buffer.from(p.labels).equals(Buffer.from(expectedLabels(rgb, W, H, p.crops)))).toBe(true);
      // A face touching the image's bottom edge: its crop extends below the image.
      const edge: Face[] = [{ box: [40, 40, 72, 64], skin: 1 }];
      const rgb2 = faceImage(W, H, edge);
      const q = await e.predict({ rgb: rgb2, width: W, height: H });
      expect(q.detections!.map((d) => d.box)).toEqual([edge[0].box]);
      expect(q.crops).toEqual([[32, 28, 80, 76]]);
      expect(Buffer.from(q.labels).equals(Buffer.from(expectedLabels(rgb2, W, H, q.crops)))).toBe(true);
    });
  });

  it('an image without a face: no detection, all background; batches report it per item', async () => {
    const W = 128;
    const H = 192;
    const empty = faceImage(W, H, []);
    await withEngine(dcard(markerDetectorCard({ width: 64, height: 64 })), async (e) => {
      const p = await e.predict({ rgb: empty, width: W, height: H });
      expect(p.detections).toEqual([]);
      expect(p.crops).toEqual([]);
      expect(p.labels.every((v) => v === 0)).toBe(true);
      const one = faceImage(W, H, [{ box: [16, 30, 48, 60], skin: 1 }]);
      const got: { key: string; n: number | null }[] = [];
      await e.run(
        [
          { key: 'a', rgb: empty.slice(), width: W, height: H },
          { key: 'b', rgb: one, width: W, height: H },
        ],
        { onResult: (r) => void got.push({ key: r.key, n: r.ok ? (r.detections?.length ?? null) : -1 }) },
      );
      expect(got).toEqual([
        { key: 'a', n: 0 },
        { key: 'b', n: 1 },
      ]);
    });
  });

  it('card vs graph: specific messages', async () => {
    const graph = await inspectModel(det64);
    const base = markerDetectorCard({ width: 64, height: 64 });
    expect(checkDetectorCard(dcard(base), graph)).toEqual([]);
    const wrong = (o: Partial<DetectorCardInput>) => checkDetectorCard(dcard({ ...base, ...o }), graph);
    expect(wrong({ output: { boxes: { name: 'bbox' }, scores: { name: 'scores' } } })).toEqual([
      'output.boxes.name: the graph has no output "bbox"; its outputs are "boxes" [1, 4, 4], "scores" [1, 4, 2]',
    ]);
    expect(wrong({ output: { boxes: { name: 'scores' }, scores: { name: 'boxes', faceIndex: 1 } } })).toEqual([
      'output "scores" [1, 4, 2] has 2 numbers per box; a box is 4 numbers (xyxy)',
    ]);
    expect(wrong({ output: { boxes: { name: 'boxes' }, scores: { name: 'scores', faceIndex: 2 } } })).toEqual([
      'output.scores.faceIndex: 2 but "scores" [1, 4, 2] has 2 score channels (indices 0..1)',
    ]);
    expect(wrong({ input: { ...base.input, width: 320, height: 240 } })).toEqual([
      'input.height: the card says 240 but the graph\'s input height is 64 [1, 3, 64, 64]',
      'input.width: the card says 320 but the graph\'s input width is 64 [1, 3, 64, 64]',
    ]);
    // the UltraFace example card fits a graph of UltraFace's signature (input [1, 3, 240, 320], boxes, scores)
    const ultra = dcard(JSON.parse(readFileSync(join(ROOT, 'models', 'ultraface-rfb-320.card.json'), 'utf8')) as DetectorCardInput);
    const ultraPath = join(dir, 'ultra-shaped.onnx');
    writeFileSync(ultraPath, markerDetectorModel({ width: 320, height: 240 }));
    expect(checkDetectorCard(ultra, await inspectModel(ultraPath))).toEqual([]);
    expect(checkDetectorCard({ ...ultra, input: { ...ultra.input, width: 240, height: 320 } }, await inspectModel(ultraPath))).toHaveLength(2);
    // the engine refuses to start with a detector card that does not fit its graph
    await expect(
      InferenceEngine.create({
        models: [{ path: parserPath, card: parserCard }],
        detector: { path: det64, card: dcard({ ...base, output: { boxes: { name: 'boxes' }, scores: { name: 'conf' } } }) },
        providers: ['cpu'],
        intraOpThreads: 1,
      }),
    ).rejects.toThrow(/face-detector card does not match .*det64\.onnx:\n {2}output\.scores\.name: the graph has no output "conf"/);
    // and a detector with a whole-image parser
    await expect(
      InferenceEngine.create({
        models: [{ path: parserPath, card: { ...parserCard, expects: 'image' } }],
        detector: { path: det64, card: dcard(base) },
        providers: ['cpu'],
        intraOpThreads: 1,
      }),
    ).rejects.toThrow(/a face detector was given but model "colour rule" parses the whole image/);
  });
});
