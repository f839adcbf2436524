/**
 * Repository over one project database. Synchronous (better-sqlite3): every method is one statement
 * or one transaction, so callers never see a half-applied change.
 */
import { z } from 'zod';
import { ParselError, type ConflictDetails } from '../../shared/api/errors';
import type {
  ImageDetail,
  ImagePage,
  ImageStatus,
  LabelSchema,
  RevisionKind,
  RevisionState,
  RevisionSummary,
  StatusCounts,
} from '../../shared/api/types';
import { IMAGE_STATUSES } from '../../shared/api/types';
import { createDatabase, openDatabase, type Db, type OpenOptions } from './db';
import { FaceRepo } from './face-repo';
import { IMAGE_SELECT_COLUMNS, imageWhere, type ImageFilter, type ImageSelectRow } from './image-select';
import { queryImages, type ImageQuery } from './image-query';
import { JobRepo } from './job-repo';
import { ModelRepo } from './model-repo';
import { PredictionRepo } from './prediction-repo';
import { writeTx } from './tx';

export interface NewImage {
  path: string;
  sha256: string;
  width: number;
  height: number;
  split?: string | null;
  source?: string | null;
  tags?: string[];
}

export interface NewRevision {
  imageId: number;
  parentId: number | null;
  kind: RevisionKind;
  author: string;
  note: string | null;
  width: number;
  height: number;
  encoding: string;
  mask: Uint8Array;
  /**
   * Append with `parentId` as stated but leave the image's head (and status) where it is; no CONFLICT
   * check. The parent must be null or a revision of the same image.
   */
  detached?: boolean;
  /**
   * Write it as the working revision of this editing session (state `working`, updated in place by
   * later saves of the session: `working-revision.ts`). Default: final (immutable).
   */
  session?: string;
  /** Creation time (ISO), default now. */
  now?: string;
}

interface ImageRow {
  id: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
  split: string | null;
  source: string | null;
  status: ImageStatus;
  head_revision_id: number | null;
  tags: string;
  added_at: string;
}

interface RevisionRow {
  id: number;
  image_id: number;
  parent_id: number | null;
  schema_id: string;
  author: string;
  kind: RevisionKind;
  width: number;
  height: number;
  encoding: string;
  byte_size: number;
  created_at: string;
  note: string | null;
  number: number;
  state: RevisionState;
  updated_at: string;
}

const LANDMARKS = z.array(z.tuple([z.number(), z.number()]));

const REVISION_COLUMNS =
  'id, image_id, parent_id, schema_id, author, kind, width, height, encoding, length(mask) AS byte_size, created_at, note, number, state, updated_at';

/**
 * How a new revision moves the image's status. Automatic moves only go forward; the user sets
 * `done`/`reviewed` explicitly (an `import` of an existing dataset's labels counts as done).
 */
function nextStatus(current: ImageStatus, kind: RevisionKind): ImageStatus {
  switch (kind) {
    case 'model':
      return current === 'unlabeled' ? 'prelabeled' : current;
    case 'human':
      return current === 'unlabeled' || current === 'prelabeled' ? 'in_progress' : current;
    case 'import':
      return current === 'unlabeled' || current === 'prelabeled' ? 'done' : current;
    default:
      return current;
  }
}

function toSummary(r: ImageRow): ImageDetail {
  return {
    id: r.id,
    path: r.path,
    width: r.width,
    height: r.height,
    split: r.split,
    source: r.source,
    status: r.status,
    headRevisionId: r.head_revision_id,
    sha256: r.sha256,
    tags: JSON.parse(r.tags) as string[],
    addedAt: r.added_at,
  };
}

function toRevision(r: RevisionRow): RevisionSummary {
  return {
    id: r.id,
    imageId: r.image_id,
    number: r.number,
    parentId: r.parent_id,
    schemaId: r.schema_id,
    author: r.author,
    kind: r.kind,
    state: r.state,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    note: r.note,
    width: r.width,
    height: r.height,
    encoding: r.encoding,
    byteSize: r.byte_size,
  };
}

const DATABASES = new WeakMap<ProjectStore, Db>();

/**
 * The connection behind a store, for the repositories of src/main/store (and tests) only: services go
 * through the store's methods and repositories (lint: parsel/main-layers refuses this import elsewhere
 * in src/main).
 */
export function storeDb(store: ProjectStore): Db {
  const db = DATABASES.get(store);
  if (!db) throw new Error('storeDb: not a ProjectStore');
  return db;
}

export class ProjectStore {
  /** Face boxes (migration 7). */
  readonly faces: FaceRepo;
  /** Pre-labelling jobs and their items (migration 5). */
  readonly jobs: JobRepo;
  /** Models and model sets (migrations 5, 8, 9). */
  readonly models: ModelRepo;
  /** The prediction cache (migration 5). */
  readonly predictions: PredictionRepo;

  private constructor(
    private readonly db: Db,
    readonly path: string,
  ) {
    DATABASES.set(this, db);
    this.faces = new FaceRepo(db);
    this.predictions = new PredictionRepo(db);
    this.models = new ModelRepo(db);
    this.jobs = new JobRepo(db);
  }

  static create(path: string, schema: LabelSchema, name: string, opts: OpenOptions = {}): ProjectStore {
    const db = createDatabase(path, opts);
    const now = new Date().toISOString();
    db.transaction(() => {
      const setMeta = db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)');
      setMeta.run('name', name);
      setMeta.run('schema_id', schema.id);
      setMeta.run('created_at', now);
      db.prepare('INSERT INTO label_schema(id, name, classes) VALUES (?, ?, ?)').run(
        schema.id,
        schema.name,
        JSON.stringify(schema),
      );
    }).immediate();
    return new ProjectStore(db, path);
  }

  static open(path: string, opts: OpenOptions = {}): ProjectStore {
    const db = openDatabase(path, opts);
    const store = new ProjectStore(db, path);
    store.meta('schema_id'); // fails clearly on a file with no project metadata
    return store;
  }

  /**
   * Run `fn` as one write transaction (`BEGIN IMMEDIATE`; a savepoint inside another): waits for a
   * writer in another process up to the busy timeout, then fails with `BUSY` (store/tx.ts).
   */
  transaction<T>(fn: () => T): T {
    return writeTx(this.db, this.path, fn);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** A project setting stored in `meta` (undefined: never set). */
  setting(key: string): string | undefined {
    return this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
  }

  setSetting(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  meta(key: string): string {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    if (!row) throw new ParselError('INVALID_INPUT', `${this.path}: project metadata "${key}" is missing`);
    return row.value;
  }

  schema(): LabelSchema {
    const id = this.meta('schema_id');
    const row = this.db.prepare('SELECT classes FROM label_schema WHERE id = ?').get(id) as
      | { classes: string }
      | undefined;
    if (!row) throw new ParselError('INVALID_INPUT', `${this.path}: label schema "${id}" is missing`);
    return JSON.parse(row.classes) as LabelSchema;
  }

  /**
   * Give the project's schema an ignore value (a dataset import whose masks carry one: docs/formats.md,
   * "Ignore on import"). Only widens: refused when the schema already has another ignore value or a
   * class uses the value. Call inside the transaction that writes the first mask holding it.
   */
  setIgnoreIndex(value: number): void {
    const s = this.schema();
    if (s.ignoreIndex === value) return;
    if (s.ignoreIndex !== null) throw new ParselError('INVALID_INPUT', `schema ${s.id} of ${this.path} already marks ignore with ${s.ignoreIndex}, not ${value}`);
    if (s.classes.some((c) => c.index === value)) throw new ParselError('INVALID_INPUT', `ignore value ${value} is a class of schema ${s.id}`);
    this.db.prepare('UPDATE label_schema SET classes = ? WHERE id = ?').run(JSON.stringify({ ...s, ignoreIndex: value }), s.id);
  }

  counts(): StatusCounts {
    const byStatus = Object.fromEntries(IMAGE_STATUSES.map((s) => [s, 0])) as Record<ImageStatus, number>;
    let total = 0;
    for (const r of this.db.prepare('SELECT status, count(*) AS n FROM image GROUP BY status').all() as {
      status: ImageStatus;
      n: number;
    }[]) {
      byStatus[r.status] = r.n;
      total += r.n;
    }
    const bySplit: Record<string, number> = {};
    for (const r of this.db.prepare('SELECT split, count(*) AS n FROM image GROUP BY split').all() as {
      split: string | null;
      n: number;
    }[]) {
      bySplit[r.split ?? 'none'] = r.n;
    }
    return { byStatus, bySplit, total };
  }

  /** Existing images among the given content hashes: sha256 → stored path. */
  findByHashes(hashes: string[]): Map<string, string> {
    const found = new Map<string, string>();
    const stmt = this.db.prepare('SELECT path FROM image WHERE sha256 = ?').pluck();
    for (const h of hashes) {
      const p = stmt.get(h) as string | undefined;
      if (p !== undefined) found.set(h, p);
    }
    return found;
  }

  hasPath(path: string): boolean {
    return this.db.prepare('SELECT 1 FROM image WHERE path = ?').get(path) !== undefined;
  }

  /** Insert images in one transaction; returns their ids in order. */
  insertImages(rows: NewImage[]): number[] {
    const now = new Date().toISOString();
    const stmt = this.db.prepare(
      'INSERT INTO image(path, sha256, width, height, split, source, tags, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const ids: number[] = [];
    this.transaction(() => {
      for (const r of rows) {
        const info = stmt.run(
          r.path,
          r.sha256,
          r.width,
          r.height,
          r.split ?? null,
          r.source ?? null,
          JSON.stringify(r.tags ?? []),
          now,
        );
        ids.push(Number(info.lastInsertRowid));
      }
    });
    return ids;
  }

  /** The image stored under `path` (as stored: relative to the project folder when inside it), or null. */
  imageByPath(path: string): { id: number; sha256: string; headRevisionId: number | null } | null {
    const r = this.db.prepare('SELECT id, sha256, head_revision_id FROM image WHERE path = ?').get(path) as
      | { id: number; sha256: string; head_revision_id: number | null }
      | undefined;
    return r ? { id: r.id, sha256: r.sha256, headRevisionId: r.head_revision_id } : null;
  }

  /** The stored path of the image with this content, or null. */
  pathByHash(sha256: string): string | null {
    return (this.db.prepare('SELECT path FROM image WHERE sha256 = ?').pluck().get(sha256) as string | undefined) ?? null;
  }

  /**
   * Add images unless their content or path is in the project already, deciding and inserting in one
   * write transaction (a second process adding the same files waits, then sees these rows). Per row:
   * its new id, the stored path of the same content, or `pathTaken` (another file was added under
   * this path before).
   */
  addImagesOnce(rows: NewImage[]): ({ id: number } | { duplicateOf: string } | { pathTaken: true })[] {
    return this.transaction(() =>
      rows.map((r) => {
        const dup = this.pathByHash(r.sha256);
        if (dup !== null) return { duplicateOf: dup };
        if (this.hasPath(r.path)) return { pathTaken: true as const };
        return { id: this.insertImages([r])[0] };
      }),
    );
  }

  /** Give an image a split when it has none (and a source when it has none). */
  setSplitIfNone(imageId: number, split: string, source: string | null): void {
    this.db.prepare('UPDATE image SET split = ?, source = coalesce(source, ?) WHERE id = ? AND split IS NULL').run(split, source, imageId);
  }

  /** An image's landmarks from one source (replaced when that source has some already). */
  setLandmarks(imageId: number, source: string, points: [number, number][], createdAt: string): void {
    this.db
      .prepare(
        'INSERT INTO landmark(image_id, source, points, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(image_id, source) DO UPDATE SET points = excluded.points',
      )
      .run(imageId, source, JSON.stringify(points), createdAt);
  }

  /** Images of a filter (store/image-select.ts), by id. */
  selectImages(f: ImageFilter): ImageSelectRow[] {
    const { where, args } = imageWhere(f);
    return this.db.prepare(`SELECT ${IMAGE_SELECT_COLUMNS} FROM image ${where} ORDER BY id`).all(...args) as ImageSelectRow[];
  }

  countImages(f: ImageFilter): number {
    const { where, args } = imageWhere(f);
    return this.db.prepare(`SELECT count(*) FROM image ${where}`).pluck().get(...args) as number;
  }

  /** One image's row (no tags), or null. */
  imageRow(id: number): ImageSelectRow | null {
    return (this.db.prepare(`SELECT ${IMAGE_SELECT_COLUMNS} FROM image WHERE id = ?`).get(id) as ImageSelectRow | undefined) ?? null;
  }

  /** The ids among `ids` that are no image of the project, in the order given. */
  missingImageIds(ids: readonly number[]): number[] {
    const found = new Set(this.db.prepare('SELECT id FROM image WHERE id IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(ids)) as number[]);
    return ids.filter((i) => !found.has(i));
  }

  /** A page of the images of a filter, by id. `split: 'none'` lists the images without a split. */
  /** An image's landmark sets (one per source, by source), each a list of [x, y]. */
  landmarks(imageId: number): [number, number][][] {
    return (this.db.prepare('SELECT source, points FROM landmark WHERE image_id = ? ORDER BY source').all(imageId) as { source: string; points: string }[]).map((l) => {
      const r = LANDMARKS.safeParse(JSON.parse(l.points));
      if (!r.success) throw new ParselError('INVALID_INPUT', `landmarks "${l.source}" of image ${imageId} do not decode: ${r.error.issues[0]?.message ?? 'bad value'}`, { imageId });
      return r.data;
    });
  }

  /** Whether the image has a revision of one of these kinds. */
  hasRevisionOfKinds(imageId: number, kinds: readonly RevisionKind[]): boolean {
    return this.db.prepare('SELECT 1 FROM revision WHERE image_id = ? AND kind IN (SELECT value FROM json_each(?)) LIMIT 1').get(imageId, JSON.stringify(kinds)) !== undefined;
  }

  /** A page of the image grid: filter (status, split), search by path, sort (store/image-query.ts). */
  queryImages(q: ImageQuery): ImagePage {
    return queryImages(this.db, q);
  }

  getImage(id: number): ImageDetail {
    const row = this.db.prepare('SELECT * FROM image WHERE id = ?').get(id) as ImageRow | undefined;
    if (!row) throw new ParselError('NOT_FOUND', `image ${id} does not exist in this project`);
    return toSummary(row);
  }

  setStatus(ids: number[], status: ImageStatus): number {
    const stmt = this.db.prepare('UPDATE image SET status = ? WHERE id = ?');
    let updated = 0;
    this.transaction(() => {
      for (const id of ids) {
        const n = stmt.run(status, id).changes;
        if (n === 0) throw new ParselError('NOT_FOUND', `image ${id} does not exist in this project`);
        updated += n;
      }
    });
    return updated;
  }

  /**
   * Append a revision on top of `parentId`. Fails with CONFLICT (nothing written) when the image's
   * head is no longer `parentId` — another window or client saved in between.
   */
  saveRevision(r: NewRevision): RevisionSummary {
    const schemaId = this.meta('schema_id');
    const id = this.transaction((): number => {
      const img = this.db.prepare('SELECT head_revision_id, status FROM image WHERE id = ?').get(r.imageId) as
        | { head_revision_id: number | null; status: ImageStatus }
        | undefined;
      if (!img) throw new ParselError('NOT_FOUND', `image ${r.imageId} does not exist in this project`);
      if (r.detached && r.parentId !== null) {
        const parent = this.db.prepare('SELECT image_id FROM revision WHERE id = ?').get(r.parentId) as
          | { image_id: number }
          | undefined;
        if (!parent || parent.image_id !== r.imageId) {
          throw new ParselError('INVALID_INPUT', `revision ${r.parentId} is not a revision of image ${r.imageId}`, {
            imageId: r.imageId,
            parentId: r.parentId,
          });
        }
      }
      if (!r.detached && img.head_revision_id !== r.parentId) {
        const details: ConflictDetails = {
          imageId: r.imageId,
          expectedParentId: r.parentId,
          headRevisionId: img.head_revision_id,
        };
        throw new ParselError(
          'CONFLICT',
          `image ${r.imageId} changed since it was loaded: its head is revision ${img.head_revision_id ?? 'none'}, not ${r.parentId ?? 'none'}`,
          details,
        );
      }
      // A working revision ends when anything is written on top of it (another session, a fix, a model).
      if (r.parentId !== null) this.db.prepare(`UPDATE revision SET state = 'final' WHERE id = ? AND state = 'working'`).run(r.parentId);
      const number = (this.db.prepare('SELECT coalesce(max(number), 0) + 1 FROM revision WHERE image_id = ?').pluck().get(r.imageId) as number);
      const now = r.now ?? new Date().toISOString();
      const info = this.db
        .prepare(
          `INSERT INTO revision(image_id, parent_id, schema_id, author, kind, width, height, encoding, mask, created_at, note, number, state, session, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.imageId,
          r.parentId,
          schemaId,
          r.author,
          r.kind,
          r.width,
          r.height,
          r.encoding,
          r.mask,
          now,
          r.note,
          number,
          r.session !== undefined ? 'working' : 'final',
          r.session ?? null,
          now,
        );
      const id = Number(info.lastInsertRowid);
      if (r.detached) return id;
      this.db
        .prepare('UPDATE image SET head_revision_id = ?, status = ? WHERE id = ?')
        .run(id, nextStatus(img.status, r.kind), r.imageId);
      return id;
    });
    return this.getRevision(id);
  }

  getRevision(id: number): RevisionSummary {
    const row = this.db.prepare(`SELECT ${REVISION_COLUMNS} FROM revision WHERE id = ?`).get(id) as
      | RevisionRow
      | undefined;
    if (!row) throw new ParselError('NOT_FOUND', `revision ${id} does not exist in this project`);
    return toRevision(row);
  }

  listRevisions(imageId: number): RevisionSummary[] {
    this.getImage(imageId);
    const rows = this.db
      .prepare(`SELECT ${REVISION_COLUMNS} FROM revision WHERE image_id = ? ORDER BY id DESC`)
      .all(imageId) as RevisionRow[];
    return rows.map(toRevision);
  }

  /** Image id → id of its latest revision of this kind or by this author. */
  latestRevisionIds(by: { kind: RevisionKind } | { author: string }): Map<number, number> {
    const [col, val] = 'kind' in by ? ['kind', by.kind] : ['author', by.author];
    const rows = this.db.prepare(`SELECT image_id, MAX(id) AS id FROM revision WHERE ${col} = ? GROUP BY image_id`).all(val) as { image_id: number; id: number }[];
    return new Map(rows.map((r) => [r.image_id, r.id]));
  }

  /** The existing ones among these revisions, with their images. */
  revisionOwners(ids: readonly number[]): { id: number; image_id: number }[] {
    return this.db.prepare('SELECT id, image_id FROM revision WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as { id: number; image_id: number }[];
  }

  revisionMask(id: number): { width: number; height: number; encoding: string; data: Uint8Array } {
    const row = this.db.prepare('SELECT width, height, encoding, mask FROM revision WHERE id = ?').get(id) as
      | { width: number; height: number; encoding: string; mask: Buffer }
      | undefined;
    if (!row) throw new ParselError('NOT_FOUND', `revision ${id} does not exist in this project`);
    return {
      width: row.width,
      height: row.height,
      encoding: row.encoding,
      data: new Uint8Array(row.mask.buffer, row.mask.byteOffset, row.mask.byteLength),
    };
  }
}
