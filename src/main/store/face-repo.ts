/** Face boxes drawn by the user (migration 7 `face_box`). */
import type { FaceBoxInput, FaceBoxRecord, FaceBoxSource } from '../../shared/api/methods-faces';
import type { Db } from './db';

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

export class FaceRepo {
  constructor(private readonly db: Db) {}

  /** The image's face boxes, oldest first. */
  of(imageId: number): FaceBoxRecord[] {
    return (this.db.prepare('SELECT * FROM face_box WHERE image_id = ? ORDER BY id').all(imageId) as FaceBoxRow[]).map(toRecord);
  }

  /**
   * Replace the image's boxes by `boxes` (source `user`), each created at `createdAt(box)`. Run inside
   * the caller's write transaction (ProjectStore.transaction).
   */
  replace(imageId: number, boxes: readonly FaceBoxInput[], createdAt: (b: FaceBoxInput) => string): void {
    this.db.prepare('DELETE FROM face_box WHERE image_id = ?').run(imageId);
    const ins = this.db.prepare("INSERT INTO face_box(image_id, x0, y0, x1, y1, source, created_at) VALUES (?, ?, ?, ?, ?, 'user', ?)");
    for (const b of boxes) ins.run(imageId, b.x0, b.y0, b.x1, b.y1, createdAt(b));
  }
}
