/**
 * Mask-overlay thumbnails (`/media/overlay/<revisionId>`): the head revision's mask in the schema's
 * colours over the thumbnail, background left clear; cached in `<project>.parsel.cache/overlays/`
 * keyed by image and mask content; a new head revision is a new overlay; served by the browser-mode
 * server; an unknown revision is 404.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { OVERLAY_ALPHA } from '../../src/main/services/overlay-thumb';
import { startServer, type RunningServer } from '../../src/main/server';
import type { ParselApi } from '../../src/shared/api/contract';
import { encodeMask } from '../../src/shared/mask/codec';
import { getSchema } from '../../src/shared/schema';

const W = 64;
const H = 32;
const GREY = 100;
let dir: string;
let backend: Backend;
let api: ParselApi;
let imageId: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parsel-overlay-'));
  mkdirSync(join(dir, 'img'));
  // A flat grey PNG: any colour in the overlay comes from the mask.
  await sharp({ create: { width: W, height: H, channels: 3, background: { r: GREY, g: GREY, b: GREY } } })
    .png()
    .toFile(join(dir, 'img', 'face.png'));
  backend = createBackend({ mode: 'browser', userDataDir: join(dir, 'user') });
  api = directClient(backend.services, backend.bus);
  await api.call('project:create', { path: join(dir, 'o.parsel'), schemaId: 'celebamask-hq-a' });
  await api.call('image:addFolder', { folder: join(dir, 'img') });
  imageId = (await api.call('image:list', {})).items[0].id;
});

afterAll(() => {
  backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Left half class `cls`, right half background. */
function halfMask(cls: number) {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) m.fill(cls, y * W, y * W + W / 2);
  return encodeMask(m, W, H);
}

async function rgbOf(webp: Buffer) {
  const { data, info } = await sharp(webp).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
  return { info, at };
}

const overlayFiles = () => {
  const root = join(dir, 'o.parsel.cache', 'overlays');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
};

describe('overlay thumbnails', () => {
  it('blends the class colour over the mask area only, and caches the result', async () => {
    const schema = getSchema('celebamask-hq-a');
    const skin = schema.classes.find((c) => c.name === 'skin')!;
    const r1 = await api.call('revision:save', { imageId, parentId: null, kind: 'human', author: 't', mask: halfMask(skin.index) });
    const first = await backend.media.overlay(r1.id);
    expect(first.mime).toBe('image/webp');
    const { info, at } = await rgbOf(first.body);
    expect([info.width, info.height]).toEqual([W, H]);
    const expectSkin = skin.color.map((c) => GREY * (1 - OVERLAY_ALPHA) + c * OVERLAY_ALPHA);
    at(8, 16).forEach((v, k) => expect(Math.abs(v - expectSkin[k])).toBeLessThanOrEqual(6)); // lossy WebP
    at(W - 8, 16).forEach((v) => expect(Math.abs(v - GREY)).toBeLessThanOrEqual(6)); // background clear
    const files = overlayFiles();
    expect(files).toHaveLength(1);
    const mtime = statSync(files[0]).mtimeMs;
    expect((await backend.media.overlay(r1.id)).body.equals(first.body)).toBe(true);
    expect(statSync(files[0]).mtimeMs).toBe(mtime); // served from the cache, not rewritten
  });

  it('a new head revision has its own overlay; the server serves it by revision id', async () => {
    const head = (await api.call('image:get', { id: imageId })).headRevisionId!;
    const hair = getSchema('celebamask-hq-a').classes.find((c) => c.name === 'hair')!;
    const r2 = await api.call('revision:save', { imageId, parentId: head, kind: 'human', author: 't', mask: halfMask(hair.index) });
    const page = await api.call('image:list', {});
    expect(page.items[0].headRevisionId).toBe(r2.id);
    expect(overlayFiles()).toHaveLength(1);
    let server: RunningServer | null = null;
    try {
      mkdirSync(join(dir, 'renderer'), { recursive: true });
      server = await startServer({ backend, rendererDir: join(dir, 'renderer') });
      const jar = await fetch(server.url, { redirect: 'manual' });
      const cookie = (jar.headers.get('set-cookie') ?? '').split(';')[0];
      const res = await fetch(new URL(`/media/overlay/${r2.id}`, server.url), { headers: { Cookie: cookie } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      const { at } = await rgbOf(Buffer.from(await res.arrayBuffer()));
      const expectHair = hair.color.map((c) => GREY * (1 - OVERLAY_ALPHA) + c * OVERLAY_ALPHA);
      at(8, 16).forEach((v, k) => expect(Math.abs(v - expectHair[k])).toBeLessThanOrEqual(6));
      expect(overlayFiles()).toHaveLength(2);
      const missing = await fetch(new URL('/media/overlay/999', server.url), { headers: { Cookie: cookie } });
      expect(missing.status).toBe(404);
    } finally {
      await server?.close();
    }
  });
});
