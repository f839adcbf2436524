/**
 * The decode memory budget (src/main/formats/decode-budget.ts): the one Limiter (shared/limiter.ts)
 * with a capacity in bytes; bytes, not a count, first come first served.
 */
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../src/shared/limiter';
import { decodeBudget, decodeWeight, defaultDecodeBudgetBytes } from '../../src/main/formats/decode-budget';

const tick = () => new Promise((r) => setImmediate(r));

describe('decode budget', () => {
  it('is a Limiter of bytes, sized by defaultDecodeBudgetBytes', () => {
    expect(decodeBudget).toBeInstanceOf(Limiter);
    expect(decodeBudget.capacity).toBe(defaultDecodeBudgetBytes());
    expect(decodeBudget.inUse).toBe(0);
  });

  it('grants while the bytes fit and queues the rest; releasing lets the next in', async () => {
    const b = new Limiter(100);
    const r1 = await b.acquire(decodeWeight(60));
    const r2 = await b.acquire(decodeWeight(40));
    expect(b.inUse).toBe(100);
    let got3 = false;
    const p3 = b.acquire(decodeWeight(10)).then((r) => ((got3 = true), r));
    await tick();
    expect(got3).toBe(false);
    expect(b.waiting).toBe(1);
    r1();
    r1(); // a second release changes nothing
    const r3 = await p3;
    expect(b.inUse).toBe(50);
    r2();
    r3();
    expect(b.inUse).toBe(0);
  });

  it('many small decodes run side by side, large ones one at a time', async () => {
    const peak = async (bytes: number, n: number, limit: number) => {
      const b = new Limiter(limit);
      let running = 0;
      let max = 0;
      await Promise.all(
        Array.from({ length: n }, () =>
          b.run(async () => {
            max = Math.max(max, ++running);
            await tick();
            await tick();
            running--;
          }, decodeWeight(bytes)),
        ),
      );
      expect(b.inUse).toBe(0);
      return max;
    };
    expect(await peak(1, 40, 100)).toBe(40);
    expect(await peak(30, 10, 100)).toBe(3);
    expect(await peak(60, 4, 100)).toBe(1);
  });

  it('a request larger than the whole budget holds all of it and runs alone, and is not starved by small ones behind it', async () => {
    const b = new Limiter(100);
    const order: string[] = [];
    const small = await b.acquire(decodeWeight(10));
    const big = b.run(async () => {
      order.push(`big holds=${b.inUse} active=${b.active}`);
      await tick();
    }, decodeWeight(500));
    const later = b.run(async () => {
      order.push(`small after, held=${b.inUse}`);
    }, decodeWeight(10));
    await tick();
    expect(order).toEqual([]); // the big one waits for the held 10 bytes; the small one waits behind it
    small();
    await Promise.all([big, later]);
    expect(order).toEqual(['big holds=100 active=1', 'small after, held=10']);
  });

  it('a decode that declares nothing takes the smallest weight (1 byte), never a free pass', async () => {
    expect([decodeWeight(0), decodeWeight(-5), decodeWeight(Number.NaN), decodeWeight(0.2), decodeWeight(1.5), decodeWeight(600_000)]).toEqual([1, 1, 1, 1, 2, 600_000]);
    const b = new Limiter(100);
    const full = await b.acquire(decodeWeight(100));
    let ran = false;
    const p = b.run(() => {
      ran = true;
    }, decodeWeight(0));
    await tick();
    expect(ran).toBe(false); // a full budget holds it back like any other decode
    full();
    await p;
    expect(ran).toBe(true);
    expect(b.inUse).toBe(0);
  });

  it('releases when the work throws', async () => {
    const b = new Limiter(100);
    await expect(b.run(() => Promise.reject(new Error('bad file')), decodeWeight(80))).rejects.toThrow('bad file');
    expect(b.inUse).toBe(0);
  });

  it('default: a quarter of memory within [256 MiB, 2 GiB], or PARSEL_DECODE_BUDGET_MB', () => {
    const MiB = 1024 * 1024;
    expect(defaultDecodeBudgetBytes(512 * MiB, undefined)).toBe(256 * MiB);
    expect(defaultDecodeBudgetBytes(4096 * MiB, undefined)).toBe(1024 * MiB);
    expect(defaultDecodeBudgetBytes(64 * 1024 * MiB, undefined)).toBe(2048 * MiB);
    expect(defaultDecodeBudgetBytes(64 * 1024 * MiB, '1.5')).toBe(1.5 * MiB);
    expect(defaultDecodeBudgetBytes(4096 * MiB, 'lots')).toBe(1024 * MiB);
    expect(defaultDecodeBudgetBytes(4096 * MiB, '0')).toBe(1024 * MiB);
  });
});
