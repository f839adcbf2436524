/**
 * Mask editor in Chromium (browser mode, real renderer build), driven with synthetic pointer events
 * dispatched inside the page and timed there with performance.now().
 *
 *  1. Pointer-move handling on a 2048×2048 mask, brush sizes 5, 50, 300: a stroke of N segments, one
 *     `pointermove` per animation frame (as Chromium delivers them, rAF-aligned), each a segment of
 *     SEG screen px; time = dispatchEvent() of that move (the editor's whole handler: coordinates,
 *     stampLine with the undo recorder, dirty-rect union, cursor/readout scheduling). Baseline: the same
 *     events with no button down (hover: readout + cursor preview only).
 *  2. Frames per second while painting on 4096×4096 (brush 50 and 300): moves from a 4 ms timer
 *     (a 250 Hz mouse) for DURATION s; rAF deltas and the editor's committed frames. Baseline: the same
 *     events hovering.
 *  3. Renderer memory with the 4096² image open (CDP JS heap + renderer process RSS), vs the project grid.
 *  4. Undo / redo of one stroke of a 300 px brush on 4096² (Ctrl+Z / Ctrl+Y key events): handler time,
 *     recolour time of the changed rect, bytes held by the history.
 *
 *   npm run bench -- editor [--segments 200] [--seconds 3] [--repeat 3] [--out docs/bench/editor.md]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { newPage, ROOT, startBrowserFixture, type BrowserFixture } from '../e2e/helpers';
import { addImagesWithMasks, openEditor } from '../e2e/editor-helpers';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const SEGMENTS = Number(arg('segments', '200'));
const SECONDS = Number(arg('seconds', '3'));
const REPEAT = Number(arg('repeat', '3'));
const SEG = Number(arg('seg', '12')); // screen px per pointer move
const OUT = arg('out', join('docs', 'bench', 'editor.md'));

/** A face-like mask: concentric classes with straight and curved boundaries (realistic run lengths). */
function faceMask(w: number, h: number): Uint8Array {
  const m = new Uint8Array(w * h);
  const cx = w / 2;
  const cy = h / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = (x - cx) / w;
      const dy = (y - cy) / h;
      const r = Math.sqrt(dx * dx + dy * dy * 0.8);
      let v = 0;
      if (r < 0.42) v = 13;
      if (r < 0.33) v = 1;
      if (r < 0.06 && dy > 0) v = 2;
      if (Math.abs(dx) > 0.08 && Math.abs(dx) < 0.16 && Math.abs(dy + 0.08) < 0.025) v = dx < 0 ? 4 : 5;
      if (Math.abs(dx) < 0.1 && Math.abs(dy - 0.16) < 0.02) v = 11;
      if (y > h * 0.85 && Math.abs(dx) < 0.12) v = 17;
      m[y * w + x] = v;
    }
  }
  return m;
}

interface Dist {
  n: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}
function dist(xs: number[]): Dist {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, p50: q(0.5), p95: q(0.95), max: s[s.length - 1], mean: xs.reduce((a, b) => a + b, 0) / xs.length };
}
const ms = (v: number) => v.toFixed(2);

async function setBrush(page: Page, size: number) {
  await page.getByTestId('brush-size').fill(String(size));
  await page.getByTestId('brush-size').blur();
  await page.waitForFunction((s) => window.__parselEditor!.state().brushSize === s, size);
}

/**
 * One stroke of `segments` moves (one per frame) along a zigzag over the image; returns per-move
 * handler times. `paint` false = hover only (baseline).
 */
async function strokeTimes(page: Page, segments: number, seg: number, paint: boolean, noListener = false): Promise<number[]> {
  return page.evaluate(
    async ({ segments, seg, paint, noListener }) => {
      const stage = document.querySelector('[data-testid="stage"]') as HTMLElement;
      // Noise floor: the same events dispatched to an element nobody listens to.
      const el = noListener ? document.createElement('div') : stage;
      const r = stage.getBoundingClientRect();
      const hook = window.__parselViewer!;
      // The image's on-screen box, inset a little.
      const a = hook.imageToScreen(0, 0);
      const st = window.__parselEditor!.state();
      void st;
      const img = document.querySelector('.viewer-status span')!.textContent!.split('×').map(Number);
      const b = hook.imageToScreen(img[0], img[1]);
      const x0 = Math.max(a.x, r.left) + 20;
      const x1 = Math.min(b.x, r.right) - 20;
      const y0 = Math.max(a.y, r.top) + 20;
      const y1 = Math.min(b.y, r.bottom) - 20;
      let x = x0;
      let y = y0;
      let dx = seg * 0.8;
      let dy = seg * 0.6;
      const ev = (type: string, buttons: number) =>
        new PointerEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: y, pointerId: 1, pointerType: 'mouse', button: type === 'pointermove' ? -1 : 0, buttons, isPrimary: true });
      const frame = () => new Promise<void>((res) => requestAnimationFrame(() => res()));
      el.dispatchEvent(ev('pointermove', 0));
      if (paint) el.dispatchEvent(ev('pointerdown', 1));
      const times: number[] = [];
      for (let i = 0; i < segments; i++) {
        x += dx;
        y += dy;
        if (x > x1 || x < x0) {
          dx = -dx;
          x += 2 * dx;
        }
        if (y > y1 || y < y0) {
          dy = -dy;
          y += 2 * dy;
        }
        const e = ev('pointermove', paint ? 1 : 0);
        const t0 = performance.now();
        el.dispatchEvent(e);
        times.push(performance.now() - t0);
        await frame();
      }
      if (paint) el.dispatchEvent(ev('pointerup', 0));
      await frame();
      return times;
    },
    { segments, seg, paint, noListener },
  );
}

/** Moves from a 4 ms timer for `seconds`; rAF deltas and committed editor frames. */
async function paintFps(page: Page, seconds: number, paint: boolean): Promise<{ deltas: number[]; committed: number; moves: number; handler: number[] }> {
  return page.evaluate(
    async ({ seconds, paint }) => {
      const el = document.querySelector('[data-testid="stage"]') as HTMLElement;
      const r = el.getBoundingClientRect();
      const cx = r.left + r.width / 2;
      const cy = r.top + r.height / 2;
      const rad = Math.min(r.width, r.height) * 0.35;
      let t = 0;
      const pos = () => ({ x: cx + rad * Math.cos(t), y: cy + rad * Math.sin(1.3 * t) });
      const ev = (type: string, buttons: number) => {
        const p = pos();
        return new PointerEvent(type, { bubbles: true, cancelable: true, clientX: p.x, clientY: p.y, pointerId: 1, pointerType: 'mouse', button: type === 'pointermove' ? -1 : 0, buttons, isPrimary: true });
      };
      el.dispatchEvent(ev('pointermove', 0));
      if (paint) el.dispatchEvent(ev('pointerdown', 1));
      const hook = window.__parselEditor!;
      const f0 = hook.frames;
      const deltas: number[] = [];
      const handler: number[] = [];
      let moves = 0;
      let last = performance.now();
      const start = last;
      let running = true;
      const loop = (now: number) => {
        deltas.push(now - last);
        last = now;
        if (running) requestAnimationFrame(loop);
      };
      requestAnimationFrame((now) => {
        last = now;
        requestAnimationFrame(loop);
      });
      await new Promise<void>((done) => {
        const iv = setInterval(() => {
          t += 0.012;
          const e = ev('pointermove', paint ? 1 : 0);
          const t0 = performance.now();
          el.dispatchEvent(e);
          handler.push(performance.now() - t0);
          moves++;
          if (performance.now() - start > seconds * 1000) {
            clearInterval(iv);
            running = false;
            done();
          }
        }, 4);
      });
      if (paint) el.dispatchEvent(ev('pointerup', 0));
      await new Promise((res) => requestAnimationFrame(res));
      return { deltas: deltas.slice(1), committed: hook.frames - f0, moves, handler };
    },
    { seconds, paint },
  );
}

/** RSS of the renderer processes of our browser (CDP SystemInfo gives their pids; /proc their RSS). */
async function rendererRssKb(bcdp: CDPSession): Promise<number | null> {
  try {
    const { processInfo } = (await bcdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
    let kb = 0;
    for (const p of processInfo.filter((x) => x.type === 'renderer')) {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    }
    return kb;
  } catch {
    return null;
  }
}

/** JS heap used and ArrayBuffer backing stores (typed arrays, ImageData) after a GC, MiB. */
async function heapMb(cdp: CDPSession): Promise<{ heap: number; buffers: number }> {
  await cdp.send('HeapProfiler.collectGarbage').catch(() => undefined);
  const u = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
  return { heap: u.usedSize / 1048576, buffers: (u.backingStorageSize ?? NaN) / 1048576 };
}

async function main() {
  const lines: string[] = [];
  const log = (s = '') => {
    console.log(s);
    lines.push(s);
  };
  const f: BrowserFixture = await startBrowserFixture({ settings: { authorName: 'bench', autosaveMs: 600_000 } });
  try {
    console.log('making 2048² and 4096² images…');
    const [id2k] = await addImagesWithMasks(f, 'big2k', 2048, 2048, [faceMask(2048, 2048)]);
    const [id4k] = await addImagesWithMasks(f, 'big4k', 4096, 4096, [faceMask(4096, 4096)]);
    const { context, page } = await newPage(f);
    // tsx (esbuild keepNames) wraps named functions inside page.evaluate bodies in __name(); define it.
    await context.addInitScript({ content: 'window.__name = (f) => f;' });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const bcdp = await f.browser.newBrowserCDPSession();
    const cpu = cpus()[0]?.model ?? 'cpu';
    log(`# Mask editor benchmark`);
    log();
    log(`Command: \`npm run bench -- editor --segments ${SEGMENTS} --seconds ${SECONDS} --repeat ${REPEAT}\``);
    log(`Machine: ${cpus().length}× ${cpu} (shared with other jobs), Chromium ${context.browser()?.version()} headless \`--disable-gpu\` (software canvas), viewport 1280×800, DPR 1.`);
    log(`Date: ${new Date().toISOString().slice(0, 10)}`);
    log();

    // ---- 1. pointer-move handling on 2048² ----------------------------------------------------------
    await openEditor(f, page, id2k);
    await page.keyboard.press('q');
    await page.keyboard.press('1');
    const scale2k = (await page.evaluate(() => window.__parselEditor!.state().scale)) as number;
    log(`## 1. One pointer-move brush segment, 2048×2048 mask (fit view, ${(scale2k * 100).toFixed(1)} %)`);
    log();
    log(`${SEGMENTS} moves per stroke, one per animation frame, ${SEG} screen px apart (≈ ${(SEG / scale2k).toFixed(0)} image px per segment);`);
    log(`time = \`dispatchEvent(pointermove)\` measured in the page. ${REPEAT} strokes per row; figures over all of them.`);
    log();
    log('| brush | p50 ms | p95 ms | max ms | mean ms | hover baseline p50 / p95 / max ms | no-listener floor p50 / p95 / max ms | p95 of each stroke ms |');
    log('|---|---|---|---|---|---|---|---|');
    for (const size of [5, 50, 300]) {
      await setBrush(page, size);
      const all: number[] = [];
      const p95s: number[] = [];
      const base: number[] = [];
      const floor: number[] = [];
      for (let r = 0; r < REPEAT; r++) {
        floor.push(...(await strokeTimes(page, Math.min(SEGMENTS, 100), SEG, false, true)));
        const t = await strokeTimes(page, SEGMENTS, SEG, true);
        all.push(...t);
        p95s.push(dist(t).p95);
        base.push(...(await strokeTimes(page, Math.min(SEGMENTS, 100), SEG, false)));
        // Drop the stroke (keep the history small and the mask comparable between repeats).
        await page.keyboard.press('Control+z');
      }
      const d = dist(all);
      const b = dist(base);
      const fl = dist(floor);
      log(
        `| ${size} px | ${ms(d.p50)} | ${ms(d.p95)} | ${ms(d.max)} | ${ms(d.mean)} | ${ms(b.p50)} / ${ms(b.p95)} / ${ms(b.max)} | ${ms(fl.p50)} / ${ms(fl.p95)} / ${ms(fl.max)} | ${p95s.map(ms).join(', ')} |`,
      );
    }
    log();

    // ---- 3a. memory baseline: grid -----------------------------------------------------------------
    const gridUrl = new URL(f.server.url);
    gridUrl.hash = '#/project';
    await page.goto(gridUrl.toString());
    await page.reload();
    await page.getByTestId('grid').waitFor();
    await page.waitForTimeout(500);
    const gridHeap = await heapMb(cdp);
    const gridRss = await rendererRssKb(bcdp);

    // ---- 2. fps on 4096² ---------------------------------------------------------------------------
    await openEditor(f, page, id4k);
    await page.keyboard.press('q');
    await page.keyboard.press('1');
    await page.waitForTimeout(500);
    const edHeap = await heapMb(cdp);
    const edRss = await rendererRssKb(bcdp);
    const scale4k = (await page.evaluate(() => window.__parselEditor!.state().scale)) as number;
    log(`## 2. Painting on 4096×4096 (fit view, ${(scale4k * 100).toFixed(1)} %): frames per second`);
    log();
    log(`Pointer moves from a 4 ms timer (250 Hz mouse) along a Lissajous path for ${SECONDS} s; fps = rAF callbacks / s;`);
    log('"commits" = frames in which pixels changed and were recoloured (the path loops, so later loops mostly repaint');
    log('pixels that already hold the class: no change, no commit).');
    log();
    log('| run | fps | frame p50 / p95 / max ms | commits/s | moves | move handler p50 / p95 / max ms |');
    log('|---|---|---|---|---|---|');
    for (const size of [50, 300]) {
      await setBrush(page, size);
      for (let r = 0; r < REPEAT; r++) {
        const res = await paintFps(page, SECONDS, true);
        const d = dist(res.deltas);
        const h = dist(res.handler);
        const secs = res.deltas.reduce((a, b) => a + b, 0) / 1000;
        log(
          `| paint, brush ${size}, #${r + 1} | ${(res.deltas.length / secs).toFixed(1)} | ${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.max)} | ${(res.committed / secs).toFixed(1)} | ${res.moves} | ${ms(h.p50)} / ${ms(h.p95)} / ${ms(h.max)} |`,
        );
        await page.keyboard.press('Control+z');
      }
    }
    {
      const res = await paintFps(page, SECONDS, false);
      const d = dist(res.deltas);
      const h = dist(res.handler);
      const secs = res.deltas.reduce((a, b) => a + b, 0) / 1000;
      log(
        `| baseline: same moves, hovering | ${(res.deltas.length / secs).toFixed(1)} | ${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.max)} | ${(res.committed / secs).toFixed(1)} | ${res.moves} | ${ms(h.p50)} / ${ms(h.p95)} / ${ms(h.max)} |`,
      );
    }
    log();

    // ---- 3. memory ---------------------------------------------------------------------------------
    log('## 3. Renderer memory');
    log();
    log('| page | JS heap (after GC) | ArrayBuffers | renderer RSS |');
    log('|---|---|---|---|');
    const kb = (v: number | null) => (v === null ? 'n/a' : `${(v / 1024).toFixed(0)} MiB`);
    log(`| project grid (baseline) | ${gridHeap.heap.toFixed(1)} MiB | ${gridHeap.buffers.toFixed(1)} MiB | ${kb(gridRss)} |`);
    log(`| editor, 4096×4096 image + mask open | ${edHeap.heap.toFixed(1)} MiB | ${edHeap.buffers.toFixed(1)} MiB | ${kb(edRss)} |`);
    log();
    log('What the editor holds for 4096²: the mask (16 MiB Uint8Array), the decoded photo (64 MiB, in the image');
    log('decoder cache, not the JS heap), a viewport-sized mask canvas + ImageData (2 × 4 MiB at 1280×800).');
    log();

    // ---- 4. undo / redo of a 300 px stroke on 4096² -----------------------------------------------------
    log('## 4. Undo / redo of one 300 px brush stroke on 4096×4096');
    log();
    await setBrush(page, 300);
    await page.keyboard.press('6'); // l_brow: a class the stroke's path does not hold yet
    log('Straight stroke: 300 px round brush, 1500 image px long (pointer down, 15 moves, up); then Ctrl+Z and Ctrl+Y as');
    log('key events. Handler = the key handler (patch applied to the mask); recolour = the next frame\'s commit.');
    log();
    log('| run | history bytes | undo handler ms | undo recolour ms | redo handler ms | redo recolour ms |');
    log('|---|---|---|---|---|---|');
    for (let r = 0; r < REPEAT; r++) {
      await page.evaluate((s: number) => {
        const el = document.querySelector('[data-testid="stage"]') as HTMLElement;
        const hook = window.__parselViewer!;
        const at = (ix: number, iy: number, type: string, buttons: number) => {
          const p = hook.imageToScreen(ix, iy);
          el.dispatchEvent(new PointerEvent(type, { bubbles: true, cancelable: true, clientX: p.x, clientY: p.y, pointerId: 1, pointerType: 'mouse', button: type === 'pointermove' ? -1 : 0, buttons, isPrimary: true }));
        };
        void s;
        at(1200, 2048, 'pointermove', 0);
        at(1200, 2048, 'pointerdown', 1);
        for (let i = 1; i <= 15; i++) at(1200 + i * 100, 2048, 'pointermove', 1);
        at(2700, 2048, 'pointerup', 0);
      }, 0);
      const res = await page.evaluate(() => {
        const hook = window.__parselEditor!;
        hook.flushFrame();
        const bytes = hook.state().historyBytes;
        const key = (k: string) => new KeyboardEvent('keydown', { key: k, code: `Key${k.toUpperCase()}`, ctrlKey: true, bubbles: true, cancelable: true });
        let t0 = performance.now();
        window.dispatchEvent(key('z'));
        const undo = performance.now() - t0;
        t0 = performance.now();
        hook.flushFrame();
        const undoPaint = performance.now() - t0;
        t0 = performance.now();
        window.dispatchEvent(key('y'));
        const redo = performance.now() - t0;
        t0 = performance.now();
        hook.flushFrame();
        const redoPaint = performance.now() - t0;
        return { bytes, undo, undoPaint, redo, redoPaint, depth: hook.state().undoDepth };
      });
      log(
        `| #${r + 1} | ${res.bytes.toLocaleString('en-US')} (${res.depth} entr${res.depth === 1 ? 'y' : 'ies'}) | ${ms(res.undo)} | ${ms(res.undoPaint)} | ${ms(res.redo)} | ${ms(res.redoPaint)} |`,
      );
      await page.keyboard.press('Control+z');
    }
    log();
    log('History budget: 256 MiB of patches per open image (oldest entries dropped beyond it).');
    await context.close();
  } finally {
    await f.close();
  }
  if (OUT !== '-') {
    mkdirSync(join(ROOT, 'docs', 'bench'), { recursive: true });
    const path = join(ROOT, OUT);
    let prev = '';
    try {
      prev = readFileSync(path, 'utf8');
    } catch {
      // first run
    }
    const notesAt = prev.indexOf('\n## Notes');
    const notes = notesAt >= 0 ? prev.slice(notesAt) : '';
    writeFileSync(path, lines.join('\n') + '\n' + notes);
    console.log(`\nwritten to ${OUT}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
