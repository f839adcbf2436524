/**
 * The desktop app's parsel-app:// protocol without Electron (app-protocol.ts): which file a URL names
 * inside out/renderer, its MIME type and headers, and the refusals (traversal in every spelling,
 * symbolic links out, hidden files, folders, other hosts and schemes, methods).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL, APP_ORIGIN, APP_SCHEME, appProtocolResponse } from '../../src/main/app-protocol';

const CSP = "default-src 'self'; script-src 'self'";
let tmp: string;
let renderer: string;

const get = (url: string, method = 'GET') => appProtocolResponse(renderer, { method, url }, CSP);

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'parsel-app-protocol-'));
  renderer = join(tmp, 'renderer');
  mkdirSync(join(renderer, 'assets', 'fonts'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(renderer, 'assets', 'app-1a2b.js'), 'console.log(1)');
  writeFileSync(join(renderer, 'assets', 'app-1a2b.css'), 'body{}');
  writeFileSync(join(renderer, 'assets', 'ort.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(renderer, 'assets', 'logo.svg'), '<svg/>');
  writeFileSync(join(renderer, 'assets', 'fonts', 'x.woff2'), 'w');
  writeFileSync(join(renderer, 'assets', 'data.bin'), 'b');
  writeFileSync(join(renderer, '.env'), 'SECRET=1');
  writeFileSync(join(tmp, 'secret.txt'), 'the secret');
  symlinkSync(tmp, join(renderer, 'assets', 'up'));
  symlinkSync(join(tmp, 'secret.txt'), join(renderer, 'assets', 'secret-link.txt'));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('parsel-app:// protocol', () => {
  it('is one origin, and the page is its index.html', () => {
    expect(APP_SCHEME).toBe('parsel-app');
    const u = new URL(APP_INDEX_URL);
    expect(`${u.protocol}//${u.host}`).toBe(APP_ORIGIN);
    expect(u.pathname).toBe('/index.html');
  });

  it('serves the page with the CSP and nosniff, and the assets with their MIME types', async () => {
    const page = await get(APP_INDEX_URL);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<div id="root">');
    expect((await get(`${APP_INDEX_URL}?x=1#/image/3`)).status).toBe(200);
    expect(await (await get(`${APP_ORIGIN}/`)).text()).toContain('<div id="root">');
    const types: [string, string][] = [
      ['assets/app-1a2b.js', 'text/javascript; charset=utf-8'],
      ['assets/app-1a2b.css', 'text/css; charset=utf-8'],
      ['assets/ort.wasm', 'application/wasm'],
      ['assets/logo.svg', 'image/svg+xml'],
      ['assets/fonts/x.woff2', 'font/woff2'],
      ['assets/data.bin', 'application/octet-stream'],
    ];
    for (const [path, type] of types) {
      const r = await get(`${APP_ORIGIN}/${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toBe(type);
      expect(r.headers.get('content-security-policy')).toBeNull();
    }
    expect(new Uint8Array(await (await get(`${APP_ORIGIN}/assets/ort.wasm`)).arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
  });

  it('refuses traversal in every spelling, links out, hidden files, folders, other hosts and schemes with a bare 404', async () => {
    const refused = [
      `${APP_ORIGIN}/../secret.txt`,
      `${APP_ORIGIN}/assets/../../secret.txt`,
      `${APP_ORIGIN}/%2e%2e/secret.txt`,
      `${APP_ORIGIN}/%2E%2E%2Fsecret.txt`,
      `${APP_ORIGIN}/assets/%2e%2e%2f%2e%2e%2fsecret.txt`,
      `${APP_ORIGIN}/assets/..%2f..%2fsecret.txt`,
      `${APP_ORIGIN}/..%5csecret.txt`,
      `${APP_ORIGIN}/assets\\..\\..\\secret.txt`,
      `${APP_ORIGIN}/%2fetc%2fpasswd`,
      `${APP_ORIGIN}//etc/passwd`,
      `${APP_ORIGIN}/${encodeURIComponent(join(tmp, 'secret.txt'))}`,
      `${APP_ORIGIN}/assets/up/secret.txt`,
      `${APP_ORIGIN}/assets/secret-link.txt`,
      `${APP_ORIGIN}/index.html%00.js`,
      `${APP_ORIGIN}/%ff%fe`,
      `${APP_ORIGIN}/.env`,
      `${APP_ORIGIN}/%2eenv`,
      `${APP_ORIGIN}/assets`,
      `${APP_ORIGIN}/assets/`,
      `${APP_ORIGIN}/nothing.js`,
      'parsel-app://evil/index.html',
      'parsel-app://user:pw@app/index.html',
      'parsel-media://app/index.html',
      `file://${join(renderer, 'index.html')}`,
      'not a url',
    ];
    for (const url of refused) {
      const r = await get(url);
      expect(r.status, url).toBe(404);
      const body = await r.text();
      expect(body, url).toBe('Not found');
      expect(r.headers.get('content-security-policy')).toBeNull();
    }
  });

  it('answers GET and HEAD only', async () => {
    const head = await get(APP_INDEX_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const m of ['POST', 'PUT', 'DELETE']) expect((await get(APP_INDEX_URL, m)).status, m).toBe(405);
  });

  it('answers 404 when the renderer was not built', async () => {
    expect((await appProtocolResponse(join(tmp, 'no-such-dir'), { method: 'GET', url: APP_INDEX_URL }, CSP)).status).toBe(404);
  });
});
