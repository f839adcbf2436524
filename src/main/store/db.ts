/**
 * Opening project databases. One SQLite file per project (`*.parsel`), WAL mode, foreign keys on.
 *
 * Durability: `synchronous = FULL` in WAL mode makes every acknowledged commit survive a process kill
 * and a power cut; the cost (one fsync per commit) is paid per saved revision or per import batch,
 * never per pixel, so it is cheap at this app's write rate.
 */
import Database from 'better-sqlite3';
import { ParselError } from '../../shared/api/errors';
import { LATEST_VERSION, migrate } from './migrations';
import { busyError, busyTimeoutMs, isBusyError } from './tx';

/** `PRAGMA application_id` marking a Parsel project file ('PRSL'). */
export const APPLICATION_ID = 0x5052534c;

export type Db = Database.Database;

export interface OpenOptions {
  /** better-sqlite3 binary built for the running runtime's ABI (Electron); default: the Node build. */
  nativeBinding?: string;
  readonly?: boolean;
}

function dbOptions(opts: OpenOptions, fileMustExist: boolean): Database.Options {
  const o: Database.Options = { fileMustExist, readonly: opts.readonly ?? false, timeout: busyTimeoutMs() };
  if (opts.nativeBinding) o.nativeBinding = opts.nativeBinding;
  return o;
}

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${busyTimeoutMs()}`);
}

/** Create a new, empty project database at `path` (fails if the file exists). */
export function createDatabase(path: string, opts: OpenOptions = {}): Db {
  const db = new Database(path, dbOptions(opts, false));
  try {
    const existing = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    if (existing.n > 0) throw new ParselError('ALREADY_EXISTS', `${path} already contains a database`);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    configure(db);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    if (isBusyError(err)) throw busyError(path, busyTimeoutMs());
    throw err;
  }
}

/** Open an existing project database, migrating it to the latest schema version. */
export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  let db: Db;
  try {
    db = new Database(path, dbOptions(opts, true));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/unable to open|does not exist|no such file/i.test(msg)) {
      throw new ParselError('NOT_FOUND', `project file not found: ${path}`);
    }
    throw new ParselError('INVALID_INPUT', `cannot open ${path}: ${msg}`);
  }
  try {
    let appId: number;
    try {
      appId = db.pragma('application_id', { simple: true }) as number;
    } catch (err) {
      if (isBusyError(err)) throw busyError(path, busyTimeoutMs());
      throw new ParselError('INVALID_INPUT', `${path} is not a Parsel project (not an SQLite database: ${(err as Error).message})`);
    }
    if (appId !== APPLICATION_ID) {
      throw new ParselError('INVALID_INPUT', `${path} is not a Parsel project (SQLite application_id is ${appId})`);
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > LATEST_VERSION) {
      throw new ParselError(
        'INVALID_INPUT',
        `${path} was written by a newer Parsel (store version ${version}; this app knows up to ${LATEST_VERSION})`,
      );
    }
    if (!opts.readonly) {
      configure(db);
      migrate(db);
    }
    return db;
  } catch (err) {
    db.close();
    if (isBusyError(err)) throw busyError(path, busyTimeoutMs());
    throw err;
  }
}
