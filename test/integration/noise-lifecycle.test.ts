/**
 * The flag lifecycle rules of issue 12 against a real project file: accept / dismiss refuse a closed
 * flag with CONFLICT; a dismissed flag reopens (with every row a rescan carried its dismissal to, so the
 * next rescan flags the region open again); a fixed flag reopens only once its fix is undone in the
 * head; a big flag (share of the image or of its label class over the project's review settings) is
 * accepted only with `confirmed`; every scanned image's score is listed and sorted (`noise:scores`),
 * and `noise:flags {top}` takes the top scanned images flagged or not.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import type { FlagInfo } from '../../src/shared/api/methods-noise';
import { decodeMask, encodeMask } from '../../src/shared/mask/codec';
import { DEFAULT_REVIEW_SETTINGS } from '../../src/shared/noise/big-flag';
import { expectCode } from '../tooling/api-expect';
import { flagRegionMap, makeNoiseProject, type NoiseProject } from '../tooling/noise-project';

const dir = mkdtempSync(join(tmpdir(), 'parsel-noise-life-'));
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);
let P: NoiseProject;
const OFF = { bigFlagImageShare: 1, bigFlagPartShare: 1 };

async function flagsOf(imageId: number, revisionId?: number): Promise<FlagInfo[]> {
  const r = await api.call('noise:flags', revisionId === undefined ? { imageId } : { imageId, revisionId });
  return r.length === 0 ? [] : r[0].flags;
}
async function mask(revisionId: number): Promise<Uint8Array> {
  return decodeMask(await api.call('revision:mask', { revisionId }));
}
async function head(imageId: number): Promise<number> {
  return (await api.call('image:get', { id: imageId })).headRevisionId!;
}
const scan = (imageIds?: number[]) => api.call('noise:scan', { modelSetId: P.modelSetId, ...(imageIds && { selection: { imageIds } }) });

beforeAll(async () => {
  P = await makeNoiseProject(api, dir, { count: 4, size: 96, corruptions: [['class_swap', 'drop_part', 'lr_swap'], ['lip_swap'], [], []] });
  await scan();
}, 60_000);

describe('review settings and flag sizes', () => {
  it('defaults, partial update, refusal of bad shares; every listed flag has its shares of the image and of its class', async () => {
    expect(await api.call('noise:settings', {})).toEqual(DEFAULT_REVIEW_SETTINGS);
    expect(DEFAULT_REVIEW_SETTINGS).toEqual({ bigFlagImageShare: 0.05, bigFlagPartShare: 0.6 });
    expect(await api.call('noise:setSettings', { bigFlagPartShare: 0.5 })).toEqual({ bigFlagImageShare: 0.05, bigFlagPartShare: 0.5 });
    await expectCode(api.call('noise:setSettings', { bigFlagImageShare: 0 }), 'BAD_REQUEST');
    await expectCode(api.call('noise:setSettings', { bigFlagImageShare: 1.5 }), 'BAD_REQUEST');
    expect(await api.call('noise:settings', {})).toEqual({ bigFlagImageShare: 0.05, bigFlagPartShare: 0.5 });

    const im = P.images[0];
    const flags = await flagsOf(im.id);
    expect(flags.length).toBeGreaterThanOrEqual(3);
    const label = await mask(im.revisionId);
    for (const f of flags) {
      const part = label.filter((v) => v === f.labelClass).length;
      expect(f.size!.imageShare).toBeCloseTo(f.area / (P.size * P.size), 12);
      expect(f.size!.partShare).toBeCloseTo(f.area / part, 12);
      const big = f.size!.imageShare > 0.05 ? 'image' : f.size!.partShare > 0.5 ? 'part' : null;
      expect(f.size!.big).toBe(big);
      expect(f.size).toMatchObject({ imageLimit: 0.05, partLimit: 0.5 });
    }
    await api.call('noise:setSettings', DEFAULT_REVIEW_SETTINGS);
  });
});

describe('accept and dismiss', () => {
  let fixed: FlagInfo;

  it('a big flag is accepted only with confirmed; nothing is written without it', async () => {
    const im = P.images[0];
    const f = (await flagsOf(im.id)).find((x) => x.status === 'open')!;
    // Limits just under this flag's shares: big by the image share, then (image check off) by the part share.
    await api.call('noise:setSettings', { bigFlagImageShare: f.size!.imageShare * 0.99, bigFlagPartShare: 1 });
    const before = (await api.call('revision:list', { imageId: im.id })).length;
    const e = await expectCode(api.call('noise:accept', { flagId: f.id, author: 'Ann' }), 'INVALID_INPUT', /of the image \(limit .*needs confirmation/);
    expect(e.details).toMatchObject({ flagId: f.id, needsConfirmation: true, size: { big: 'image' } });
    await api.call('noise:setSettings', { bigFlagImageShare: 1, bigFlagPartShare: f.size!.partShare * 0.99 });
    const e2 = await expectCode(api.call('noise:accept', { flagId: f.id, author: 'Ann' }), 'INVALID_INPUT');
    expect(e2.details).toMatchObject({ needsConfirmation: true, size: { big: 'part' } });
    expect((await api.call('revision:list', { imageId: im.id })).length).toBe(before);
    expect((await flagsOf(im.id)).find((x) => x.id === f.id)!.status).toBe('open');

    const r = await api.call('noise:accept', { flagId: f.id, author: 'Ann', confirmed: true });
    expect(r.flag).toMatchObject({ id: f.id, status: 'fixed', resolvedBy: 'Ann' });
    expect(r.flag.size!.big).toBe('part');
    fixed = r.flag;
    await api.call('noise:setSettings', OFF);
  });

  it('accept and dismiss refuse a closed flag with CONFLICT, naming its status and who closed it', async () => {
    const im = P.images[0];
    const e = await expectCode(api.call('noise:accept', { flagId: fixed.id, author: 'Bob', parentId: await head(im.id) }), 'CONFLICT', /already fixed \(by Ann at .*undo its fix/);
    expect(e.details).toMatchObject({ flagId: fixed.id, status: 'fixed', resolvedBy: 'Ann' });
    await expectCode(api.call('noise:dismiss', { flagId: fixed.id, author: 'Bob' }), 'CONFLICT', /already fixed/);
    const other = (await flagsOf(im.id, im.revisionId)).find((x) => x.status === 'open')!;
    await api.call('noise:dismiss', { flagId: other.id, author: 'Bob' });
    await expectCode(api.call('noise:dismiss', { flagId: other.id, author: 'Bob' }), 'CONFLICT', /already dismissed \(by Bob at .*reopen it first/);
    await expectCode(api.call('noise:accept', { flagId: other.id, author: 'Bob', parentId: await head(im.id) }), 'CONFLICT', /already dismissed/);
    // Back to open for the next tests.
    expect(await api.call('noise:reopen', { flagId: other.id })).toMatchObject({ id: other.id, status: 'open', resolvedBy: null, resolvedAt: null });
    await expectCode(api.call('noise:reopen', { flagId: other.id }), 'CONFLICT', /already open/);
    await expectCode(api.call('noise:reopen', { flagId: 999_999 }), 'NOT_FOUND');
  });

  it('a fixed flag reopens only once the head carries its label class in the region again (its fix undone)', async () => {
    const im = P.images[0];
    const fixRev = await head(im.id);
    await expectCode(api.call('noise:reopen', { flagId: fixed.id }), 'CONFLICT', /no pixel of its region is .* in the head revision/);
    expect((await flagsOf(im.id, im.revisionId)).find((x) => x.id === fixed.id)!.status).toBe('fixed');
    // The editor's undo: a human revision on top of the fix with the mask before the accept.
    const undo = await api.call('revision:save', { imageId: im.id, parentId: fixRev, kind: 'human', author: 'Ann', mask: encodeMask(await mask(im.revisionId), P.size, P.size) });
    expect(await api.call('noise:reopen', { flagId: fixed.id })).toMatchObject({ status: 'open', resolvedBy: null });
    // And it can be accepted again, on the new head.
    const again = await api.call('noise:accept', { flagId: fixed.id, author: 'Ann', parentId: undo.id });
    expect(Buffer.from(await mask(again.revisionId)).equals(Buffer.from(await mask(fixRev)))).toBe(true);
  });
});

describe('reopen across rescans', () => {
  it('a reopened dismissal is not re-applied by a rescan, on the same revision or a newer one', async () => {
    const im = P.images[1];
    const f = (await flagsOf(im.id)).find((x) => x.status === 'open')!;
    await api.call('noise:dismiss', { flagId: f.id, author: 'Cy' });
    // A hand edit far from the region (a new revision), then a rescan: the dismissal is carried over.
    const region = flagRegionMap(P.file, f.id, P.size, P.size);
    const edited = new Uint8Array(await mask(im.revisionId));
    const far = region.findIndex((v, i) => v === 0 && edited[i] === 0 && Math.abs((i % P.size) - f.bbox[0]) > 10);
    edited[far] = 1;
    const r1 = await api.call('revision:save', { imageId: im.id, parentId: im.revisionId, kind: 'human', author: 'Cy', mask: encodeMask(edited, P.size, P.size) });
    // (All images: thresholds need the other images.)
    const s1 = await scan();
    expect(s1.keptDismissed).toBe(1);
    const carried = (await flagsOf(im.id)).find((x) => x.status === 'dismissed')!;
    expect(carried).toMatchObject({ revisionId: r1.id, resolvedBy: 'Cy' });
    expect(carried.id).not.toBe(f.id);

    // Reopening the carried row reopens the original dismissal too.
    expect(await api.call('noise:reopen', { flagId: carried.id })).toMatchObject({ status: 'open' });
    expect((await flagsOf(im.id, im.revisionId)).find((x) => x.id === f.id)!.status).toBe('open');
    const s2 = await scan();
    expect(s2.keptDismissed).toBe(0);
    const now = await flagsOf(im.id);
    expect(now.every((x) => x.revisionId === r1.id)).toBe(true);
    expect(now.filter((x) => x.status === 'dismissed')).toEqual([]);
    expect(now.filter((x) => x.status === 'open').length).toBeGreaterThanOrEqual(1);
    // Another dismissal of the new row is remembered again by the next scan.
    const again = now.find((x) => x.status === 'open')!;
    await api.call('noise:dismiss', { flagId: again.id, author: 'Cy' });
    expect((await scan()).keptDismissed).toBe(1);
  });
});

describe('scores of every scanned image', () => {
  it('noise:scores lists flagged and unflagged images, sorted by score, name or flags, paged', async () => {
    await scan();
    const all = await api.call('noise:scores', {});
    expect(all.total).toBe(4);
    expect(all.items.map((i) => i.imageId).sort()).toEqual(P.images.map((i) => i.id).sort());
    for (let k = 1; k < all.items.length; k++) expect(all.items[k - 1].score).toBeGreaterThanOrEqual(all.items[k].score);
    const clean = all.items.filter((i) => i.imageId === P.images[2].id || i.imageId === P.images[3].id);
    expect(clean.map((i) => [i.openFlags, i.fixedFlags, i.dismissedFlags, i.pairs])).toEqual([
      [0, 0, 0, []],
      [0, 0, 0, []],
    ]);
    // The same counts as the queue for the flagged ones.
    const q = await api.call('noise:queue', {});
    for (const it of q.items) expect(all.items.find((i) => i.imageId === it.imageId)).toEqual(it);

    const byName = await api.call('noise:scores', { sort: 'name' });
    const paths = byName.items.map((i) => i.path);
    expect(paths).toEqual([...paths].sort());
    const byFlags = await api.call('noise:scores', { sort: 'flags' });
    for (let k = 1; k < byFlags.items.length; k++) expect(byFlags.items[k - 1].openFlags).toBeGreaterThanOrEqual(byFlags.items[k].openFlags);
    const page = await api.call('noise:scores', { offset: 1, limit: 2 });
    expect(page).toMatchObject({ total: 4, offset: 1 });
    expect(page.items.map((i) => i.imageId)).toEqual(all.items.slice(1, 3).map((i) => i.imageId));
    await expectCode(api.call('noise:scores', { modelSetId: 999 }), 'NOT_FOUND');
    await expectCode(api.call('noise:scores', { sort: 'size' as 'score' }), 'BAD_REQUEST');
  });

  it('noise:flags {top} takes the N highest-scoring scanned images, flagged or not', async () => {
    const top = await api.call('noise:flags', { top: 10 });
    const all = await api.call('noise:scores', {});
    expect(top.map((i) => i.imageId)).toEqual(all.items.map((i) => i.imageId));
    expect(top.filter((i) => i.flags.length === 0).length).toBe(2);
    expect((await api.call('noise:flags', { top: 3 })).length).toBe(3);
  });
});
