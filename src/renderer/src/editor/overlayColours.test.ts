/** The diff and heat-map colours stay clear of every class colour of every built-in schema. */
import { describe, expect, it } from 'vitest';
import { IGNORE_COLOR, SCHEMAS } from '../../../shared/schema/schemas';
import { DIFF_RGB, HEAT_MIN, heatRgb, packAbgr } from './overlayColours';

const classColours = [IGNORE_COLOR as readonly number[], ...SCHEMAS.flatMap((s) => s.classes.map((c) => c.color as readonly number[]))];
const nearest = (c: readonly number[]) => Math.min(...classColours.map((k) => Math.hypot(c[0] - k[0], c[1] - k[1], c[2] - k[2])));

describe('overlay colours', () => {
  it('the diff highlight is at least 100 RGB units from every class colour (magenta, the old one, is "hat")', () => {
    expect(nearest(DIFF_RGB)).toBeGreaterThanOrEqual(100);
    expect(nearest([255, 0, 255])).toBe(0);
  });

  it('the whole heat ramp is at least 60 units from every class colour, and brighter for more disagreement', () => {
    let prev = -1;
    for (let t = HEAT_MIN; t <= 1.0001; t += 0.01) {
      const c = heatRgb(t);
      expect(nearest(c), `t=${t.toFixed(2)} ${c.join(',')}`).toBeGreaterThanOrEqual(60);
      const lum = c[0] + c[1] + c[2];
      expect(lum).toBeGreaterThanOrEqual(prev);
      prev = lum;
    }
  });

  it('packs as ImageData expects (little-endian RGBA bytes)', () => {
    const px = new Uint32Array([packAbgr([1, 2, 3])]);
    expect([...new Uint8Array(px.buffer)]).toEqual([1, 2, 3, 255]);
  });
});
