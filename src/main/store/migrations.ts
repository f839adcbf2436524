/**
 * Numbered schema migrations. `PRAGMA user_version` holds the number of the last one applied.
 * Each migration runs in its own transaction together with the version bump, so a crash mid-way
 * leaves the file at the previous version. Never edit a released migration: add a new one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'core tables: meta, label_schema, image, revision',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;

        CREATE TABLE label_schema (
          id      TEXT PRIMARY KEY,
          name    TEXT NOT NULL,
          -- the full LabelSchema JSON, snapshotted so a project keeps its definition across app versions
          classes TEXT NOT NULL
        ) STRICT;

        CREATE TABLE image (
          id               INTEGER PRIMARY KEY,
          path             TEXT NOT NULL UNIQUE,
          sha256           TEXT NOT NULL UNIQUE,
          width            INTEGER NOT NULL CHECK (width > 0),
          height           INTEGER NOT NULL CHECK (height > 0),
          split            TEXT,
          source           TEXT,
          status           TEXT NOT NULL DEFAULT 'unlabeled'
                           CHECK (status IN ('unlabeled','prelabeled','in_progress','done','reviewed')),
          head_revision_id INTEGER REFERENCES revision(id),
          tags             TEXT NOT NULL DEFAULT '[]',
          added_at         TEXT NOT NULL
        ) STRICT;

        CREATE TABLE revision (
          id         INTEGER PRIMARY KEY,
          image_id   INTEGER NOT NULL REFERENCES image(id),
          parent_id  INTEGER REFERENCES revision(id),
          schema_id  TEXT NOT NULL REFERENCES label_schema(id),
          author     TEXT NOT NULL,
          kind       TEXT NOT NULL CHECK (kind IN ('import','model','human','merge','fix')),
          width      INTEGER NOT NULL,
          height     INTEGER NOT NULL,
          encoding   TEXT NOT NULL,
          mask       BLOB NOT NULL,
          created_at TEXT NOT NULL,
          note       TEXT
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'indexes for grid filters and revision history; revisions made immutable',
    up(db) {
      db.exec(`
        CREATE INDEX image_status ON image(status, id);
        CREATE INDEX image_split  ON image(split, id);
        CREATE INDEX revision_image ON revision(image_id, id);

        -- Revisions are immutable: history is appended, never rewritten.
        CREATE TRIGGER revision_no_update BEFORE UPDATE ON revision
        BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END;
        CREATE TRIGGER revision_no_delete BEFORE DELETE ON revision
        BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END;
      `);
    },
  },
  {
    version: 3,
    name: 'landmark table (points kept with the image by dataset import)',
    up(db) {
      db.exec(`
        CREATE TABLE landmark (
          id         INTEGER PRIMARY KEY,
          image_id   INTEGER NOT NULL REFERENCES image(id),
          -- e.g. 'lapa-106', 'ibugmask', 'facesynthetics-70'
          source     TEXT NOT NULL,
          -- JSON array of [x, y] pairs in image pixels
          points     TEXT NOT NULL,
          created_at TEXT NOT NULL,
          UNIQUE (image_id, source)
        ) STRICT;
      `);
    },
  },
  {
    version: 4,
    name: 'export table (what was exported, from which revisions, with which seed)',
    up(db) {
      db.exec(`
        CREATE TABLE export (
          id         INTEGER PRIMARY KEY,
          created_at TEXT NOT NULL,
          -- the validated export spec plus the destination folder (JSON)
          spec       TEXT NOT NULL,
          -- the manifest written beside the data (JSON)
          manifest   TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Apply every migration above the file's version, up to `target` (default: latest). */
export function migrate(db: Database.Database, target = LATEST_VERSION): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    const step = db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
    step.immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
