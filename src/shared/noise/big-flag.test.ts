import { describe, expect, it } from 'vitest';
import { bigFlagReason, classHistogram, DEFAULT_REVIEW_SETTINGS, flagSize } from './big-flag';

describe('flagSize (hand-worked)', () => {
  const s = { bigFlagImageShare: 0.05, bigFlagPartShare: 0.6 };

  it('a 15 px region of a 100×100 image in a 1000 px part is small', () => {
    expect(flagSize(15, 10_000, 1000, s)).toEqual({ imageShare: 0.0015, partShare: 0.015, big: null, imageLimit: 0.05, partLimit: 0.6 });
  });

  it('over 5 % of the image is big by the image share, checked first', () => {
    // 501 / 10 000 = 5.01 % > 5 %; also 501 / 600 = 83.5 % of the part.
    expect(flagSize(501, 10_000, 600, s)).toMatchObject({ big: 'image', imageShare: 0.0501 });
    // Exactly at the limit is not over it.
    expect(flagSize(500, 10_000, 100_000, s).big).toBeNull();
  });

  it('a whole small part (an ear, 100 % of its class) is big by the part share', () => {
    expect(flagSize(120, 10_000, 120, s)).toMatchObject({ big: 'part', partShare: 1 });
    expect(flagSize(60, 10_000, 100, s)).toMatchObject({ big: null, partShare: 0.6 });
    expect(flagSize(61, 10_000, 100, s)).toMatchObject({ big: 'part', partShare: 0.61 });
  });

  it('limits of 1 switch the checks off; a class with no pixel counts as the whole part', () => {
    const off = { bigFlagImageShare: 1, bigFlagPartShare: 1 };
    expect(flagSize(10_000, 10_000, 10_000, off).big).toBeNull();
    expect(flagSize(10, 10_000, 0, s)).toMatchObject({ partShare: 1, big: 'part' });
  });

  it('refuses an empty image and a negative area', () => {
    expect(() => flagSize(1, 0, 1, DEFAULT_REVIEW_SETTINGS)).toThrow(/image pixels must be positive/);
    expect(() => flagSize(-1, 10, 1, DEFAULT_REVIEW_SETTINGS)).toThrow(/area must be >= 0/);
  });

  it('says why, with the limit', () => {
    expect(bigFlagReason(flagSize(52_804, 512 * 512, 60_000, s), 'skin')).toBe('it covers 20 % of the image (confirmation above 5.0 %)');
    expect(bigFlagReason(flagSize(120, 10_000, 120, s), 'left ear')).toBe("it covers 100 % of the image's left ear (confirmation above 60 %)");
    expect(bigFlagReason(flagSize(15, 10_000, 1000, s), 'skin')).toBeNull();
  });

  it('classHistogram counts every value', () => {
    const h = classHistogram(new Uint8Array([0, 1, 1, 255, 1]));
    expect([h[0], h[1], h[2], h[255]]).toEqual([1, 3, 0, 1]);
  });
});
