/**
 * Adding a folder of images to a project: walk, hash, decode-check, thumbnail, insert.
 *
 * - Recursive walk that follows directory symlinks at most once per real directory (no loops).
 * - Content duplicates (same SHA-256, in the project already or earlier in this folder) are skipped
 *   and reported with the path they duplicate.
 * - Files that cannot be read or decoded are listed with the reason; everything else is still added.
 * - Rows are inserted in transactions of BATCH images, so a kill loses at most the batch in flight
 *   and re-running the same add resumes (what is already there is reported as duplicate).
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { extname, join } from 'node:path';
import type { AddFolderReport } from '../../shared/api/types';
import { ParselError } from '../../shared/api/errors';
import type { ProjectStore, NewImage } from '../store/project-store';
import type { EventBus } from './backend';
import { IMAGE_EXTENSIONS, probeAndThumb } from './image-io';
import type { ProjectPaths } from './paths';

const BATCH = 256;
const CONCURRENCY = 4;

export interface WalkResult {
  files: string[];
  problems: { path: string; reason: string }[];
}

/** List image files under `root` (sorted, absolute). Unreadable directories are reported, not fatal. */
export async function walkImages(root: string, recursive: boolean): Promise<WalkResult> {
  const files: string[] = [];
  const problems: { path: string; reason: string }[] = [];
  const seenDirs = new Set<string>();
  const exts = new Set<string>(IMAGE_EXTENSIONS);

  async function visit(dir: string): Promise<void> {
    let real: string;
    try {
      real = await fs.realpath(dir);
    } catch (err) {
      problems.push({ path: dir, reason: `cannot resolve folder: ${(err as NodeJS.ErrnoException).code ?? err}` });
      return;
    }
    if (seenDirs.has(real)) return; // symlink loop or a folder reached twice
    seenDirs.add(real);
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      problems.push({ path: dir, reason: `cannot read folder: ${(err as NodeJS.ErrnoException).code ?? err}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = await fs.stat(p);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          problems.push({ path: p, reason: 'broken symbolic link' });
          continue;
        }
      }
      if (isDir) {
        if (recursive) await visit(p);
      } else if (isFile && exts.has(extname(e.name).toLowerCase())) {
        files.push(p);
      }
    }
  }

  let st: import('node:fs').Stats;
  try {
    st = await fs.stat(root);
  } catch {
    throw new ParselError('NOT_FOUND', `folder not found: ${root}`, { path: root });
  }
  if (!st.isDirectory()) throw new ParselError('INVALID_INPUT', `not a folder: ${root}`, { path: root });
  await visit(root);
  return { files, problems };
}

async function mapPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

type Probe =
  | { ok: true; file: string; sha256: string; width: number; height: number }
  | { ok: false; file: string; reason: string };

export async function addFolder(
  store: ProjectStore,
  paths: ProjectPaths,
  bus: EventBus,
  folder: string,
  recursive: boolean,
): Promise<AddFolderReport> {
  const jobId = randomUUID();
  const report: AddFolderReport = { jobId, scanned: 0, added: 0, duplicates: [], failed: [] };
  bus.emit('job:progress', { jobId, kind: 'add-folder', done: 0, total: 0, phase: 'scanning', message: folder });
  const walk = await walkImages(folder, recursive);
  report.failed.push(...walk.problems);
  report.scanned = walk.files.length;
  const total = walk.files.length;
  let lastEmit = 0;

  for (let start = 0; start < total; start += BATCH) {
    const chunk = walk.files.slice(start, start + BATCH);
    const probes = await mapPool(chunk, CONCURRENCY, async (file): Promise<Probe> => {
      try {
        const buf = await fs.readFile(file);
        const sha256 = createHash('sha256').update(buf).digest('hex');
        const { info, thumb } = await probeAndThumb(buf, file);
        await paths.writeThumb(sha256, thumb);
        return { ok: true, file, sha256, width: info.width, height: info.height };
      } catch (err) {
        const reason =
          err instanceof ParselError
            ? err.message.replace(`${file}: `, '')
            : `cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        return { ok: false, file, reason };
      }
    });
    const ok: { file: string; row: NewImage }[] = [];
    for (const p of probes) {
      if (!p.ok) report.failed.push({ path: p.file, reason: p.reason });
      else ok.push({ file: p.file, row: { path: paths.toStored(p.file), sha256: p.sha256, width: p.width, height: p.height, source: null, split: null } });
    }
    // Duplicate and path checks run inside the inserting transaction: another process adding the same
    // folder at the same time waits for it and then finds these rows (each file is added once).
    const outcomes = ok.length > 0 ? store.addImagesOnce(ok.map((o) => o.row)) : [];
    outcomes.forEach((o, k) => {
      const file = ok[k].file;
      if ('id' in o) report.added++;
      else if ('duplicateOf' in o) report.duplicates.push({ path: file, existingPath: o.duplicateOf });
      else report.failed.push({ path: file, reason: 'a different file was added under this path before (content changed)' });
    });
    const done = Math.min(start + BATCH, total);
    const now = Date.now();
    if (now - lastEmit > 100 || done === total) {
      lastEmit = now;
      bus.emit('job:progress', { jobId, kind: 'add-folder', done, total, phase: 'adding' });
    }
  }
  bus.emit('job:progress', { jobId, kind: 'add-folder', done: total, total, phase: 'done' });
  if (report.added > 0) bus.emit('project:changed', { reason: 'images-added' });
  return report;
}
