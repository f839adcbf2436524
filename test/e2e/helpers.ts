/**
 * Helpers for browser end-to-end tests and benchmarks: renderer build, Chromium launch, screenshot
 * pixel sampling, and picking sample points inside mask regions.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';

export const ROOT = resolve(__dirname, '..', '..');
export const RENDERER_DIR = join(ROOT, 'out', 'renderer');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the renderer when `out/renderer/index.html` is missing, or older than a renderer or shared
 * source file (so a test never runs against a stale bundle).
 */
export function ensureRendererBuild(): void {
  const index = join(RENDERER_DIR, 'index.html');
  if (existsSync(index)) {
    const built = statSync(index).mtimeMs;
    const src = Math.max(newestMtime(join(ROOT, 'src', 'renderer')), newestMtime(join(ROOT, 'src', 'shared')));
    if (src <= built) return;
  }
  execFileSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
  if (!existsSync(index)) throw new Error('electron-vite build did not produce out/renderer/index.html');
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Forwards page errors and console errors to the test output (a blank page then explains itself). */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export interface RawImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

export async function decodePng(png: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data) };
}

export function rgbAt(img: RawImage, x: number, y: number): [number, number, number] {
  const xi = Math.round(x);
  const yi = Math.round(y);
  const o = (yi * img.width + xi) * img.channels;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}

/**
 * The deepest pixel of class `value` (the last survivor of repeated 4-neighbour erosion), so that a
 * sample lands well inside the region whatever the zoom. Null when the class is absent.
 */
export function interiorPoint(mask: Uint8Array, w: number, h: number, value: number): { x: number; y: number; depth: number } | null {
  let cur = new Uint8Array(w * h);
  let count = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === value) {
      cur[i] = 1;
      count++;
    }
  }
  if (count === 0) return null;
  let depth = 0;
  for (;;) {
    const next = new Uint8Array(w * h);
    let n = 0;
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        const i = y * w + x;
        if (cur[i] && cur[i - 1] && cur[i + 1] && cur[i - w] && cur[i + w]) {
          next[i] = 1;
          n++;
        }
      }
    }
    if (n === 0) break;
    cur = next;
    depth++;
  }
  // Middle survivor in scan order: deterministic and inside the deepest core.
  const idx: number[] = [];
  for (let i = 0; i < cur.length; i++) if (cur[i]) idx.push(i);
  const i = idx[Math.floor(idx.length / 2)];
  return { x: i % w, y: Math.floor(i / w), depth };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
