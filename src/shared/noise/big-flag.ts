/**
 * Big flags (issue 12): a flag whose region covers more than a configurable share of the image, or of
 * its label class's pixels (its "part"), is not accepted in one key. The review settings are stored
 * per project (`noise:settings`); this module is the one rule every caller uses (the accept service
 * refuses an unconfirmed big flag, the editor asks for confirmation first). docs/review.md.
 */

export interface ReviewSettings {
  /** A flag whose area is more than this share of the image's pixels needs confirmation (0..1; 1: never). */
  bigFlagImageShare: number;
  /** … or more than this share of the pixels of its label class in the flag's revision (0..1; 1: never). */
  bigFlagPartShare: number;
}

export const DEFAULT_REVIEW_SETTINGS: Readonly<ReviewSettings> = Object.freeze({ bigFlagImageShare: 0.05, bigFlagPartShare: 0.6 });

export interface FlagSize {
  /** Region area / image pixels. */
  imageShare: number;
  /** Region area / pixels of the label class in the flag's revision (1 when the class has none). */
  partShare: number;
  /** Which limit it passes ('image' first), or null when one key may accept it. */
  big: 'image' | 'part' | null;
  /** The limits it was judged with (the project's review settings). */
  imageLimit: number;
  partLimit: number;
}

/**
 * Size of a flag of `area` pixels in an image of `imagePixels` whose label class has `partPixels`
 * pixels. Shares above a limit (strictly) make the flag big; a limit of 1 switches that check off.
 */
export function flagSize(area: number, imagePixels: number, partPixels: number, s: ReviewSettings): FlagSize {
  if (!(imagePixels > 0)) throw new RangeError(`flagSize: image pixels must be positive, got ${imagePixels}`);
  if (!(area >= 0)) throw new RangeError(`flagSize: area must be >= 0, got ${area}`);
  const imageShare = area / imagePixels;
  const partShare = partPixels > 0 ? Math.min(1, area / partPixels) : 1;
  const big = imageShare > s.bigFlagImageShare ? 'image' : partShare > s.bigFlagPartShare ? 'part' : null;
  return { imageShare, partShare, big, imageLimit: s.bigFlagImageShare, partLimit: s.bigFlagPartShare };
}

/** Pixels per class value (256 bins) of an index mask. */
export function classHistogram(mask: Uint8Array): Uint32Array {
  const h = new Uint32Array(256);
  for (let i = 0; i < mask.length; i++) h[mask[i]]++;
  return h;
}

/** "12 % of the image" / "85 % of its skin": why a flag needs confirmation (null when it does not). */
export function bigFlagReason(size: FlagSize, labelName: string): string | null {
  const pct = (v: number) => `${v < 0.1 ? (v * 100).toFixed(1) : Math.round(v * 100)} %`;
  if (size.big === 'image') return `it covers ${pct(size.imageShare)} of the image (confirmation above ${pct(size.imageLimit)})`;
  if (size.big === 'part') return `it covers ${pct(size.partShare)} of the image's ${labelName} (confirmation above ${pct(size.partLimit)})`;
  return null;
}
