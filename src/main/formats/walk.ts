/**
 * The one folder walk of `add` (services/ingest.ts) and `import` (the dataset formats, through
 * dataset.ts `listDir` / `walkFiles`):
 *
 * - Names are read as bytes. Linux allows any bytes but NUL and `/` in a name, and a name that is not
 *   valid UTF-8 cannot become a path string (Node would replace its bytes and then find nothing:
 *   ENOENT). Such an entry is refused by name (`bad-name`, the invalid bytes shown as `\xNN`) and the
 *   walk goes on with the rest.
 * - Symbolic links are followed. A link whose chain loops (ELOOP) is a `symlink-loop`, never a "broken
 *   link"; a link to nothing is a `broken-link`.
 * - Every folder is visited once, by device + inode (not by path, not by realpath): a folder that leads
 *   back to one of its ancestors is a `symlink-loop`; a folder reached again by another way (two links
 *   to one folder) is not read again but listed in `repeats` with the path it was read under. Two links
 *   per level, 17 levels deep, is 18 folders to read instead of 2^18 paths.
 * - Entries are visited in byte order of their names, depth first, so the result is deterministic.
 */
import { isUtf8 } from 'node:buffer';
import { promises as fs, type Dirent } from 'node:fs';
import { join } from 'node:path';

export type WalkProblemKind = 'symlink-loop' | 'broken-link' | 'unreadable' | 'bad-name';

export interface WalkProblem {
  kind: WalkProblemKind;
  path: string;
  message: string;
}

export interface FolderEntry {
  name: string;
  path: string;
  isFile: boolean;
  isDir: boolean;
}

export interface WalkOptions {
  /** Descend into sub-folders (default true). */
  recursive?: boolean;
  /** Entries left out of the walk without a word (junk such as `.DS_Store`), by name and path. */
  skip?: (name: string, path: string) => boolean;
  /** Collect the files (default true; false for a walk that only looks at names through `skip`). */
  files?: boolean;
}

export interface WalkResult {
  /** Every file under the root: absolute path, and the path relative to the root with `/` separators. */
  files: { rel: string; path: string }[];
  problems: WalkProblem[];
  /** Folders reached a second time (another link to a folder already read), not read again. */
  repeats: { path: string; firstPath: string }[];
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** A name's bytes for messages: valid UTF-8 as text, every other byte as `\xNN`. */
export function escapeName(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= b.length && isUtf8(b.subarray(i, i + len))) {
      out += b.toString('utf8', i, i + len);
      i += len;
    } else {
      out += `\\x${c.toString(16).padStart(2, '0').toUpperCase()}`;
      i++;
    }
  }
  return out;
}

function byName(a: Dirent<Buffer>, b: Dirent<Buffer>): number {
  return Buffer.compare(a.name, b.name);
}

/**
 * One folder's entries, sorted by name, links followed. Problems (a name that is not UTF-8, a link
 * loop, a broken link, an unreadable link target) are added to `problems` and the entry left out.
 * Throws what readdir throws (the caller decides what a missing or unreadable folder means).
 */
export async function readFolder(dir: string, problems: WalkProblem[], skip?: (name: string, path: string) => boolean): Promise<FolderEntry[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  entries.sort(byName);
  const out: FolderEntry[] = [];
  for (const e of entries) {
    if (!isUtf8(e.name)) {
      const shown = join(dir, escapeName(e.name));
      problems.push({
        kind: 'bad-name',
        path: shown,
        message: `${shown}: the name is not valid UTF-8 (invalid bytes shown as \\xNN); rename it to read it`,
      });
      continue;
    }
    const name = e.name.toString('utf8');
    const p = join(dir, name);
    if (skip?.(name, p)) continue;
    let isFile = e.isFile();
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) {
      try {
        const st = await fs.stat(p);
        isFile = st.isFile();
        isDir = st.isDirectory();
      } catch (err) {
        const c = errCode(err);
        if (c === 'ELOOP') problems.push({ kind: 'symlink-loop', path: p, message: `symbolic link loop: ${p} points back to itself` });
        else if (c === 'ENOENT' || c === 'ENOTDIR') problems.push({ kind: 'broken-link', path: p, message: `broken symbolic link: ${p} (${c})` });
        else problems.push({ kind: 'unreadable', path: p, message: `cannot follow symbolic link ${p} (${c})` });
        continue;
      }
    }
    out.push({ name, path: p, isFile, isDir });
  }
  return out;
}

async function folderKey(path: string): Promise<string> {
  const st = await fs.stat(path, { bigint: true });
  return `${st.dev}:${st.ino}`;
}

/**
 * Every file under `root` (a folder: the caller has checked), each folder read once. A folder that
 * cannot be read is a problem (`unreadable`), not a failure of the walk.
 */
export async function walkTree(root: string, opts: WalkOptions = {}): Promise<WalkResult> {
  const recursive = opts.recursive ?? true;
  const collect = opts.files ?? true;
  const result: WalkResult = { files: [], problems: [], repeats: [] };
  const seen = new Map<string, string>(); // device:inode -> the path it was read under
  const ancestors = new Set<string>();

  async function visit(dir: string, rel: string, key: string): Promise<void> {
    ancestors.add(key);
    let entries: FolderEntry[];
    try {
      entries = await readFolder(dir, result.problems, opts.skip);
    } catch (err) {
      result.problems.push({ kind: 'unreadable', path: dir, message: `cannot read folder ${dir} (${errCode(err)})` });
      ancestors.delete(key);
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isFile) {
        if (collect) result.files.push({ rel: r, path: e.path });
        continue;
      }
      if (!e.isDir || !recursive) continue;
      let k: string;
      try {
        k = await folderKey(e.path);
      } catch (err) {
        result.problems.push({ kind: 'unreadable', path: e.path, message: `cannot read folder ${e.path} (${errCode(err)})` });
        continue;
      }
      const first = seen.get(k);
      if (ancestors.has(k)) {
        result.problems.push({ kind: 'symlink-loop', path: e.path, message: `symbolic link loop: ${e.path} leads back to ${first}, a folder it is inside` });
      } else if (first !== undefined) {
        result.repeats.push({ path: e.path, firstPath: first });
      } else {
        seen.set(k, e.path);
        await visit(e.path, r, k);
      }
    }
    ancestors.delete(key);
  }

  const rootKey = await folderKey(root);
  seen.set(rootKey, root);
  await visit(root, '', rootKey);
  return result;
}
