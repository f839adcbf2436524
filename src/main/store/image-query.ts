/**
 * The project grid's query (`image:list`): filter by status, split and a path substring, order by one of
 * IMAGE_SORTS, one page at a time. Everything is done by SQLite so a page of a 30,000-image project costs
 * the same whatever the order (docs/bench/grid.md).
 *
 * Name and folder orders use a TEMP table of the connection (`temp.grid_key`: id, file name, folder
 * with its trailing `/`, '' at the project root; indexed both ways), filled from the stored paths in
 * JavaScript the first time and brought up to date when the image table changed: appended rows are
 * added; a path changed or a row deleted through this connection (TEMP triggers) or a change of the
 * row count, largest id or total path length (any connection) rebuilds it. Image paths are never
 * rewritten by the app today. Nothing is stored in the project file (no migration), and a page
 * costs an index walk instead of computing 30,000 names per request (docs/bench/grid.md).
 *
 * Two steps: the ids of the page in order (only the columns the order needs), then those rows with
 * their noise score and head revision time.
 */
import type { ImagePage, ImageSort, ImageStatus, ImageSummary } from '../../shared/api/types';
import { IMAGE_STATUSES } from '../../shared/api/types';
import type { Db } from './db';
import { imageWhere } from './image-select';

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

/** File name and folder (with its trailing separator; '' at the root) of a stored path, `/` or `\\`. */
export function nameAndFolder(path: string): [string, string] {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return [path.slice(cut + 1), path.slice(0, cut + 1)];
}

interface KeyState {
  count: number;
  maxId: number;
  chars: number;
}
const keyState = new WeakMap<Db, KeyState>();
const keyTables = new WeakSet<Db>();

/** Makes `temp.grid_key` match the image table (see the file comment). */
function ensureKeys(db: Db): void {
  const cur = db.prepare('SELECT count(*) AS count, coalesce(max(id), 0) AS maxId, total(length(path)) AS chars FROM image').get() as KeyState;
  const have = keyState.get(db);
  if (have && have.count === cur.count && have.maxId === cur.maxId && have.chars === cur.chars) return;
  if (!keyTables.has(db)) {
    keyTables.add(db);
    db.function('parsel_grid_keys_stale', () => {
      keyState.delete(db);
      return null;
    });
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS grid_key (id INTEGER PRIMARY KEY, name TEXT NOT NULL, folder TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS temp.grid_key_name ON grid_key (name COLLATE NOCASE, folder COLLATE NOCASE, id);
      CREATE INDEX IF NOT EXISTS temp.grid_key_folder ON grid_key (folder COLLATE NOCASE, name COLLATE NOCASE, id);
      CREATE TEMP TRIGGER IF NOT EXISTS grid_key_path AFTER UPDATE OF path ON main.image BEGIN SELECT parsel_grid_keys_stale(); END;
      CREATE TEMP TRIGGER IF NOT EXISTS grid_key_delete AFTER DELETE ON main.image BEGIN SELECT parsel_grid_keys_stale(); END;
    `);
  }
  const insert = db.prepare('INSERT INTO temp.grid_key (id, name, folder) VALUES (?, ?, ?)');
  db.transaction(() => {
    let from = 0;
    if (have && cur.maxId >= have.maxId) {
      const added = db
        .prepare('SELECT count(*) AS count, total(length(path)) AS chars FROM image WHERE id > ?')
        .get(have.maxId) as { count: number; chars: number };
      // Only rows appended since: add them; anything else (a row removed or renamed): rebuild.
      if (have.count + added.count === cur.count && have.chars + added.chars === cur.chars) from = have.maxId;
    }
    if (from === 0) db.exec('DELETE FROM temp.grid_key');
    for (const r of db.prepare('SELECT id, path FROM image WHERE id > ?').all(from) as { id: number; path: string }[]) {
      const [name, folder] = nameAndFolder(r.path);
      insert.run(r.id, name, folder);
    }
  })();
  keyState.set(db, cur);
}
const STATUS_RANK = `CASE i.status ${IMAGE_STATUSES.map((s, k) => `WHEN '${s}' THEN ${k}`).join(' ')} END`;

/** ORDER BY terms per sort: [expression, natural direction, whether NULLs must stay last]. */
function orderBy(sort: ImageSort, reverse: boolean): string {
  const dir = (natural: 'ASC' | 'DESC') => (reverse ? (natural === 'ASC' ? 'DESC' : 'ASC') : natural);
  switch (sort) {
    case 'added':
      return `i.id ${dir('ASC')}`;
    case 'name':
      return `k.name COLLATE NOCASE ${dir('ASC')}, k.folder COLLATE NOCASE ${dir('ASC')}, k.id ${dir('ASC')}`;
    case 'folder':
      return `k.folder COLLATE NOCASE ${dir('ASC')}, k.name COLLATE NOCASE ${dir('ASC')}, k.id ${dir('ASC')}`;
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
  // Status and split through the one image-selection filter (image-select.ts: split `none` = without one).
  const base = imageWhere({ status: q.status && q.status.length > 0 ? q.status : undefined, split: q.split }, 'i');
  const where: string[] = base.where ? [base.where.slice('WHERE '.length)] : [];
  const args: (string | number)[] = [...base.args];
  const search = q.search?.trim();
  if (search) {
    where.push('instr(lower(i.path), lower(?)) > 0');
    args.push(search);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT count(*) FROM image i ${clause}`).pluck().get(...args) as number) ?? 0;
  const byKey = sort === 'name' || sort === 'folder';
  if (byKey) ensureKeys(db);
  const joins = [
    byKey ? 'JOIN temp.grid_key k ON k.id = i.id' : '',
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
