/**
 * Model outputs the card cannot vouch for (issue 15): a graph that leaves its output dimensions
 * symbolic is run once on a small input to learn the class count (a 5-class model under an 11-class
 * card is refused by `models check` / `models add`, its shape printed with `?`, not `[1, , , ]`), and
 * NaN / ±Inf outputs fail the job item with a reason instead of being written as all-background.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelCard, type ModelCardInput } from '../../src/shared/models/card';
import { formatShape } from '../../src/shared/models/shape';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { InferenceEngine } from '../../src/main/inference';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { expectCode, runJob } from '../tooling/api-expect';
import { hiddenShapeModel, poisonedModel } from '../tooling/onnx-gen';

const LAPA = getSchema('lapa-11');
const W = 40;
const H = 32;
const N = 4;
const centroids = LAPA.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);

const dir = mkdtempSync(join(tmpdir(), 'parsel-model-outputs-'));
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);
const faces: { rgb: Uint8Array }[] = [];

const card = (extra: Partial<ModelCardInput> = {}): ModelCardInput => ({
  name: 'm',
  input: { name: 'image', width: W, height: H },
  output: { kind: 'logits' },
  labels: 'lapa-11',
  ...extra,
});

function model(name: string, bytes: Uint8Array, c: ModelCardInput = card({ name })): string {
  const p = join(dir, `${name}.onnx`);
  writeFileSync(p, bytes);
  writeFileSync(join(dir, `${name}.card.json`), JSON.stringify(c));
  return p;
}

beforeAll(async () => {
  const imgDir = join(dir, 'faces');
  mkdirSync(imgDir, { recursive: true });
  for (let i = 0; i < N; i++) {
    const f = generateFace({ seed: 300 + i, width: W, height: H, schema: LAPA });
    faces.push(f);
    await sharp(Buffer.from(f.rgb), { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(imgDir, `f${i}.png`));
  }
  await api.call('project:create', { path: join(dir, 'p.parsel'), schemaId: 'lapa-11' });
  await api.call('image:addFolder', { folder: imgDir });
});

afterAll(() => {
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('symbolic output dimensions', () => {
  it('prints them by name, or ? when unnamed', () => {
    expect(formatShape([1, '', '', ''])).toBe('[1, ?, ?, ?]');
    expect(formatShape([1, 11, 'h', 'w'])).toBe('[1, 11, h, w]');
    expect(formatShape([-1, 3, 'height', 'width'])).toBe('[?, 3, height, width]');
  });

  it('a 5-class model under an 11-class card: check and add refuse it after a probe run', async () => {
    const five = model('five', hiddenShapeModel({ centroids: centroids.slice(0, 5) }));
    const c = await api.call('models:check', { path: five });
    expect(c.graph?.outputs[0]).toMatchObject({ name: 'out', shape: [1, '', '', ''] });
    expect(c.ok).toBe(false);
    expect(c.problems).toEqual([
      'output "out" [1, ?, ?, ?] leaves the class count open and a probe run on a [1, 3, 32, 40] input gave [1, 5, 32, 40]: 5 classes, ' +
        'but the card\'s schema "lapa-11" has 11; choose the schema the model was trained with (or check output.layout)',
    ]);
    const e = await expectCode(api.call('models:add', { path: five }), 'INVALID_INPUT');
    expect(e.message).toMatch(/five\.onnx: the model card does not fit the model:\n {2}output "out" \[1, \?, \?, \?\] leaves the class count open .* 5 classes/);
    expect(await api.call('models:list', {})).toEqual([]);
  });

  it('the same hidden shape with the right class count passes, and the probe needs no size from the graph', async () => {
    const eleven = model('eleven', hiddenShapeModel({ centroids }), card({ name: 'eleven', input: { name: 'image', width: 512, height: 512 } }));
    const c = await api.call('models:check', { path: eleven });
    expect(c.problems).toEqual([]);
    expect(c.ok).toBe(true);
  });

  it('the engine refuses an output whose class count differs from the card, per item, with the reason', async () => {
    const five = join(dir, 'five.onnx');
    const r = parseModelCard(card());
    if (!r.ok) throw new Error(r.problems.join('; '));
    const engine = await InferenceEngine.create({ models: [{ path: five, card: r.card }], providers: ['cpu'], intraOpThreads: 1 });
    try {
      await expect(engine.predict({ rgb: faces[0].rgb, width: W, height: H })).rejects.toThrow('model "m": output "out" is [1, 5, 32, 40], 5 classes, but its card\'s schema "lapa-11" has 11');
    } finally {
      await engine.close();
    }
  });
});

describe('NaN and infinite outputs', () => {
  it('fail the job items with the reason; nothing is written for them; finite items are written', async () => {
    // NaN in class 3's logits where red > 0.5 (some pixels of some faces), Inf everywhere in a second model.
    const nan = await api.call('models:add', { path: model('nan', poisonedModel({ centroids, poison: NaN, channel: 3, threshold: 0.5 })) });
    const inf = await api.call('models:add', { path: model('inf', poisonedModel({ centroids, poison: -Infinity, channel: 0 })) });
    const ids = (await api.call('image:list', {})).items.map((i) => i.id);
    const hot = faces.map((f) => f.rgb.some((v, i) => i % 3 === 0 && v / 255 > 0.5));
    expect(hot.some(Boolean)).toBe(true);

    for (const [m, want] of [
      [nan.model, /model "nan": [\d,]+ of 14,080 output values are NaN or infinite; nothing written for this image/],
      [inf.model, /model "inf": 1,280 of 14,080 output values are NaN or infinite; nothing written/],
    ] as const) {
      const set = await api.call('modelSet:create', { name: m.name, modelIds: [m.id] });
      const { events } = await runJob(api, () => api.call('prelabel:start', { modelSetId: set.id, providers: ['cpu'] }));
      const job = (await api.call('job:list', { kind: 'prelabel' })).find((j) => j.modelSetId === set.id)!;
      const failing = m.name === 'nan' ? ids.filter((_, i) => hot[i]) : ids;
      expect(events.at(-1)).toMatchObject({ status: 'done', failed: failing.length, done: N - failing.length });
      expect(job.failures.map((f) => f.imageId).sort()).toEqual([...failing].sort());
      for (const f of job.failures) expect(f.error).toMatch(want);
      for (let i = 0; i < N; i++) {
        const revs = await api.call('revision:list', { imageId: ids[i] });
        const written = revs.some((r) => r.author === `model set "${m.name}"`);
        expect(written, `image ${i}`).toBe(!failing.includes(ids[i]));
      }
    }
  });
});
