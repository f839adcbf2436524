/**
 * Export bytes are fixed (issue 15): a small export whose label files' SHA-256 are committed here.
 * The PNG writer is pure TypeScript (src/main/formats/png-encode.ts: no zlib), so these hashes hold on
 * every runtime (Node, Electron's Node) and machine; a change to them is a change of the format's
 * bytes and breaks the byte-identical `--from-manifest` promise for earlier exports. Masks and images
 * come from formulas (no generator, no libvips encoder in the hashed files); the image files, copies
 * of the sources, are compared to the sources instead.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE } from '../../src/shared/api/methods-export';
import { encodeMask } from '../../src/shared/mask/codec';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { decodePngSync } from '../../src/main/formats/png';
import { deflateMask, encodeMaskPng, encodePhotoPng } from '../../src/main/formats/png-encode';
import { encodeMaskPngAsync } from '../../src/main/formats/png-pool';
import { inflateSync } from 'node:zlib';

const W = 48;
const H = 40;
const N = 5;
const dir = mkdtempSync(join(tmpdir(), 'parsel-export-golden-'));
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);

/** Image i's mask in CelebAMask-HQ order A (19 classes): ellipses, a stripe, a checker corner. */
function maskOf(i: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = (x - W / 2 - i) / (W * 0.35);
      const dy = (y - H / 2) / (H * 0.4);
      const r = dx * dx + dy * dy;
      let v = r < 1 ? 1 : 0; // skin
      if (r < 0.15) v = 10; // nose
      if (r < 1 && Math.abs(y - H * 0.65) < 2) v = 11 + (i % 2); // mouth / upper lip
      if (r < 1 && y < H * 0.4 && Math.abs(x - W / 2) > 6 && Math.abs(x - W / 2) < 12) v = x < W / 2 ? 4 : 5; // eyes
      if (y < 4) v = 13; // hair
      if (x > W - 6 && y > H - 6) v = (x + y + i) % 2 ? 18 : 0; // cloth checker
      m[y * W + x] = v;
    }
  }
  return m;
}

function rgbOf(i: number): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let p = 0; p < W * H; p++) {
    rgb[p * 3] = (p * 7 + i * 31) & 255;
    rgb[p * 3 + 1] = ((p >> 3) * 13) & 255;
    rgb[p * 3 + 2] = (i * 50 + (p % W) * 5) & 255;
  }
  return rgb;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function files(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.set(relative(root, abs).split('\\').join('/'), sha(readFileSync(abs)));
    }
  };
  walk(root);
  return out;
}

const sources = new Map<string, string>();

beforeAll(async () => {
  const img = join(dir, 'faces');
  mkdirSync(img);
  for (let i = 0; i < N; i++) {
    const bytes = await sharp(Buffer.from(rgbOf(i)), { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    writeFileSync(join(img, `face${i}.jpg`), bytes);
    sources.set(`face${i}`, sha(bytes));
  }
  const info = await api.call('project:create', { path: join(dir, 'g.parsel'), schemaId: 'celebamask-hq-a' });
  await api.call('image:addFolder', { folder: img });
  const items = (await api.call('image:list', {})).items;
  expect(items).toHaveLength(N);
  for (const it of items) {
    const i = Number(/face(\d)/.exec(it.path)![1]);
    await api.call('revision:save', { imageId: it.id, parentId: null, kind: 'import', author: 'golden', mask: encodeMask(maskOf(i), W, H) });
  }
  const store = ProjectStore.open(info.path);
  const set = storeDb(store).prepare('UPDATE image SET split = ? WHERE id = ?');
  items.forEach((it, k) => set.run(k < 3 ? 'train' : k === 3 ? 'val' : 'test', it.id));
  store.close();
});

afterAll(() => {
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Per format: the number of non-image files and the SHA-256 of their `{ path: sha256 }` map (sorted by
 * path, as JSON). Committed: the bytes must never drift.
 */
const GOLDEN: Record<string, { files: number; digest: string }> = {
  'lapa': { files: 5, digest: '054ea96169469a20c71549df96b01a0d7caff7f10b053ca8ba4ef49109cf4eea' },
  'celebamask-hq': { files: 37, digest: '04b1f949cdb4b2a02ad9cb58ff9d5290f763179ef5daec092c112affeb5f57af' },
  'color-png': { files: 10, digest: 'dab8a3d86e909f373cf1bbca8638f82ca53a70f4a2a5f9c7b9fc290080de425d' },
};

describe('golden export bytes', () => {
  it('the mask encoder is lossless and standard (zlib inflates it; our and libvips\' decoders read it back)', async () => {
    for (let i = 0; i < N; i++) {
      const m = maskOf(i);
      const png = encodeMaskPng(m, W, H, 1);
      expect(Buffer.from(decodePngSync(png, 'm').samples as Uint8Array).equals(Buffer.from(m))).toBe(true);
      const viaSharp = await sharp(png).extractChannel(0).raw().toBuffer();
      expect(viaSharp.equals(Buffer.from(m))).toBe(true);
      expect(Buffer.from(await encodeMaskPngAsync(m, W, H, 1)).equals(Buffer.from(png))).toBe(true);
    }
    // Every byte value, runs longer than 258, rows equal to the row above, a row wider than the window.
    const wide = new Uint8Array(40000 * 2);
    for (let k = 0; k < wide.length; k++) wide[k] = k < 300 ? 7 : (k * 2654435761) >>> 27;
    const raw = new Uint8Array(256 * 3 + 600);
    for (let k = 0; k < 256; k++) raw[k] = k;
    raw.fill(9, 256, 856);
    raw.copyWithin(856, 0, 512);
    for (const [data, bpp, stride] of [[raw, 1, 64], [raw, 3, 99], [wide, 1, 40001]] as const) {
      expect(Buffer.from(inflateSync(deflateMask(data, bpp, stride))).equals(Buffer.from(data))).toBe(true);
    }
    const photo = rgbOf(3);
    const p = encodePhotoPng(photo, W, H, 3);
    expect((await sharp(p).raw().toBuffer()).equals(Buffer.from(photo))).toBe(true);
    expect(sha(encodeMaskPng(maskOf(0), W, H, 1))).toBe(GOLDEN_ENCODER.mask0);
    expect(sha(encodeMaskPng(rgbOf(1), W, H, 3))).toBe(GOLDEN_ENCODER.rgb1);
    expect(sha(p)).toBe(GOLDEN_ENCODER.photo3);
  });

  for (const format of Object.keys(GOLDEN)) {
    it(`${format}: label files have the committed hashes, twice in a row; images are the source bytes`, async () => {
      const spec = format === 'lapa' ? { format, remap: { target: 'lapa-11', ignoreIndex: 255 } } : { format };
      const got: Map<string, string>[] = [];
      for (const run of [1, 2]) {
        const out = join(dir, `${format}-${run}`);
        const r = await api.call('export:run', { dir: out, spec: spec as never });
        expect(r.status).toBe('done');
        const f = files(out);
        f.delete(MANIFEST_FILE); // dated
        got.push(f);
      }
      expect([...got[0]]).toEqual([...got[1]]);
      const labels: Record<string, string> = {};
      for (const [path, hash] of got[0]) {
        if (path.endsWith('.jpg')) expect([...sources.values()], path).toContain(hash);
        else labels[path] = hash;
      }
      const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      expect({ files: Object.keys(sorted).length, digest: sha(Buffer.from(JSON.stringify(sorted))) }, JSON.stringify(sorted, null, 1)).toEqual(GOLDEN[format]);
    });
  }
});

/** SHA-256 of the encoders' output for fixed pixels (a 1-channel mask, a 3-channel mask, a photo). */
const GOLDEN_ENCODER = { mask0: '8f4085c313cf1b00ff1628206693be8b1e7cb8657af3f06c68a34c5759c009c2', rgb1: '557e4132f3dd364faa745b995fc06fd31246b3dd797a05320d98ba48091249f7', photo3: '85fb6b10b2aa13586750607ac04c0c30e1f76092515457b7cebff93a070f44b6' };
