/** The export dialog's noise-score fields → the spec's `filter.noiseScore` (or a message). */
import { describe, expect, it } from 'vitest';
import { initialForm, specOf } from '../../src/renderer/src/views/export/ExportDialog';

const base = initialForm('/tmp/x');

describe('export form: noise score', () => {
  it('no bounds: no filter; one or two bounds: a range', () => {
    const none = specOf(base);
    expect('spec' in none && none.spec.filter?.noiseScore).toBeUndefined();
    const lo = specOf({ ...base, noiseMin: '2.5' });
    expect('spec' in lo && lo.spec.filter?.noiseScore).toEqual({ min: 2.5, max: undefined });
    const both = specOf({ ...base, noiseMin: '0', noiseMax: ' 10 ' });
    expect('spec' in both && both.spec.filter?.noiseScore).toEqual({ min: 0, max: 10 });
  });

  it('refuses negative, non-numeric and inverted bounds', () => {
    expect(specOf({ ...base, noiseMin: '-1' })).toEqual({ error: 'noise score bounds must be numbers >= 0' });
    expect(specOf({ ...base, noiseMax: 'abc' })).toEqual({ error: 'noise score bounds must be numbers >= 0' });
    expect(specOf({ ...base, noiseMin: '5', noiseMax: '1' })).toEqual({ error: 'noise score: min is above max' });
  });
});
