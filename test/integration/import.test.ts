/**
 * Dataset import through the service API, per format: a small dataset written in the format's own layout
 * (test/tooling/formats.ts) from the synthetic generator, imported, and every mask compared pixel for
 * pixel with the ground truth; splits and landmarks checked; resume; schema refusal.
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import type { ParselApi } from '../../src/shared/api/contract';
import { ParselError } from '../../src/shared/api/errors';
import type { ImportFormatId } from '../../src/shared/api/methods-import';
import { decodeMask } from '../../src/shared/mask/codec';
import { getSchema } from '../../src/shared/schema';
import { writeSyntheticFolder } from '../tooling/dataset';
import {
  paintPartsReference,
  writeCelebAMaskHq,
  writeColorFolder,
  writeFaceSynthetics,
  writeHelen,
  writeIbugmask,
  writeIndexFolder,
  writeLapa,
  type WrittenItem,
} from '../tooling/formats';

const root = mkdtempSync(join(tmpdir(), 'parsel-import-'));
let n = 0;

async function project(schemaId: string): Promise<{ api: ParselApi; file: string; close: () => void }> {
  const dir = join(root, `p${n++}`);
  mkdirSync(dir, { recursive: true });
  const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
  const api = directClient(backend.services, backend.bus);
  const file = join(dir, 'proj.parsel');
  await api.call('project:create', { path: file, schemaId });
  return { api, file, close: () => backend.close() };
}

/** Every image of the project by absolute path (datasets live outside the project folder). */
async function byPath(api: ParselApi) {
  const page = await api.call('image:list', { limit: 5000 });
  return new Map(page.items.map((i) => [i.path, i]));
}

async function checkMasks(api: ParselApi, items: WrittenItem[]): Promise<void> {
  const imgs = await byPath(api);
  expect(imgs.size).toBe(items.length);
  for (const it of items) {
    const img = imgs.get(it.image);
    expect(img, it.image).toBeDefined();
    expect([img!.width, img!.height]).toEqual([it.width, it.height]);
    expect(img!.split).toBe(it.split);
    expect(img!.status).toBe('done');
    const revs = await api.call('revision:list', { imageId: img!.id });
    expect(revs.map((r) => r.kind)).toEqual(['import']);
    const m = decodeMask(await api.call('revision:mask', { revisionId: img!.headRevisionId! }));
    let diff = 0;
    for (let i = 0; i < m.length; i++) if (m[i] !== it.mask[i]) diff++;
    expect(diff, `${it.image}: pixels differing from ground truth`).toBe(0);
  }
}

function landmarksOf(file: string): Map<string, { source: string; points: [number, number][] }> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT i.path, l.source, l.points FROM landmark l JOIN image i ON i.id = l.image_id').all() as {
      path: string;
      source: string;
      points: string;
    }[];
    return new Map(rows.map((r) => [r.path, { source: r.source, points: JSON.parse(r.points) as [number, number][] }]));
  } finally {
    db.close();
  }
}

async function run(api: ParselApi, path: string, format?: ImportFormatId, extra: Record<string, unknown> = {}) {
  const r = await api.call('import:run', { path, ...(format ? { format } : {}), onProblem: 'abort', ...extra });
  expect(r.problems).toEqual([]);
  expect(r.status).toBe('done');
  return r;
}

describe('import per format (pixel-exact against the generator)', () => {
  it('CelebAMask-HQ, non-overlapping parts, 2× images (masks upscaled), splits from mapping + partition', async () => {
    const ds = await writeCelebAMaskHq(join(root, 'celeba1'), { count: 6, maskSize: 64, imageSize: 128, splits: ['train', 'val', 'test'], firstId: 1998 });
    const p = await project('celebamask-hq-a');
    expect((await p.api.call('import:detect', { path: ds.dir })).best).toBe('celebamask-hq');
    const r = await run(p.api, ds.dir);
    expect(r.imported).toBe(6);
    expect(r.paintOrder).toBe('celebamask-hq-a');
    expect(r.bySplit).toEqual({ train: 2, val: 2, test: 2 });
    await checkMasks(p.api, ds.items);
    p.close();
  });

  for (const order of ['celebamask-hq-a', 'celebamask-hq-b', 'celebamask-hq-c']) {
    it(`CelebAMask-HQ overlapping parts painted in order ${order.slice(-1).toUpperCase()} (higher index wins), RGB masks`, async () => {
      const schema = getSchema(order);
      const ds = await writeCelebAMaskHq(join(root, `celeba-${order}`), { count: 4, maskSize: 96, overlap: 3, maskColour: 'rgb', seed: 7 }, schema);
      const p = await project(order);
      await run(p.api, ds.dir);
      await checkMasks(p.api, ds.items);
      p.close();
    });
  }

  it('CelebAMask-HQ: the stated winners of FORMATS.md (A: cloth over neck, eyes over glasses; B: glasses over eyes; C: necklace over everything)', () => {
    const nPx = 1;
    const parts = (names: string[]) => new Map(names.map((k) => [k, new Uint8Array([1])]));
    const winner = (order: string, names: string[]) => {
      const s = getSchema(order);
      const v = paintPartsReference(parts(names), nPx, s, s)[0];
      return s.classes[v].name;
    };
    expect(winner('celebamask-hq-a', ['neck', 'cloth'])).toBe('cloth');
    expect(winner('celebamask-hq-a', ['eye_g', 'l_eye'])).toBe('l_eye');
    expect(winner('celebamask-hq-b', ['eye_g', 'l_eye'])).toBe('eye_g');
    expect(winner('celebamask-hq-b', ['hair', 'hat'])).toBe('hat');
    expect(winner('celebamask-hq-c', ['neck_l', 'cloth', 'hair', 'skin', 'hat'])).toBe('neck_l');
  });

  it('CelebAMask-HQ with a chosen order differing from the project schema paints in that order, writes project indices', async () => {
    const b = getSchema('celebamask-hq-b');
    const a = getSchema('celebamask-hq-a');
    const ds = await writeCelebAMaskHq(join(root, 'celeba-b-into-a'), { count: 3, maskSize: 80, overlap: 2, seed: 3 }, b, a);
    const p = await project('celebamask-hq-a');
    const r = await run(p.api, ds.dir, 'celebamask-hq', { celebaOrder: 'celebamask-hq-b' });
    expect(r.paintOrder).toBe('celebamask-hq-b');
    await checkMasks(p.api, ds.items);
    p.close();
  });

  it('LaPa with 106 landmarks and folder splits', async () => {
    const ds = await writeLapa(join(root, 'lapa'), { counts: { train: 3, val: 2, test: 2 }, size: 72 });
    const p = await project('lapa-11');
    expect((await p.api.call('import:detect', { path: ds.dir })).best).toBe('lapa');
    const r = await run(p.api, ds.dir);
    expect(r.withLandmarks).toBe(7);
    await checkMasks(p.api, ds.items);
    const lms = landmarksOf(p.file);
    for (const it of ds.items) expect(lms.get(it.image)).toEqual({ source: 'lapa-106', points: it.landmarks });
    p.close();
  });

  it('Helen: arg-max over 11 maps with ties to the lower index; split lists', async () => {
    const ds = await writeHelen(join(root, 'helen'), { count: 4, size: 64, splits: ['train', 'val', 'test', 'train'] });
    expect(ds.ties).toBeGreaterThan(100);
    const p = await project('helen-11');
    expect((await p.api.call('import:detect', { path: ds.dir })).best).toBe('helen');
    await run(p.api, ds.dir);
    await checkMasks(p.api, ds.items);
    p.close();
  });

  it('Helen: thresholding at 127 as an option (crisp maps)', async () => {
    const ds = await writeHelen(join(root, 'helen-crisp'), { count: 2, size: 64, maps: 'crisp' });
    const p = await project('helen-11');
    await run(p.api, ds.dir, 'helen', { helenThreshold: true });
    await checkMasks(p.api, ds.items);
    p.close();
  });

  it('iBugMask with landmarks and train/test splits', async () => {
    const ds = await writeIbugmask(join(root, 'ibug'), { counts: { train: 3, test: 2 }, size: 64 });
    const p = await project('ibugmask-11');
    expect((await p.api.call('import:detect', { path: ds.dir })).best).toBe('ibugmask');
    await run(p.api, ds.dir);
    await checkMasks(p.api, ds.items);
    const lms = landmarksOf(p.file);
    for (const it of ds.items) expect(lms.get(it.image)?.points).toEqual(it.landmarks);
    p.close();
  });

  it('FaceSynthetics keeps the 255 ignore value and 70 landmarks', async () => {
    const ds = await writeFaceSynthetics(join(root, 'fs'), { count: 3, size: 64 });
    const p = await project('facesynthetics');
    expect((await p.api.call('import:detect', { path: ds.dir })).best).toBe('facesynthetics');
    await run(p.api, ds.dir);
    await checkMasks(p.api, ds.items);
    expect(ds.items[0].mask[0]).toBe(255);
    expect([...landmarksOf(p.file).values()].every((l) => l.source === 'facesynthetics-70' && l.points.length === 70)).toBe(true);
    p.close();
  });

  it('generic index-PNG folder (labels.txt checked, split from the first folder)', async () => {
    const ds = await writeIndexFolder(join(root, 'generic'), { schemaId: 'lapa-11', count: 5, size: 64, labelsTxt: true });
    const p = await project('lapa-11');
    expect((await p.api.call('import:detect', { path: ds.dir })).best).toBe('index-png');
    await run(p.api, ds.dir);
    await checkMasks(p.api, ds.items);
    p.close();
  });

  it('colour PNGs with a CVAT labelmap.txt', async () => {
    const ds = await writeColorFolder(join(root, 'cvat'), { schemaId: 'celebamask-hq-b', count: 4, size: 64 });
    const p = await project('celebamask-hq-b');
    expect((await p.api.call('import:detect', { path: ds.dir })).best).toBe('color-png');
    await run(p.api, ds.dir);
    await checkMasks(p.api, ds.items);
    p.close();
  });
});

describe('import behaviour', () => {
  it('resume: a second run imports nothing new; labels attach to images added earlier without masks', async () => {
    const ds = await writeLapa(join(root, 'lapa-resume'), { counts: { train: 4 }, size: 64, seed: 900 });
    const p = await project('lapa-11');
    // Two images added as plain images first.
    const add = await p.api.call('image:addFolder', { folder: join(ds.dir, 'train', 'images') });
    expect(add.added).toBe(4);
    const r1 = await run(p.api, ds.dir);
    expect(r1.imported).toBe(4);
    await checkMasks(p.api, ds.items);
    const r2 = await run(p.api, ds.dir);
    expect([r2.imported, r2.alreadyImported]).toEqual([0, 4]);
    await checkMasks(p.api, ds.items);
    p.close();
  });

  it('refuses a dataset schema that differs from the project schema, naming both', async () => {
    const ds = await writeLapa(join(root, 'lapa-refuse'), { counts: { test: 1 }, size: 48 });
    const p = await project('helen-11');
    const err = await p.api.call('import:plan', { path: ds.dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParselError);
    expect((err as ParselError).message).toMatch(/lapa-11.*helen-11/);
    p.close();
  });

  it('progress events carry the job id; cancel stops between batches', async () => {
    const ds = await writeSyntheticFolder(join(root, 'progress'), { count: 3, width: 48, height: 48, schemaId: 'lapa-11' });
    const p = await project('lapa-11');
    const phases: string[] = [];
    const off = p.api.on('job:progress', (e) => {
      if (e.jobId === 'job-1') phases.push(e.phase);
    });
    await run(p.api, join(ds.imagesDir, '..'), 'index-png', { jobId: 'job-1' });
    off();
    expect(phases[0]).toBe('scanning');
    expect(phases.at(-1)).toBe('done');
    expect((await p.api.call('import:cancel', { jobId: 'nope' })).cancelled).toBe(false);
    p.close();
  });
});
