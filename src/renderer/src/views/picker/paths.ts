/**
 * Path text as typed in a form (pure, no Node): what is absolute, and what a relative path means
 * against the base the form shows (the open project's folder, else the home folder: `fs:list`'s base).
 */

/** POSIX `/x`, Windows `C:\x` or `C:/x`, UNC `\\server\share`. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function sepOf(base: string): '/' | '\\' {
  return base.includes('\\') && !base.includes('/') ? '\\' : '/';
}

/**
 * The absolute path `typed` names: as it is when absolute, else joined to `base` with `.` and `..`
 * segments resolved (never above the base's root). Empty input stays empty.
 */
export function resolveTyped(typed: string, base: string): string {
  const t = typed.trim();
  if (t === '' || isAbsolutePath(t)) return t;
  const sep = sepOf(base);
  const rootMatch = /^([A-Za-z]:[\\/]|\\\\[^\\]+\\[^\\]+\\?|\/)/.exec(base);
  const root = rootMatch ? rootMatch[0] : '';
  const parts = base.slice(root.length).split(/[\\/]+/).filter(Boolean);
  for (const seg of t.split(/[\\/]+/)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  const r = root.endsWith(sep) || root === '' ? root : root + sep;
  return r + parts.join(sep);
}

/** The folder holding `path` (the path itself when it has no parent). */
export function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (i <= 0) return path.slice(0, i + 1) || path;
  if (/^[A-Za-z]:$/.test(path.slice(0, i))) return path.slice(0, i + 1);
  return path.slice(0, i);
}

export function joinPath(dir: string, name: string): string {
  const sep = sepOf(dir);
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : dir + sep + name;
}
