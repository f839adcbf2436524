/**
 * Helpers for the mask editor's browser tests and benchmark (on the fixture of helpers.ts): images with
 * masks, crafted masks, driving the editor with real mouse events at pixel centres / corners, and reading
 * masks back through the API.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import type { ParselApi } from '../../src/shared/api/contract';
import { decodeMask, encodeMask } from '../../src/shared/mask/codec';
import type { EditorTestHook } from '../../src/renderer/src/editor/Editor';
import type { BrowserFixture } from './helpers';

/**
 * Adds `masks.length` images of w×h (a soft gradient, so the photo is visible under the mask) and saves
 * each mask as an `import` revision. Returns image ids in order.
 */
export async function addImagesWithMasks(f: BrowserFixture, folder: string, w: number, h: number, masks: Uint8Array[]): Promise<number[]> {
  const dir = join(f.tmp, folder);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < masks.length; i++) {
    const rgb = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        rgb[o] = 90 + ((x * 80) / w) | 0;
        rgb[o + 1] = 80 + ((y * 60) / h) | 0;
        rgb[o + 2] = 70 + i * 20;
      }
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(join(dir, `img${String(i).padStart(3, '0')}.png`));
  }
  await f.api.call('image:addFolder', { folder: dir });
  const list = await f.api.call('image:list', { limit: 5000 });
  const ids: number[] = [];
  for (let i = 0; i < masks.length; i++) {
    const name = `img${String(i).padStart(3, '0')}.png`;
    const it = list.items.find((x) => x.path.endsWith(`${folder}/${name}`));
    if (!it) throw new Error(`image ${name} not added`);
    if (masks[i].length) {
      await f.api.call('revision:save', { imageId: it.id, parentId: null, kind: 'import', author: 'e2e', mask: encodeMask(masks[i], w, h) });
    }
    ids.push(it.id);
  }
  return ids;
}

/** Opens the editor on an image (token URL + hash route) and waits until it is drawn. */
export async function openEditor(f: BrowserFixture, page: Page, imageId: number): Promise<void> {
  const url = new URL(f.server.url);
  url.hash = `#/image/${imageId}`;
  await page.goto(url.toString());
  await page.waitForFunction(() => window.__parselViewer?.ready === true && !!window.__parselEditor, null, { timeout: 20_000 });
}

export async function editorState(page: Page): Promise<ReturnType<EditorTestHook['state']>> {
  return page.evaluate(() => window.__parselEditor!.state());
}

/** Screen point of image point (x, y) (pixel centres are +0.5). */
export async function toScreen(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  return page.evaluate(([ix, iy]) => window.__parselViewer!.imageToScreen(ix, iy), [x, y] as const);
}

/** Mouse stroke through the centres of the given pixels (one move each). */
export async function strokePixels(page: Page, pts: [number, number][]): Promise<void> {
  const first = await toScreen(page, pts[0][0] + 0.5, pts[0][1] + 0.5);
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  for (const [x, y] of pts.slice(1)) {
    const s = await toScreen(page, x + 0.5, y + 0.5);
    await page.mouse.move(s.x, s.y);
  }
  await page.mouse.up();
}

export async function clickPixel(page: Page, x: number, y: number): Promise<void> {
  const s = await toScreen(page, x + 0.5, y + 0.5);
  await page.mouse.click(s.x, s.y);
}

/** Clicks at pixel corners (polygon vertices). */
export async function clickCorners(page: Page, pts: [number, number][]): Promise<void> {
  for (const [x, y] of pts) {
    const s = await toScreen(page, x, y);
    await page.mouse.click(s.x, s.y);
  }
}

/** Drag between two pixel corners (rectangle selection). */
export async function dragCorners(page: Page, a: [number, number], b: [number, number]): Promise<void> {
  const s = await toScreen(page, a[0], a[1]);
  const e = await toScreen(page, b[0], b[1]);
  await page.mouse.move(s.x, s.y);
  await page.mouse.down();
  await page.mouse.move((s.x + e.x) / 2, (s.y + e.y) / 2);
  await page.mouse.move(e.x, e.y);
  await page.mouse.up();
}

/** Ctrl+S, then waits until the editor reports its mask saved. */
export async function saveNow(page: Page): Promise<number> {
  await page.keyboard.press('Control+s');
  await page.waitForFunction(() => {
    const s = window.__parselEditor!.state();
    return s.save.kind === 'saved';
  });
  return (await editorState(page)).base!;
}

export async function headMask(api: ParselApi, imageId: number): Promise<{ revisionId: number; data: Uint8Array }> {
  const d = await api.call('image:get', { id: imageId });
  if (d.headRevisionId === null) throw new Error(`image ${imageId} has no revision`);
  return { revisionId: d.headRevisionId, data: decodeMask(await api.call('revision:mask', { revisionId: d.headRevisionId })) };
}

export async function revisionMask(api: ParselApi, revisionId: number): Promise<Uint8Array> {
  return decodeMask(await api.call('revision:mask', { revisionId }));
}

/** Number of differing bytes (and the first few positions) between two masks of width w. */
export function diffSummary(a: Uint8Array, b: Uint8Array, w: number): string {
  let n = 0;
  const first: string[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      n++;
      if (first.length < 5) first.push(`(${i % w},${Math.floor(i / w)}) got ${a[i]} want ${b[i]}`);
    }
  }
  return n === 0 ? 'equal' : `${n} px differ: ${first.join('; ')}`;
}

/** A crafted 256² mask: background, a skin square, a nose diagonal chain, hair band, neck block. */
export function craftedMask(w: number, h: number): Uint8Array {
  const m = new Uint8Array(w * h);
  const set = (x0: number, y0: number, x1: number, y1: number, v: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = v;
  };
  set(40, 40, 216, 216, 1); // skin
  set(40, 20, 216, 40, 13); // hair band above
  set(100, 216, 156, 256, 17); // neck
  // A diagonal chain of nose (2) pixels: 8-connected only.
  for (let i = 0; i < 30; i++) m[(60 + i) * w + (60 + i)] = 2;
  // Two l_eye (4) blocks touching only at a corner.
  set(150, 60, 170, 80, 4);
  set(170, 80, 190, 100, 4);
  return m;
}
