/**
 * `parsel prelabel --faces box` through a freshly built CLI bundle (with its worker scripts beside it,
 * as scripts/build-cli.mjs builds them): boxes drawn on one image (set through the service, as the
 * editor does) are parsed; the image without one is skipped, and the summary and stderr say why.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { buildCliBundle } from '../tooling/cli-bundle';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { colourRuleModel } from '../tooling/onnx-gen';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, 'out', 'test-cli-faceboxes');
const dir = mkdtempSync(join(tmpdir(), 'parsel-cli-faceboxes-'));
const env = { ...process.env, PARSEL_USER_DATA: join(dir, 'user') };
const LAPA = getSchema('lapa-11');
const centroids = LAPA.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);

function parsel(...args: string[]) {
  const r = spawnSync(process.execPath, [join(OUT, 'run.mjs'), ...args], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  await buildCliBundle(OUT, { workers: true });
  writeFileSync(join(dir, 'face.onnx'), colourRuleModel({ centroids }));
  writeFileSync(
    join(dir, 'face.card.json'),
    JSON.stringify({ name: 'face colour', input: { name: 'image', width: 24, height: 24 }, output: { kind: 'logits' }, labels: 'lapa-11', expects: 'face' }),
  );
  mkdirSync(join(dir, 'img'));
  for (let i = 0; i < 2; i++) {
    const f = generateFace({ seed: 900 + i, width: 64, height: 48, schema: LAPA });
    await sharp(Buffer.from(f.rgb), { raw: { width: 64, height: 48, channels: 3 } }).png().toFile(join(dir, 'img', `i${i}.png`));
  }
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsel prelabel --faces box', () => {
  it('parses the drawn boxes; an image without one is skipped with the reason (exit 0)', async () => {
    expect(parsel('init', 'p.parsel', '--schema', 'lapa-11').code).toBe(0);
    expect(parsel('add', 'p.parsel', 'img').code).toBe(0);
    const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user-direct') });
    try {
      const api = directClient(backend.services, backend.bus);
      await api.call('project:open', { path: join(dir, 'p.parsel') });
      const [first] = (await api.call('image:list', {})).items;
      expect(first.path).toBe('img/i0.png');
      await api.call('faceBox:set', { imageId: first.id, boxes: [{ x0: 20, y0: 12, x1: 36, y1: 28 }] });
    } finally {
      backend.close();
    }

    const r = parsel('prelabel', 'p.parsel', '--model', 'face.onnx', '--faces', 'box', '--margin', '0.25', '--provider', 'cpu');
    expect(r.err).toMatch(/created model set 1 "models 1 box 0.25"/);
    expect(r.out).toMatch(/^done: 2 of 2 images pre-labelled on cpu \(1 model revisions, 0 kept their human\/import revisions, 1 skipped: no face box drawn, 0 failed\)/);
    expect(r.err).toMatch(/^skipped: image 2: no face box drawn$/m);
    expect(r.code).toBe(0);

    const db = new Database(join(dir, 'p.parsel'), { readonly: true });
    try {
      expect(db.prepare('SELECT image_id, kind FROM revision ORDER BY image_id').all()).toEqual([{ image_id: 1, kind: 'model' }]);
      expect(db.prepare('SELECT id, status FROM image ORDER BY id').all()).toEqual([
        { id: 1, status: 'prelabeled' },
        { id: 2, status: 'unlabeled' },
      ]);
      expect(db.prepare('SELECT image_id, state, error FROM job_item ORDER BY image_id').all()).toEqual([
        { image_id: 1, state: 'done', error: null },
        { image_id: 2, state: 'skipped', error: 'no face box drawn' },
      ]);
    } finally {
      db.close();
    }
  });
});
