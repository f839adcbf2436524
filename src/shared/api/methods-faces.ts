/**
 * Face boxes drawn by the user (`faceBox:*`, issue 4): the face crops of a model set whose faces mode
 * is "box" (region-based parsing, as in STN-iCNN: each box is expanded by the set's margin, parsed and
 * pasted back). Several faces per image.
 *
 * Coordinates are continuous image pixels: (x0, y0) is the top-left corner of the box and (x1, y1) its
 * bottom-right corner, so the whole image is [0, 0, width, height] and a box covering pixel columns
 * 10..19 has x0 = 10, x1 = 20. Any real number is accepted (boxes from other sources keep sub-pixel
 * precision); the editor snaps to pixel corners (whole numbers).
 */
import { z } from 'zod';
import { method } from './define';

/** At most this many boxes per image (a crowd is not what face-crop parsing is for). */
export const MAX_FACE_BOXES = 32;
/** After clipping to the image, a box must be at least this wide and high (pixels). */
export const MIN_FACE_BOX_SIZE = 1;

export const FACE_BOX_SOURCES = ['user'] as const;
export type FaceBoxSource = (typeof FACE_BOX_SOURCES)[number];

export interface FaceBoxRecord {
  id: number;
  imageId: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  source: FaceBoxSource;
  createdAt: string;
}

const id = z.number().int().positive();
const coord = z.number().finite().min(-1e6).max(1e6);

export const faceBoxInputSchema = z.object({ x0: coord, y0: coord, x1: coord, y1: coord }).strict();
export type FaceBoxInput = z.output<typeof faceBoxInputSchema>;

export const faceMethods = {
  /** The image's boxes, oldest first. */
  'faceBox:list': method<FaceBoxRecord[]>()(z.object({ imageId: id }).strict()),
  /**
   * Replaces the image's boxes (all of them, in one transaction; an empty list removes them). Each box
   * is clipped to the image; refused (nothing written) when x1 <= x0 or y1 <= y0, when a clipped box is
   * under MIN_FACE_BOX_SIZE, or with more than MAX_FACE_BOXES boxes. Returns the stored boxes.
   */
  'faceBox:set': method<FaceBoxRecord[]>()(
    z
      .object({
        imageId: id,
        boxes: z.array(faceBoxInputSchema).max(MAX_FACE_BOXES, `at most ${MAX_FACE_BOXES} face boxes per image`),
      })
      .strict(),
  ),
} as const;
