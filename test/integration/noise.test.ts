/**
 * Label-noise services against a real project file: scan → flags and scores persisted; accept writes a
 * `fix` revision that differs from its parent only inside the flag's region; CONFLICT when the head
 * moved; a dismissal survives a rescan; a hand fix closes the flag on rescan; heat map and model
 * overlay; class pairs; the .npy export parses back (own reader below) with the right shapes, dtypes
 * and values; the export's noise-score filter.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { writePrediction } from '../../src/main/services/predictions';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import type { FlagInfo } from '../../src/shared/api/methods-noise';
import { float16Bits } from '../../src/shared/dataset/npy';
import { decodeMask, encodeMask } from '../../src/shared/mask/codec';
import { maskIoU, paintMask, type RegionMask } from '../../src/shared/noise';
import { getSchema } from '../../src/shared/schema';
import { makeNoiseProject, softTeacher, type NoiseProject } from '../tooling/noise-project';
import { expectCode } from '../tooling/api-expect';

const dir = mkdtempSync(join(tmpdir(), 'parsel-noise-'));
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);
let P: NoiseProject;

/** The flag's region as a bit-packed crop, rebuilt from the stored row. */
function regionOf(flagId: number): RegionMask {
  const store = ProjectStore.open(P.file);
  try {
    const r = storeDb(store).prepare('SELECT bbox, region FROM flag WHERE id = ?').get(flagId) as { bbox: string; region: Buffer };
    const [x0, y0, x1, y1] = JSON.parse(r.bbox) as number[];
    const bytes = new Uint8Array(inflateSync(r.region));
    const bw = x1 - x0 + 1;
    const bits = new Uint8Array(Math.ceil(bytes.length / 8));
    for (let j = 0; j < bytes.length; j++) if (bytes[j]) bits[j >> 3] |= 1 << (j & 7);
    expect(bytes.length).toBe(bw * (y1 - y0 + 1));
    return { bbox: [x0, y0, x1 + 1, y1 + 1], bits };
  } finally {
    store.close();
  }
}

async function mask(revisionId: number): Promise<Uint8Array> {
  return decodeMask(await api.call('revision:mask', { revisionId }));
}

async function flagsOf(imageId: number): Promise<FlagInfo[]> {
  const r = await api.call('noise:flags', { imageId });
  return r.length === 0 ? [] : r[0].flags;
}

beforeAll(async () => {
  P = await makeNoiseProject(api, dir, {
    count: 4,
    size: 128,
    corruptions: [['class_swap', 'drop_part', 'class_swap'], ['drop_part'], [], []],
  });
}, 60_000);

describe('noise:scan', () => {
  it('flags every corrupted region, none on clean images, and persists flags and scores', async () => {
    const events: string[] = [];
    const off = api.on('job:progress', (p) => {
      if (p.kind === 'noise-scan') events.push(p.phase);
    });
    const r = await api.call('noise:scan', { modelSetId: P.modelSetId, options: { bandRadius: 2 } });
    off();
    expect(r).toMatchObject({ status: 'done', selected: 4, scanned: 4, withoutPrediction: 0, failed: [], closed: 0, keptDismissed: 0 });
    expect(r.thresholds).toHaveLength(19);
    expect(events[0]).toBe('thresholds');
    expect(events.at(-1)).toBe('done');

    for (const im of P.images) {
      const flags = await flagsOf(im.id);
      if (im.regions.length === 0) {
        expect(flags).toEqual([]);
        continue;
      }
      for (const reg of im.regions) {
        const hit = flags.find((f) => maskIoU(regionOf(f.id), reg.mask) >= 0.5);
        expect(hit, `${reg.what} on image ${im.id}`).toBeDefined();
        expect(hit!.labelClass).toBe(reg.toClass);
        expect(hit!.status).toBe('open');
        expect(hit!.revisionId).toBe(im.revisionId);
      }
    }
    const q = await api.call('noise:queue', {});
    expect(q.queued).toBe(2);
    expect(q.reviewed).toBe(0);
    expect(q.items.map((i) => i.imageId).sort()).toEqual([P.images[0].id, P.images[1].id].sort());
    expect(q.items[0].score).toBeGreaterThanOrEqual(q.items[1].score);
    expect(q.items.find((i) => i.imageId === P.images[0].id)!.openFlags).toBeGreaterThanOrEqual(2);
    const top = await api.call('noise:flags', { top: 1 });
    expect(top[0].imageId).toBe(q.items[0].imageId);

    // A rescan of unchanged revisions replaces the open flags, it does not duplicate them.
    const before = (await flagsOf(P.images[0].id)).length;
    await api.call('noise:scan', { modelSetId: P.modelSetId });
    expect((await flagsOf(P.images[0].id)).length).toBe(before);
  });

  it('noise:cancel stops a running scan; a scan cancelled in the threshold pass writes nothing', async () => {
    const before = await api.call('noise:queue', {});
    const jobId = 'scan-cancel-test';
    let asked = false;
    const off = api.on('job:progress', (p) => {
      if (p.jobId === jobId && !asked) {
        asked = true;
        void api.call('noise:cancel', { jobId });
      }
    });
    const r = await api.call('noise:scan', { modelSetId: P.modelSetId, jobId });
    off();
    expect(r.status).toBe('cancelled');
    expect(r.scanned).toBe(0);
    expect(await api.call('noise:queue', {})).toEqual(before);
    expect(await api.call('noise:cancel', { jobId })).toEqual({ cancelled: false });
  });

  it('the class-pair summary names the swapped classes', async () => {
    const swap = P.images[0].regions[0];
    const r = await api.call('noise:pairs', { modelSetId: P.modelSetId });
    expect(r.images).toBe(4);
    const pair = r.pairs.find((p) => p.from === swap.toClass && p.to === swap.fromClass);
    expect(pair, swap.what).toBeDefined();
    expect(pair!.pixels).toBeGreaterThan(0);
    expect(pair!.images).toBe(1);
  });

  it("the queue groups each image's flags by class pair, sums them over the queue, and filters by one pair", async () => {
    const q = await api.call('noise:queue', {});
    for (const it of q.items) {
      expect(it.pairs.reduce((n, p) => n + p.flags, 0)).toBe(it.openFlags + it.fixedFlags + it.dismissedFlags);
      expect(it.pairs.reduce((n, p) => n + p.open, 0)).toBe(it.openFlags);
      const flags = await flagsOf(it.imageId);
      for (const p of it.pairs) expect(p.flags).toBe(flags.filter((f) => f.labelClass === p.from && f.suggestedClass === p.to).length);
    }
    // Every corrupted region's pair (label → the clean class) is in its image's list and the summary.
    for (const im of P.images.slice(0, 2)) {
      const item = q.items.find((i) => i.imageId === im.id)!;
      for (const reg of im.regions) expect(item.pairs, reg.what).toContainEqual(expect.objectContaining({ from: reg.toClass, to: reg.fromClass }));
    }
    for (const s of q.pairs) {
      const having = q.items.filter((i) => i.pairs.some((p) => p.from === s.from && p.to === s.to));
      expect(s.images).toBe(having.length);
      expect(s.flags).toBe(having.reduce((n, i) => n + i.pairs.find((p) => p.from === s.from && p.to === s.to)!.flags, 0));
      expect([s.fromName, s.toName]).toEqual([getSchema('celebamask-hq-a').classes[s.from].name, getSchema('celebamask-hq-a').classes[s.to].name]);
    }
    expect(q.pairs.map((p) => p.open)).toEqual([...q.pairs.map((p) => p.open)].sort((a, b) => b - a));

    // Filtered by the pair of image 1's dropped part: only images with such a flag, counted for that pair.
    const reg = P.images[1].regions[0];
    const pair = { from: reg.toClass, to: reg.fromClass };
    const f = await api.call('noise:queue', { pair });
    const want = q.items.filter((i) => i.pairs.some((p) => p.from === pair.from && p.to === pair.to)).map((i) => i.imageId);
    expect(f.items.map((i) => i.imageId)).toEqual(want);
    expect(want).toContain(P.images[1].id);
    expect(f).toMatchObject({ total: want.length, queued: want.length, reviewed: 0 });
    expect(f.pairs).toEqual(q.pairs);
    const top = await api.call('noise:flags', { top: 10, pair });
    expect(top.map((i) => i.imageId)).toEqual(want);
    for (const i of top) {
      expect(i.flags.length).toBeGreaterThan(0);
      for (const fl of i.flags) expect([fl.labelClass, fl.suggestedClass]).toEqual([pair.from, pair.to]);
    }
    const reg0 = P.images[0].regions[0];
    const pair0 = { from: reg0.toClass, to: reg0.fromClass };
    const one = await api.call('noise:flags', { imageId: P.images[0].id, pair: pair0 });
    const item0 = q.items.find((i) => i.imageId === P.images[0].id)!;
    expect(one[0].flags.length).toBe(item0.pairs.find((p) => p.from === pair0.from && p.to === pair0.to)!.flags);
    expect(one[0].flags.length).toBeLessThan(item0.openFlags);
    for (const fl of one[0].flags) expect([fl.labelClass, fl.suggestedClass]).toEqual([pair0.from, pair0.to]);

    const e = await expectCode(api.call('noise:queue', { pair: { from: 1, to: 40 } }), 'INVALID_INPUT');
    expect(e.message).toBe('pair 1 → 40: class 40 is not in schema celebamask-hq-a (classes 0–18)');
    await expectCode(api.call('noise:queue', { pair: { from: 4, to: 4 } }), 'BAD_REQUEST', /different classes/);
    await expectCode(api.call('noise:flags', { top: 5, pair: { from: 99, to: 1 } }), 'INVALID_INPUT', /class 99/);
  });

  it('heat map: high in corrupted regions, low elsewhere; the model overlay is the clean mask', async () => {
    const im = P.images[0];
    const h = await api.call('noise:heatmap', { imageId: im.id, modelSetId: P.modelSetId });
    const heat = decodeMask(h);
    const q = softTeacher(im.clean, 19);
    const HW = P.size * P.size;
    let high = 0;
    for (let i = 0; i < heat.length; i++) {
      expect(heat[i]).toBe(255 - q[im.label[i] * HW + i]);
      if (im.label[i] !== im.clean[i]) {
        expect(heat[i]).toBeGreaterThan(250);
        high++;
      } else expect(heat[i]).toBeLessThan(30);
    }
    expect(high).toBeGreaterThan(0);
    const arg = decodeMask(await api.call('noise:heatmap', { imageId: im.id, modelSetId: P.modelSetId, kind: 'argmax' }));
    expect(Buffer.from(arg).equals(Buffer.from(im.clean))).toBe(true);
    await expectCode(api.call('noise:heatmap', { imageId: im.id, modelSetId: 999 }), 'NOT_FOUND');
  });
});

describe('accept, dismiss, rescan', () => {
  let accepted: FlagInfo;
  let fixRevision: number;

  it('accept writes a fix revision that differs from its parent only inside the region', async () => {
    const im = P.images[0];
    const flags = await flagsOf(im.id);
    accepted = flags[0];
    const region = paintMask(regionOf(accepted.id), P.size, new Uint8Array(P.size * P.size));
    // Whole swapped parts are big flags (noise-lifecycle.test.ts): the caller confirms.
    const r = await api.call('noise:accept', { flagId: accepted.id, author: 'Ann', confirmed: true });
    fixRevision = r.revisionId;
    expect(r.flag).toMatchObject({ status: 'fixed', resolvedBy: 'Ann' });
    expect(r.changedPixels).toBeGreaterThan(0);
    const revs = await api.call('revision:list', { imageId: im.id });
    expect(revs[0]).toMatchObject({ id: r.revisionId, parentId: im.revisionId, kind: 'fix', author: 'Ann' });
    expect((await api.call('image:get', { id: im.id })).headRevisionId).toBe(r.revisionId);
    const before = await mask(im.revisionId);
    const after = await mask(r.revisionId);
    let changed = 0;
    for (let i = 0; i < before.length; i++) {
      if (before[i] === after[i]) continue;
      changed++;
      expect(region[i]).toBe(1);
      expect(before[i]).toBe(accepted.labelClass);
      expect(after[i]).toBe(accepted.suggestedClass);
      expect(after[i]).toBe(im.clean[i]);
    }
    expect(changed).toBe(r.changedPixels);
    // Accepting again is refused: the flag is no longer open.
    const e = await expectCode(api.call('noise:accept', { flagId: accepted.id, author: 'Ann' }), 'CONFLICT');
    expect(e.message).toMatch(/already fixed \(by Ann/);
  });

  it('accepting on a revision that is no longer the head is a CONFLICT; nothing is written', async () => {
    const im = P.images[0];
    const other = (await flagsOf(im.id)).find((f) => f.status === 'open')!;
    const n = (await api.call('revision:list', { imageId: im.id })).length;
    // The flag's own revision (the default parent) is no longer the head.
    const e = await expectCode(api.call('noise:accept', { flagId: other.id, author: 'Ann', confirmed: true }), 'CONFLICT');
    expect(e.details).toMatchObject({ headRevisionId: fixRevision });
    expect((await api.call('revision:list', { imageId: im.id })).length).toBe(n);
    expect((await flagsOf(im.id)).find((f) => f.id === other.id)!.status).toBe('open');
    // A parent that is not a revision of the flag's image is refused.
    const foreign = P.images[2].revisionId;
    const e2 = await expectCode(api.call('noise:accept', { flagId: other.id, author: 'Ann', parentId: foreign, confirmed: true }), 'INVALID_INPUT');
    expect(e2.message).toMatch(new RegExp(`revision ${foreign} belongs to image ${P.images[2].id}`));
  });

  it('accept on the current head (parentId) changes only that region of the head', async () => {
    const im = P.images[0];
    const opens = (await flagsOf(im.id)).filter((f) => f.status === 'open');
    expect(opens.length).toBeGreaterThanOrEqual(2);
    const flag = opens[1];
    const r = await api.call('noise:accept', { flagId: flag.id, author: 'Ann', parentId: fixRevision, confirmed: true });
    const revs = await api.call('revision:list', { imageId: im.id });
    expect(revs[0]).toMatchObject({ id: r.revisionId, parentId: fixRevision, kind: 'fix' });
    const region = paintMask(regionOf(flag.id), P.size, new Uint8Array(P.size * P.size));
    const before = await mask(fixRevision);
    const after = await mask(r.revisionId);
    let changed = 0;
    for (let i = 0; i < before.length; i++) {
      if (before[i] === after[i]) continue;
      changed++;
      expect(region[i]).toBe(1);
      expect([before[i], after[i]]).toEqual([flag.labelClass, flag.suggestedClass]);
    }
    expect(changed).toBe(r.changedPixels);
    fixRevision = r.revisionId;
  });

  it('a dismissal survives a rescan of the new head; the accepted region is no longer flagged', async () => {
    const im = P.images[0];
    const other = (await flagsOf(im.id)).find((f) => f.status === 'open')!;
    const d = await api.call('noise:dismiss', { flagId: other.id, author: 'Bob' });
    expect(d).toMatchObject({ status: 'dismissed', resolvedBy: 'Bob' });
    await expectCode(api.call('noise:dismiss', { flagId: other.id, author: 'Bob' }), 'CONFLICT');

    const stillOpen = (await api.call('noise:flags', { imageId: im.id }))[0].flags.filter((f) => f.status === 'open');
    const r = await api.call('noise:scan', { modelSetId: P.modelSetId, selection: { imageIds: [im.id] } });
    expect(r.keptDismissed).toBe(1);
    const now = await flagsOf(im.id);
    expect(now.every((f) => f.revisionId === fixRevision)).toBe(true);
    const carried = now.find((f) => maskIoU(regionOf(f.id), regionOf(other.id)) >= 0.5);
    expect(carried).toMatchObject({ status: 'dismissed', resolvedBy: 'Bob' });
    expect(now.some((f) => maskIoU(regionOf(f.id), regionOf(accepted.id)) > 0)).toBe(false);
    // Only flags nobody decided on are open again (none when the image had three).
    expect(now.filter((f) => f.status === 'open')).toHaveLength(stillOpen.length);
    // Scanning once more keeps exactly one dismissed row on this revision.
    await api.call('noise:scan', { modelSetId: P.modelSetId, selection: { imageIds: [im.id] } });
    expect((await flagsOf(im.id)).filter((f) => f.status === 'dismissed')).toHaveLength(1);
    const q = await api.call('noise:queue', {});
    expect(q.items.find((i) => i.imageId === im.id)).toMatchObject({ openFlags: stillOpen.length, dismissedFlags: 1 });
    // By the dismissed flag's pair: the image counts as reviewed for it once no flag of that pair is open.
    const pair = { from: carried!.labelClass, to: carried!.suggestedClass };
    const openOfPair = now.filter((f) => f.status === 'open' && f.labelClass === pair.from && f.suggestedClass === pair.to).length;
    const byPair = await api.call('noise:queue', { pair });
    const openOnly = await api.call('noise:queue', { pair, onlyOpen: true });
    expect(byPair.items.some((i) => i.imageId === im.id)).toBe(true);
    expect(openOnly.items.some((i) => i.imageId === im.id)).toBe(openOfPair > 0);
    expect(byPair.queued - byPair.reviewed).toBe(openOnly.total);
  });

  it('a hand fix closes the flag on rescan', async () => {
    const im = P.images[1];
    const flag = (await flagsOf(im.id))[0];
    expect(flag.status).toBe('open');
    const human = await api.call('revision:save', { imageId: im.id, parentId: im.revisionId, kind: 'human', author: 'Cy', mask: encodeMask(im.clean, P.size, P.size) });
    const r = await api.call('noise:scan', { modelSetId: P.modelSetId });
    expect(r.closed).toBeGreaterThanOrEqual(1);
    const old = await api.call('noise:flags', { imageId: im.id, revisionId: im.revisionId });
    expect(old[0].flags.find((f) => f.id === flag.id)).toMatchObject({ status: 'fixed', resolvedBy: 'scan' });
    expect(await flagsOf(im.id)).toEqual([]);
    expect((await api.call('noise:flags', { imageId: im.id }))[0]).toMatchObject({ revisionId: human.id, score: 0 });
  });

  it('an image whose prediction does not fit (class count) fails alone, with the reason', async () => {
    const im = P.images[3];
    const write = (classes: number, probs: Uint8Array) => {
      const store = ProjectStore.open(P.file);
      const sha = storeDb(store).prepare('SELECT sha256 FROM image WHERE id = ?').pluck().get(im.id) as string;
      writePrediction(store, { imageId: im.id, modelSetId: P.modelSetId, imageSha256: sha, width: P.size, height: P.size, classes, provider: 'test' }, { probs });
      store.close();
    };
    write(11, softTeacher(im.clean.map((v) => Math.min(v, 10)), 11));
    try {
      const r = await api.call('noise:scan', { modelSetId: P.modelSetId, selection: { imageIds: [P.images[2].id, im.id] } });
      expect(r.scanned).toBe(1);
      expect(r.failed).toEqual([{ imageId: im.id, reason: expect.stringMatching(/^image \d+ \(faces\/images\/synth_\d+\.png\): the prediction has 11 classes, schema celebamask-hq-a has 19$/) }]);
    } finally {
      write(19, softTeacher(im.clean, 19));
    }
  });

  it('refuses bad requests with specific errors', async () => {
    await expectCode(api.call('noise:scan', { modelSetId: 999 }), 'NOT_FOUND');
    await expectCode(api.call('noise:accept', { flagId: 99999, author: 'x' }), 'NOT_FOUND');
    await expectCode(api.call('noise:flags', { imageId: 1, top: 3 }), 'BAD_REQUEST');
    await expectCode(api.call('noise:accept', { flagId: 1, author: '  ' }), 'BAD_REQUEST');
    await expectCode(api.call('noise:scan', { modelSetId: P.modelSetId, options: { bandWeight: 2 } }), 'BAD_REQUEST');
    await expectCode(api.call('noise:scan', { modelSetId: P.modelSetId, options: { minFirmShare: 1.5 } }), 'BAD_REQUEST');
  });
});

// ---- a tiny .npy reader (format 1.0) ----
interface Npy {
  descr: string;
  shape: number[];
  data: Uint8Array;
}
function readNpy(buf: Uint8Array): Npy {
  expect(Array.from(buf.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const hlen = buf[8] | (buf[9] << 8);
  expect((10 + hlen) % 64).toBe(0);
  const header = new TextDecoder('latin1').decode(buf.subarray(10, 10 + hlen));
  expect(header.endsWith('\n')).toBe(true);
  const m = /^\{'descr': '([<|][a-z]\d)', 'fortran_order': False, 'shape': \(([\d, ]*)\), \} *\n$/.exec(header);
  expect(m, header).not.toBeNull();
  const shape = m![2].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { descr: m![1], shape, data: buf.subarray(10 + hlen) };
}
function f16(bits: number): number {
  const e = (bits >> 10) & 31;
  const f = bits & 1023;
  return (bits & 0x8000 ? -1 : 1) * (e === 0 ? f * 2 ** -24 : (1 + f / 1024) * 2 ** (e - 15));
}

describe('noise:exportProbs', () => {
  it('writes pred_probs N×K×H×W, labels N×H×W and the index; values are q/255 in float32 and float16', async () => {
    for (const dtype of ['float32', 'float16'] as const) {
      const out = join(dir, `probs-${dtype}`);
      const r = await api.call('noise:exportProbs', { dir: out, modelSetId: P.modelSetId, dtype });
      expect(r).toMatchObject({ images: 4, classes: 19, width: 128, height: 128, dtype, withoutPrediction: 0 });
      expect(readdirSync(out).sort()).toEqual(['index.json', 'labels.npy', 'pred_probs.npy']);
      const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
      expect(index.imageIds).toEqual(P.images.map((i) => i.id).sort((a, b) => a - b));
      const probs = readNpy(new Uint8Array(readFileSync(join(out, 'pred_probs.npy'))));
      const labels = readNpy(new Uint8Array(readFileSync(join(out, 'labels.npy'))));
      expect(probs.descr).toBe(dtype === 'float32' ? '<f4' : '<f2');
      expect(probs.shape).toEqual([4, 19, 128, 128]);
      expect(labels).toMatchObject({ descr: '|u1', shape: [4, 128, 128] });
      const HW = 128 * 128;
      const size = dtype === 'float32' ? 4 : 2;
      expect(probs.data.length).toBe(4 * 19 * HW * size);
      expect(labels.data.length).toBe(4 * HW);
      const dv = new DataView(probs.data.buffer, probs.data.byteOffset, probs.data.byteLength);
      for (let n = 0; n < 4; n++) {
        const id = index.imageIds[n] as number;
        const im = P.images.find((i) => i.id === id)!;
        const head = (await api.call('image:get', { id })).headRevisionId!;
        expect(Buffer.from(labels.data.subarray(n * HW, (n + 1) * HW)).equals(Buffer.from(await mask(head)))).toBe(true);
        const q = softTeacher(im.clean, 19);
        for (let j = 0; j < 19 * HW; j += 97) {
          const off = (n * 19 * HW + j) * size;
          const v = size === 4 ? dv.getFloat32(off, true) : f16(dv.getUint16(off, true));
          const want = size === 4 ? Math.fround(q[j] / 255) : f16(float16Bits(q[j] / 255));
          expect(v).toBe(want);
          expect(Math.abs(v - q[j] / 255)).toBeLessThan(size === 4 ? 1e-7 : 5e-4);
        }
      }
    }
    await expectCode(api.call('noise:exportProbs', { dir: join(dir, 'probs-float32'), modelSetId: P.modelSetId }), 'ALREADY_EXISTS');
  });

  it('refuses images of different sizes with the list of sizes, and leaves no folder behind', async () => {
    mkdirSync(join(dir, 'odd'), { recursive: true });
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toFile(join(dir, 'odd', 'odd.png'));
    await api.call('image:addFolder', { folder: join(dir, 'odd') });
    const page = await api.call('image:list', { limit: 100 });
    const odd = page.items.find((i) => i.path.endsWith('odd.png'))!;
    const label = new Uint8Array(64 * 48).fill(1);
    await api.call('revision:save', { imageId: odd.id, parentId: null, kind: 'import', author: 't', mask: encodeMask(label, 64, 48) });
    const store = ProjectStore.open(P.file);
    const sha = storeDb(store).prepare('SELECT sha256 FROM image WHERE id = ?').pluck().get(odd.id) as string;
    writePrediction(store, { imageId: odd.id, modelSetId: P.modelSetId, imageSha256: sha, width: 64, height: 48, classes: 19, provider: 'test' }, { probs: softTeacher(label, 19) });
    store.close();
    const out = join(dir, 'probs-mixed');
    const e = await expectCode(api.call('noise:exportProbs', { dir: out, modelSetId: P.modelSetId }), 'INVALID_INPUT');
    expect(e.message).toMatch(/128×128 \(4 images/);
    expect(e.message).toMatch(new RegExp(`64×48 \\(1 image: ${odd.id}\\)`));
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('parsel-tmp'))).toEqual([]);
    // A selection of one size is fine.
    const r = await api.call('noise:exportProbs', { dir: out, modelSetId: P.modelSetId, selection: { imageIds: [odd.id] }, dtype: 'float16' });
    expect(r).toMatchObject({ images: 1, width: 64, height: 48 });
  });
});

describe('export filter by noise score', () => {
  it('keeps images whose latest scan score is in range; never-scanned images are left out', async () => {
    const q = await api.call('noise:queue', {});
    const scores = new Map(q.items.map((i) => [i.imageId, i.score]));
    const top = P.images[0].id;
    expect(scores.get(top)).toBeGreaterThan(0);
    const base = { format: 'index-png' as const };
    // All 5 images have a mask; the odd one was never scanned.
    expect((await api.call('export:preview', { spec: base })).total).toBe(5);
    const high = await api.call('export:preview', { spec: { ...base, filter: { noiseScore: { min: scores.get(top)! } } } });
    expect(high.total).toBe(1);
    const any = await api.call('export:preview', { spec: { ...base, filter: { noiseScore: { min: 0 } } } });
    expect(any.total).toBe(4);
    const clean = await api.call('export:preview', { spec: { ...base, filter: { noiseScore: { max: 0 } } } });
    expect(clean.total).toBe(4 - q.items.filter((i) => i.score > 0).length);
    const other = await api.call('export:preview', { spec: { ...base, filter: { noiseScore: { min: 0, modelSetId: P.modelSetId + 1 } } } });
    expect(other.total).toBe(0);
    await expectCode(api.call('export:preview', { spec: { ...base, filter: { noiseScore: { min: 5, max: 1 } } } }), 'BAD_REQUEST');
  });
});

describe('noise:scan with the project closed part-way', () => {
  it.each(['thresholds', 'scoring'])('closed in the %s pass: the scan stops and rejects with NO_PROJECT, never ends "done"', async (phase) => {
    const before = await api.call('noise:queue', {});
    let clock = Date.now();
    const now = vi.spyOn(Date, 'now').mockImplementation(() => (clock += 1000)); // every progress event is emitted
    const phases: string[] = [];
    let closing: Promise<unknown> | null = null;
    const off = api.on('job:progress', (p) => {
      if (p.kind !== 'noise-scan') return;
      phases.push(`${p.phase}:${p.status}`);
      if (!closing && p.phase === phase) closing = api.call('project:close', {});
    });
    try {
      const e = await expectCode(api.call('noise:scan', { modelSetId: P.modelSetId, selection: {}, options: {} }), 'NO_PROJECT');
      expect(e.message).toMatch(/^the project was closed while noise scan \S+ was running/);
      expect(phases).not.toContain('done:done');
    } finally {
      off();
      now.mockRestore();
      await closing;
      await api.call('project:open', { path: P.file });
    }
    // Nothing half-written: in the threshold pass nothing at all; each scored image is one transaction.
    if (phase === 'thresholds') expect(await api.call('noise:queue', {})).toEqual(before);
  });
});
