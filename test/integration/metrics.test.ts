/**
 * metrics:agreement and metrics:stats through the services on a real project file (Helen schema):
 * every label source (head, kind, author, revision ids, model set), selections, skipped images, the
 * Helen overall F1, specific errors; the same through the built CLI bundle (exit codes, --json).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCliBundle } from '../tooling/cli-bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sliced } from '../../src/main/services/domains/metrics';
import { writePrediction } from '../../src/main/services/predictions';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { encodeMask } from '../../src/shared/mask/codec';
import { HELEN_11 } from '../../src/shared/schema';
import { makeExportProject, type ExportProject } from '../tooling/export-project';
import { softTeacher } from '../tooling/noise-project';
import { expectCode } from '../tooling/api-expect';

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'out', 'test-metrics-cli', 'parsel.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parsel-metrics-'));
const SIZE = 48;
const idx = (n: string) => HELEN_11.classes.find((c) => c.name === n)!.index;
const L_EYE = idx('l_eye');
const R_EYE = idx('r_eye');
let P: ExportProject;
let modelSetId: number;
/** Image id → the map saved by alice (l_eye relabelled r_eye), for the first two images. */
const alice = new Map<number, Uint8Array>();
const aliceRev = new Map<number, number>();

function parsel(...args: string[]) {
  const script = `const { main } = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)}); process.exitCode = await main(${JSON.stringify(args)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: { ...process.env, PARSEL_USER_DATA: join(dir, 'user') }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const swapEye = (m: Uint8Array) => m.map((v) => (v === L_EYE ? R_EYE : v));
const count = (m: Uint8Array, v: number) => m.reduce((s, x) => s + (x === v ? 1 : 0), 0);

beforeAll(async () => {
  await buildCliBundle(dirname(BUNDLE));
  P = await makeExportProject(dir, { count: 4, size: SIZE, schemaId: 'helen-11', userDataDir: join(dir, 'user'), meta: (i) => ({ split: i < 2 ? 'train' : 'test', source: 'synthetic' }) });
  for (const id of P.ids.slice(0, 2)) {
    const m = swapEye(P.masks.get(id)!);
    expect(count(P.masks.get(id)!, L_EYE)).toBeGreaterThan(0);
    const head = (await P.api.call('image:get', { id })).headRevisionId;
    const r = await P.api.call('revision:save', { imageId: id, parentId: head, kind: 'human', author: 'alice', mask: encodeMask(m, SIZE, SIZE) });
    alice.set(id, m);
    aliceRev.set(id, r.id);
  }
  // A model set whose cached prediction of image 1 is alice's map (soft one-hot); none for the others.
  const store = ProjectStore.open(P.file);
  modelSetId = Number(storeDb(store).prepare(`INSERT INTO model_set(name, members, tta, created_at) VALUES ('teacher', '[]', 'none', ?)`).run(new Date().toISOString()).lastInsertRowid);
  const first = P.ids[0];
  const sha = storeDb(store).prepare('SELECT sha256 FROM image WHERE id = ?').pluck().get(first) as string;
  writePrediction(store, { imageId: first, modelSetId, imageSha256: sha, width: SIZE, height: SIZE, classes: 11, provider: 'test' }, { probs: softTeacher(alice.get(first)!, 11) });
  store.close();
}, 120_000);

afterAll(() => {
  P.backend.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Expected figures of import vs alice over images `ids`, by hand from the masks. */
function expectedEyes(ids: number[]) {
  let nl = 0;
  let nr = 0;
  for (const id of ids) {
    nl += count(P.masks.get(id)!, L_EYE);
    nr += count(P.masks.get(id)!, R_EYE);
  }
  // l_eye: TP 0 → F1 0, IoU 0. r_eye: TP nr, GT nr, Pred nr + nl.
  return { l: 0, rF1: (2 * nr) / (2 * nr + nl), rIoU: nr / (nr + nl) };
}

describe('metrics:agreement', () => {
  it('import vs alice: per-class F1/IoU by hand, Helen overall F1 1 (eye swap stays in the group), two images skipped', async () => {
    const r = await P.api.call('metrics:agreement', { a: { kind: 'import' }, b: { author: 'alice' } });
    expect(r).toMatchObject({ schemaId: 'helen-11', helenLike: true, images: 2, skippedCount: 2 });
    expect(r.skipped.map((s) => s.reason)).toEqual(["b: no latest revision by 'alice'", "b: no latest revision by 'alice'"]);
    const e = expectedEyes(P.ids.slice(0, 2));
    const cls = (f: typeof r.overall, n: string) => f.classes.find((c) => c.name === n)!;
    expect(cls(r.overall, 'l_eye').f1).toBe(0);
    expect(cls(r.overall, 'r_eye').f1).toBeCloseTo(e.rF1, 12);
    expect(cls(r.overall, 'r_eye').iou).toBeCloseTo(e.rIoU, 12);
    expect(cls(r.overall, 'skin').f1).toBe(1);
    expect(r.overall.helenOverallF1).toBe(1);
    // Mean F1 without background: 10 classes, those present are 1 except l_eye (0) and r_eye.
    const present = r.overall.classes.filter((c) => c.index !== 0 && c.f1 !== null);
    expect(r.overall.meanF1).toBeCloseTo(present.reduce((s, c) => s + c.f1!, 0) / present.length, 12);
    expect(r.overall.meanF1).toBeLessThan(1);
    expect(r.overall.pixels).toBe(2 * SIZE * SIZE);
    expect(r.perImage.map((p) => [p.imageId, p.b])).toEqual(P.ids.slice(0, 2).map((id) => [id, aliceRev.get(id)]));
    expect(r.perImage[0].figures.pixels).toBe(SIZE * SIZE);
  });

  it('head is alice where she saved; a selection by split; revision ids; perImage off', async () => {
    const r = await P.api.call('metrics:agreement', { a: 'head', b: { author: 'alice' }, selection: { split: ['train'] }, perImage: false });
    expect(r.images).toBe(2);
    expect(r.overall.meanF1).toBe(1);
    expect(r.perImage).toEqual([]);
    const revs = P.ids.slice(0, 2).map((id) => aliceRev.get(id)!);
    const byIds = await P.api.call('metrics:agreement', { a: { kind: 'import' }, b: { revisionIds: revs } });
    expect(byIds.overall.classes.find((c) => c.index === R_EYE)!.f1).toBeCloseTo(expectedEyes(P.ids.slice(0, 2)).rF1, 12);
    const test = await P.api.call('metrics:agreement', { a: 'head', b: { kind: 'import' }, selection: { split: ['test'] } });
    expect(test).toMatchObject({ images: 2, skippedCount: 0 });
    expect(test.overall.meanF1).toBe(1);
  });

  it('a model set side is the arg-max of its cached prediction', async () => {
    const r = await P.api.call('metrics:agreement', { a: { kind: 'import' }, b: { modelSet: modelSetId } });
    expect(r.images).toBe(1);
    expect(r.skippedCount).toBe(3);
    expect(r.skipped[0].reason).toBe(`b: no cached prediction by model set ${modelSetId}`);
    expect(r.overall.classes.find((c) => c.index === R_EYE)!.f1).toBeCloseTo(expectedEyes([P.ids[0]]).rF1, 12);
  });

  it('refuses unknown revisions, two revisions of one image, an unknown model set or image', async () => {
    await expectCode(P.api.call('metrics:agreement', { a: 'head', b: { revisionIds: [999999] } }), 'NOT_FOUND', /revision 999999 does not exist/);
    const id = P.ids[0];
    const two = [aliceRev.get(id)!, (await P.api.call('revision:list', { imageId: id })).find((r) => r.kind === 'import')!.id];
    await expectCode(P.api.call('metrics:agreement', { a: 'head', b: { revisionIds: two } }), 'INVALID_INPUT', new RegExp(`both belong to image ${id}`));
    await expectCode(P.api.call('metrics:agreement', { a: 'head', b: { modelSet: 4242 } }), 'NOT_FOUND', /model set 4242 does not exist/);
    await expectCode(P.api.call('metrics:agreement', { a: 'head', b: 'head', selection: { imageIds: [777] } }), 'NOT_FOUND', /image 777 does not exist/);
    await expectCode(P.api.call('metrics:agreement', { a: 'latest' as never, b: 'head' }), 'BAD_REQUEST', /./);
  });
});

describe('metrics:stats', () => {
  it('per-class pixel ratios and presence over a selection, from the chosen source', async () => {
    const r = await P.api.call('metrics:stats', {});
    expect(r).toMatchObject({ schemaId: 'helen-11', images: 4, withoutMask: 0, pixels: 4 * SIZE * SIZE });
    // Heads: alice's maps for the first two images, the imported ones for the rest.
    const heads = P.ids.map((id) => alice.get(id) ?? P.masks.get(id)!);
    for (const c of r.classes) {
      const n = heads.reduce((s, m) => s + count(m, c.index), 0);
      expect(c.pixels).toBe(n);
      expect(c.ratio).toBeCloseTo(n / (4 * SIZE * SIZE), 12);
      expect(c.presentIn).toBe(heads.filter((m) => count(m, c.index) > 0).length);
    }
    expect(r.classes.find((c) => c.index === L_EYE)!.presentIn).toBe(heads.filter((m) => count(m, L_EYE) > 0).length);
    const alices = await P.api.call('metrics:stats', { source: { author: 'alice' } });
    expect(alices).toMatchObject({ images: 2, withoutMask: 2 });
    expect(alices.classes[L_EYE].pixels).toBe(0);
    const test = await P.api.call('metrics:stats', { selection: { split: ['test'], status: ['unlabeled', 'prelabeled', 'in_progress', 'done', 'reviewed'] } });
    expect(test.images).toBe(2);
  });
});

describe('long runs: progress, cancel, the event loop', () => {
  it('metrics:agreement / metrics:stats report progress under their job id and end "done"', async () => {
    const events: { jobId: string; kind: string; phase: string; done: number; total: number; status?: string }[] = [];
    const off = P.api.on('job:progress', (e) => events.push(e));
    const r = await P.api.call('metrics:agreement', { a: { kind: 'import' }, b: 'head', jobId: 'agree-1' });
    const s = await P.api.call('metrics:stats', { jobId: 'stats-1' });
    off();
    expect(r.status).toBe('done');
    expect(s.status).toBe('done');
    const of = (id: string) => events.filter((e) => e.jobId === id);
    expect(of('agree-1')[0]).toMatchObject({ kind: 'metrics', phase: 'agreement', done: 0, total: 4, status: 'running' });
    expect(of('agree-1').at(-1)).toMatchObject({ done: 4, total: 4, status: 'done' });
    expect(of('stats-1').at(-1)).toMatchObject({ kind: 'metrics', phase: 'stats', done: 4, status: 'done' });
    expect(await P.api.call('metrics:cancel', { jobId: 'agree-1' })).toEqual({ cancelled: false });
  });

  it('sliced: yields the event loop between slices, stops on cancel, and refuses a closed project', async () => {
    const emitted: { done: number; status?: string }[] = [];
    let project: object | null = {};
    const fake = { bus: { emit: (_n: string, e: { done: number; status?: string }) => emitted.push(e) }, current: () => project } as unknown as Parameters<typeof sliced>[0];
    const busy = (ms: number) => {
      const t = performance.now();
      while (performance.now() - t < ms);
    };
    // Other work gets turns while it runs: an immediate scheduled at the start runs before the end.
    let other = 0;
    const ping = () => {
      other++;
      if (other < 1000) setImmediate(ping);
    };
    setImmediate(ping);
    let steps = 0;
    expect(await sliced(fake, Array.from({ length: 30 }, (_, i) => i), () => (steps++, busy(3)), { id: 'x', phase: 'test', cancelled: () => false })).toBe('done');
    expect(steps).toBe(30);
    expect(other).toBeGreaterThan(2);
    expect(emitted[0]).toMatchObject({ done: 0, status: 'running' });
    expect(emitted.at(-1)).toMatchObject({ done: 30, status: 'done' });

    emitted.length = 0;
    steps = 0;
    expect(await sliced(fake, Array.from({ length: 30 }, (_, i) => i), () => (steps++, busy(3)), { id: 'x', phase: 'test', cancelled: () => steps >= 10 })).toBe('cancelled');
    expect(steps).toBeGreaterThanOrEqual(10);
    expect(steps).toBeLessThan(30);
    expect(emitted.at(-1)).toMatchObject({ done: steps, status: 'cancelled' });

    steps = 0;
    const closing = sliced(fake, Array.from({ length: 30 }, (_, i) => i), () => {
      steps++;
      busy(3);
      if (steps === 5) project = {};
    }, { id: 'x', phase: 'test', cancelled: () => false });
    await expect(closing).rejects.toMatchObject({ code: 'NO_PROJECT', message: 'test: the project was closed during the computation' });
  });
});

describe('parsel agreement / parsel stats (built bundle)', () => {
  it('agreement --json and text; exit 0', () => {
    const j = parsel('agreement', P.file, '--a', 'kind:import', '--b', 'author:alice', '--json');
    expect(j.code).toBe(0);
    const r = JSON.parse(j.out);
    expect(r).toMatchObject({ images: 2, skippedCount: 2, helenLike: true });
    expect(r.overall.helenOverallF1).toBe(1);
    const t = parsel('agreement', P.file, '--a', 'head', '--b', `model-set:${modelSetId}`, '--per-image');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/1 images compared, 3 skipped/);
    expect(t.out).toMatch(/Helen overall F1/);
    expect(t.out).toMatch(new RegExp(`image ${P.ids[0]}  a \\d+  b prediction`));
    expect(t.err).toMatch(/skipped image \d+: b: no cached prediction/);
  });

  it('usage errors exit 2, refusals exit 3', () => {
    expect(parsel('agreement', P.file, '--a', 'head').code).toBe(2);
    const bad = parsel('agreement', P.file, '--a', 'head', '--b', 'kind:robot');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown revision kind "robot"/);
    expect(parsel('agreement', P.file, '--a', 'head', '--b', 'latest').code).toBe(2);
    const none = parsel('agreement', P.file, '--a', 'head', '--b', 'author:nobody');
    expect(none.code).toBe(3);
    expect(none.err).toMatch(/no image of the selection has a map on both sides/);
    const missing = parsel('agreement', P.file, '--a', 'head', '--b', 'rev:999999');
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/revision 999999 does not exist in this project \[NOT_FOUND\]/);
    expect(parsel('stats', join(dir, 'nope.parsel')).code).toBe(3);
  });

  it('stats --split --json and text', () => {
    const j = parsel('stats', P.file, '--split', 'train', '--json');
    expect(j.code).toBe(0);
    const r = JSON.parse(j.out);
    expect(r.images).toBe(2);
    expect(r.classes.reduce((s: number, c: { ratio: number }) => s + c.ratio, 0)).toBeCloseTo(1, 9);
    const t = parsel('stats', P.file, '--of', 'kind:import');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/schema helen-11; 4 images \(0 without a mask\)/);
    expect(t.out).toMatch(/^l_eye\s+[\d.]+ %\s+\d+\s+[\d.]+ %$/m);
    expect(parsel('stats', P.file, '--status', 'lost').code).toBe(2);
  });
});
