/**
 * Face boxes drawn by the user (`faceBox:*`): the crops of a model set whose faces mode is "box"
 * (prelabel.ts reads them per image). Coordinates and rules: src/shared/api/methods-faces.ts.
 */
import { ParselError } from '../../../shared/api/errors';
import { MIN_FACE_BOX_SIZE, type FaceBoxInput } from '../../../shared/api/methods-faces';
import type { DomainServices, ServiceContext } from '../context';

const fmt = (b: FaceBoxInput) => `[${b.x0}, ${b.y0}, ${b.x1}, ${b.y1}]`;

/** Clips each box to the image; throws INVALID_INPUT naming the box for an inverted or (after clipping) too small one. */
export function clipFaceBoxes(boxes: readonly FaceBoxInput[], width: number, height: number, imageId: number): FaceBoxInput[] {
  return boxes.map((b, i) => {
    if (b.x1 <= b.x0 || b.y1 <= b.y0) {
      throw new ParselError('INVALID_INPUT', `face box ${i + 1} ${fmt(b)} of image ${imageId}: x1 must be greater than x0 and y1 greater than y0 (corners top-left, bottom-right)`, { index: i, box: b });
    }
    const c = { x0: Math.max(0, b.x0), y0: Math.max(0, b.y0), x1: Math.min(width, b.x1), y1: Math.min(height, b.y1) };
    if (c.x1 - c.x0 < MIN_FACE_BOX_SIZE || c.y1 - c.y0 < MIN_FACE_BOX_SIZE) {
      const outside = c.x1 <= c.x0 || c.y1 <= c.y0;
      throw new ParselError(
        'INVALID_INPUT',
        outside
          ? `face box ${i + 1} ${fmt(b)} lies outside image ${imageId} (${width}×${height})`
          : `face box ${i + 1} ${fmt(b)} of image ${imageId} is ${+(c.x1 - c.x0).toFixed(3)}×${+(c.y1 - c.y0).toFixed(3)} px inside the ${width}×${height} image; a face box must be at least ${MIN_FACE_BOX_SIZE}×${MIN_FACE_BOX_SIZE} px`,
        { index: i, box: b, clipped: c },
      );
    }
    return c;
  });
}

export function faceServices(ctx: ServiceContext): DomainServices<'faceBox:list' | 'faceBox:set'> {
  return {
    'faceBox:list': ({ imageId }) => {
      const { store } = ctx.project();
      store.getImage(imageId);
      return store.faces.of(imageId);
    },

    'faceBox:set': ({ imageId, boxes }) => {
      const { store } = ctx.project();
      const img = store.getImage(imageId);
      const clipped = clipFaceBoxes(boxes, img.width, img.height, imageId);
      const t = new Date().toISOString();
      store.transaction(() => {
        // Boxes kept unchanged keep their creation time; the rest are new.
        const before = new Map(store.faces.of(imageId).map((b) => [fmt(b), b.createdAt]));
        store.faces.replace(imageId, clipped, (b) => before.get(fmt(b)) ?? t);
      });
      return store.faces.of(imageId);
    },
  };
}
