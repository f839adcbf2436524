/**
 * Face boxes drawn by the user (`faceBox:*`): the crops of a model set whose faces mode is "box"
 * (prelabel.ts reads them per image). Coordinates and rules: src/shared/api/methods-faces.ts.
 */
import { ParselError } from '../../../shared/api/errors';
import { MIN_FACE_BOX_SIZE, type FaceBoxInput, type FaceBoxRecord, type FaceBoxSource } from '../../../shared/api/methods-faces';
import type { ProjectStore } from '../../store/project-store';
import type { DomainServices, ServiceContext } from '../context';

interface FaceBoxRow {
  id: number;
  image_id: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  source: FaceBoxSource;
  created_at: string;
}

const toRecord = (r: FaceBoxRow): FaceBoxRecord => ({ id: r.id, imageId: r.image_id, x0: r.x0, y0: r.y0, x1: r.x1, y1: r.y1, source: r.source, createdAt: r.created_at });

/** The image's face boxes, oldest first (the image must exist). */
export function faceBoxesOf(store: ProjectStore, imageId: number): FaceBoxRecord[] {
  return (store.db.prepare('SELECT * FROM face_box WHERE image_id = ? ORDER BY id').all(imageId) as FaceBoxRow[]).map(toRecord);
}

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
      return faceBoxesOf(store, imageId);
    },

    'faceBox:set': ({ imageId, boxes }) => {
      const { store } = ctx.project();
      const img = store.getImage(imageId);
      const clipped = clipFaceBoxes(boxes, img.width, img.height, imageId);
      const t = new Date().toISOString();
      store.db
        .transaction(() => {
          // Boxes kept unchanged keep their creation time; the rest are new.
          const before = new Map(faceBoxesOf(store, imageId).map((b) => [fmt(b), b.createdAt]));
          store.db.prepare('DELETE FROM face_box WHERE image_id = ?').run(imageId);
          const ins = store.db.prepare("INSERT INTO face_box(image_id, x0, y0, x1, y1, source, created_at) VALUES (?, ?, ?, ?, ?, 'user', ?)");
          for (const b of clipped) ins.run(imageId, b.x0, b.y0, b.x1, b.y1, before.get(fmt(b)) ?? t);
        })
        .immediate();
      return faceBoxesOf(store, imageId);
    },
  };
}
