/**
 * Mask painting benchmark (src/shared/mask/paint.ts, patch.ts, history.ts), each figure next to a
 * baseline measured in the same run: a plain `Uint8Array.fill` of the same dirty area.
 *
 *   npm run bench -- paint            # full run (~1 minute on 2 shared cores)
 *   npm run bench -- paint --quick    # fewer segments / repetitions
 *
 * Figures and conclusions: docs/bench/paint.md.
 */
import os from 'node:os';
import { History } from '../../src/shared/mask/history';
import {
  brushFootprint,
  fillPolygon,
  floodFill,
  lockLut,
  stampLine,
  UNLOCKED,
  type LockLut,
  type MaskTarget,
  type Rect,
} from '../../src/shared/mask/paint';
import { beginPatch, endPatch } from '../../src/shared/mask/patch';
import { ellipseFace } from './codec-faces';

const quick = process.argv.includes('--quick');

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quantiles(xs: number[]): { p50: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}

const ms = (v: number) => (v < 0.1 ? v.toFixed(4) : v < 10 ? v.toFixed(3) : v.toFixed(1));
const kib = (b: number) => (b < 1024 * 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1024 / 1024).toFixed(2)} MiB`);

/** Baseline: Uint8Array.fill over every row of `r`. */
function fillRect(t: MaskTarget, r: Rect, v: number): void {
  for (let y = r.y0; y < r.y1; y++) t.data.fill(v, y * t.width + r.x0, y * t.width + r.x1);
}

function median(f: () => void, reps: number): number {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return quantiles(ts).p50;
}

function face(size: number): MaskTarget {
  return { data: ellipseFace(size, 3), width: size, height: size };
}

console.log(`paint benchmark — node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}${quick ? ' (quick)' : ''}\n`);

// ---------------------------------------------------------------------------------------------------
// 1. Stroke segments on 2048²: a random walk of pointer-move deltas (0-24 px), as a fast drag.

{
  const S = 2048;
  const N = quick ? 800 : 4000;
  console.log(`stampLine per pointer-move segment, 2048² face mask, ${N} segments of 0-24 px (ms)`);
  console.log('size shape  | lock      | recorder | p50      p95      max      | baseline fill p50 p95 | dirty px p50');
  for (const size of [5, 50, 300]) {
    for (const shape of ['round', 'square'] as const) {
      for (const locked of [false, true]) {
        for (const withRec of [false, true]) {
          if (shape === 'square' && (locked || withRec)) continue;
          const t = face(S);
          const scratch: MaskTarget = { data: new Uint8Array(S * S), width: S, height: S };
          const fp = brushFootprint(size, shape);
          const protect = new Uint8Array(256);
          protect[13] = 1; // hair
          const lut: LockLut = locked ? lockLut({ onlyOver: null, protect }) : UNLOCKED;
          const r = rng(size);
          let x = S / 2;
          let y = S / 2;
          const tPaint: number[] = [];
          const tBase: number[] = [];
          const area: number[] = [];
          let rec = withRec ? beginPatch(t) : null;
          for (let i = 0; i < N; i++) {
            const nx = Math.max(0, Math.min(S - 1, Math.round(x + (r() - 0.5) * 48)));
            const ny = Math.max(0, Math.min(S - 1, Math.round(y + (r() - 0.5) * 48)));
            const value = (i >> 6) % 2 === 0 ? 2 : 10; // alternate classes so strokes keep changing pixels
            if (rec && i % 64 === 0) {
              endPatch(rec);
              rec = beginPatch(t);
            }
            const t0 = performance.now();
            const d = stampLine(t, x, y, nx, ny, fp, value, lut, rec);
            const t1 = performance.now();
            tPaint.push(t1 - t0);
            // Baseline: fill the footprint union's bounding box (what painting cannot beat).
            const box = {
              x0: Math.max(0, Math.min(x, nx) + fp.lo),
              y0: Math.max(0, Math.min(y, ny) + fp.lo),
              x1: Math.min(S, Math.max(x, nx) + fp.hi + 1),
              y1: Math.min(S, Math.max(y, ny) + fp.hi + 1),
            };
            const t2 = performance.now();
            fillRect(scratch, box, value);
            tBase.push(performance.now() - t2);
            area.push(d ? (d.x1 - d.x0) * (d.y1 - d.y0) : 0);
            x = nx;
            y = ny;
          }
          const q = quantiles(tPaint);
          const b = quantiles(tBase);
          console.log(
            `${String(size).padStart(4)} ${shape.padEnd(6)} | ${locked ? 'protect 1' : 'none     '} | ${withRec ? 'yes     ' : 'no      '} | ` +
              `${ms(q.p50).padEnd(8)} ${ms(q.p95).padEnd(8)} ${ms(q.max).padEnd(8)} | ${ms(b.p50).padEnd(8)} ${ms(b.p95).padEnd(8)}     | ${quantiles(area).p50}`,
          );
        }
      }
    }
  }
  console.log();
}

// ---------------------------------------------------------------------------------------------------
// 2. Flood fill of the background of a 4096² face mask.

{
  const S = 4096;
  const t = face(S);
  const reps = quick ? 3 : 7;
  let region = 0;
  let last: Rect | null = null;
  let v = 19;
  const tf = median(() => {
    last = floodFill(t, 0, 0, v, 4);
    v = v === 19 ? 0 : 19;
  }, reps * 2);
  for (let i = 0; i < t.data.length; i++) if (t.data[i] === t.data[0]) region++;
  const t8 = median(() => {
    floodFill(t, 0, 0, v, 8);
    v = v === 19 ? 0 : 19;
  }, reps * 2);
  const scratch = new Uint8Array(S * S);
  const tb = median(() => scratch.fill(7, 0, region), reps);
  const rec = beginPatch(t);
  const tr0 = performance.now();
  floodFill(t, 0, 0, v === 19 ? 19 : 0, 4, UNLOCKED, rec);
  const trFill = performance.now() - tr0;
  const te0 = performance.now();
  const p = endPatch(rec);
  const trEnd = performance.now() - te0;
  console.log(`floodFill, 4096² face mask, background region of ${(region / 1e6).toFixed(2)} Mpx (rect ${JSON.stringify(last)})`);
  console.log(`  4-connected ${ms(tf)} ms, 8-connected ${ms(t8)} ms; baseline fill of ${(region / 1e6).toFixed(2)} Mpx ${ms(tb)} ms (ratio ${(tf / tb).toFixed(1)}x)`);
  console.log(`  with recorder ${ms(trFill)} ms + endPatch ${ms(trEnd)} ms, patch ${p?.encoding} ${kib(p?.bytes ?? 0)}\n`);
}

// ---------------------------------------------------------------------------------------------------
// 3. Polygon fill: 200-vertex concave star-like polygon on 4096².

{
  const S = 4096;
  const t = face(S);
  const r = rng(42);
  const pts: number[] = [];
  for (let k = 0; k < 200; k++) {
    const a = (k / 200) * 2 * Math.PI;
    const rad = (k % 2 === 0 ? 1800 : 700) * (0.8 + 0.2 * r());
    pts.push(2048 + rad * Math.cos(a), 2048 + rad * Math.sin(a));
  }
  const reps = quick ? 5 : 15;
  let v = 4;
  let d: Rect | null = null;
  const tp = median(() => {
    d = fillPolygon(t, pts, v, UNLOCKED, 'add');
    v = v === 4 ? 5 : 4;
  }, reps);
  let inside = 0;
  for (let i = 0; i < t.data.length; i++) if (t.data[i] === (v === 4 ? 5 : 4)) inside++;
  const scratch: MaskTarget = { data: new Uint8Array(S * S), width: S, height: S };
  const tb = median(() => scratch.data.fill(9, 0, inside), reps);
  console.log(`fillPolygon, 200-vertex concave polygon on 4096² (${(inside / 1e6).toFixed(2)} Mpx inside, rect ${JSON.stringify(d)})`);
  console.log(`  ${ms(tp)} ms; baseline fill of the same pixel count ${ms(tb)} ms (ratio ${(tp / tb).toFixed(1)}x)\n`);
}

// ---------------------------------------------------------------------------------------------------
// 4. Undo/redo of a 300 px stroke on 4096²: record, end, undo, redo; bytes held.

{
  const S = 4096;
  console.log('300 px stroke on 4096² (30 segments of 10 px, diagonal over the face), then undo/redo');
  console.log('brush       | stroke ms no rec / rec | endPatch ms | patch (encoding, bytes; raw rect bytes) | undo ms | redo ms | fill baseline ms');
  for (const size of [5, 50, 300]) {
    for (const compress of ['auto', 'raw'] as const) {
      const t = face(S);
      const orig = t.data.slice();
      const fp = brushFootprint(size, 'round');
      const stroke = (rec: ReturnType<typeof beginPatch> | null, v: number) => {
        for (let i = 0; i < 30; i++) stampLine(t, 1900 + i * 8, 1900 + i * 6, 1908 + i * 8, 1906 + i * 6, fp, v, UNLOCKED, rec);
      };
      const t0 = performance.now();
      stroke(null, 3);
      const tNoRec = performance.now() - t0;
      t.data.set(orig);
      const rec = beginPatch(t);
      const t1 = performance.now();
      stroke(rec, 3);
      const tRec = performance.now() - t1;
      const t2 = performance.now();
      const p = endPatch(rec, { compress })!;
      const tEnd = performance.now() - t2;
      const h = new History();
      h.push(p);
      const reps = quick ? 5 : 21;
      const tu: number[] = [];
      const tr: number[] = [];
      for (let i = 0; i < reps; i++) {
        const a = performance.now();
        h.undo(t);
        const b = performance.now();
        h.redo(t);
        tr.push(performance.now() - b);
        tu.push(b - a);
      }
      h.undo(t);
      let same = true;
      for (let i = 0; i < orig.length; i++) if (orig[i] !== t.data[i]) same = false;
      const raw = 2 * (p.rect.x1 - p.rect.x0) * (p.rect.y1 - p.rect.y0);
      const scratch: MaskTarget = { data: new Uint8Array(S * S), width: S, height: S };
      const tb = median(() => fillRect(scratch, p.rect, 1), reps);
      console.log(
        `${String(size).padStart(3)} ${compress.padEnd(5)}   | ${ms(tNoRec)} / ${ms(tRec)} | ${ms(tEnd)} | ${p.encoding} ${kib(p.bytes)} (held ${kib(h.bytes)}); raw ${kib(raw)} | ` +
          `${ms(quantiles(tu).p50)} | ${ms(quantiles(tr).p50)} | ${ms(tb)}${same ? '' : '  UNDO MISMATCH'}`,
      );
    }
  }
  console.log(`\nfor scale: a whole 4096² mask is ${kib(S * S)}; the default history budget is 256 MiB`);
}
