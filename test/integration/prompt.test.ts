/**
 * Promptable segmentation (issue 14) through the services with generated SAM-like models
 * (test/tooling/sam-gen.ts: SAM's exported I/O, masks = discs around positive clicks cut by negative
 * discs and a box): the card checked against both graphs (`models:check`, specific problems), added as a
 * 'promptable' model (encoder path and sha256 stored, refused as a set member), the embedding computed
 * once with progress events and cached on disk (memory → disk after the project is reopened), and the
 * decoder's candidates matching the known geometry on a non-square image (coordinate scaling), in SAM's
 * order, for clicks, negatives and a box.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../src/shared/api/types';
import type { PromptMask, PromptPoint, PromptBox } from '../../src/shared/api/methods-prompt';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { colourRuleModel } from '../tooling/onnx-gen';
import { ensureSamPair, expectedMask, samCard, type SamPair } from '../tooling/sam-gen';
import { expectCode } from '../tooling/api-expect';
import { main as cli } from '../../src/cli/index';

const W = 640;
const H = 480;
const dir = mkdtempSync(join(tmpdir(), 'parsel-prompt-'));
const projectPath = join(dir, 'p.parsel');
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);
let pair: SamPair;
let modelId = 0;
let imageId = 0;

/** The candidate as a full W×H 0/1 mask. */
function full(m: PromptMask): Uint8Array {
  const out = new Uint8Array(W * H);
  for (let y = 0; y < m.h; y++) for (let x = 0; x < m.w; x++) out[(m.y + y) * W + m.x + x] = m.bits[y * m.w + x];
  return out;
}

/** Pixels where the candidate and the expected geometry differ. */
function differ(m: PromptMask, points: PromptPoint[], box: PromptBox | null): number {
  const got = full(m);
  const want = expectedMask(W, H, m.index, points, box);
  let n = 0;
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) n++;
  return n;
}

beforeAll(async () => {
  pair = ensureSamPair({ dir: join(dir, 'models'), transformer: false });
  const imgDir = join(dir, 'img');
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set([(i * 7) % 256, (i >> 3) % 256, 128], i * 3);
  await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(dir, 'face.png'));
  mkdirSync(imgDir);
  copyFileSync(join(dir, 'face.png'), join(imgDir, 'face.png'));
  await api.call('project:create', { path: projectPath, schemaId: 'lapa-11' });
  await api.call('image:addFolder', { folder: imgDir });
  imageId = (await api.call('image:list', {})).items[0].id;
});

afterAll(() => {
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('promptable model cards', () => {
  it('fit the generated encoder and decoder; a wrong card gets one message per problem', async () => {
    const ok = await api.call('models:check', { path: pair.decoder });
    expect(ok.problems).toEqual([]);
    expect(ok.ok).toBe(true);
    expect(ok.card?.task).toBe('promptable-segmentation');
    expect(ok.encoder?.path).toBe(pair.encoder);
    expect(ok.encoder?.graph?.outputs).toEqual([{ name: 'image_embeddings', type: 'float32', shape: [1, 256, 64, 64] }]);

    const bad = await api.call('models:check', {
      path: pair.decoder,
      card: { ...samCard('sam-like-encoder-1024-d0.onnx'), encoder: { file: 'sam-like-encoder-1024-d0.onnx', size: 512, outputs: ['embeddings'] }, decoder: { masks: 'mask', origImSize: 'image_size' } },
    });
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^encoder\.size: the card says 512 but the encoder's input is \[1, 3, 1024, 1024\]/),
        expect.stringMatching(/^encoder\.outputs: the encoder has no output "embeddings"; its outputs are "image_embeddings"/),
        expect.stringMatching(/^decoder\.masks: the decoder has no output "mask"/),
        expect.stringMatching(/^decoder\.origImSize: the decoder has no input "image_size"/),
        'the decoder has inputs the card does not name (Parsel cannot feed them): "image_embeddings" [1, 256, 64, 64], "orig_im_size" [2]',
        expect.stringMatching(/^decoder\.embeddings\[0\]: the decoder has no input "embeddings"/),
      ]),
    );
    const missing = await api.call('models:check', { path: pair.decoder, card: samCard('nowhere.onnx') });
    expect(missing.problems).toEqual([expect.stringMatching(/^encoder\.file: the encoder .*nowhere\.onnx does not exist \(the path is relative to the decoder's folder/)]);
    const parse = await api.call('models:check', { path: pair.decoder, card: { ...samCard('x.onnx'), decoder: { maskFrame: 'image', origImSize: null } } });
    expect(parse.problems).toEqual([expect.stringMatching(/^card: decoder\.maskFrame: "image" needs decoder\.origImSize/)]);
  });

  it('parsel models check prints both graphs and the card; a missing encoder is a refusal naming it', async () => {
    let out = '';
    let err = '';
    const io = { out: (t: string) => void (out += t + '\n'), err: (t: string) => void (err += t + '\n') };
    expect(await cli(['models', 'check', pair.decoder], io)).toBe(0);
    expect(out).toMatch(/promptable segmenter \(sam\), encoder .*sam-like-encoder-1024-d0\.onnx input "image" 1024² longest-side → image_embeddings/);
    expect(out).toMatch(/^encoder graph \(.*\): inputs image \[1, 3, 1024, 1024\]; outputs image_embeddings \[1, 256, 64, 64\]$/m);
    expect(out).toMatch(/^ok: the card fits the graph$/m);
    const card = join(dir, 'bad.card.json');
    writeFileSync(card, JSON.stringify(samCard('gone.onnx')));
    out = '';
    expect(await cli(['models', 'check', pair.decoder, '--card', card], io)).not.toBe(0);
    expect(err).toMatch(/problem: encoder\.file: the encoder .*gone\.onnx does not exist/);
  });

  it('are added as promptable models with the encoder path and sha256 stored, and are no set members', async () => {
    const r = await api.call('models:add', { path: pair.decoder });
    modelId = r.model.id;
    expect(r.model.kind).toBe('promptable');
    expect(r.model.labels).toBeNull();
    const card = r.model.card;
    if (card.task !== 'promptable-segmentation') throw new Error('not promptable');
    expect(card.encoder.file).toBe(pair.encoder);
    expect(card.encoder.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await api.call('models:list', {}))[0]).toMatchObject({ kind: 'promptable', available: true });
    await expectCode(api.call('modelSet:create', { name: 's', modelIds: [modelId] }), 'INVALID_INPUT', /is a promptable segmenter .* cannot be one of a set's parsing models/);
    expect((await api.call('models:check', { modelId })).ok).toBe(true);
  });
});

describe('prompt:prepare and prompt:decode', () => {
  it('encode once with progress, then answer from memory, and from the disk cache after a reopen', async () => {
    const events: JobProgress[] = [];
    const off = api.on('job:progress', (p) => {
      if (p.kind === 'prompt-encode') events.push(p);
    });
    const first = await api.call('prompt:prepare', { modelId, imageId, jobId: 'enc-1' });
    off();
    expect(first).toMatchObject({ width: W, height: H, source: 'encoded', provider: 'cpu' });
    expect(first.encodeMs).toBeGreaterThan(0);
    expect(events.map((e) => e.phase)).toEqual(['decode', 'encode', 'write', 'done']);
    expect(events.every((e) => e.jobId === 'enc-1')).toBe(true);
    expect(events.at(-1)).toMatchObject({ status: 'done', done: 1, total: 1 });
    const cacheDir = join(`${projectPath}.cache`, 'embeddings');
    const [key] = readdirSync(cacheDir);
    expect(readdirSync(join(cacheDir, key))).toHaveLength(1);

    expect((await api.call('prompt:prepare', { modelId, imageId })).source).toBe('memory');
    await api.call('project:close', {});
    await api.call('project:open', { path: projectPath });
    const again = await api.call('prompt:decode', { modelId, imageId, points: [{ x: 300, y: 200, positive: true }] });
    expect(again.source).toBe('disk');
  });

  it('one click: four discs scaled from the 1024 frame to the image, offered in SAM order', async () => {
    const points = [{ x: 320.5, y: 240.5, positive: true }];
    const r = await api.call('prompt:decode', { modelId, imageId, points });
    expect(r).toMatchObject({ width: W, height: H });
    // 1 click + SAM's padding point = 2 points: the best-scoring of masks 1..3 first (0.8), then by score.
    expect(r.candidates.map((c) => c.index)).toEqual([2, 0, 3, 1]);
    expect(r.candidates.map((c) => +(c.score ?? 0).toFixed(2))).toEqual([0.8, 0.9, 0.7, 0.6]);
    for (const c of r.candidates) {
      // radius in image pixels: R · 640 / 1024
      const rad = [96, 48, 96, 160][c.index] * (W / 1024);
      expect(c.area).toBeGreaterThan(Math.PI * (rad - 1) ** 2);
      expect(c.area).toBeLessThan(Math.PI * (rad + 1) ** 2);
      // SAM's convention scales pixel indices but resamples with half-pixel centres: the disc's centre
      // lies within a pixel of the click.
      expect(Math.abs(c.x + c.w / 2 - 320.5)).toBeLessThan(1);
      expect(Math.abs(c.y + c.h / 2 - 240.5)).toBeLessThan(1);
      expect(differ(c, points, null)).toBeLessThan(c.area * 0.01 + 8);
    }
  });

  it('a negative click cuts the disc and the single-mask output comes first; a box bounds it', async () => {
    const points = [
      { x: 200, y: 200, positive: true },
      { x: 250, y: 200, positive: false },
    ];
    const r = await api.call('prompt:decode', { modelId, imageId, points });
    expect(r.candidates[0].index).toBe(0);
    const m = full(r.candidates[0]);
    expect(m[200 * W + 150]).toBe(1); // left of the positive click: inside
    expect(m[200 * W + 250]).toBe(0); // at the negative click: cut out
    for (const c of r.candidates) expect(differ(c, points, null)).toBeLessThan(c.area * 0.01 + 8);

    const box = { x0: 100, y0: 120, x1: 260, y1: 300 };
    const b = await api.call('prompt:decode', { modelId, imageId, points: [], box });
    const bm = full(b.candidates[0]);
    expect(b.candidates[0]).toMatchObject({ x: 100, y: 120 });
    expect(b.candidates[0].w).toBeGreaterThanOrEqual(159);
    expect(b.candidates[0].w).toBeLessThanOrEqual(161);
    expect(bm[200 * W + 180]).toBe(1);
    expect(differ(b.candidates[0], [], box)).toBeLessThan(4 * 160);
    const both = await api.call('prompt:decode', { modelId, imageId, points: [{ x: 110, y: 130, positive: true }], box });
    for (const c of both.candidates) {
      expect(c.x).toBeGreaterThanOrEqual(99);
      expect(c.y).toBeGreaterThanOrEqual(119);
      expect(differ(c, [{ x: 110, y: 130, positive: true }], box)).toBeLessThan(c.area * 0.02 + 8);
    }
  });

  it('refuse an empty prompt, an inverted box and a model that is not promptable, with specific errors', async () => {
    await expectCode(api.call('prompt:decode', { modelId, imageId, points: [] }), 'BAD_REQUEST', /at least one click/);
    await expectCode(api.call('prompt:decode', { modelId, imageId, box: { x0: 10, y0: 10, x1: 5, y1: 20 } }), 'INVALID_INPUT', /x1 must be greater than x0/);
    const parser = join(dir, 'models', 'parser.onnx');
    writeFileSync(parser, colourRuleModel({ centroids: Array.from({ length: 11 }, (_, k) => [k / 11, 0, 0] as [number, number, number]) }));
    writeFileSync(parser.replace(/\.onnx$/, '.card.json'), JSON.stringify({ name: 'colour', input: { name: 'image', width: 32, height: 32 }, output: { kind: 'logits' }, labels: 'lapa-11' }));
    const p = await api.call('models:add', { path: parser });
    await expectCode(api.call('prompt:prepare', { modelId: p.model.id, imageId }), 'INVALID_INPUT', /is a face-parsing model; clicks and boxes need a promptable-segmentation model/);
  });

  it('refuse to start on an encoder changed since the model was added', async () => {
    await api.call('project:close', {});
    const saved = join(dir, 'enc.bak');
    copyFileSync(pair.encoder, saved);
    writeFileSync(pair.encoder, Buffer.concat([readFileSync(saved), Buffer.from([0])]));
    await api.call('project:open', { path: projectPath });
    await expectCode(api.call('prompt:prepare', { modelId, imageId }), 'INVALID_INPUT', /encoder .* changed since it was added/);
    expect((await api.call('models:check', { modelId })).problems).toEqual(expect.arrayContaining([expect.stringMatching(/^encoder\.sha256: .* changed since the card was written/)]));
    copyFileSync(saved, pair.encoder);
    expect(existsSync(pair.encoder)).toBe(true);
  });
});

