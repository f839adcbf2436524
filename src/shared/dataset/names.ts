/**
 * File names and relative paths in exports and manifests. Pure TypeScript (no Node, no DOM).
 */

/** Why a manifest / export relative path is unsafe, or null when it is fine ('/'-separated, no `..`). */
export function unsafeRelativePath(p: string): string | null {
  if (p.length === 0) return 'empty path';
  if (p.includes('\0')) return 'contains a NUL character';
  if (p.includes('\\')) return 'contains a backslash (use "/" separators)';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'is absolute';
  const parts = p.split('/');
  if (parts.some((s) => s === '..')) return 'contains ".."';
  if (parts.some((s) => s === '' || s === '.')) return 'has an empty or "." segment';
  return null;
}

/** File name stem without folders and extension. */
function stemOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * Unique, safe output stems for images (by stored path): the file's stem with anything outside
 * `[A-Za-z0-9._-]` replaced by `_`; names that collide (case-insensitively, for Windows and macOS)
 * all get `_<imageId>` appended. Deterministic for a given list.
 */
export function outputNames(items: readonly { imageId: number; path: string }[]): string[] {
  const base = items.map((it) => {
    const s = stemOf(it.path).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
    return s.length > 0 ? s.slice(0, 120) : `image_${it.imageId}`;
  });
  const count = new Map<string, number>();
  for (const b of base) count.set(b.toLowerCase(), (count.get(b.toLowerCase()) ?? 0) + 1);
  const out = base.map((b, i) => ((count.get(b.toLowerCase()) ?? 0) > 1 ? `${b}_${items[i].imageId}` : b));
  // A suffixed name could still meet an unsuffixed one ("a_7" next to "a" of image 7): fall back to ids.
  const seen = new Set<string>();
  return out.map((n, i) => {
    const key = n.toLowerCase();
    if (seen.has(key)) return `image_${items[i].imageId}`;
    seen.add(key);
    return n;
  });
}
