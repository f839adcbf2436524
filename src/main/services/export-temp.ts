/**
 * The export's temporary folder, `.<dest name>.parsel-export-<12 hex>` next to the destination, and
 * the sweep that removes those left by killed exports (SIGKILL, power loss: the process never got
 * to remove its own). A temporary folder holds an owner file (pid, host, start) from its creation until
 * just before it is renamed into place, so the final folder never has one. The next export into the
 * same parent removes a temporary folder when
 *   - its owner is a process of this host that is gone, or
 *   - its owner cannot be asked (another host, or no readable owner file) and it was last modified
 *     more than STALE_AGE_MS ago, or
 *   - its owner's pid is alive but it was started more than MAX_EXPORT_AGE_MS ago (the pid was reused).
 * Only directories (not links) whose name has exactly that shape are considered; a running export's
 * folder (owner alive, recent) is left alone, and so is one without an owner file that holds a
 * manifest (a finished export's folder named like a temporary one).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { MANIFEST_FILE } from '../../shared/api/methods-export';
import { processAlive } from './process-alive';

export const OWNER_FILE = '.parsel-export-owner.json';
/** A temporary folder whose owner cannot be asked is stale after this long without change. */
export const STALE_AGE_MS = 24 * 3600_000;
/** No export runs this long: an owner pid still alive after it is another process. */
export const MAX_EXPORT_AGE_MS = 7 * 24 * 3600_000;
const TEMP_NAME = /^\..+\.parsel-export-[0-9a-f]{12}$/;

interface Owner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface StaleRemoved {
  path: string;
  /** Why it was judged stale ("process 1234 is gone", "unchanged for 30 h, owner unknown"). */
  reason: string;
}

/** Creates the temporary folder for `dest` (absolute) with its owner file. */
export async function makeExportTemp(dest: string): Promise<string> {
  const tmp = join(dirname(dest), `.${basename(dest)}.parsel-export-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(tmp);
  const owner: Owner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  await fs.writeFile(join(tmp, OWNER_FILE), JSON.stringify(owner) + '\n', { flag: 'wx' });
  return tmp;
}

/** Before the rename into place: the final folder carries no owner file. */
export async function releaseExportTemp(tmp: string): Promise<void> {
  await fs.rm(join(tmp, OWNER_FILE), { force: true });
}


async function readOwner(dir: string): Promise<Owner | null> {
  try {
    const o = JSON.parse(await fs.readFile(join(dir, OWNER_FILE), 'utf8')) as Partial<Owner>;
    if (typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0 && typeof o.host === 'string' && typeof o.startedAt === 'string') return o as Owner;
  } catch {
    // none, unreadable, or not JSON: the owner cannot be asked
  }
  return null;
}

const hours = (ms: number) => `${Math.round(ms / 3600_000)} h`;

/** Why `dir` (a temporary folder's path) is stale, or null to keep it. */
export async function staleReason(dir: string, now = Date.now()): Promise<string | null> {
  const st = await fs.lstat(dir).catch(() => null);
  if (!st?.isDirectory() || !TEMP_NAME.test(basename(dir))) return null;
  const owner = await readOwner(dir);
  const idle = now - st.mtimeMs;
  if (owner && owner.host === hostname()) {
    if (owner.pid === process.pid) return null; // ours: a concurrent export of this process
    if (!processAlive(owner.pid)) return `its export (process ${owner.pid}, started ${owner.startedAt}) is gone`;
    const age = now - Date.parse(owner.startedAt);
    return age > MAX_EXPORT_AGE_MS ? `started ${hours(age)} ago by process ${owner.pid}, which is now another process` : null;
  }
  if (idle <= STALE_AGE_MS) return null;
  // No owner file but a manifest: a finished export's folder that someone named like a temporary one.
  if (!owner && (await fs.lstat(join(dir, MANIFEST_FILE)).catch(() => null))) return null;
  return `unchanged for ${hours(idle)}, ${owner ? `its owner is on another host (${owner.host}, process ${owner.pid})` : 'no owner recorded'}`;
}

/**
 * Removes the stale temporary folders of killed exports in `parent` (every destination's, not only
 * the current one's). Returns what was removed; a folder that cannot be removed is left (and not listed).
 */
export async function sweepStaleExportTemps(parent: string, now = Date.now()): Promise<StaleRemoved[]> {
  let names: string[];
  try {
    names = await fs.readdir(parent);
  } catch {
    return [];
  }
  const out: StaleRemoved[] = [];
  for (const name of names.filter((n) => TEMP_NAME.test(n)).sort()) {
    const path = join(parent, name);
    const reason = await staleReason(path, now);
    if (reason === null) continue;
    try {
      await fs.rm(path, { recursive: true });
      out.push({ path, reason });
    } catch {
      // removed meanwhile, or not ours to remove: leave it
    }
  }
  return out;
}
