/**
 * Export queries over a project database: the candidate rows an export selects from (image + head
 * revision), revision lookups for `--from-manifest`, and the `export` table (migration 4).
 */
import type { RevisionKind } from '../../shared/api/types';
import type { ImageSelectRow } from './image-select';
import { storeDb, type ProjectStore } from './project-store';

/** An image row as the one selection returns it (image-select.ts), with what an export needs besides. */
export interface CandidateRow extends ImageSelectRow {
  tags: string;
  kind: RevisionKind | null;
  author: string | null;
  /** Latest label-noise scan (migration 6 `image_score`), null when never scanned. */
  noise_score: number | null;
  noise_model_set_id: number | null;
}

export function candidateRows(store: ProjectStore): CandidateRow[] {
  return storeDb(store)
    .prepare(
      `SELECT i.id, i.path, i.sha256, i.width, i.height, i.status, i.split, i.source, i.tags, i.head_revision_id, r.kind, r.author,
              s.score AS noise_score, s.model_set_id AS noise_model_set_id
       FROM image i LEFT JOIN revision r ON r.id = i.head_revision_id LEFT JOIN image_score s ON s.image_id = i.id ORDER BY i.id`,
    )
    .all() as CandidateRow[];
}

export function imageRows(store: ProjectStore, ids: number[]): Map<number, CandidateRow> {
  const stmt = storeDb(store).prepare(
    `SELECT i.id, i.path, i.sha256, i.width, i.height, i.status, i.split, i.source, i.tags, i.head_revision_id, r.kind, r.author,
            s.score AS noise_score, s.model_set_id AS noise_model_set_id
     FROM image i LEFT JOIN revision r ON r.id = i.head_revision_id LEFT JOIN image_score s ON s.image_id = i.id WHERE i.id = ?`,
  );
  const out = new Map<number, CandidateRow>();
  for (const id of ids) {
    const row = stmt.get(id) as CandidateRow | undefined;
    if (row) out.set(id, row);
  }
  return out;
}

export function revisionOwner(store: ProjectStore, revisionId: number): number | null {
  const r = storeDb(store).prepare('SELECT image_id FROM revision WHERE id = ?').pluck().get(revisionId) as number | undefined;
  return r ?? null;
}

export function insertExport(store: ProjectStore, spec: unknown, manifest: unknown, createdAt: string): number {
  const info = storeDb(store)
    .prepare('INSERT INTO export(created_at, spec, manifest) VALUES (?, ?, ?)')
    .run(createdAt, JSON.stringify(spec), JSON.stringify(manifest));
  return Number(info.lastInsertRowid);
}

export interface ExportRow {
  id: number;
  created_at: string;
  spec: string;
  images: number;
  output_schema: string;
  reproduced_from: string | null;
}

/** Past exports, newest first (summary fields only; the manifest stays in the database). */
export function listExports(store: ProjectStore): ExportRow[] {
  return storeDb(store)
    .prepare(
      `SELECT id, created_at, spec, json_extract(manifest, '$.counts.images') AS images,
              json_extract(manifest, '$.outputSchema.id') AS output_schema,
              json_extract(manifest, '$.reproducedFrom') AS reproduced_from
       FROM export ORDER BY id DESC`,
    )
    .all() as ExportRow[];
}
