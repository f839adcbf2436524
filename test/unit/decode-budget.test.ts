/** The decode memory budget (src/main/formats/decode-budget.ts): bytes, not a count, first come first served. */
import { describe, expect, it } from 'vitest';
import { MemoryBudget, defaultDecodeBudgetBytes } from '../../src/main/formats/decode-budget';

const tick = () => new Promise((r) => setImmediate(r));

describe('MemoryBudget', () => {
  it('grants while the bytes fit and queues the rest; releasing lets the next in', async () => {
    const b = new MemoryBudget(100);
    const r1 = await b.acquire(60);
    const r2 = await b.acquire(40);
    expect(b.inUse).toBe(100);
    let got3 = false;
    const p3 = b.acquire(10).then((r) => ((got3 = true), r));
    await tick();
    expect(got3).toBe(false);
    expect(b.queued).toBe(1);
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
      const b = new MemoryBudget(limit);
      let running = 0;
      let max = 0;
      await Promise.all(
        Array.from({ length: n }, () =>
          b.run(bytes, async () => {
            max = Math.max(max, ++running);
            await tick();
            await tick();
            running--;
          }),
        ),
      );
      expect(b.inUse).toBe(0);
      return max;
    };
    expect(await peak(1, 40, 100)).toBe(40);
    expect(await peak(30, 10, 100)).toBe(3);
    expect(await peak(60, 4, 100)).toBe(1);
  });

  it('a request larger than the whole budget runs alone, and is not starved by small ones behind it', async () => {
    const b = new MemoryBudget(100);
    const order: string[] = [];
    const small = await b.acquire(10);
    const big = b.run(500, async () => {
      order.push(`big alone=${b.inUse === 500}`);
    });
    const later = b.run(10, async () => {
      order.push('small after');
    });
    await tick();
    expect(order).toEqual([]); // the big one waits for the held 10 bytes; the small one waits behind it
    small();
    await Promise.all([big, later]);
    expect(order).toEqual(['big alone=true', 'small after']);
  });

  it('releases when the work throws', async () => {
    const b = new MemoryBudget(100);
    await expect(b.run(80, () => Promise.reject(new Error('bad file')))).rejects.toThrow('bad file');
    expect(b.inUse).toBe(0);
  });

  it('default: a quarter of memory within [256 MiB, 2 GiB], or PARSEL_DECODE_BUDGET_MB', () => {
    const MiB = 1024 * 1024;
    expect(defaultDecodeBudgetBytes(512 * MiB, undefined)).toBe(256 * MiB);
    expect(defaultDecodeBudgetBytes(4096 * MiB, undefined)).toBe(1024 * MiB);
    expect(defaultDecodeBudgetBytes(64 * 1024 * MiB, undefined)).toBe(2048 * MiB);
    expect(defaultDecodeBudgetBytes(64 * 1024 * MiB, '1.5')).toBe(1.5 * MiB);
    expect(defaultDecodeBudgetBytes(4096 * MiB, 'lots')).toBe(1024 * MiB);
    expect(() => new MemoryBudget(0)).toThrow(/positive/);
  });
});
