import { describe, expect, it } from 'vitest';
import { Limiter, mapLimit } from './limiter';

/** A task that records how many run at once and finishes when told. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Limiter', () => {
  it('counts: at most `capacity` unit tasks at once, FIFO', async () => {
    const l = new Limiter(2);
    const order: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const runs = gates.map((g, i) => l.run(async () => {
      order.push(i);
      await g.p;
    }));
    await tick();
    expect(order).toEqual([0, 1]);
    expect([l.active, l.inUse, l.waiting]).toEqual([2, 2, 2]);
    gates[1].open();
    await tick();
    expect(order).toEqual([0, 1, 2]);
    gates[0].open();
    gates[2].open();
    gates[3].open();
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2, 3]);
    expect([l.active, l.inUse, l.waiting]).toEqual([0, 0, 0]);
  });

  it('weights: a budget holds what fits; a heavy waiter is not overtaken; one heavier than the budget runs alone', async () => {
    const l = new Limiter(100);
    const started: string[] = [];
    const g = { a: gate(), b: gate(), big: gate(), c: gate(), huge: gate() };
    const go = (name: keyof typeof g, w: number) => l.run(async () => {
      started.push(name);
      await g[name].p;
    }, w);
    const runs = [go('a', 60), go('b', 30), go('big', 50), go('c', 10), go('huge', 1000)];
    await tick();
    // a + b = 90; big (50) waits; c (10) would fit but must not overtake big.
    expect(started).toEqual(['a', 'b']);
    g.a.open();
    await tick();
    expect(started).toEqual(['a', 'b', 'big', 'c']);
    expect(l.inUse).toBe(90);
    g.b.open();
    g.big.open();
    await tick();
    expect(started).toEqual(['a', 'b', 'big', 'c']); // huge waits for c: it runs alone
    g.c.open();
    await tick();
    expect(started).toEqual(['a', 'b', 'big', 'c', 'huge']);
    expect(l.inUse).toBe(100); // clamped to the capacity
    g.huge.open();
    await Promise.all(runs);
    expect(l.inUse).toBe(0);
  });

  it('releases when a task throws, and refuses bad weights and capacities', async () => {
    const l = new Limiter(1);
    await expect(l.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(l.inUse).toBe(0);
    await expect(l.acquire(0)).rejects.toThrow(/positive/);
    await expect(l.acquire(Number.NaN)).rejects.toThrow(/positive/);
    expect(() => new Limiter(0)).toThrow(/positive/);
    const release = await l.acquire();
    release();
    release(); // idempotent
    expect(l.inUse).toBe(0);
  });
});

describe('mapLimit', () => {
  it('keeps input order, never more than `limit` at once', async () => {
    let now = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 3, async (ms, i) => {
      peak = Math.max(peak, ++now);
      await new Promise((r) => setTimeout(r, ms));
      now--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50]);
    expect(peak).toBe(3);
  });

  it('the first failure stops new items and rejects only after the running ones settled', async () => {
    const started: number[] = [];
    let settled = 0;
    const p = mapLimit([0, 1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      await new Promise((r) => setTimeout(r, x === 1 ? 1 : 20));
      settled++;
      if (x === 1) throw new Error(`item ${x}`);
      return x;
    });
    await expect(p).rejects.toThrow('item 1');
    expect(started).toEqual([0, 1]); // item 1 failed before a slot was free for item 2
    expect(settled).toBe(2); // item 0 (20 ms) had finished when mapLimit rejected
  });

  it('stop() leaves later items unstarted; a shared Limiter bounds two maps together by weight', async () => {
    let n = 0;
    const out = await mapLimit([1, 2, 3, 4], 1, async (x) => (n++, x), { stop: () => n >= 2 });
    expect(out).toEqual([1, 2, undefined, undefined]);

    const budget = new Limiter(10);
    let held = 0;
    let peak = 0;
    const task = async (w: number) => {
      held += w;
      peak = Math.max(peak, held);
      await new Promise((r) => setTimeout(r, 5));
      held -= w;
      return w;
    };
    const weights = [4, 6, 3, 7, 5, 5];
    const [a, b] = await Promise.all([mapLimit(weights, budget, task, { weight: (w) => w }), mapLimit(weights, budget, task, { weight: (w) => w })]);
    expect(a).toEqual(weights);
    expect(b).toEqual(weights);
    expect(peak).toBeLessThanOrEqual(10);
    expect(peak).toBeGreaterThan(6);
  });
});
