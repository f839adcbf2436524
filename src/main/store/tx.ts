/**
 * Write transactions with two processes on one project file (two CLI commands, the app and a CLI).
 *
 * SQLite lets one writer in at a time. A connection waits for the write lock up to `busy_timeout`
 * (SQLite's busy handler); a few lock states answer SQLITE_BUSY at once without calling the handler
 * (WAL recovery by another connection, a lock held across the handler's first check), so `BEGIN
 * IMMEDIATE` is also retried here until the same deadline. Past it, the caller gets a `BUSY`
 * ParselError that says another process is writing, never "database is locked" as an internal error.
 *
 * Every check that decides what a write does (is this file already in the project, is this the head)
 * runs inside the transaction that writes, so a second writer sees the first one's rows.
 */
import type Database from 'better-sqlite3';
import { ParselError } from '../../shared/api/errors';

/** How long a writer waits for another process's write to finish (ms). `PARSEL_BUSY_TIMEOUT_MS` overrides. */
export function busyTimeoutMs(): number {
  const v = Number(process.env.PARSEL_BUSY_TIMEOUT_MS);
  return Number.isInteger(v) && v >= 0 ? v : 5000;
}

/** Whether `err` is SQLite's "another connection holds the lock" (SQLITE_BUSY and its extended codes). */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/** The `BUSY` error: `file` is the project file when known. */
export function busyError(file: string | null, waitedMs: number): ParselError {
  return new ParselError(
    'BUSY',
    `${file ?? 'the project file'} is being written by another process (waited ${(waitedMs / 1000).toFixed(1)} s); try again when it has finished`,
    { path: file, waitedMs },
  );
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Run `fn` in one `BEGIN IMMEDIATE` transaction (a savepoint when already inside one). Waits for another
 * writer up to `busyTimeoutMs()`, then throws `BUSY`; `fn` runs once, with the write lock held.
 */
export function writeTx<T>(db: Database.Database, file: string, fn: () => T): T {
  if (db.inTransaction) return db.transaction(fn)();
  const start = Date.now();
  const deadline = start + busyTimeoutMs();
  let entered = false;
  const tx = db.transaction(() => {
    entered = true;
    return fn();
  });
  for (;;) {
    try {
      return tx.immediate();
    } catch (err) {
      if (!isBusyError(err)) throw err;
      // BUSY after BEGIN (a read needing WAL recovery): the lock was ours, do not run fn twice.
      if (entered || Date.now() >= deadline) throw busyError(file, Date.now() - start);
      sleepSync(Math.min(25, Math.max(1, deadline - Date.now())));
    }
  }
}
