/**
 * The COCO and DML-CSR importers on files not written by Parsel: uncompressed and compressed RLE,
 * overlapping annotations (later wins), categories by the dataset's own names, and the refusals
 * (polygons, unknown categories, an RLE of the wrong size, label_names.txt that disagrees).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { writeIndexPng } from '../../src/main/formats/png';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import type { ParselApi } from '../../src/shared/api/contract';
import { binaryRuns, encodeBinary } from '../../src/shared/dataset/coco-rle';
import { decodeMask } from '../../src/shared/mask/codec';

const root = mkdtempSync(join(tmpdir(), 'parsel-coco-dml-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function project(schemaId: string): Promise<{ api: ParselApi; close: () => void }> {
  const dir = join(root, `p${n++}`);
  mkdirSync(dir, { recursive: true });
  const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
  const api = directClient(backend.services, backend.bus);
  await api.call('project:create', { path: join(dir, 'proj.parsel'), schemaId });
  return { api, close: () => backend.close() };
}

async function image(path: string, w: number, h: number, seed: number): Promise<void> {
  const rgb = Buffer.alloc(w * h * 3, seed);
  rgb[0] = seed * 7;
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
}

const W = 10;
const H = 6;
/** A rectangle [x0, x1) × [y0, y1) as a row-major 0/1 mask. */
function rect(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 1;
  return m;
}

describe('COCO import', () => {
  it('paints RLE annotations (compressed and uncompressed) in order over background; category names are the dataset’s', async () => {
    const dir = join(root, 'coco');
    mkdirSync(join(dir, 'images'), { recursive: true });
    await image(join(dir, 'images', 'a b.png'), W, H, 1);
    await image(join(dir, 'images', 'c.png'), W, H, 2);
    const skin = rect(0, 0, 10, 6);
    const eye = rect(2, 1, 5, 3);
    const doc = {
      info: {},
      licenses: [],
      images: [
        { id: 1, file_name: 'a b.png', width: W, height: H },
        { id: 2, file_name: 'c.png', width: W, height: H },
      ],
      categories: [
        { id: 1, name: 'face skin' }, // Helen's own name (title) of class 1
        { id: 4, name: 'left eye' },
      ],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, iscrowd: 0, segmentation: encodeBinary(skin, W, H, 1) },
        { id: 2, image_id: 1, category_id: 4, iscrowd: 0, segmentation: { size: [H, W], counts: binaryRuns(eye, W, H, 1) } },
      ],
    };
    writeFileSync(join(dir, 'annotations.json'), JSON.stringify(doc));
    const p = await project('helen-11');
    expect((await p.api.call('import:detect', { path: dir })).best).toBe('coco');
    const r = await p.api.call('import:run', { path: dir });
    expect(r.problems).toEqual([]);
    expect(r.imported).toBe(2);
    const imgs = (await p.api.call('image:list', { limit: 10 })).items;
    const a = imgs.find((i) => i.path.endsWith('a b.png'))!;
    const c = imgs.find((i) => i.path.endsWith('c.png'))!;
    const ma = decodeMask(await p.api.call('revision:mask', { revisionId: a.headRevisionId! }));
    expect(Array.from(ma)).toEqual(Array.from(skin, (v, i) => (eye[i] ? 4 : v)));
    const mc = decodeMask(await p.api.call('revision:mask', { revisionId: c.headRevisionId! }));
    expect(mc.every((v) => v === 0)).toBe(true); // no annotation: all background
    p.close();
  });

  it('refuses polygons, unknown categories and RLE of the wrong size, naming the annotation', async () => {
    const dir = join(root, 'coco-bad');
    mkdirSync(join(dir, 'images'), { recursive: true });
    await image(join(dir, 'images', 'a.png'), W, H, 3);
    await image(join(dir, 'images', 'stray.png'), W, H, 4);
    const doc = {
      images: [{ id: 1, file_name: 'a.png', width: W, height: H }],
      categories: [
        { id: 1, name: 'skin' },
        { id: 2, name: 'wings' },
      ],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, segmentation: [[0, 0, 4, 0, 4, 4]] },
        { id: 2, image_id: 1, category_id: 1, segmentation: encodeBinary(new Uint8Array(12), 4, 3, 1) },
      ],
    };
    writeFileSync(join(dir, 'annotations.json'), JSON.stringify(doc));
    const p = await project('lapa-11');
    const r = await p.api.call('import:plan', { path: dir, format: 'coco' });
    const msgs = r.problems.map((x) => `${x.kind}: ${x.message}`).join('\n');
    expect(msgs).toMatch(/bad-list: .*annotations\.json: category 2 "wings" is not a class of the project's schema lapa-11/);
    expect(msgs).toMatch(/bad-list: .*annotations\[0\] \(image 1\): polygon segmentations are not read; only RLE/);
    expect(msgs).toMatch(/extra-file: .*stray\.png: image not listed in annotations\.json/);
    expect(r.badItems).toBe(1);
    p.close();
  });
});

describe('DML-CSR import', () => {
  it('reads lists (valid = val) and checks label_names.txt against the schema', async () => {
    const dir = join(root, 'dml');
    mkdirSync(join(dir, 'images'), { recursive: true });
    mkdirSync(join(dir, 'labels'), { recursive: true });
    for (const [k, name] of ['x', 'y', 'z'].entries()) {
      await image(join(dir, 'images', `${name}.png`), W, H, 10 + k);
      await writeIndexPng(join(dir, 'labels', `${name}.png`), new Uint8Array(W * H).fill(k + 1), W, H);
    }
    writeFileSync(join(dir, 'train_list.txt'), 'images/x.png labels/x.png\n');
    writeFileSync(join(dir, 'valid_list.txt'), 'images/y.png labels/y.png\n');
    writeFileSync(join(dir, 'test_list.txt'), '');
    writeFileSync(join(dir, 'label_names.txt'), ['bg', 'skin', 'l_brow', 'r_brow', 'l_eye', 'r_eye', 'nose', 'u_lip', 'mouth', 'l_lip', 'hair'].join('\n') + '\n');
    const p = await project('lapa-11');
    expect((await p.api.call('import:detect', { path: dir })).best).toBe('dml-csr');
    const r = await p.api.call('import:run', { path: dir });
    expect(r.problems).toEqual([]);
    expect(r.bySplit).toEqual({ train: 1, val: 1, none: 1 });
    const q = await project('celebamask-hq-a');
    const bad = await q.api.call('import:plan', { path: dir, format: 'dml-csr' });
    expect(bad.problems.map((x) => x.message).join('\n')).toMatch(/label_names\.txt line 3: index 2 is "l_brow" but the project's schema celebamask-hq-a has "nose" there/);
    p.close();
    q.close();
  });
});
