/** Path-traversal-safe resolution of the built renderer's files, and their MIME types. */
import { promises as fs } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

export function mimeOf(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a raw request path (undecoded, without the query) to a file inside `rootReal` (the renderer
 * folder, already passed through `realpath`). Returns null for anything that is not a regular file
 * strictly inside the folder: `..` and `.` segments in any encoding, backslashes, NUL bytes, hidden
 * files, undecodable escapes, and symbolic links that lead outside.
 */
export async function resolveStatic(rootReal: string, rawPath: string): Promise<string | null> {
  if (!rawPath.startsWith('/') || rawPath.includes('\\') || rawPath.length > 2048) return null;
  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg.includes('/') || seg.includes('\\') || seg.includes('\0') || seg.startsWith('.')) return null;
    segments.push(seg);
  }
  // `/` is the app; any other path that names a folder (trailing slash, empty segment) is not served.
  const rel = segments.length === 1 && segments[0] === '' ? ['index.html'] : segments;
  if (rel.some((s) => s === '')) return null;
  const candidate = resolve(join(rootReal, ...rel));
  if (!candidate.startsWith(rootReal + sep)) return null;
  try {
    const real = await fs.realpath(candidate);
    if (!real.startsWith(rootReal + sep)) return null;
    const st = await fs.stat(real);
    return st.isFile() ? real : null;
  } catch {
    return null;
  }
}
