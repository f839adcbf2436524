import { describe, expect, it } from 'vitest';
import { getSchema } from '../schema';
import { generateFace } from '../synth';
import { SAMPLE_CORRUPTIONS, checkSampleOptions, makeSampleItem, pickCorrupted } from './index';

const SCHEMA = getSchema('celebamask-hq-a');

describe('sample project content', () => {
  it('corrupts exactly round(noise × count) images, chosen by the seed', () => {
    for (const [count, noise] of [[120, 0.2], [7, 0.5], [10, 0], [10, 1], [3, 0.1]] as const) {
      const picked = pickCorrupted({ count, size: 64, noise, seed: 7 });
      expect(picked.size, `${count} × ${noise}`).toBe(Math.round(count * noise));
      for (const i of picked) expect(i >= 0 && i < count).toBe(true);
    }
    const a = [...pickCorrupted({ count: 50, size: 64, noise: 0.2, seed: 1 })].sort();
    expect([...pickCorrupted({ count: 50, size: 64, noise: 0.2, seed: 1 })].sort()).toEqual(a);
    expect([...pickCorrupted({ count: 50, size: 64, noise: 0.2, seed: 2 })].sort()).not.toEqual(a);
  });

  it('image i is the generator face with seed + i; a corrupted label differs from it in exactly the listed area', () => {
    const o = { count: 12, size: 96, noise: 1, seed: 30 };
    const types = new Set<string>();
    for (let i = 0; i < o.count; i++) {
      const item = makeSampleItem(i, o, SCHEMA, true);
      const face = generateFace({ seed: 30 + i, width: 96, height: 96, schema: SCHEMA });
      expect(item.rgb).toEqual(face.rgb);
      expect(item.clean).toEqual(face.mask);
      expect(item.corruptions).toHaveLength(1);
      const c = item.corruptions[0];
      expect(SAMPLE_CORRUPTIONS).toContain(c.type);
      types.add(c.type);
      let diff = 0;
      for (let p = 0; p < face.mask.length; p++) if (item.label[p] !== face.mask[p]) diff++;
      expect(diff, `${c.type} ${c.what}`).toBe(c.area);
      expect(makeSampleItem(i, o, SCHEMA, true).corruptions).toEqual(item.corruptions);
    }
    expect(types.size).toBeGreaterThan(2);
    const clean = makeSampleItem(0, o, SCHEMA, false);
    expect(clean.corruptions).toEqual([]);
    expect(clean.label).toEqual(clean.clean);
  });

  it('refuses options out of range, naming them', () => {
    expect(() => checkSampleOptions({ count: 0, size: 64, noise: 0.2, seed: 1 })).toThrow(/count must be an integer from 1/);
    expect(() => checkSampleOptions({ count: 5, size: 16, noise: 0.2, seed: 1 })).toThrow(/size must be/);
    expect(() => checkSampleOptions({ count: 5, size: 64, noise: Number.NaN, seed: 1 })).toThrow(/noise must be/);
    expect(() => checkSampleOptions({ count: 5, size: 64, noise: 0.2, seed: -1 })).toThrow(/seed must be/);
  });
});
