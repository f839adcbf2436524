/**
 * The prediction cache table (migration 5 `prediction`): one row per (image, model set). The encoding
 * and its checks are services/predictions.ts's; this is only where the rows are read and written.
 */
import type { Db } from './db';

export interface PredictionRecordRow {
  imageSha256: string;
  width: number;
  height: number;
  classes: number;
  encoding: string;
  data: Buffer;
  provider: string;
  createdAt: string;
}

export class PredictionRepo {
  constructor(private readonly db: Db) {}

  /** Store (replace) the row of (image, model set). One statement: callers put it in their own transaction. */
  upsert(r: { imageId: number; modelSetId: number; imageSha256: string; width: number; height: number; classes: number; encoding: string; data: Uint8Array; provider: string; createdAt: string }): void {
    this.db
      .prepare(
        `INSERT INTO prediction(image_id, model_set_id, image_sha256, width, height, classes, encoding, data, provider, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(image_id, model_set_id) DO UPDATE SET
           image_sha256 = excluded.image_sha256, width = excluded.width, height = excluded.height,
           classes = excluded.classes, encoding = excluded.encoding, data = excluded.data,
           provider = excluded.provider, created_at = excluded.created_at`,
      )
      .run(r.imageId, r.modelSetId, r.imageSha256, r.width, r.height, r.classes, r.encoding, r.data, r.provider, r.createdAt);
  }

  get(imageId: number, modelSetId: number): PredictionRecordRow | null {
    const r = this.db
      .prepare(
        'SELECT image_sha256 AS imageSha256, width, height, classes, encoding, data, provider, created_at AS createdAt FROM prediction WHERE image_id = ? AND model_set_id = ?',
      )
      .get(imageId, modelSetId) as PredictionRecordRow | undefined;
    return r ?? null;
  }

  /** Number of cached predictions per model set id. */
  counts(): Map<number, number> {
    const rows = this.db.prepare('SELECT model_set_id AS id, count(*) AS n FROM prediction GROUP BY model_set_id').all() as { id: number; n: number }[];
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  /** Image ids with a cached prediction by the model set. */
  imageIdsOf(modelSetId: number): Set<number> {
    return new Set(this.db.prepare('SELECT image_id FROM prediction WHERE model_set_id = ?').pluck().all(modelSetId) as number[]);
  }
}
