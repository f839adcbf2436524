/**
 * Bad-input corpus for dataset import: every case gives its specific problem (kind, file, and the
 * value / colour / count where there is one), all problems of a dataset are reported together, and
 * nothing already in the project changes (a dump of images, revisions and landmarks is compared
 * before and after).
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePng, writeColorPng, writeIndexPng } from '../../src/main/formats/png';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import type { ParselApi } from '../../src/shared/api/contract';
import { ParselError } from '../../src/shared/api/errors';
import type { ImportProblem, ImportRunReport } from '../../src/shared/api/methods-import';
import { writeHelen, writeLapa } from '../tooling/formats';
import { crc32 } from '../../src/shared/mask/codec';

const root = mkdtempSync(join(tmpdir(), 'parsel-import-bad-'));
let api: ParselApi;
let file: string;

function dump(): string {
  const db = new Database(file, { readonly: true });
  try {
    const images = db.prepare('SELECT id, path, sha256, width, height, split, source, status, head_revision_id FROM image ORDER BY id').all();
    const revs = (db.prepare('SELECT id, image_id, parent_id, kind, width, height, encoding, mask FROM revision ORDER BY id').all() as { mask: Buffer }[]).map(
      (r) => ({ ...r, mask: createHash('sha256').update(r.mask).digest('hex') }),
    );
    const lms = db.prepare('SELECT image_id, source, points FROM landmark ORDER BY id').all();
    return JSON.stringify({ images, revs, lms });
  } finally {
    db.close();
  }
}

/** A PNG header claiming 30000×30000 pixels (the data is a few bytes: decoders must refuse at the header). */
function hugePng(): Buffer {
  const png = encodePng(new Uint8Array(4), 2, 2, 1);
  const out = Buffer.from(png);
  out.writeUInt32BE(30000, 16);
  out.writeUInt32BE(30000, 20);
  // fix the IHDR CRC so only the size is wrong
  out.writeUInt32BE(crc32(out, 12, 29), 29);
  return out;
}

function find(r: { problems: ImportProblem[] }, kind: string, fileEnd: string): ImportProblem {
  const p = r.problems.find((x) => x.kind === kind && x.file.endsWith(fileEnd));
  expect(p, `${kind} for ${fileEnd} in ${JSON.stringify(r.problems.map((x) => [x.kind, x.file]))}`).toBeDefined();
  return p!;
}

async function aborted(path: string, extra: Record<string, unknown> = {}): Promise<ImportRunReport> {
  const before = dump();
  const r = await api.call('import:run', { path, onProblem: 'abort', ...extra });
  expect(r.status).toBe('aborted');
  expect(r.imported).toBe(0);
  expect(dump()).toBe(before);
  return r;
}

async function refused(path: string, extra: Record<string, unknown>, re: RegExp): Promise<void> {
  const before = dump();
  const err = await api.call('import:run', { path, onProblem: 'skip', ...extra }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ParselError);
  expect((err as ParselError).message).toMatch(re);
  expect(dump()).toBe(before);
}

beforeAll(async () => {
  const backend = createBackend({ mode: 'direct', userDataDir: join(root, 'user') });
  api = directClient(backend.services, backend.bus);
  mkdirSync(join(root, 'proj'));
  file = join(root, 'proj', 'p.parsel');
  await api.call('project:create', { path: file, schemaId: 'lapa-11' });
  // Existing data: a small LaPa import.
  const good = await writeLapa(join(root, 'existing'), { counts: { train: 2, val: 1 }, size: 48, seed: 1 });
  const r = await api.call('import:run', { path: good.dir, onProblem: 'abort' });
  expect(r.imported).toBe(3);
});

describe('bad input corpus', () => {
  it('LaPa tree with one of each item problem: all reported together, nothing written (abort); good items only (skip)', async () => {
    const ds = await writeLapa(join(root, 'bad-lapa'), { counts: { train: 8 }, size: 48, seed: 50 });
    const img = (i: number) => ds.items[i].image;
    const lbl = (i: number) => img(i).replace('/images/', '/labels/').replace('.jpg', '.png');
    // 0: corrupt PNG label
    const corrupt = readFileSync(lbl(0));
    corrupt.fill(0x41, 45, 70);
    writeFileSync(lbl(0), corrupt);
    // 1: truncated JPEG image
    const jpg = readFileSync(img(1));
    writeFileSync(img(1), jpg.subarray(0, Math.floor(jpg.length / 2)));
    // 2: label of the wrong size
    await writeIndexPng(lbl(2), new Uint8Array(40 * 40), 40, 40);
    // 3: unknown value 77 in 30 pixels
    const m = new Uint8Array(ds.items[3].mask);
    m.fill(77, 0, 30);
    await writeIndexPng(lbl(3), m, 48, 48);
    // 4: a 30000×30000 image
    writeFileSync(img(4), hugePng());
    // 5: missing label; an extra label without image
    unlinkSync(lbl(5));
    await writeIndexPng(join(ds.dir, 'train', 'labels', 'orphan.png'), new Uint8Array(4), 2, 2);
    // 6: malformed landmarks
    writeFileSync(join(ds.dir, 'train', 'landmarks', 'train_0006.txt'), '106\n1 2 3\n');
    // a symlink loop next to the images
    symlinkSync('loop.jpg', join(ds.dir, 'train', 'images', 'loop.jpg'));

    const r = await aborted(ds.dir);
    expect(find(r, 'undecodable', 'train_0000.png').message).toMatch(/train_0000\.png: (corrupt|truncated) PNG/);
    expect(find(r, 'undecodable', 'train_0001.jpg').message).toMatch(/train_0001\.jpg: .*premature end/i);
    expect(find(r, 'size-mismatch', 'train_0002.png').message).toMatch(/mask is 40×40 but image .*train_0002\.jpg is 48×48/);
    const unk = find(r, 'unknown-value', 'train_0003.png');
    expect(unk.message).toMatch(/30 pixels have values not in schema lapa-11: 77 \(30 px, first at \(0, 0\)\)/);
    expect(unk.count).toBe(30);
    expect(find(r, 'too-large', 'train_0004.jpg').message).toMatch(/30000×30000|pixel limit/);
    expect(find(r, 'missing-file', 'train_0005.png').message).toMatch(/label train\/labels\/train_0005\.png is missing/);
    expect(find(r, 'extra-file', 'orphan.png').message).toMatch(/label without an image/);
    expect(find(r, 'bad-landmarks', 'train_0006.txt').message).toMatch(/says 106 points but has 3 coordinates/);
    expect(find(r, 'symlink-loop', 'loop.jpg').message).toMatch(/symbolic link loop/);
    expect(r.badItems).toBe(7);
    expect(r.importable).toBe(1);

    // dry run: the same problems, nothing written
    const before = dump();
    const plan = await api.call('import:plan', { path: ds.dir });
    expect(plan.problems.length).toBe(r.problems.length);
    expect(plan.problemCounts).toEqual(r.problemCounts);
    expect(dump()).toBe(before);

    // skip: only the good item is imported; existing rows unchanged
    const s = await api.call('import:run', { path: ds.dir, onProblem: 'skip' });
    expect([s.status, s.imported, s.skipped]).toEqual(['done', 1, 7]);
    const after = JSON.parse(dump()) as { images: unknown[] };
    const prev = JSON.parse(before) as { images: unknown[] };
    expect(after.images.slice(0, prev.images.length)).toEqual(prev.images);
    expect(after.images.length).toBe(prev.images.length + 1);
  });

  it('unsafe names in list files and label maps; unknown colours name colour, file and pixel count', async () => {
    // Colour PNG import into the lapa-11 project.
    const dir = join(root, 'bad-cvat');
    mkdirSync(join(dir, 'JPEGImages'), { recursive: true });
    mkdirSync(join(dir, 'SegmentationClass'), { recursive: true });
    mkdirSync(join(dir, 'ImageSets', 'Segmentation'), { recursive: true });
    writeFileSync(join(dir, 'labelmap.txt'), 'background:0,0,0::\nskin:0,153,255::\n../../etc/passwd:1,2,3::\n');
    writeFileSync(join(dir, 'ImageSets', 'Segmentation', 'train.txt'), 'a\n/etc/passwd\n');
    const existing = await writeLapa(join(root, 'cvat-src'), { counts: { test: 1 }, size: 32, seed: 77 });
    copyFileSync(existing.items[0].image, join(dir, 'JPEGImages', 'a.jpg'));
    const rgb = new Uint8Array(32 * 32 * 3);
    for (let i = 0; i < 5; i++) rgb.set([9, 8, 7], i * 3);
    await writeColorPng(join(dir, 'SegmentationClass', 'a.png'), rgb, 32, 32);
    const r = await aborted(dir, { format: 'color-png' });
    expect(find(r, 'unsafe-path', 'labelmap.txt').message).toMatch(/line 3: label "\.\.\/\.\.\/etc\/passwd" contains a "\.\." path segment/);
    expect(find(r, 'unsafe-path', 'train.txt').message).toMatch(/line 2: "\/etc\/passwd" is an absolute path/);
    const c = find(r, 'unknown-color', 'a.png');
    expect(c.message).toMatch(/a\.png: colours not in the label map: rgb\(9,8,7\) 5 px/);
    expect(c.count).toBe(5);
  });

  it('Helen split lists with ".." and absolute names; missing probability maps', async () => {
    const backend = createBackend({ mode: 'direct', userDataDir: join(root, 'user2') });
    const api2 = directClient(backend.services, backend.bus);
    mkdirSync(join(root, 'proj2'));
    await api2.call('project:create', { path: join(root, 'proj2', 'h.parsel'), schemaId: 'helen-11' });
    const ds = await writeHelen(join(root, 'bad-helen'), { count: 2, size: 32, maps: 'crisp', splits: ['train', 'test'] });
    writeFileSync(join(ds.dir, 'exemplars.txt'), '1, ../x\n2, C:\\\\data\\\\x\nnot a line\n');
    const name = ds.items[1].image.split('/').pop()!.replace('.jpg', '');
    unlinkSync(join(ds.dir, 'labels', name, `${name}_lbl03.png`));
    const r = await api2.call('import:run', { path: ds.dir, onProblem: 'abort' });
    expect(r.status).toBe('aborted');
    expect(find(r, 'unsafe-path', 'exemplars.txt').message).toMatch(/line 1: "\.\.\/x" contains a "\.\." path segment/);
    expect(r.problems.some((p) => p.kind === 'unsafe-path' && /line 2: .* is an absolute path/.test(p.message))).toBe(true);
    expect(find(r, 'bad-list', 'exemplars.txt').message).toMatch(/line 3: expected "<index>, <name>"/);
    expect(find(r, 'missing-file', name).message).toMatch(/1 of 11 label maps missing \(.*_lbl03\.png\)/);
    const page = await api2.call('image:list', {});
    expect(page.total).toBe(0);
    backend.close();
  });

  it('empty folder, unknown shape, missing folder, file instead of folder, symlink loop in a walked tree', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await refused(empty, {}, /cannot tell the dataset format of .*empty/);
    await refused(empty, { format: 'lapa' }, /no images found in .*empty for format lapa: the folder is empty/);
    await refused(join(root, 'nope'), {}, /folder not found: .*nope/);
    writeFileSync(join(root, 'afile'), 'x');
    await refused(join(root, 'afile'), {}, /not a folder: .*afile/);
    // generic folder whose images/ contains a link back to itself
    const g = join(root, 'loop-generic');
    mkdirSync(join(g, 'images'), { recursive: true });
    mkdirSync(join(g, 'masks'), { recursive: true });
    symlinkSync('..', join(g, 'images', 'up'));
    symlinkSync(join(g, 'images'), join(g, 'images', 'self'));
    await refused(g, {}, /no images found .*symbolic link loop/);
  });
});
