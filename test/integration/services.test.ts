/** Services over a real project file: add folder, list, save masks with validation, media. */
import { mkdirSync, mkdtempSync, writeFileSync, copyFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeMask, encodeMask } from '../../src/shared/mask/codec';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { expectCode } from '../tooling/api-expect';

const dir = mkdtempSync(join(tmpdir(), 'parsel-svc-'));
const images = join(dir, 'faces');
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);

async function solid(path: string, w: number, h: number, rgb: [number, number, number], fmt: 'png' | 'jpeg' | 'webp' | 'tiff') {
  const img = sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
  await img[fmt]().toFile(path);
}

function bmp24(w: number, h: number, rgb: [number, number, number]): Buffer {
  const stride = Math.ceil((w * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + stride * h);
  buf.write('BM', 0);
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(w, 18);
  buf.writeInt32LE(h, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = 54 + y * stride + x * 3;
      buf[o] = rgb[2];
      buf[o + 1] = rgb[1];
      buf[o + 2] = rgb[0];
    }
  return buf;
}

beforeAll(async () => {
  mkdirSync(join(images, 'sub', 'deeper'), { recursive: true });
  await solid(join(images, 'a.png'), 40, 30, [200, 10, 10], 'png');
  await solid(join(images, 'sub', 'b.jpg'), 64, 48, [10, 200, 10], 'jpeg');
  await solid(join(images, 'sub', 'deeper', 'c.webp'), 20, 20, [10, 10, 200], 'webp');
  await solid(join(images, 'd.tif'), 16, 8, [50, 60, 70], 'tiff');
  writeFileSync(join(images, 'e.bmp'), bmp24(7, 5, [1, 2, 3]));
  copyFileSync(join(images, 'a.png'), join(images, 'sub', 'a-copy.png')); // duplicate content
  writeFileSync(join(images, 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png'));
  const jpg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#888' } }).jpeg().toBuffer();
  writeFileSync(join(images, 'truncated.jpg'), jpg.subarray(0, Math.floor(jpg.length / 2)));
  writeFileSync(join(images, 'notes.txt'), 'not an image, ignored');
  symlinkSync(images, join(images, 'sub', 'loop')); // a symlink loop must not hang or duplicate
});

describe('project services', () => {
  it('creates a project, refuses to overwrite one, and lists it as recent', async () => {
    const info = await api.call('project:create', { path: join(dir, 'proj'), schemaId: 'celebamask-hq-a' });
    expect(info.path).toBe(join(dir, 'proj.parsel'));
    expect(info.name).toBe('proj');
    expect(info.counts.total).toBe(0);
    await expectCode(api.call('project:create', { path: join(dir, 'proj.parsel'), schemaId: 'lapa-11' }), 'ALREADY_EXISTS');
    await expectCode(api.call('project:create', { path: join(dir, 'x.parsel'), schemaId: 'nope' }), 'BAD_REQUEST');
    await expectCode(api.call('project:create', { path: join(dir, 'missing-dir', 'x.parsel'), schemaId: 'lapa-11' }), 'NOT_FOUND');
    const recent = await api.call('app:recent', {});
    expect(recent[0]).toMatchObject({ path: join(dir, 'proj.parsel'), exists: true });
  });

  it('adds a folder: recursive, all formats, duplicates and unreadable files reported', async () => {
    const events: string[] = [];
    const off = api.on('job:progress', (p) => events.push(p.phase));
    const report = await api.call('image:addFolder', { folder: images });
    off();
    expect(report.added).toBe(5);
    expect(report.duplicates).toEqual([{ path: join(images, 'sub', 'a-copy.png'), existingPath: 'faces/a.png' }]);
    const failed = Object.fromEntries(report.failed.map((f) => [f.path.replace(images, ''), f.reason]));
    expect(Object.keys(failed).sort()).toEqual(['/broken.png', '/sub/loop', '/truncated.jpg']);
    // sub/loop links to the folder being added: a loop, reported as one (formats/walk.ts)
    expect(failed['/sub/loop']).toBe(`symbolic link loop: ${join(images, 'sub', 'loop')} leads back to ${images}, a folder it is inside`);
    expect(failed['/truncated.jpg']).toBe('premature end of JPEG image');
    expect(failed['/broken.png']).toMatch(/png|not a supported image/i);
    expect(events).toContain('done');

    const page = await api.call('image:list', {});
    expect(page.total).toBe(5);
    const byPath = Object.fromEntries(page.items.map((i) => [i.path, i]));
    expect(byPath['faces/a.png']).toMatchObject({ width: 40, height: 30, status: 'unlabeled', headRevisionId: null });
    expect(byPath['faces/e.bmp']).toMatchObject({ width: 7, height: 5 });
    expect(byPath['faces/d.tif']).toMatchObject({ width: 16, height: 8 });

    // Adding again changes nothing: everything is a duplicate (this is also how an add resumes).
    const again = await api.call('image:addFolder', { folder: images });
    expect(again.added).toBe(0);
    expect(again.duplicates).toHaveLength(6);
    expect((await api.call('project:info', {})).counts.total).toBe(5);
  });

  it('refuses a missing folder or a file as folder', async () => {
    await expectCode(api.call('image:addFolder', { folder: join(dir, 'nope') }), 'NOT_FOUND');
    await expectCode(api.call('image:addFolder', { folder: join(images, 'a.png') }), 'INVALID_INPUT');
  });

  it('saves masks as revisions with size, value and codec checks', async () => {
    const img = (await api.call('image:list', {})).items.find((i) => i.path === 'faces/a.png')!;
    const mask = new Uint8Array(img.width * img.height);
    mask.fill(1, 0, 600);
    mask.fill(13, 600);
    const r1 = await api.call('revision:save', {
      imageId: img.id,
      parentId: null,
      kind: 'human',
      author: 'ann',
      mask: encodeMask(mask, img.width, img.height),
    });
    expect(r1).toMatchObject({ imageId: img.id, parentId: null, kind: 'human', author: 'ann', schemaId: 'celebamask-hq-a' });
    const back = await api.call('revision:mask', { revisionId: r1.id });
    expect(decodeMask(back)).toEqual(mask);
    expect((await api.call('image:get', { id: img.id })).status).toBe('in_progress');

    // Wrong size.
    let e = await expectCode(
      api.call('revision:save', { imageId: img.id, parentId: r1.id, kind: 'human', author: 'ann', mask: encodeMask(new Uint8Array(4), 2, 2) }),
      'INVALID_INPUT',
    );
    expect(e.message).toMatch(/2×2 but image .* is 40×30/);
    // Values outside the schema: named with count and first position.
    const bad = mask.slice();
    bad[45] = 77;
    bad[46] = 77;
    e = await expectCode(
      api.call('revision:save', { imageId: img.id, parentId: r1.id, kind: 'human', author: 'ann', mask: encodeMask(bad, 40, 30) }),
      'INVALID_INPUT',
    );
    expect(e.message).toMatch(/value 77 \(2 px, first at x=5, y=1\)/);
    // Corrupt data.
    const enc = encodeMask(mask, 40, 30);
    const corrupt = enc.data.slice();
    corrupt[corrupt.length - 1] ^= 0xff;
    await expectCode(
      api.call('revision:save', { imageId: img.id, parentId: r1.id, kind: 'human', author: 'ann', mask: { ...enc, data: corrupt } }),
      'INVALID_INPUT',
    );
    // Stale parent.
    e = await expectCode(
      api.call('revision:save', { imageId: img.id, parentId: null, kind: 'human', author: 'ann', mask: enc }),
      'CONFLICT',
    );
    expect(e.details).toMatchObject({ headRevisionId: r1.id });
    expect(await api.call('revision:list', { imageId: img.id })).toHaveLength(1);
  });

  it('serves media by id only: browser formats as-is, TIFF and BMP converted, thumbnails cached', async () => {
    const items = (await api.call('image:list', {})).items;
    const id = (p: string) => items.find((i) => i.path === p)!.id;
    const png = await backend.media.image(id('faces/a.png'));
    expect(png.mime).toBe('image/png');
    const tif = await backend.media.image(id('faces/d.tif'));
    expect(tif.mime).toBe('image/png');
    expect((await sharp(tif.body).metadata()).width).toBe(16);
    const bmp = await backend.media.image(id('faces/e.bmp'));
    const px = await sharp(bmp.body).raw().toBuffer();
    expect(Array.from(px.subarray(0, 3))).toEqual([1, 2, 3]);
    const thumb = await backend.media.thumb(id('faces/sub/b.jpg'));
    expect(thumb.mime).toBe('image/webp');
    expect((await sharp(thumb.body).metadata()).width).toBe(64);
    await expectCode(backend.media.image(99999), 'NOT_FOUND');
  });

  it('sets status and reopens with everything intact', async () => {
    const items = (await api.call('image:list', {})).items;
    await api.call('image:setStatus', { ids: [items[0].id, items[1].id], status: 'done' });
    await api.call('project:close', {});
    await expectCode(api.call('project:info', {}), 'NO_PROJECT');
    const info = await api.call('project:open', { path: join(dir, 'proj.parsel') });
    expect(info.counts.total).toBe(5);
    expect(info.counts.byStatus.done).toBe(2);
    const done = await api.call('image:list', { status: ['done'] });
    expect(done.items.map((i) => i.id)).toEqual([items[0].id, items[1].id]);
  });
});
