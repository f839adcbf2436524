/**
 * Adding a folder of images to a project: walk, hash, decode-check, thumbnail, insert.
 *
 * - Recursive walk (formats/walk.ts, shared with import): links followed, every folder read once (by
 *   device + inode), loops and names that are not valid UTF-8 reported by name.
 * - Content duplicates (same SHA-256, in the project already or earlier in this folder) are skipped
 *   and reported with the path they duplicate.
 * - Files that cannot be read or decoded are listed with the reason; everything else is still added.
 * - Rows are inserted in transactions of BATCH images, so a kill loses at most the batch in flight
 *   and re-running the same add resumes (what is already there is reported as duplicate).
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { extname } from 'node:path';
import type { AddFolderReport } from '../../shared/api/types';
import { ParselError } from '../../shared/api/errors';
import type { ProjectStore, NewImage } from '../store/project-store';
import type { EventBus } from './backend';
import { IMAGE_EXTENSIONS, probeAndThumb } from './image-io';
import type { ProjectPaths } from './paths';
import { walkTree } from '../formats/walk';
import { mapLimit } from '../../shared/limiter';

const BATCH = 256;
/** Items in flight at once (file reads, hashing and decodes overlap); the memory their decodes hold is
 *  bounded by the decode budget (formats/decode-budget.ts: declared bytes), not by this count. */
const CONCURRENCY = 4;

export interface WalkResult {
  files: string[];
  problems: { path: string; reason: string }[];
}

/**
 * List image files under `root` (name order, depth first, absolute): formats/walk.ts, the walk import
 * uses too (each folder read once by device + inode). Unreadable folders, link loops, broken links and
 * names that are not valid UTF-8 are reported, not fatal; a folder reached again through another link
 * is not read twice (its files would be duplicates).
 */
export async function walkImages(root: string, recursive: boolean): Promise<WalkResult> {
  const exts = new Set<string>(IMAGE_EXTENSIONS);
  let st: import('node:fs').Stats;
  try {
    st = await fs.stat(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new ParselError('INVALID_INPUT', `${root}: symbolic link loop`, { path: root });
    throw new ParselError('NOT_FOUND', `folder not found: ${root}`, { path: root });
  }
  if (!st.isDirectory()) throw new ParselError('INVALID_INPUT', `not a folder: ${root}`, { path: root });
  const w = await walkTree(root, { recursive });
  return {
    files: w.files.filter((f) => exts.has(extname(f.path).toLowerCase())).map((f) => f.path),
    problems: w.problems.map((p) => ({ path: p.path, reason: p.message.startsWith(`${p.path}: `) ? p.message.slice(p.path.length + 2) : p.message })),
  };
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
    const probes = await mapLimit(chunk, CONCURRENCY, async (file): Promise<Probe> => {
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
