/**
 * Corruption injector: plants known label errors into clean label maps. PRODUCT code: the sample
 * project's corrupted share (shared/sample, `parsel demo`) and the noisy training labels of models/demo
 * are made with it; flag quality is measured with it too (test/bench/noise.bench.ts, docs/bench/noise.md). Classes are found by their CANONICAL names in the
 * schema (`LabelClass.name`), so it works in any schema that has the parts involved.
 *
 * Types (one instance each; `count` applies several in sequence):
 *   class_swap       a region of one class relabelled as a confusable class: l_eye/r_eye -> eye_g,
 *                    hair <-> hat, neck <-> cloth, l_brow/r_brow -> hair. One connected component; when
 *                    it is larger than `maxSwapArea` only its intersection with a random disc is swapped.
 *   lr_swap          the two sides of a partner pair exchanged (l_eye/r_eye, l_brow/r_brow, l_ear/r_ear).
 *   lip_swap         u_lip <-> l_lip.
 *   drop_part        a part's largest component painted as skin (nose, eyes, brows, lips, inner mouth)
 *                    or background (ears).
 *   shift_part       a part moved by 5-15 px in a random direction; the pixels it leaves are filled
 *                    from the surrounding labels.
 *   dilate_erode     a part grown or shrunk by 3-8 px (Euclidean, chamfer 3-4); shrunk pixels are
 *                    filled from the surrounding labels. Erosion only picks parts thick enough to survive.
 *   tail_removed     every earring (ear_r) or necklace (neck_l) pixel filled from the surrounding labels.
 *   boundary_jitter  every boundary displaced by a smooth random field of at most `jitter` px
 *                    (default 2): annotation imprecision, NOT an error a flag should report.
 * Ignore pixels (255 by default) are never changed and never painted into.
 *
 * "Filled from the surrounding labels": the region is flooded inward from its border, each pixel taking
 * the label of an already-known 4-neighbour that is not the removed class (breadth-first, so the fill
 * splits the hole between its neighbours like an annotator's brush would).
 *
 * The returned regions are the exact changed pixels of each instance (bitmask crop, regions.ts).
 */
import type { LabelSchema } from '../api/types';
import { Rng } from '../random';
import { connectedComponents, maskFromSelection, type RegionMask } from './regions';

export const CORRUPTION_TYPES = [
  'class_swap',
  'lr_swap',
  'lip_swap',
  'drop_part',
  'shift_part',
  'dilate_erode',
  'tail_removed',
  'boundary_jitter',
] as const;
export type CorruptionType = (typeof CORRUPTION_TYPES)[number];
/** The types that are label errors (boundary_jitter is annotation imprecision a flag should not report). */
export const ERROR_TYPES: readonly CorruptionType[] = CORRUPTION_TYPES.filter((t) => t !== 'boundary_jitter');

export interface CorruptOptions {
  type: CorruptionType;
  seed: number;
  /** Instances applied in sequence (default 1). */
  count?: number;
  /** Ignore value (default: schema.ignoreIndex ?? 255). */
  ignore?: number | null;
  /** shift_part distance range, px (default [5, 15]). */
  shift?: [number, number];
  /** dilate_erode radius range, px (default [3, 8]). */
  radius?: [number, number];
  /** boundary_jitter maximum displacement, px (default 2). */
  jitter?: number;
  /** class_swap: larger components are cut with a disc of about this area (default 4000 px). */
  maxSwapArea?: number;
  /** Parts smaller than this are not picked (default 20 px). */
  minPartArea?: number;
}

export interface CorruptedRegion {
  type: CorruptionType;
  /** Exactly the pixels this instance changed. */
  mask: RegionMask;
  area: number;
  /** The class that was corrupted (for swaps: the first of the pair) and the main class it became. */
  fromClass: number;
  toClass: number;
  /** Human-readable, e.g. "l_eye -> eye_g". */
  what: string;
}

export interface CorruptResult {
  label: Uint8Array;
  /** One per applied instance; empty when the type does not apply to this label map. */
  regions: CorruptedRegion[];
}

const SWAPS: readonly [string, string][] = [
  ['l_eye', 'eye_g'],
  ['r_eye', 'eye_g'],
  ['hair', 'hat'],
  ['hat', 'hair'],
  ['neck', 'cloth'],
  ['cloth', 'neck'],
  ['l_brow', 'hair'],
  ['r_brow', 'hair'],
];
const LR_PAIRS: readonly [string, string][] = [
  ['l_eye', 'r_eye'],
  ['l_brow', 'r_brow'],
  ['l_ear', 'r_ear'],
];
const DROP_TO: Readonly<Record<string, string>> = {
  nose: 'skin',
  l_eye: 'skin',
  r_eye: 'skin',
  l_brow: 'skin',
  r_brow: 'skin',
  u_lip: 'skin',
  l_lip: 'skin',
  mouth: 'skin',
  l_ear: 'background',
  r_ear: 'background',
};
const SHIFT_PARTS = ['nose', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'u_lip', 'l_lip', 'l_ear', 'r_ear'];
const MORPH_PARTS = ['nose', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'u_lip', 'l_lip', 'l_ear', 'r_ear', 'hair', 'neck', 'hat'];
const TAILS = ['ear_r', 'neck_l'];

interface Ctx {
  w: number;
  h: number;
  ignore: number;
  index: Map<string, number>;
  names: string[];
  rng: Rng;
  o: CorruptOptions;
}

export function corrupt(label: Uint8Array, w: number, h: number, schema: LabelSchema, opts: CorruptOptions): CorruptResult {
  if (label.length !== w * h) throw new Error(`corrupt: label has ${label.length} pixels, expected ${w}x${h}`);
  if (!CORRUPTION_TYPES.includes(opts.type)) throw new Error(`corrupt: unknown type "${opts.type}"`);
  const ignore = opts.ignore !== undefined ? (opts.ignore ?? -1) : (schema.ignoreIndex ?? 255);
  const index = new Map<string, number>();
  const names: string[] = [];
  for (const c of schema.classes) {
    if (!index.has(c.name)) index.set(c.name, c.index);
    names[c.index] = c.name;
  }
  const ctx: Ctx = { w, h, ignore, index, names, rng: new Rng(opts.seed), o: opts };
  const out = label.slice();
  const regions: CorruptedRegion[] = [];
  const n = opts.count ?? 1;
  for (let j = 0; j < n; j++) {
    const before = out.slice();
    const info = apply(out, ctx);
    if (!info) break;
    const changed = new Uint8Array(w * h);
    let area = 0;
    for (let i = 0; i < out.length; i++) {
      if (out[i] !== before[i]) {
        changed[i] = 1;
        area++;
      }
    }
    const mask = maskFromSelection(changed, w, h);
    if (!mask) continue;
    regions.push({ type: opts.type, mask, area, ...info });
  }
  return { label: out, regions };
}

type Info = { fromClass: number; toClass: number; what: string };

function apply(m: Uint8Array, c: Ctx): Info | null {
  switch (c.o.type) {
    case 'class_swap':
      return classSwap(m, c);
    case 'lr_swap':
      return pairSwap(m, c, LR_PAIRS);
    case 'lip_swap':
      return pairSwap(m, c, [['u_lip', 'l_lip']]);
    case 'drop_part':
      return dropPart(m, c);
    case 'shift_part':
      return shiftPart(m, c);
    case 'dilate_erode':
      return dilateErode(m, c);
    case 'tail_removed':
      return tailRemoved(m, c);
    case 'boundary_jitter':
      return jitter(m, c);
  }
}

function counts(m: Uint8Array): Float64Array {
  const n = new Float64Array(256);
  for (let i = 0; i < m.length; i++) n[m[i]]++;
  return n;
}

/** Present candidates (by name) with at least minPartArea pixels. */
function present(m: Uint8Array, c: Ctx, names: readonly string[]): string[] {
  const n = counts(m);
  const min = c.o.minPartArea ?? 20;
  return names.filter((x) => c.index.has(x) && n[c.index.get(x)!] >= min);
}

function componentsOf(m: Uint8Array, c: Ctx, cls: number) {
  const sel = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) if (m[i] === cls) sel[i] = 1;
  const { ids, count } = connectedComponents(sel, c.w, c.h);
  const area = new Float64Array(count);
  for (let i = 0; i < m.length; i++) if (ids[i] >= 0) area[ids[i]]++;
  return { ids, count, area };
}

function classSwap(m: Uint8Array, c: Ctx): Info | null {
  const min = c.o.minPartArea ?? 20;
  const n = counts(m);
  const options = SWAPS.filter(([a, b]) => c.index.has(a) && c.index.has(b) && n[c.index.get(a)!] >= min);
  if (options.length === 0) return null;
  const [a, b] = c.rng.pick(options);
  const from = c.index.get(a)!;
  const to = c.index.get(b)!;
  const { ids, count, area } = componentsOf(m, c, from);
  const big: number[] = [];
  for (let r = 0; r < count; r++) if (area[r] >= min) big.push(r);
  if (big.length === 0) return null;
  const comp = c.rng.pick(big);
  const maxA = c.o.maxSwapArea ?? 4000;
  let cx = 0;
  let cy = 0;
  let rad = Infinity;
  if (area[comp] > maxA) {
    // A disc centred on a random pixel of the component.
    let k = c.rng.int(0, area[comp] - 1);
    for (let i = 0; i < m.length; i++) {
      if (ids[i] === comp && k-- === 0) {
        cx = i % c.w;
        cy = (i - cx) / c.w;
        break;
      }
    }
    rad = Math.sqrt(maxA / Math.PI) * c.rng.uniform(0.7, 1.3);
  }
  const r2 = rad * rad;
  for (let i = 0; i < m.length; i++) {
    if (ids[i] !== comp) continue;
    const x = i % c.w;
    const y = (i - x) / c.w;
    if ((x - cx) ** 2 + (y - cy) ** 2 <= r2) m[i] = to;
  }
  return { fromClass: from, toClass: to, what: `${a} -> ${b}` };
}

function pairSwap(m: Uint8Array, c: Ctx, pairs: readonly [string, string][]): Info | null {
  const n = counts(m);
  const min = c.o.minPartArea ?? 20;
  const options = pairs.filter(([a, b]) => c.index.has(a) && c.index.has(b) && n[c.index.get(a)!] >= min && n[c.index.get(b)!] >= min);
  if (options.length === 0) return null;
  const [a, b] = c.rng.pick(options);
  const ia = c.index.get(a)!;
  const ib = c.index.get(b)!;
  for (let i = 0; i < m.length; i++) {
    if (m[i] === ia) m[i] = ib;
    else if (m[i] === ib) m[i] = ia;
  }
  return { fromClass: ia, toClass: ib, what: `${a} <-> ${b}` };
}

function dropPart(m: Uint8Array, c: Ctx): Info | null {
  const options = present(m, c, Object.keys(DROP_TO)).filter((p) => c.index.has(DROP_TO[p]));
  if (options.length === 0) return null;
  const part = c.rng.pick(options);
  const from = c.index.get(part)!;
  const to = c.index.get(DROP_TO[part])!;
  const { ids, count, area } = componentsOf(m, c, from);
  let best = 0;
  for (let r = 1; r < count; r++) if (area[r] > area[best]) best = r;
  for (let i = 0; i < m.length; i++) if (ids[i] === best) m[i] = to;
  return { fromClass: from, toClass: to, what: `${part} dropped (-> ${DROP_TO[part]})` };
}

/**
 * Floods the pixels with hole[i] = 1 from their border: each takes the label of a known 4-neighbour
 * whose label is not `removed` (breadth-first, neighbours in the order left, up, right, down).
 * Pixels the flood cannot reach get `fallback`. Returns the main new class.
 */
function fillFromNeighbours(m: Uint8Array, c: Ctx, hole: Uint8Array, removed: number, fallback: number): number {
  const { w, h } = c;
  const HW = w * h;
  const queue = new Int32Array(HW);
  let qh = 0;
  let qt = 0;
  const state = new Uint8Array(HW); // 0 = known, 1 = hole unfilled, 2 = queued
  for (let i = 0; i < HW; i++) if (hole[i]) state[i] = 1;
  const source = (j: number) => state[j] === 0 && m[j] !== removed && m[j] !== c.ignore;
  const neighbours = (i: number, f: (j: number) => void) => {
    const x = i % w;
    if (x > 0) f(i - 1);
    if (i >= w) f(i - w);
    if (x + 1 < w) f(i + 1);
    if (i + w < HW) f(i + w);
  };
  for (let i = 0; i < HW; i++) {
    if (state[i] !== 1) continue;
    let has = false;
    neighbours(i, (j) => {
      if (source(j)) has = true;
    });
    if (has) {
      state[i] = 2;
      queue[qt++] = i;
    }
  }
  const got = new Float64Array(256);
  while (qh < qt) {
    const i = queue[qh++];
    let v = -1;
    neighbours(i, (j) => {
      if (v < 0 && source(j)) v = m[j];
    });
    m[i] = v < 0 ? fallback : v;
    got[m[i]]++;
    state[i] = 0;
    neighbours(i, (j) => {
      if (state[j] === 1) {
        state[j] = 2;
        queue[qt++] = j;
      }
    });
  }
  for (let i = 0; i < HW; i++) {
    if (state[i] === 1) {
      m[i] = fallback;
      got[fallback]++;
    }
  }
  let best = fallback;
  for (let v = 0; v < 256; v++) if (got[v] > got[best]) best = v;
  return best;
}

function fallbackClass(c: Ctx): number {
  return c.index.get('skin') ?? c.index.get('background') ?? 0;
}

function shiftPart(m: Uint8Array, c: Ctx): Info | null {
  const options = present(m, c, SHIFT_PARTS);
  if (options.length === 0) return null;
  const part = c.rng.pick(options);
  const cls = c.index.get(part)!;
  const [lo, hi] = c.o.shift ?? [5, 15];
  const dist = c.rng.uniform(lo, hi);
  const ang = c.rng.uniform(0, 2 * Math.PI);
  const dx = Math.round(dist * Math.cos(ang));
  const dy = Math.round(dist * Math.sin(ang));
  const { w, h } = c;
  const src = m.slice();
  const hole = new Uint8Array(w * h);
  for (let i = 0; i < m.length; i++) if (src[i] === cls) hole[i] = 1;
  // Paint the moved part, then fill what it left.
  for (let i = 0; i < m.length; i++) {
    if (src[i] !== cls) continue;
    const x = (i % w) + dx;
    const y = Math.floor(i / w) + dy;
    if (x < 0 || y < 0 || x >= w || y >= h) continue;
    const j = y * w + x;
    if (m[j] === c.ignore) continue;
    m[j] = cls;
    hole[j] = 0;
  }
  const fill = fillFromNeighbours(m, c, hole, cls, fallbackClass(c));
  return { fromClass: cls, toClass: fill, what: `${part} shifted by (${dx}, ${dy})` };
}

/** Chamfer (3-4) distance ×3 from every pixel to the nearest pixel with sel = 1. */
function chamfer(sel: Uint8Array, w: number, h: number): Float64Array {
  const INF = 1e9;
  const d = new Float64Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = sel[i] ? 0 : INF;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let v = d[i];
      if (x > 0) v = Math.min(v, d[i - 1] + 3);
      if (y > 0) {
        v = Math.min(v, d[i - w] + 3);
        if (x > 0) v = Math.min(v, d[i - w - 1] + 4);
        if (x + 1 < w) v = Math.min(v, d[i - w + 1] + 4);
      }
      d[i] = v;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      let v = d[i];
      if (x + 1 < w) v = Math.min(v, d[i + 1] + 3);
      if (y + 1 < h) {
        v = Math.min(v, d[i + w] + 3);
        if (x + 1 < w) v = Math.min(v, d[i + w + 1] + 4);
        if (x > 0) v = Math.min(v, d[i + w - 1] + 4);
      }
      d[i] = v;
    }
  }
  return d;
}

function dilateErode(m: Uint8Array, c: Ctx): Info | null {
  const options = present(m, c, MORPH_PARTS);
  if (options.length === 0) return null;
  const [lo, hi] = c.o.radius ?? [3, 8];
  const r = c.rng.int(lo, hi);
  const grow = c.rng.chance(0.5);
  const { w, h } = c;
  if (grow) {
    const part = c.rng.pick(options);
    const cls = c.index.get(part)!;
    const sel = new Uint8Array(w * h);
    for (let i = 0; i < m.length; i++) if (m[i] === cls) sel[i] = 1;
    const d = chamfer(sel, w, h);
    const got = new Float64Array(256);
    for (let i = 0; i < m.length; i++) {
      if (m[i] !== cls && m[i] !== c.ignore && d[i] <= 3 * r) {
        got[m[i]]++;
        m[i] = cls;
      }
    }
    let covered = 0;
    for (let v = 0; v < 256; v++) if (got[v] > got[covered]) covered = v;
    return { fromClass: covered, toClass: cls, what: `${part} dilated by ${r}px` };
  }
  // Erosion: only parts whose thickest point survives (inner distance > r + 1).
  const thick: string[] = [];
  const dists = new Map<string, Float64Array>();
  for (const part of options) {
    const cls = c.index.get(part)!;
    const outside = new Uint8Array(w * h);
    for (let i = 0; i < m.length; i++) if (m[i] !== cls) outside[i] = 1;
    const d = chamfer(outside, w, h);
    let mx = 0;
    for (let i = 0; i < m.length; i++) if (m[i] === cls && d[i] > mx) mx = d[i];
    if (mx > 3 * (r + 1)) {
      thick.push(part);
      dists.set(part, d);
    }
  }
  if (thick.length === 0) return null;
  const part = c.rng.pick(thick);
  const cls = c.index.get(part)!;
  const d = dists.get(part)!;
  const hole = new Uint8Array(w * h);
  for (let i = 0; i < m.length; i++) if (m[i] === cls && d[i] <= 3 * r) hole[i] = 1;
  const fill = fillFromNeighbours(m, c, hole, cls, fallbackClass(c));
  return { fromClass: cls, toClass: fill, what: `${part} eroded by ${r}px` };
}

function tailRemoved(m: Uint8Array, c: Ctx): Info | null {
  const options = present(m, c, TAILS);
  if (options.length === 0) return null;
  const part = c.rng.pick(options);
  const cls = c.index.get(part)!;
  const hole = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) if (m[i] === cls) hole[i] = 1;
  const fill = fillFromNeighbours(m, c, hole, cls, fallbackClass(c));
  return { fromClass: cls, toClass: fill, what: `${part} removed` };
}

function jitter(m: Uint8Array, c: Ctx): Info | null {
  const { w, h } = c;
  const A = c.o.jitter ?? 2;
  // Smooth displacement: three random plane waves per axis, wavelengths 24-64 px, scaled to ≤ A.
  const waves = () =>
    Array.from({ length: 3 }, () => {
      const lam = c.rng.uniform(24, 64);
      const th = c.rng.uniform(0, 2 * Math.PI);
      return { kx: (Math.cos(th) * 2 * Math.PI) / lam, ky: (Math.sin(th) * 2 * Math.PI) / lam, ph: c.rng.uniform(0, 2 * Math.PI) };
    });
  const wx = waves();
  const wy = waves();
  const src = m.slice();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (src[i] === c.ignore) continue;
      let dx = 0;
      let dy = 0;
      for (const q of wx) dx += Math.sin(q.kx * x + q.ky * y + q.ph);
      for (const q of wy) dy += Math.sin(q.kx * x + q.ky * y + q.ph);
      const sx = Math.min(w - 1, Math.max(0, Math.round(x + (dx / 3) * A)));
      const sy = Math.min(h - 1, Math.max(0, Math.round(y + (dy / 3) * A)));
      const v = src[sy * w + sx];
      if (v !== c.ignore) m[i] = v;
    }
  }
  return { fromClass: -1, toClass: -1, what: `boundaries jittered by <= ${A}px` };
}
