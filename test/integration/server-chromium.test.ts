/**
 * The browser-mode server's security model in a real Chromium: the token URL becomes an HttpOnly
 * cookie, the renderer's WsClient connects with it under the server's CSP, media load in <img>; and a
 * page on another local port (same site, so the SameSite=Strict cookie does go along) can neither open
 * the WebSocket nor load media.
 *
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium); without it this file prints a SKIP line
 * and is reported as skipped.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src/main/services/index';
import { startServer, type RunningServer } from '../../src/main/server/index';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`SKIP server chromium tests: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

describe.skipIf(!hasChromium)('browser mode in Chromium', () => {
  let tmp: string;
  let backend: Backend;
  let srv: RunningServer;
  let browser: Browser;
  let evil: Server;
  let evilOrigin: string;
  let imageId: number;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'parsel-chromium-'));
    const rendererDir = join(tmp, 'renderer');
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    // A page that boots the real renderer WsClient, calls the API and shows a thumbnail.
    const bundle = await build({
      stdin: {
        contents: `
          import { WsClient } from ${JSON.stringify(join(root, 'src/renderer/src/api/ws.ts'))};
          const c = new WsClient();
          const w = window;
          c.call('app:info', {}).then((v) => { w.__info = v; }, (e) => { w.__error = String(e); });
          const img = document.createElement('img');
          img.onload = () => { w.__img = img.naturalWidth; };
          img.onerror = () => { w.__img = -1; };
          img.src = c.mediaUrl('thumb', Number(new URLSearchParams(location.hash.slice(1)).get('id') || 1));
          document.body.appendChild(img);
        `,
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    writeFileSync(join(rendererDir, 'assets', 'client.js'), bundle.outputFiles[0].text);
    writeFileSync(
      join(rendererDir, 'index.html'),
      '<!doctype html><html><head><title>t</title></head><body><script src="/assets/client.js"></script></body></html>',
    );
    const images = join(tmp, 'images');
    mkdirSync(images);
    writeFileSync(
      join(images, 'a.png'),
      await sharp({ create: { width: 80, height: 60, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toBuffer(),
    );

    backend = createBackend({ mode: 'browser', userDataDir: join(tmp, 'userdata') });
    await backend.services['project:create']({ path: join(tmp, 'p.parsel'), schemaId: 'celebamask-hq-a' });
    await backend.services['image:addFolder']({ folder: images, recursive: true });
    imageId = (await backend.services['image:list']({ offset: 0, limit: 1 })).items[0].id;
    srv = await startServer({ backend, rendererDir });

    // Another local web page, same site (127.0.0.1) but another port: the attacker's vantage point.
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><body><script>
        const ws = new WebSocket(${JSON.stringify(`ws://127.0.0.1:${srv.port}/ws`)});
        ws.onopen = () => { window.__ws = 'open'; };
        ws.onerror = () => { window.__ws = 'error'; };
        const img = new Image();
        img.onload = () => { window.__img = 'loaded'; };
        img.onerror = () => { window.__img = 'error'; };
        img.src = ${JSON.stringify(`http://127.0.0.1:${srv.port}/media/thumb/${imageId}`)};
      </script></body>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await new Promise((r) => evil?.close(r));
    backend?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('token URL → HttpOnly cookie → app page whose WsClient and <img> work under the CSP', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${srv.url}#id=${imageId}`);
    expect(page.url()).toBe(`${srv.origin}/#id=${imageId}`); // the token left the address bar
    await page.waitForFunction(() => {
      const w = window as unknown as Record<string, unknown>;
      return (w.__info || w.__error) && w.__img !== undefined;
    });
    const got = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return { info: w.__info, error: w.__error, img: w.__img, cookie: document.cookie };
    });
    expect(got.error).toBeUndefined();
    expect(got.info).toMatchObject({ mode: 'browser', project: { name: 'p' } });
    expect(got.img).toBe(80);
    expect(got.cookie).toBe(''); // HttpOnly: scripts cannot read the token
    expect(cspErrors).toEqual([]);
    const cookies = await ctx.cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: `parsel_token_${srv.port}`, value: srv.token, httpOnly: true, sameSite: 'Strict' }),
    ]);
    await ctx.close();
  });

  it('a page on another local port cannot use the session cookie for the WebSocket or media', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(srv.url); // the victim has the app open: the cookie is in the jar
    expect((await ctx.cookies()).length).toBe(1);
    await page.goto(evilOrigin);
    await page.waitForFunction(() => {
      const w = window as unknown as Record<string, unknown>;
      return w.__ws !== undefined && w.__img !== undefined;
    });
    const got = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return { ws: w.__ws, img: w.__img };
    });
    expect(got).toEqual({ ws: 'error', img: 'error' });
    await ctx.close();
  });

  it('without the token the browser gets the 401 text and nothing else', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const res = await page.goto(`${srv.origin}/`);
    expect(res?.status()).toBe(401);
    expect(await page.textContent('body')).toMatch(/Unauthorized/);
    await ctx.close();
  });
});
