/**
 * Small seeded PRNG shared by everything that must draw the same numbers on every platform: the
 * synthetic-face generator, the corruption injector, seeded subset/split selection.
 *
 * mulberry32 over a splitmix-style seed hash. Everything is 32-bit integer arithmetic (`Math.imul`,
 * shifts), so a seed produces the same sequence on every platform and JS engine. `normal` uses
 * Box–Muller (`Math.log`, `Math.cos`); V8 implements those with fdlibm ports, so they are bit-identical
 * across operating systems too.
 */

/** Finalizer of murmur3 / splitmix32: a good 32-bit avalanche mix. Returns an unsigned 32-bit int. */
export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hash any number of integers to an unsigned 32-bit int (order-sensitive). */
export function hash32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) h = mix32(h ^ mix32((v | 0) + 0x7f4a7c15));
  return h;
}

/** Turn an arbitrary JS number (negative, fractional, > 2^32) into a 32-bit seed state. */
export function seedState(seed: number): number {
  const s = Number.isFinite(seed) ? Math.floor(seed) : 0;
  const lo = s >>> 0;
  const hi = Math.floor(s / 4294967296) >>> 0;
  return hash32(lo, hi);
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seedState(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Unsigned 32-bit integer. */
  nextU32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Normal(mean, sd) via Box–Muller (one value per call; deterministic). */
  normal(mean = 0, sd = 1): number {
    const u1 = 1 - this.next(); // (0, 1]
    const u2 = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Normal clamped to [lo, hi]. */
  normalClamped(mean: number, sd: number, lo: number, hi: number): number {
    const v = this.normal(mean, sd);
    return v < lo ? lo : v > hi ? hi : v;
  }

  /** Integer uniform in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** Pick with weights (need not sum to 1). */
  pickWeighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i];
      if (r < 0) return items[i];
    }
    return items[items.length - 1];
  }

  /**
   * An independent stream derived from this generator's seed and a salt, without consuming values
   * from this one. Used so that adding a draw to one part of the generator does not shift the rest.
   */
  fork(salt: number): Rng {
    const r = new Rng(0);
    r.state = hash32(this.state, salt) | 0;
    return r;
  }
}
