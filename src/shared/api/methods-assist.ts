/**
 * Parser-driven editing help (`assist:*`, issue 14): run a model set on the open image, or on a box of
 * it, and get the labels back as a proposal for the editor to commit (re-parse a region, pre-label as
 * a proposal layer). Nothing is stored: no `model` revision, no cached prediction, the head does not
 * move; committing a proposal is an ordinary edit of the open mask.
 */
import { z } from 'zod';
import { method } from './define';
import type { EncodedMask } from './types';

export interface AssistParsed {
  imageId: number;
  modelSetId: number;
  /** The region parsed, image pixels (half-open): the whole image, or the box clipped to it. */
  x: number;
  y: number;
  w: number;
  h: number;
  classes: number;
  /** Arg-max labels of the region (w×h), encoded like a revision mask (shared/mask/codec). */
  labels: EncodedMask;
  provider: string;
  /** decode + session.run + post-processing in the inference worker, ms. */
  ms: number;
}

const id = z.number().int().positive();
const coord = z.number().refine(Number.isFinite, 'coordinates must be finite numbers').refine((v) => Math.abs(v) <= 1e6, 'coordinates must be within ±1e6');

export const assistMethods = {
  /**
   * Runs the parser set `modelSetId` on image `imageId` (the whole image, or `box` only: a whole-image
   * model parses the crop as its own image; a face-crop model parses the box as a face box, as
   * pre-labelling does with face boxes) and returns the arg-max labels of that region.
   */
  'assist:parse': method<AssistParsed>()(
    z
      .object({
        imageId: id,
        modelSetId: id,
        box: z.object({ x0: coord, y0: coord, x1: coord, y1: coord }).strict().nullable().default(null),
      })
      .strict(),
  ),
} as const;
