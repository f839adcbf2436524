/**
 * The project grid's query (`image:list`): filter by status, split and a path substring, order by one of
 * IMAGE_SORTS, one page at a time. Everything is done by SQLite so a page of a 30,000-image project costs
 * the same whatever the order (docs/bench/grid.md).
 *
 * File name and folder are computed from the stored path in SQL (no extra columns, no migration):
 * with `p` the path with `\` turned into `/`, `rtrim(p, replace(p, '/', ''))` strips the trailing
 * characters that are not `/`, which leaves the folder with its trailing slash; the name is the rest.
 *
 * Two steps: the ids of the page in order (only the columns the order needs), then those rows with
 * their noise score and head revision time.
 */
import type { ImagePage, ImageSort, ImageStatus, ImageSummary } from '../../shared/api/types';
import { IMAGE_STATUSES } from '../../shared/api/types';
import type { Db } from './db';

export interface ImageQuery {
  status?: ImageStatus[];
  split?: string;
  /** Case-insensitive (ASCII) substring of the stored path. */
  search?: string;
  sort?: ImageSort;
  reverse?: boolean;
  offset: number;
  limit: number;
}

const SLASHED = "replace(i.path, '\\', '/')";
/** Folder of the stored path with its trailing `/` ('' for a file at the project root). */
export const FOLDER_SQL = `rtrim(${SLASHED}, replace(${SLASHED}, '/', ''))`;
export const NAME_SQL = `substr(${SLASHED}, length(${FOLDER_SQL}) + 1)`;
const STATUS_RANK = `CASE i.status ${IMAGE_STATUSES.map((s, k) => `WHEN '${s}' THEN ${k}`).join(' ')} END`;

/** ORDER BY terms per sort: [expression, natural direction, whether NULLs must stay last]. */
function orderBy(sort: ImageSort, reverse: boolean): string {
  const dir = (natural: 'ASC' | 'DESC') => (reverse ? (natural === 'ASC' ? 'DESC' : 'ASC') : natural);
  switch (sort) {
    case 'added':
      return `i.id ${dir('ASC')}`;
    case 'name':
      return `${NAME_SQL} COLLATE NOCASE ${dir('ASC')}, ${FOLDER_SQL} COLLATE NOCASE ${dir('ASC')}, i.id ${dir('ASC')}`;
    case 'folder':
      return `${FOLDER_SQL} COLLATE NOCASE ${dir('ASC')}, ${NAME_SQL} COLLATE NOCASE ${dir('ASC')}, i.id ${dir('ASC')}`;
    case 'status':
      return `${STATUS_RANK} ${dir('ASC')}, i.id ${dir('ASC')}`;
    case 'noise':
      return `s.score ${dir('DESC')} NULLS LAST, i.id ASC`;
    case 'edited':
      return `r.created_at ${dir('DESC')} NULLS LAST, i.id ASC`;
  }
}

interface Row {
  id: number;
  path: string;
  width: number;
  height: number;
  split: string | null;
  source: string | null;
  status: ImageStatus;
  head_revision_id: number | null;
  score: number | null;
  edited_at: string | null;
}

export function queryImages(db: Db, q: ImageQuery): ImagePage {
  const sort = q.sort ?? 'added';
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.status && q.status.length > 0) {
    where.push(`i.status IN (${q.status.map(() => '?').join(',')})`);
    args.push(...q.status);
  }
  if (q.split !== undefined) {
    where.push('i.split = ?');
    args.push(q.split);
  }
  const search = q.search?.trim();
  if (search) {
    where.push('instr(lower(i.path), lower(?)) > 0');
    args.push(search);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT count(*) FROM image i ${clause}`).pluck().get(...args) as number) ?? 0;
  const joins = [
    sort === 'noise' ? 'LEFT JOIN image_score s ON s.image_id = i.id' : '',
    sort === 'edited' ? 'LEFT JOIN revision r ON r.id = i.head_revision_id' : '',
  ].join(' ');
  const ids = db
    .prepare(`SELECT i.id FROM image i ${joins} ${clause} ORDER BY ${orderBy(sort, q.reverse ?? false)} LIMIT ? OFFSET ?`)
    .pluck()
    .all(...args, q.limit, q.offset) as number[];
  if (ids.length === 0) return { total, offset: q.offset, items: [] };
  const rows = db
    .prepare(
      `SELECT i.id, i.path, i.width, i.height, i.split, i.source, i.status, i.head_revision_id,
              s.score AS score, r.created_at AS edited_at
         FROM image i
         LEFT JOIN image_score s ON s.image_id = i.id
         LEFT JOIN revision r ON r.id = i.head_revision_id
        WHERE i.id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids)) as Row[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const items: ImageSummary[] = [];
  for (const id of ids) {
    const r = byId.get(id);
    if (!r) continue; // deleted between the two statements (cannot happen inside one connection)
    items.push({
      id: r.id,
      path: r.path,
      width: r.width,
      height: r.height,
      split: r.split,
      source: r.source,
      status: r.status,
      headRevisionId: r.head_revision_id,
      noiseScore: r.score,
      editedAt: r.edited_at,
    });
  }
  return { total, offset: q.offset, items };
}
