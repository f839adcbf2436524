/**
 * The desktop app's own scheme: the renderer is served as `parsel-app://app/…` from out/renderer by a
 * privileged custom protocol (electron.ts registers it and hands requests to `appProtocolResponse`)
 * instead of file://, so the page has an origin of its own: file:// would give it (and any file it
 * loads) the same origin as every other local file, and a file:// page may fetch any file://.
 *
 * No Electron import: the URL → file resolution (server/static.ts's `resolveStatic`, the one browser
 * mode uses: path-confined, no dot segments in any encoding, no symbolic link out, no hidden file),
 * the MIME types and the headers are tested under Node (test/unit/app-protocol.test.ts).
 */
import { promises as fs } from 'node:fs';
import { extname } from 'node:path';
import { mimeOf, resolveStatic } from './server/static';

export const APP_SCHEME = 'parsel-app';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The page every window loads (the route is in the hash). */
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges of the scheme (protocol.registerSchemesAsPrivileged, before `ready`): standard (an origin,
 * relative URLs, localStorage), secure (a secure context, like https), fetch for the page's own
 * modules. No CORS, no service workers, no bypassing the CSP.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;

/** The file under `rootReal` (a realpath) that `url` names, or null: another scheme or host, traversal, a folder, nothing there. */
export async function resolveAppUrl(rootReal: string, url: string): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username !== '' || u.password !== '') return null;
  // The raw path (URL has already removed literal `..` segments; resolveStatic refuses encoded ones).
  return resolveStatic(rootReal, u.pathname === '' ? '/' : u.pathname);
}

/**
 * The response to one request of the app scheme: the file with its MIME type and `nosniff`; the HTML
 * page also gets the Content-Security-Policy `csp` (the header; the page's own meta policy stays).
 * GET and HEAD only; anything unresolvable is a 404 that names nothing of the file system.
 */
export async function appProtocolResponse(rendererDir: string, request: { method: string; url: string }, csp: string): Promise<Response> {
  const text = (status: number, body: string) => new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Method not allowed');
  let rootReal: string;
  try {
    rootReal = await fs.realpath(rendererDir);
  } catch {
    return text(404, 'Not found');
  }
  const file = await resolveAppUrl(rootReal, request.url);
  if (file === null) return text(404, 'Not found');
  let body: Buffer;
  try {
    body = await fs.readFile(file);
  } catch {
    return text(404, 'Not found');
  }
  const headers: Record<string, string> = {
    'Content-Type': mimeOf(file),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
  if (extname(file).toLowerCase() === '.html') headers['Content-Security-Policy'] = csp;
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}
