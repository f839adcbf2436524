/**
 * The scan's teacher check and label-error estimate (issue 12): a teacher that agrees with the labels
 * passes the check and the estimate counts the corrupted images; a teacher that does not (its classes
 * permuted: a model of another schema order, say) is reported with its figure, and its flags are kept but
 * marked low-confidence. Both are stored (migration: `scan`, `image_score.likely_errors`,
 * `flag.low_confidence`) and shown on the queue.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { writePrediction } from '../../src/main/services/predictions';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { DEFAULT_MIN_TEACHER_F1, LIKELY_ERROR_SHARE } from '../../src/shared/noise';
import { makeNoiseProject, softTeacher, type NoiseProject } from '../tooling/noise-project';

const dir = mkdtempSync(join(tmpdir(), 'parsel-noise-estimate-'));
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);
let P: NoiseProject;
let badSetId: number;
const K = 19;

beforeAll(async () => {
  P = await makeNoiseProject(api, dir, {
    count: 6,
    size: 96,
    corruptions: [['class_swap'], ['drop_part', 'lip_swap'], ['lr_swap'], [], [], []],
  });
  // A second model set whose teacher has every class moved one index up: confident, and wrong everywhere.
  const store = ProjectStore.open(P.file);
  try {
    const now = new Date().toISOString();
    const modelId = storeDb(store).prepare('SELECT id FROM model LIMIT 1').pluck().get() as number;
    badSetId = Number(
      storeDb(store).prepare(`INSERT INTO model_set(name, members, tta, created_at) VALUES ('permuted', ?, 'none', ?)`).run(JSON.stringify([modelId]), now).lastInsertRowid,
    );
    const sha = storeDb(store).prepare('SELECT sha256 FROM image WHERE id = ?').pluck();
    for (const im of P.images) {
      writePrediction(
        store,
        { imageId: im.id, modelSetId: badSetId, imageSha256: sha.get(im.id) as string, width: P.size, height: P.size, classes: K, provider: 'test' },
        { probs: softTeacher(im.clean.map((v) => (v + 1) % K), K) },
      );
    }
  } finally {
    store.close();
  }
}, 60_000);

describe('teacher check and label-error estimate', () => {
  it('a teacher that agrees with the labels passes; the estimate counts the corrupted images', async () => {
    const r = await api.call('noise:scan', { modelSetId: P.modelSetId });
    expect(r.teacher).toMatchObject({ ok: true, images: 6, minMeanF1: DEFAULT_MIN_TEACHER_F1 });
    expect(r.teacher!.meanF1).toBeGreaterThan(0.8);
    // Likely errors are the flags of at least LIKELY_ERROR_SHARE of the image's pixels' worth; here they
    // are on corrupted images only, and on most of them (a swapped pair of 96² eyes can stay below it).
    const min = LIKELY_ERROR_SHARE * P.size * P.size;
    const all = await api.call('noise:flags', { top: 10 });
    const likely = all.filter((it) => it.flags.some((f) => f.score >= min));
    expect(r.likelyImages).toBe(likely.length);
    expect(r.likelyRegions).toBe(all.reduce((a, it) => a + it.flags.filter((f) => f.score >= min).length, 0));
    const corrupted = new Set(P.images.filter((im) => im.regions.length > 0).map((im) => im.id));
    expect(likely.every((it) => corrupted.has(it.imageId))).toBe(true);
    expect(r.likelyImages).toBeGreaterThanOrEqual(2);
    expect(r.scanId).toEqual(expect.any(Number));

    const q = await api.call('noise:queue', { modelSetId: P.modelSetId });
    expect(q.summary).toEqual({ scanned: 6, likelyImages: r.likelyImages, likelyRegions: r.likelyRegions, teacher: r.teacher });
    const flags = await api.call('noise:flags', { top: 10 });
    expect(flags.flatMap((f) => f.flags).every((f) => !f.lowConfidence)).toBe(true);

    const store = ProjectStore.open(P.file);
    try {
      const row = storeDb(store).prepare('SELECT status, scanned, model_set_id FROM scan WHERE id = ?').get(r.scanId) as Record<string, unknown>;
      expect(row).toEqual({ status: 'done', scanned: 6, model_set_id: P.modelSetId });
    } finally {
      store.close();
    }
  });

  it('a teacher that agrees poorly is reported with its figure; its flags are kept, marked low-confidence', async () => {
    const r = await api.call('noise:scan', { modelSetId: badSetId });
    expect(r.teacher!.ok).toBe(false);
    expect(r.teacher!.meanF1).toBeLessThan(0.2);
    expect(r.openFlags).toBeGreaterThan(0);
    const q = await api.call('noise:queue', { modelSetId: badSetId });
    expect(q.summary.teacher).toEqual(r.teacher);
    const flags = (await api.call('noise:queue', { modelSetId: badSetId, limit: 100 })).items;
    expect(flags.length).toBeGreaterThan(0);
    const one = await api.call('noise:flags', { imageId: flags[0].imageId });
    expect(one[0].flags.length).toBeGreaterThan(0);
    expect(one[0].flags.every((f) => f.lowConfidence)).toBe(true);

    // The threshold is an option: at 0 the same teacher passes and its flags are not marked.
    const lenient = await api.call('noise:scan', { modelSetId: badSetId, options: { minTeacherF1: 0 } });
    expect(lenient.teacher).toMatchObject({ ok: true, minMeanF1: 0 });
    const again = await api.call('noise:flags', { imageId: flags[0].imageId });
    expect(again[0].flags.every((f) => !f.lowConfidence)).toBe(true);
  });
});
