/**
 * `parsel demo` through a freshly built CLI bundle (with the generator threads beside it): the project,
 * its images, the import revisions against the generator's masks, the ground-truth file against the
 * stored labels, refusals and usage errors, and the demo models registered as the model set "demo"
 * (generated stand-ins: test/tooling/demo-models.ts) — or the plain message when there are none.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import type { SampleGroundTruth } from '../../src/main/services/sample-project';
import { writeSampleFaces } from '../../src/main/services/sample-faces';
import { decodeMask } from '../../src/shared/mask/codec';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { buildCliBundle } from '../tooling/cli-bundle';
import { writeDemoModels } from '../tooling/demo-models';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, 'out', 'test-cli-demo');
const dir = mkdtempSync(join(tmpdir(), 'parsel-cli-demo-'));
const env = { ...process.env, PARSEL_USER_DATA: join(dir, 'user') };
const SCHEMA = getSchema('celebamask-hq-a');

function parsel(...args: string[]) {
  const r = spawnSync(process.execPath, [join(OUT, 'run.mjs'), ...args], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every image of a project with its import revision's mask, by file name. */
async function importLabels(file: string): Promise<Map<string, { mask: Uint8Array; revisions: number }>> {
  const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
  try {
    await backend.openProject(file);
    const api = directClient(backend.services, backend.bus);
    const out = new Map<string, { mask: Uint8Array; revisions: number }>();
    for (const img of (await api.call('image:list', { limit: 5000 })).items) {
      const revs = await api.call('revision:list', { imageId: img.id });
      const imp = revs.filter((r) => r.kind === 'import');
      expect(imp).toHaveLength(1);
      out.set(basename(img.path), { mask: decodeMask(await api.call('revision:mask', { revisionId: imp[0].id })), revisions: revs.length });
    }
    return out;
  } finally {
    backend.close();
  }
}

beforeAll(async () => {
  await buildCliBundle(OUT, { workers: true });
  writeDemoModels(join(dir, 'demo-models'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsel demo', () => {
  it('makes the project: images, import labels equal to the generator masks except the corrupted ones, exact ground truth', async () => {
    const r = parsel('demo', 'sample.parsel', '--count', '12', '--size', '128', '--noise', '0.25', '--seed', '40', '--no-models');
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`created ${join(dir, 'sample.parsel')}`);
    expect(r.out).toContain('corrupted on purpose: 3 of 12 labels');
    expect(r.out).not.toMatch(/demo models/);

    const images = readdirSync(join(dir, 'sample-faces', 'images')).sort();
    expect(images).toEqual(Array.from({ length: 12 }, (_, i) => `face_${String(i).padStart(5, '0')}.jpg`));
    const truth = JSON.parse(readFileSync(join(dir, 'sample-faces', 'ground-truth.json'), 'utf8')) as SampleGroundTruth;
    expect(truth.generator).toMatchObject({ count: 12, size: 128, noise: 0.25, seed: 40, schema: 'celebamask-hq-a' });
    expect(truth.generator.types).not.toContain('boundary_jitter');
    expect(truth.images.map((i) => i.file)).toEqual(images);
    expect(truth.corrupted).toBe(3);
    expect(truth.images.filter((i) => i.corrupted)).toHaveLength(3);

    const labels = await importLabels(join(dir, 'sample.parsel'));
    expect(labels.size).toBe(12);
    const types = new Set<string>();
    truth.images.forEach((entry, i) => {
      const clean = generateFace({ seed: 40 + i, width: 128, height: 128, schema: SCHEMA }).mask;
      const stored = labels.get(entry.file)!;
      expect(stored.revisions).toBe(1);
      let diff = 0;
      for (let p = 0; p < clean.length; p++) if (clean[p] !== stored.mask[p]) diff++;
      if (!entry.corrupted) {
        expect(entry.corruptions, entry.file).toEqual([]);
        expect(diff, `${entry.file} is listed clean`).toBe(0);
      } else {
        expect(entry.corruptions, entry.file).toHaveLength(1);
        const c = entry.corruptions[0];
        types.add(c.type);
        expect(c.area).toBeGreaterThan(0);
        expect(typeof c.what).toBe('string');
        expect(diff, `${entry.file}: ${c.type} ${c.what}`).toBe(c.area);
      }
    });
    expect(types.size).toBeGreaterThan(0);
  }, 120_000);

  it('refuses an existing project file (exit 3) and leaves it alone', () => {
    const before = readFileSync(join(dir, 'sample.parsel'));
    const r = parsel('demo', 'sample.parsel', '--count', '2', '--size', '64', '--no-models');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/already exists.*sample\.parsel.*\[ALREADY_EXISTS\]/);
    expect(readFileSync(join(dir, 'sample.parsel')).equals(before)).toBe(true);
    expect(readdirSync(join(dir, 'sample-faces', 'images'))).toHaveLength(12);
  });

  it('usage errors name the option (exit 2); --help lists the options', () => {
    const bad = parsel('demo', 'x.parsel', '--noise', '1.5');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--noise must be a number from 0 to 1, got "1.5"');
    expect(parsel('demo', 'x.parsel', '--count', '2.5').err).toContain('--count must be an integer');
    expect(parsel('demo').err).toContain('missing argument: <file.parsel>');
    expect(parsel('demo', 'x.parsel', '--no-models', '--models-dir', 'm').code).toBe(2);
    expect(existsSync(join(dir, 'x.parsel'))).toBe(false);
    const help = parsel('demo', '--help');
    expect(help.code).toBe(0);
    for (const o of ['--count', '--size', '--noise', '--seed', '--no-models', '--models-dir']) expect(help.out).toContain(o);
    expect(parsel('--help').out).toMatch(/\n {2}demo +create the sample project/);
  });

  it('registers the demo models as the model set "demo" with flip TTA, ready to pre-label', () => {
    const r = parsel('demo', 'withmodels.parsel', '--count', '4', '--size', '64', '--models-dir', join(dir, 'demo-models'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/model set "demo" \(id \d+\): 3 models, TTA flip/);
    expect(r.out).toContain('parsel prelabel withmodels.parsel --model-set demo');
    const list = parsel('models', 'list', 'withmodels.parsel', '--json');
    expect(list.code).toBe(0);
    const models = JSON.parse(list.out) as { models: { name: string; path: string }[]; sets: { name: string; modelIds: number[]; tta: string }[] };
    expect(models.models.map((m) => basename(m.path)).sort()).toEqual(['snapshot-1.onnx', 'snapshot-2.onnx', 'snapshot-3.onnx']);
    expect(models.sets).toHaveLength(1);
    expect(models.sets[0]).toMatchObject({ name: 'demo', tta: 'flip' });
    expect(models.sets[0].modelIds).toHaveLength(3);
    const pre = parsel('prelabel', 'withmodels.parsel', '--model-set', 'demo', '--quiet');
    expect(pre.code, pre.err).toBe(0);
    expect(pre.out).toMatch(/done: 4 of 4 images pre-labelled/);
    // Ready to scan (the stand-in models disagree with every label; what is checked is that it runs) and export.
    const scan = parsel('scan', 'withmodels.parsel', '--model-set', 'demo', '--quiet');
    expect(scan.code, scan.err).toBe(0);
    expect(scan.out).toContain('scanned 4 of 4 images with a mask (0 without a cached prediction');
    const exp = parsel('export', 'withmodels.parsel', 'exported', '--format', 'dml-csr', '--splits', '0.5,0.25,0.25');
    expect(exp.code, exp.err).toBe(0);
    expect(exp.out).toContain('exported 4 images');
  }, 120_000);

  it('without demo models the project is still made and the output says so and how to add models', () => {
    const r = parsel('demo', 'nomodels.parsel', '--count', '3', '--size', '64', '--models-dir', join(dir, 'nowhere'));
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(dir, 'nomodels.parsel'))).toBe(true);
    expect(r.out).toContain(`no demo models: the folder ${join(dir, 'nowhere')} does not exist`);
    expect(r.out).toContain('No demo models were found');
    expect(r.out).toContain('parsel models add nomodels.parsel <model.onnx>');
    const list = JSON.parse(parsel('models', 'list', 'nomodels.parsel', '--json').out) as { sets: unknown[] };
    expect(list.sets).toEqual([]);
  }, 60_000);
});

describe('writeSampleFaces', () => {
  it('makes the same files and labels on one thread as on two (generator threads)', async () => {
    // 20 images: enough for two threads (each gets at least 16 images' worth, sample-faces.ts).
    const o = { count: 20, size: 64, noise: 0.4, seed: 3 };
    const one = join(dir, 'threads-1');
    const two = join(dir, 'threads-2');
    mkdirSync(one);
    mkdirSync(two);
    const a = await writeSampleFaces(one, o, { threads: 1 });
    const b = await writeSampleFaces(two, o, { threads: 2 });
    expect(b.map((f) => basename(f.path))).toEqual(a.map((f) => basename(f.path)));
    for (let i = 0; i < o.count; i++) {
      expect(readFileSync(b[i].path).equals(readFileSync(a[i].path)), a[i].path).toBe(true);
      expect(b[i].label).toEqual(a[i].label);
      expect(b[i].corruptions).toEqual(a[i].corruptions);
    }
    expect(a.filter((f) => f.corruptions.length > 0)).toHaveLength(8);
  }, 60_000);
});
