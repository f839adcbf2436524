/**
 * Import's mask threads (src/main/services/mask-pool.ts) decode within the main process's decode
 * budget (formats/decode-budget.ts): the main thread holds a mask's declared bytes from before the
 * thread decodes until the mask is back, a decode waits while the budget is full, and a hostile file
 * is refused by name from its header alone, without waiting for (or taking) any of the budget.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBudget } from '../../src/main/formats/decode-budget';
import type { BuildContext } from '../../src/main/formats/masks';
import { ItemProblem } from '../../src/main/formats/masks';
import { encodeMaskPng } from '../../src/main/formats/png-encode';
import { pngDecodeCost } from '../../src/main/formats/png';
import { buildMaskOffThread } from '../../src/main/services/mask-pool';
import { getSchema } from '../../src/shared/schema';
import { badInputs } from '../tooling/bad-inputs';

const root = mkdtempSync(join(tmpdir(), 'parsel-mask-pool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ctx: BuildContext = { schema: getSchema('lapa-11'), helenThreshold: false };
const W = 400;
const H = 300;

function writeMask(name: string): { path: string; data: Uint8Array } {
  const data = new Uint8Array(W * H);
  for (let i = 0; i < data.length; i++) data[i] = (i % W) % 11;
  const path = join(root, name);
  writeFileSync(path, encodeMaskPng(data.slice(), W, H, 1));
  return { path, data };
}

const settled = async (p: Promise<unknown>, ms: number): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  const end = Date.now() + ms;
  while (!done && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return done;
};

describe('mask threads and the decode budget', () => {
  it('a mask decode waits while the budget is full, and holds its declared bytes until the mask is back', async () => {
    const { path, data } = writeMask('index.png');
    // warm the pool (thread start-up through tsx takes a while), then check the budget is free again
    expect((await buildMaskOffThread({ kind: 'index', path }, ctx)).data).toEqual(data);
    expect(decodeBudget.inUse).toBe(0);

    const full = await decodeBudget.acquire(decodeBudget.capacity);
    const job = buildMaskOffThread({ kind: 'index', path }, ctx);
    expect(await settled(job, 500)).toBe(false);
    expect(decodeBudget.waiting).toBe(1); // the thread planned it; the main thread waits for the bytes

    let peak = 0;
    let sampling = true;
    const sample = () => {
      peak = Math.max(peak, decodeBudget.inUse);
      if (sampling) setImmediate(sample);
    };
    full();
    sample();
    const mask = await job;
    sampling = false;
    expect(mask).toMatchObject({ width: W, height: H });
    expect(mask.data).toEqual(data);
    // 8-bit grey: inflated rows ×2, one sample and one output byte per pixel
    const cost = pngDecodeCost({ width: W, height: H, bitDepth: 8, colorType: 0, interlace: 0 });
    expect(peak).toBe(cost);
    expect(decodeBudget.inUse).toBe(0);
  });

  it('a hostile header is refused by name at once, even while the budget is full', async () => {
    const path = join(root, 'rgba16.png');
    writeFileSync(path, badInputs()['rgba16-at-limit.png']);
    const full = await decodeBudget.acquire(decodeBudget.capacity);
    try {
      const err = await buildMaskOffThread({ kind: 'index', path }, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ItemProblem);
      expect((err as ItemProblem).problem).toMatchObject({ kind: 'too-large', file: path });
      expect((err as ItemProblem).problem.message).toMatch(/rgba16\.png: decoding 16384×16384 16-bit RGBA needs \d+ MiB/);
      expect(decodeBudget.inUse).toBe(decodeBudget.capacity);
      expect(decodeBudget.waiting).toBe(0);
    } finally {
      full();
    }
  });

  it('a file that fails while decoding gives its problem back and releases what it held', async () => {
    const path = join(root, 'bomb.png');
    const bomb = Buffer.from(badInputs()['bomb-label.png']);
    bomb.writeUInt32BE(W, 16);
    bomb.writeUInt32BE(H, 20);
    writeFileSync(path, bomb);
    const err = await buildMaskOffThread({ kind: 'index', path }, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ItemProblem);
    expect((err as ItemProblem).problem).toMatchObject({ kind: 'undecodable', file: path });
    expect((err as ItemProblem).problem.message).toMatch(/inflates to more than/);
    expect(decodeBudget.inUse).toBe(0);
  });
});
