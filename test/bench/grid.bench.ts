/**
 * Browser grid at CelebAMask-HQ size: a project of 30,000 images, opened in browser mode in Chromium.
 *
 * Measures (all in one run, same machine):
 *   - project open time through the API (`project:open` on the in-process client, median of 5);
 *   - time to first grid paint (navigation start → first thumbnail cell in the DOM + one frame, and
 *     → first thumbnail decoded);
 *   - frame times (requestAnimationFrame deltas) while the grid is scrolled from top to bottom at a fixed
 *     speed in px/frame: p50 / p95 / max and frames > 50 ms;
 *   - the same scroll on a baseline page in the same browser: a plain document of the same height with
 *     no content (what Chromium alone does at that speed), so the ratio says what the grid costs.
 *
 * Images: ~50 distinct small synthetic JPEGs (test/tooling/dataset.ts), each copied to 600 paths with a
 * 4-byte trailer after the JPEG end marker, so that every one of the 30,000 files is real, decodes, and
 * has a distinct SHA-256 (the store keeps hashes unique). Rows are inserted through ProjectStore directly
 * (the ingest path is measured elsewhere). Thumbnails are cold: the server makes them on demand while the
 * grid scrolls, as it would on the first browse of a new project.
 *
 *   npm run bench -- grid [--images 30000] [--speed 400] [--from FOLDER_OF_JPEGS] [--out docs/bench/grid.md]
 *
 * `--from` uses the JPEGs of a folder (e.g. real photos) instead of synthetic ones.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { startServer } from '../../src/main/server';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { getSchema } from '../../src/shared/schema';
import { IMAGE_SORTS, IMAGE_STATUSES } from '../../src/shared/api/types';
import { ensureRendererBuild, launchChromium, RENDERER_DIR, ROOT } from '../e2e/helpers';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const N = Number(arg('images', '30000'));
const SPEED = Number(arg('speed', '400')); // px per frame while scrolling
const OUT = arg('out', join('docs', 'bench', 'grid.md'));
const FROM = arg('from', '');
const SLOW = Number(arg('slow', '40')); // px per frame, wheel-like
const DISTINCT = 50;
const SCHEMA_ID = 'celebamask-hq-a';

interface FrameStats {
  frames: number;
  p50: number;
  p95: number;
  max: number;
  over50: number;
  seconds: number;
}

function stats(deltas: number[]): FrameStats {
  const s = [...deltas].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return {
    frames: s.length,
    p50: q(0.5),
    p95: q(0.95),
    max: s[s.length - 1],
    over50: s.filter((d) => d > 50).length,
    seconds: deltas.reduce((a, b) => a + b, 0) / 1000,
  };
}

const NOTES = [
  'Notes:',
  '- Headless Chromium with `--disable-gpu` rasterises and composites in software; with a GPU (Electron, desktop',
  '  Chrome) paint is far cheaper. The baseline page runs in the same browser, so the ratio is what the grid costs.',
  '- The grid is virtualised by rows (@tanstack/react-virtual): a fixed number of cells is in the DOM whatever',
  '  the project size. Above 6,000 px/s newly shown cells wait for their thumbnail until the scroll slows',
  '  (ThumbGrid `FAST_SCROLL_PX_PER_S`); the fast pass measures rows of placeholders being replaced every frame.',
  '- The first fast pass also makes thumbnails on the server (same process as the benchmark, same cores).',
  '- Thumbnails are served with `Cache-Control: no-store`, so the browser re-fetches a thumbnail each time its',
  '  cell comes back into view; a content-keyed cacheable URL would make the second pass and wheel scrolling cheaper.',
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Scrolls `selector` (or the document) from top to bottom at `speed` px/frame; returns rAF deltas. */
async function scrollFrames(page: Page, selector: string | null, speed: number, maxFrames = 1e9): Promise<number[]> {
  // A string, not a function: tsx (esbuild keepNames) would inject `__name` helpers the page lacks.
  return page.evaluate(`new Promise((resolve) => {
    const el = ${selector ? `document.querySelector(${JSON.stringify(selector)})` : 'document.scrollingElement'};
    el.scrollTop = 0;
    const deltas = [];
    let last = -1;
    function step(t) {
      if (last >= 0) deltas.push(t - last);
      last = t;
      const max = el.scrollHeight - el.clientHeight;
      if (el.scrollTop >= max - 1 || deltas.length >= ${maxFrames}) { resolve(deltas); return; }
      el.scrollTop = Math.min(max, el.scrollTop + ${Number(speed)});
      requestAnimationFrame(step);
    }
    // Two warm-up frames so the first delta is a real frame interval.
    requestAnimationFrame(() => requestAnimationFrame(step));
  })`) as Promise<number[]>;
}

/** Records when the first grid cell is painted and when the first thumbnail has decoded. */
const PAINT_PROBE = `(() => {
  function check() {
    if (window.__firstCell === undefined && window.__cellSeen === undefined && document.querySelector('.cell[data-image-id]')) {
      window.__cellSeen = true;
      requestAnimationFrame(() => { window.__firstCell = performance.now(); });
    }
    const img = document.querySelector('.cell[data-image-id] img');
    if (window.__firstThumb === undefined && img && img.complete && img.naturalWidth > 0) window.__firstThumb = performance.now();
    if (window.__firstThumb === undefined) requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();`;

async function main(): Promise<void> {
  ensureRendererBuild();
  const dir = mkdtempSync(join(tmpdir(), 'parsel-bench-grid-'));
  try {
    // ---- data ------------------------------------------------------------------------------------
    const srcDir = FROM || join(dir, 'src');
    if (!FROM) {
      const { writeSyntheticFolder } = await import('../tooling/dataset');
      await writeSyntheticFolder(srcDir, {
        count: DISTINCT,
        width: 128,
        height: 128,
        schemaId: SCHEMA_ID,
        seed: 7,
        format: 'jpg',
        masks: 'none',
        layout: 'flat',
      });
    }
    const sources = listFiles(srcDir)
      .filter((f) => /\.jpe?g$/i.test(f))
      .sort()
      .slice(0, DISTINCT);
    if (sources.length === 0) throw new Error('the synthetic generator wrote no JPEGs');
    const bytes = sources.map((f) => readFileSync(f));
    const dims = await Promise.all(sources.map((f) => sharp(f).metadata()));
    const imgDir = join(dir, 'images');
    const t0 = performance.now();
    const rows: { path: string; sha256: string; width: number; height: number; split: string }[] = [];
    for (let i = 0; i < N; i++) {
      const sub = join(imgDir, String(Math.floor(i / 1000)).padStart(2, '0'));
      if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
      const src = bytes[i % bytes.length];
      const buf = Buffer.allocUnsafe(src.length + 4);
      src.copy(buf);
      buf.writeUInt32BE(i, src.length);
      const p = join(sub, `${String(i).padStart(5, '0')}.jpg`);
      writeFileSync(p, buf);
      rows.push({
        path: p,
        sha256: createHash('sha256').update(buf).digest('hex'),
        width: dims[i % dims.length].width ?? 1,
        height: dims[i % dims.length].height ?? 1,
        split: i < N * 0.8 ? 'train' : i < N * 0.9 ? 'val' : 'test',
      });
    }
    const projectFile = join(dir, 'grid.parsel');
    const store = ProjectStore.create(projectFile, getSchema(SCHEMA_ID), 'grid-bench');
    for (let s = 0; s < rows.length; s += 5000) store.insertImages(rows.slice(s, s + 5000));
    // A mix of statuses so badges vary.
    const ids = (storeDb(store).prepare('SELECT id FROM image ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    IMAGE_STATUSES.forEach((st, k) => {
      if (k === 0) return;
      const pick = ids.filter((id) => id % 7 === k);
      for (let s = 0; s < pick.length; s += 10000) store.setStatus(pick.slice(s, s + 10000), st);
    });
    store.close();
    const buildSeconds = (performance.now() - t0) / 1000;

    // ---- open through the API --------------------------------------------------------------------
    const backend = createBackend({ mode: 'browser', userDataDir: join(dir, 'user') });
    const client = directClient(backend.services, backend.bus);
    const openMs: number[] = [];
    for (let r = 0; r < 5; r++) {
      if (r > 0) await client.call('project:close', {});
      const t = performance.now();
      await client.call('project:open', { path: projectFile });
      openMs.push(performance.now() - t);
    }
    const t1 = performance.now();
    const page0 = await client.call('image:list', { offset: 0, limit: 300 });
    const firstPageMs = performance.now() - t1;
    const tDeep = performance.now();
    await client.call('image:list', { offset: N - 300, limit: 300 });
    const lastPageMs = performance.now() - tDeep;
    if (page0.total !== N) throw new Error(`expected ${N} images, the project lists ${page0.total}`);
    // The grid's orders and search (issue 13): each is one backend query over all rows; the ratio is
    // to the default order (import order, the primary key) in the same run.
    const listMs = async (req: Record<string, unknown>): Promise<number> => {
      const ts: number[] = [];
      for (let r = 0; r < 5; r++) {
        const t = performance.now();
        await client.call('image:list', { limit: 300, ...req } as never);
        ts.push(performance.now() - t);
      }
      return median(ts);
    };
    const tKeys = performance.now();
    await client.call('image:list', { sort: 'name', limit: 300 });
    const keysMs = performance.now() - tKeys; // the first name / folder order builds the connection's keys
    const orderRows: string[] = [];
    let baseFirst = 0;
    let baseLast = 0;
    for (const sort of IMAGE_SORTS) {
      const first = await listMs({ sort, offset: 0 });
      const last = await listMs({ sort, offset: N - 300 });
      if (sort === 'added') [baseFirst, baseLast] = [first, last];
      orderRows.push(`| ${sort} | ${first.toFixed(1)} ms | ${last.toFixed(1)} ms | ${(first / baseFirst).toFixed(1)}× / ${(last / baseLast).toFixed(1)}× |`);
    }
    for (const [label, search] of [['search a folder ("/12/", 1,000 hits)', '/12/'], ['search a name ("00042", 1 hit)', '00042'], ['search, no hit', 'nothing-matches']] as const) {
      const ms = await listMs({ search, sort: 'name', offset: 0 });
      orderRows.push(`| ${label}, by name | ${ms.toFixed(1)} ms | | ${(ms / baseFirst).toFixed(1)}× |`);
    }

    const server = await startServer({ backend, rendererDir: RENDERER_DIR });
    const browser = await launchChromium();
    try {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await page.addInitScript(PAINT_PROBE);
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
      await page.goto(server.url);
      try {
        await page.waitForFunction(() => (window as { __firstThumb?: number }).__firstThumb !== undefined, null, {
          timeout: 60_000,
        });
      } catch (err) {
        await page.screenshot({ path: join(tmpdir(), 'parsel-grid-bench-failure.png') });
        throw new Error(`no thumbnail painted within 60 s (screenshot in ${tmpdir()}); page errors: ${pageErrors.join(' | ')}`, {
          cause: err,
        });
      }
      const paint = (await page.evaluate('({ cell: window.__firstCell, thumb: window.__firstThumb })')) as {
        cell: number;
        thumb: number;
      };
      const grid = (await page.evaluate(`(() => {
        const el = document.querySelector('[data-testid=grid]');
        return { height: el.scrollHeight, rows: Number(el.getAttribute('aria-rowcount')) };
      })()`)) as { height: number; rows: number };
      await page.waitForTimeout(500);
      const gridDeltas = await scrollFrames(page, '[data-testid=grid]', SPEED);
      await page.waitForTimeout(300);
      const domCells = (await page.evaluate("document.querySelectorAll('.cell').length")) as number;
      const lastVisible = (await page.evaluate(
        "Math.max(...[...document.querySelectorAll('.cell[data-index]')].map((c) => Number(c.dataset.index)))",
      )) as number;
      // Second pass: thumbnails now cached by the server (and the browser, where it may).
      await page.waitForTimeout(500);
      const warmDeltas = await scrollFrames(page, '[data-testid=grid]', SPEED);
      // Wheel-like speed: thumbnails load while moving (below the fast-scroll threshold), 600 frames.
      await page.waitForTimeout(500);
      const slowDeltas = await scrollFrames(page, '[data-testid=grid]', SLOW, 600);

      // Baseline: the same scroll on an empty document of the same height, same browser.
      const base = await ctx.newPage();
      await base.setContent(
        `<!doctype html><html><body style="margin:0"><div style="height:${grid.height}px"></div></body></html>`,
      );
      await base.waitForTimeout(300);
      const baseDeltas = await scrollFrames(base, null, SPEED);

      const g = stats(gridDeltas);
      const gw = stats(warmDeltas);
      const gs = stats(slowDeltas);
      const baseSlow = stats(await scrollFrames(base, null, SLOW, 600));
      const b = stats(baseDeltas);
      const fmt = (x: number) => x.toFixed(1);
      const cpu = cpus()[0]?.model ?? 'unknown CPU';
      const version = browser.version();
      const lines = [
        `# Grid benchmark (browser mode, ${N.toLocaleString('en-US')} images)`,
        '',
        'Command: `npm run bench -- grid` (test/bench/grid.bench.ts). Options: `--images N`, `--speed PX_PER_FRAME`, `--slow PX_PER_FRAME`, `--from DIR`.',
        '',
        `Machine: ${cpus().length} × ${cpu}; Chromium ${version} headless, \`--disable-gpu\`; viewport 1280×800.`,
        `Run: ${new Date().toISOString()}.`,
        '',
        `Project: ${N.toLocaleString('en-US')} images (${sources.length} distinct ${dims[0].width}×${dims[0].height} ${FROM ? 'JPEGs from ' + FROM : 'synthetic JPEGs'}, each file made unique by a`,
        `4-byte trailer), statuses mixed; built in ${buildSeconds.toFixed(1)} s. Thumbnails cold (made on demand while scrolling).`,
        '',
        '| measure | value |',
        '|---|---|',
        `| \`project:open\` (in-process API, median of 5) | ${fmt(median(openMs))} ms (runs: ${openMs.map(fmt).join(', ')}) |`,
        `| first \`image:list\` page (300 rows) | ${fmt(firstPageMs)} ms |`,
        `| last \`image:list\` page (offset ${N - 300}) | ${fmt(lastPageMs)} ms |`,
        `| navigation → first grid cell painted | ${fmt(paint.cell)} ms |`,
        `| navigation → first thumbnail decoded | ${fmt(paint.thumb)} ms |`,
        `| grid size | ${grid.rows.toLocaleString('en-US')} rows, ${grid.height.toLocaleString('en-US')} px tall; ${domCells} cells in the DOM after scrolling |`,
        `| last cell index on screen at the end | ${lastVisible} (of ${N - 1}) |`,
        '',
        '`image:list` page of 300 by order and with search (in-process API, median of 5; ratio to the default order, same run):',
        '',
        '| order | first page | last page | ratio first / last |',
        '|---|---|---|---|',
        ...orderRows,
        '',
        `The first name or folder order after opening builds the connection's key table (store/image-query.ts): ${keysMs.toFixed(0)} ms for ${N.toLocaleString('en-US')} images, once.`,
        '',
        `Scroll from top to bottom at ${SPEED} px/frame (requestAnimationFrame deltas, ms):`,
        '',
        '| page | frames | seconds | p50 | p95 | max | frames > 50 ms |',
        '|---|---|---|---|---|---|---|',
        `| grid, ${N.toLocaleString('en-US')} images | ${g.frames} | ${g.seconds.toFixed(1)} | ${fmt(g.p50)} | ${fmt(g.p95)} | ${fmt(g.max)} | ${g.over50} |`,
        `| same grid, second pass | ${gw.frames} | ${gw.seconds.toFixed(1)} | ${fmt(gw.p50)} | ${fmt(gw.p95)} | ${fmt(gw.max)} | ${gw.over50} |`,
        `| baseline: empty page, same height | ${b.frames} | ${b.seconds.toFixed(1)} | ${fmt(b.p50)} | ${fmt(b.p95)} | ${fmt(b.max)} | ${b.over50} |`,
        '',
        `Ratio grid / baseline: p50 ${(g.p50 / b.p50).toFixed(2)}×, p95 ${(g.p95 / b.p95).toFixed(2)}×.`,
        '',
        `Wheel-like scroll at ${SLOW} px/frame for 600 frames from the top (thumbnails load while moving):`,
        '',
        '| page | frames | seconds | p50 | p95 | max | frames > 50 ms |',
        '|---|---|---|---|---|---|---|',
        `| grid | ${gs.frames} | ${gs.seconds.toFixed(1)} | ${fmt(gs.p50)} | ${fmt(gs.p95)} | ${fmt(gs.max)} | ${gs.over50} |`,
        `| baseline: empty page | ${baseSlow.frames} | ${baseSlow.seconds.toFixed(1)} | ${fmt(baseSlow.p50)} | ${fmt(baseSlow.p95)} | ${fmt(baseSlow.max)} | ${baseSlow.over50} |`,
        '',
        `Ratio grid / baseline: p50 ${(gs.p50 / baseSlow.p50).toFixed(2)}×, p95 ${(gs.p95 / baseSlow.p95).toFixed(2)}×.`,
        '',
        ...NOTES,
        '',
      ];
      const text = lines.join('\n');
      console.log(text);
      mkdirSync(dirname(join(ROOT, OUT)), { recursive: true });
      writeFileSync(join(ROOT, OUT), text);
      console.log(`written to ${OUT}`);
    } finally {
      await browser.close();
      await server.close();
      backend.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function listFiles(d: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
