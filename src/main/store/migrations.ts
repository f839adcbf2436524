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
  {
    version: 5,
    name: 'models, model sets (self-ensembles), cached soft predictions, resumable jobs',
    up(db) {
      db.exec(`
        CREATE TABLE model (
          id       INTEGER PRIMARY KEY,
          name     TEXT NOT NULL UNIQUE,
          -- absolute path of the .onnx file (models live outside the project, like images)
          path     TEXT NOT NULL,
          sha256   TEXT NOT NULL,
          -- the validated model card (JSON), as checked against the graph when added
          card     TEXT NOT NULL,
          added_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE model_set (
          id         INTEGER PRIMARY KEY,
          name       TEXT NOT NULL UNIQUE,
          -- JSON array of model ids, averaged at the probability level
          members    TEXT NOT NULL,
          tta        TEXT NOT NULL DEFAULT 'none' CHECK (tta IN ('none','flip')),
          -- face handling: JSON {mode: 'whole'|'box'|'landmarks'|'detector', margin, detectorModelId?}
          faces      TEXT NOT NULL DEFAULT '{"mode":"whole"}',
          created_at TEXT NOT NULL
        ) STRICT;

        -- Soft predictions of a model set for an image, in the format of src/shared/noise/probs.ts
        -- (K class-major planes of H×W, uint8 = round(255·p)), deflate-compressed. One row per
        -- (image, model set); a re-run replaces it. sha256 is the image content the prediction is of.
        CREATE TABLE prediction (
          image_id     INTEGER NOT NULL REFERENCES image(id),
          model_set_id INTEGER NOT NULL REFERENCES model_set(id),
          image_sha256 TEXT NOT NULL,
          width        INTEGER NOT NULL,
          height       INTEGER NOT NULL,
          classes      INTEGER NOT NULL,
          encoding     TEXT NOT NULL,
          data         BLOB NOT NULL,
          provider     TEXT NOT NULL,
          created_at   TEXT NOT NULL,
          PRIMARY KEY (image_id, model_set_id)
        ) STRICT;

        -- Long-running work (pre-labelling, scans) that resumes after the app is killed: the spec and
        -- the ids still to do are stored; items are marked done in the same transaction as their output.
        CREATE TABLE job (
          id         INTEGER PRIMARY KEY,
          kind       TEXT NOT NULL,
          spec       TEXT NOT NULL,
          status     TEXT NOT NULL CHECK (status IN ('pending','running','paused','done','cancelled','failed')),
          total      INTEGER NOT NULL DEFAULT 0,
          done       INTEGER NOT NULL DEFAULT 0,
          failed     INTEGER NOT NULL DEFAULT 0,
          message    TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE job_item (
          job_id   INTEGER NOT NULL REFERENCES job(id),
          image_id INTEGER NOT NULL REFERENCES image(id),
          state    TEXT NOT NULL DEFAULT 'todo' CHECK (state IN ('todo','done','skipped','failed')),
          error    TEXT,
          PRIMARY KEY (job_id, image_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX job_item_todo ON job_item(job_id, state);
      `);
    },
  },
  {
    version: 6,
    name: 'label-noise flags (per revision; dismissals remembered across rescans)',
    up(db) {
      db.exec(`
        CREATE TABLE flag (
          id              INTEGER PRIMARY KEY,
          image_id        INTEGER NOT NULL REFERENCES image(id),
          -- the revision the flag was computed on
          revision_id     INTEGER NOT NULL REFERENCES revision(id),
          model_set_id    INTEGER NOT NULL REFERENCES model_set(id),
          -- [x0, y0, x1, y1] inclusive, image pixels
          bbox            TEXT NOT NULL,
          area            INTEGER NOT NULL,
          -- the region's pixels: deflate-compressed bitmap of the bbox (row-major, 1 byte per pixel)
          region          BLOB NOT NULL,
          label_class     INTEGER NOT NULL,
          suggested_class INTEGER NOT NULL,
          score           REAL NOT NULL,
          status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','fixed','dismissed')),
          resolved_by     TEXT,
          resolved_at     TEXT,
          created_at      TEXT NOT NULL
        ) STRICT;
        CREATE INDEX flag_image ON flag(image_id, status);

        -- The image-level noise score of the latest scan (sortable review queue, export filter).
        CREATE TABLE image_score (
          image_id     INTEGER PRIMARY KEY REFERENCES image(id),
          model_set_id INTEGER NOT NULL REFERENCES model_set(id),
          revision_id  INTEGER NOT NULL REFERENCES revision(id),
          score        REAL NOT NULL,
          -- JSON [{label, suggested, pixels}] class-pair summary of the scan
          pairs        TEXT NOT NULL DEFAULT '[]',
          scanned_at   TEXT NOT NULL
        ) STRICT;
        CREATE INDEX image_score_score ON image_score(score DESC);
      `);
    },
  },
  {
    version: 7,
    name: 'face boxes drawn by the user (face-crop pre-labelling, faces mode "box")',
    up(db) {
      db.exec(`
        -- Continuous image coordinates in pixels: (x0, y0) is the top-left corner, (x1, y1) the
        -- bottom-right one, 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height (the whole image is
        -- [0, 0, width, height]). REAL, so boxes from other sources keep sub-pixel precision; the
        -- editor snaps to pixel corners (whole numbers).
        CREATE TABLE face_box (
          id         INTEGER PRIMARY KEY,
          image_id   INTEGER NOT NULL REFERENCES image(id),
          x0         REAL NOT NULL,
          y0         REAL NOT NULL,
          x1         REAL NOT NULL,
          y1         REAL NOT NULL,
          source     TEXT NOT NULL DEFAULT 'user' CHECK (source IN ('user')),
          created_at TEXT NOT NULL,
          CHECK (x0 >= 0 AND y0 >= 0 AND x1 > x0 AND y1 > y0)
        ) STRICT;
        CREATE INDEX face_box_image ON face_box(image_id);
      `);
    },
  },
  {
    version: 8,
    name: 'model provenance: the weight-averaging record of an averaged model',
    up(db) {
      db.exec(`
        -- JSON of shared/models/averaging.ts (the "parsel.averaging" ONNX metadata read when the model
        -- was added), NULL for a model that is not a weight average.
        ALTER TABLE model ADD COLUMN averaging TEXT;
      `);
    },
  },
  {
    version: 9,
    name: 'imported model sets: predictions made elsewhere, read from .npy (no models)',
    up(db) {
      db.exec(`
        -- JSON of ImportedProbsInfo (shared/api/methods-models.ts) for a set made by noise:importProbs,
        -- whose members are [] and whose predictions were read from a file; NULL for a set of models.
        ALTER TABLE model_set ADD COLUMN imported TEXT;
      `);
    },
  },
  {
    version: 10,
    name: 'noise scans: the teacher check and the label-error estimate',
    up(db) {
      db.exec(`
        -- One row per finished (or cancelled) noise scan: how well the teacher agrees with the labels it
        -- judged (shared/noise/teacher-check.ts) and the thresholds and options it ran with.
        CREATE TABLE scan (
          id           INTEGER PRIMARY KEY,
          job_id       TEXT NOT NULL,
          model_set_id INTEGER NOT NULL REFERENCES model_set(id),
          status       TEXT NOT NULL CHECK (status IN ('done','cancelled')),
          scanned      INTEGER NOT NULL,
          -- JSON {meanF1, pixelAccuracy, images, minMeanF1, ok}
          teacher      TEXT NOT NULL,
          -- JSON: class thresholds (probabilities, schema order) and the scan options
          thresholds   TEXT NOT NULL,
          options      TEXT NOT NULL,
          finished_at  TEXT NOT NULL
        ) STRICT;
        -- Regions of the image's latest scan that count as likely label errors (the estimate), and the scan.
        ALTER TABLE image_score ADD COLUMN likely_errors INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE image_score ADD COLUMN scan_id INTEGER REFERENCES scan(id);
        -- 1 when the scan's teacher agreed poorly with the labels: the flag is kept, marked low-confidence.
        ALTER TABLE flag ADD COLUMN low_confidence INTEGER NOT NULL DEFAULT 0;
      `);
    },
  },
  {
    version: 11,
    name: 'revisions per editing session: per-image numbers, one working revision updated in place',
    up(db) {
      db.exec(`
        -- The triggers of migration 2 refused every UPDATE and DELETE; they are replaced by rules that keep
        -- finished revisions immutable and let only a working revision change (docs/ARCHITECTURE.md).
        DROP TRIGGER revision_no_update;
        DROP TRIGGER revision_no_delete;

        -- 1, 2, 3… per image, in the order the revisions were made (the UI shows these; ids stay internal).
        ALTER TABLE revision ADD COLUMN number INTEGER;
        -- 'working': the autosaved state of an editing session, updated in place until the session ends;
        -- 'final': immutable. Everything written before this migration is final.
        ALTER TABLE revision ADD COLUMN state TEXT NOT NULL DEFAULT 'final' CHECK (state IN ('working', 'final'));
        -- The editing session that wrote it (an opaque token of the editor), NULL for other writers.
        ALTER TABLE revision ADD COLUMN session TEXT;
        -- When the mask was last written (created_at for final revisions made in one go).
        ALTER TABLE revision ADD COLUMN updated_at TEXT;

        UPDATE revision SET number = n.num, updated_at = revision.created_at
        FROM (SELECT id, row_number() OVER (PARTITION BY image_id ORDER BY id) AS num FROM revision) AS n
        WHERE n.id = revision.id;
        CREATE UNIQUE INDEX revision_number ON revision(image_id, number);
        -- Finding working revisions must not read every mask (the new columns sit after the blob).
        CREATE INDEX revision_working ON revision(image_id) WHERE state = 'working';

        CREATE TRIGGER revision_number_required BEFORE INSERT ON revision
        WHEN NEW.number IS NULL OR NEW.number < 1 OR NEW.updated_at IS NULL
        BEGIN SELECT RAISE(ABORT, 'a revision needs its per-image number and updated_at'); END;

        CREATE TRIGGER revision_final_no_update BEFORE UPDATE ON revision
        WHEN OLD.state = 'final'
        BEGIN SELECT RAISE(ABORT, 'revisions are immutable once final'); END;

        CREATE TRIGGER revision_working_update BEFORE UPDATE ON revision
        WHEN OLD.state = 'working' AND (
          NEW.id IS NOT OLD.id OR NEW.image_id IS NOT OLD.image_id OR NEW.parent_id IS NOT OLD.parent_id
          OR NEW.number IS NOT OLD.number OR NEW.schema_id IS NOT OLD.schema_id OR NEW.author IS NOT OLD.author
          OR NEW.kind IS NOT OLD.kind OR NEW.width IS NOT OLD.width OR NEW.height IS NOT OLD.height
          OR NEW.created_at IS NOT OLD.created_at OR NEW.session IS NOT OLD.session)
        BEGIN SELECT RAISE(ABORT, 'a working revision may change only its mask, note and updated_at, and become final'); END;

        CREATE TRIGGER revision_no_delete BEFORE DELETE ON revision
        WHEN OLD.state = 'final'
        BEGIN SELECT RAISE(ABORT, 'revisions are immutable once final'); END;
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
