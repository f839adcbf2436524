/**
 * `fs:list`: folder listings for the browser-mode file/folder picker, confined to the allowed roots
 * (methods-fs.ts). Every check works on the real path (symbolic links resolved), so a link inside a
 * root that points elsewhere neither opens nor shows.
 */
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import type { FsEntry, FsListing, FsRoot } from '../../../shared/api/methods-fs';
import type { DomainServices, ServiceContext } from '../context';

const MAX_ENTRIES = 5000;

interface Root extends FsRoot {
  /** The root's real path (links resolved), what containment is checked against. */
  real: string;
}

function inside(real: string, rootReal: string): boolean {
  return real === rootReal || real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
}

async function realOrNull(p: string): Promise<string | null> {
  try {
    return await fs.realpath(p);
  } catch {
    return null;
  }
}

export function fsServices(ctx: ServiceContext): DomainServices<'fs:list'> {
  const roots = async (): Promise<Root[]> => {
    const given: FsRoot[] = ctx.opts.browseRoots
      ? ctx.opts.browseRoots.map((p) => ({ path: resolve(p), label: resolve(p) }))
      : [
          { path: homedir(), label: 'Home' },
          ...(ctx.current() ? [{ path: ctx.current()!.paths.root, label: 'Project folder' }] : []),
        ];
    const out: Root[] = [];
    for (const r of given) {
      const real = await realOrNull(r.path);
      if (real !== null && !out.some((o) => o.path === r.path)) out.push({ ...r, real });
    }
    return out;
  };

  /** The root the real path lies in, or null. */
  const rootOf = (rs: Root[], real: string): Root | null => rs.find((r) => inside(real, r.real)) ?? null;

  return {
    'fs:list': async ({ path, show, extensions, hidden }): Promise<FsListing> => {
      const rs = await roots();
      const pub = rs.map(({ path: p, label }) => ({ path: p, label }));
      const base = ctx.current()?.paths.root ?? rs[0]?.path ?? homedir();
      if (path === undefined) {
        return { path: null, parent: null, roots: pub, base, entries: rs.map((r) => ({ name: r.label, path: r.path, kind: 'folder', size: null })) };
      }
      const where = rs.map((r) => r.path).join(', ');
      if (!isAbsolute(path)) {
        throw new ParselError('FORBIDDEN', `"${path}" is a relative path; give an absolute one under ${where}`, { path });
      }
      if (path.split(/[\\/]+/).includes('..')) {
        throw new ParselError('FORBIDDEN', `"${path}" contains "..": give the folder's own path under ${where}`, { path });
      }
      const abs = normalize(path);
      const real = await realOrNull(abs);
      if (real === null) {
        // Whether something exists outside the roots is not told: a missing path is judged by the
        // real path of its nearest existing folder.
        let up = dirname(abs);
        let upReal = await realOrNull(up);
        while (upReal === null && dirname(up) !== up) {
          up = dirname(up);
          upReal = await realOrNull(up);
        }
        if (upReal === null || !rootOf(rs, upReal)) {
          throw new ParselError('FORBIDDEN', `${abs} is outside the folders this server may show (${where})`, { path: abs, roots: pub.map((r) => r.path) });
        }
        throw new ParselError('NOT_FOUND', `no such folder: ${abs}`, { path: abs });
      }
      const root = rootOf(rs, real);
      if (!root) {
        throw new ParselError('FORBIDDEN', `${abs} is outside the folders this server may show (${where})`, { path: abs, roots: pub.map((r) => r.path) });
      }
      const st = await fs.stat(real);
      if (!st.isDirectory()) throw new ParselError('INVALID_INPUT', `${abs} is not a folder`, { path: abs });

      const dirents = await fs.readdir(real, { withFileTypes: true });
      const names = new Set(dirents.map((d) => d.name));
      const entries: FsEntry[] = [];
      for (const d of dirents) {
        if (!hidden && d.name.startsWith('.')) continue;
        // Side files of a project in the same folder are not for picking: SQLite's -wal / -shm / -journal
        // and the thumbnail cache `<project>.parsel.cache`.
        const side = /^(.*)-(wal|shm|journal)$/.exec(d.name) ?? /^(.*\.parsel)\.cache$/.exec(d.name);
        if (side && names.has(side[1])) continue;
        const p = join(abs, d.name);
        let kind: 'folder' | 'file';
        let size: number | null = null;
        try {
          // Links are followed only to where they may lead: their real target must be inside a root.
          const target = d.isSymbolicLink() ? await realOrNull(join(real, d.name)) : join(real, d.name);
          if (target === null || (d.isSymbolicLink() && !rootOf(rs, target))) continue;
          const s = await fs.stat(target);
          if (s.isDirectory()) kind = 'folder';
          else if (s.isFile()) {
            kind = 'file';
            size = s.size;
          } else continue;
        } catch {
          continue; // unreadable (permissions, vanished meanwhile): not listed
        }
        if (kind === 'file') {
          if (show === 'folders') continue;
          if (extensions && !extensions.some((e) => d.name.toLowerCase().endsWith(e))) continue;
        }
        entries.push({ name: d.name, path: p, kind, size });
        if (entries.length >= MAX_ENTRIES) break;
      }
      entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1));
      // The parent, while still inside the same root (checked on its real path too).
      let parent: string | null = null;
      if (real !== root.real) {
        const up = dirname(abs);
        const upReal = await realOrNull(up);
        if (upReal !== null && rootOf(rs, upReal)) parent = up;
      }
      return { path: abs, parent, roots: pub, entries, base };
    },
  };
}
