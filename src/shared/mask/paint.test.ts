import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  brushFootprint,
  fillPolygon,
  floodFill,
  footprintOutline,
  lockLut,
  pickClass,
  polygonSpans,
  reassignInPolygon,
  reassignInRect,
  stampLine,
  UNLOCKED,
  type BrushShape,
  type Lock,
  type MaskTarget,
  type Rect,
} from './paint';

// ---------------------------------------------------------------------------------------------------
// Brute-force references, written from the documented rules, not from the implementation.

/** Lock rule, per pixel. */
function canWrite(lock: Lock | null, v: number): boolean {
  if (!lock) return true;
  if (lock.onlyOver !== null && v !== lock.onlyOver) return false;
  if (lock.protect !== null && lock.protect[v]) return false;
  return true;
}

/** Is offset (dx, dy) from the centre pixel inside a brush of this size/shape? Geometry in floats. */
function inBrush(size: number, shape: BrushShape, dx: number, dy: number): boolean {
  // Brush centre relative to the centre pixel's top-left corner: pixel centre for odd sizes, the
  // corner itself for even sizes. Square: s × s pixels around it.
  const c = size % 2 === 1 ? 0.5 : 0;
  const px = dx + 0.5 - c;
  const py = dy + 0.5 - c;
  if (shape === 'square') return Math.abs(px) < size / 2 && Math.abs(py) < size / 2;
  return px * px + py * py <= (size / 2) * (size / 2);
}

/** Centres of a segment: nearest pixel to the exact line at each major-axis step, ties rounded up. */
function refCentres(x0: number, y0: number, x1: number, y1: number): [number, number][] {
  const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0));
  if (n === 0) return [[x0, y0]];
  const out: [number, number][] = [];
  for (let i = 0; i <= n; i++) out.push([x0 + Math.round((i * (x1 - x0)) / n), y0 + Math.round((i * (y1 - y0)) / n)]);
  return out;
}

/** Even-odd at the pixel centre by ray casting, exact (cross-multiplied) for integer/half vertices. */
function insidePolygon(pts: number[], px: number, py: number): boolean {
  let inside = false;
  const n = pts.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = pts[2 * i];
    const yi = pts[2 * i + 1];
    const xj = pts[2 * j];
    const yj = pts[2 * j + 1];
    if (yi > py !== yj > py) {
      // px < x of the crossing  <=>  (px - xi) * (yj - yi) < (xj - xi) * (py - yi), sign-adjusted.
      const lhs = (px - xi) * (yj - yi);
      const rhs = (xj - xi) * (py - yi);
      if (yj - yi > 0 ? lhs < rhs : lhs > rhs) inside = !inside;
    }
  }
  return inside;
}

function refFlood(m: MaskTarget, sx: number, sy: number, conn: 4 | 8): Uint8Array {
  const { width: W, height: H, data } = m;
  const seen = new Uint8Array(W * H);
  const label = data[sy * W + sx];
  const queue = [sx, sy];
  seen[sy * W + sx] = 1;
  const nb =
    conn === 4
      ? [[1, 0], [-1, 0], [0, 1], [0, -1]]
      : [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [1, -1], [-1, 1], [-1, -1]];
  for (let q = 0; q < queue.length; q += 2) {
    const x = queue[q];
    const y = queue[q + 1];
    for (const [dx, dy] of nb) {
      const nx = x + dx;
      const ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue;
      const i = ny * W + nx;
      if (seen[i] || data[i] !== label) continue;
      seen[i] = 1;
      queue.push(nx, ny);
    }
  }
  return seen;
}

/** Bounding rect of the pixels that differ, or null. */
function changedRect(a: Uint8Array, b: Uint8Array, W: number): Rect | null {
  let r: Rect | null = null;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const x = i % W;
    const y = (i - x) / W;
    if (!r) r = { x0: x, y0: y, x1: x + 1, y1: y + 1 };
    else {
      r.x0 = Math.min(r.x0, x);
      r.x1 = Math.max(r.x1, x + 1);
      r.y0 = Math.min(r.y0, y);
      r.y1 = Math.max(r.y1, y + 1);
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------
// Generators: small masks made of blobs (regions, so that fills and locks matter).

const arbMask = fc
  .record({
    w: fc.integer({ min: 1, max: 40 }),
    h: fc.integer({ min: 1, max: 32 }),
    cell: fc.integer({ min: 1, max: 8 }),
    seed: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 64, maxLength: 64 }),
    noise: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 4 })), { maxLength: 12 }),
  })
  .map(({ w, h, cell, seed, noise }) => {
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) data[y * w + x] = seed[((Math.floor(y / cell) * 7 + Math.floor(x / cell)) * 5) % 64];
    for (const [i, v] of noise) data[i % data.length] = v;
    return { data, width: w, height: h } as MaskTarget;
  });

const arbLock: fc.Arbitrary<Lock | null> = fc.oneof(
  fc.constant(null),
  fc.record({
    onlyOver: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
    protect: fc.option(
      fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }).map((f) => {
        const p = new Uint8Array(256);
        f.forEach((b, i) => (p[i] = b ? 1 : 0));
        return p;
      }),
      { nil: null },
    ),
  }),
);

const arbShape = fc.constantFrom<BrushShape>('round', 'square');
const clone = (m: MaskTarget): MaskTarget => ({ data: m.data.slice(), width: m.width, height: m.height });

// ---------------------------------------------------------------------------------------------------

describe('lockLut', () => {
  it('matches the per-pixel lock rule for every class', () => {
    fc.assert(
      fc.property(arbLock, (lock) => {
        const lut = lockLut(lock);
        for (let v = 0; v < 256; v++) expect(lut[v] === 1).toBe(canWrite(lock, v));
      }),
    );
  });
});

describe('brushFootprint', () => {
  it('is exactly the set of pixels whose centre lies in the brush, for every size 1..500', () => {
    for (const shape of ['round', 'square'] as const) {
      for (let s = 1; s <= 500; s += s < 40 ? 1 : 37) {
        const fp = brushFootprint(s, shape);
        expect(fp.lo).toBe(-Math.floor(s / 2));
        expect(fp.hi).toBe(Math.floor((s - 1) / 2));
        expect(fp.spans.length).toBe(3 * s);
        let area = 0;
        for (let r = 0; r < s; r++) {
          const dy = fp.spans[3 * r];
          expect(dy).toBe(fp.lo + r);
          // Brute force over the whole box: inside iff within the row's span.
          for (let dx = fp.lo - 1; dx <= fp.hi + 1; dx++) {
            const want = inBrush(s, shape, dx, dy);
            const got = dx >= fp.spans[3 * r + 1] && dx < fp.spans[3 * r + 2];
            if (want !== got) throw new Error(`${shape} ${s}: (${dx},${dy}) want ${want}`);
            if (want) area++;
          }
        }
        expect(fp.area).toBe(area);
        if (shape === 'square') expect(area).toBe(s * s);
      }
    }
  });

  it('size 1 is one pixel, size 2 is the pixel and its left/upper neighbours, size 3 round is 3×3', () => {
    expect(Array.from(brushFootprint(1, 'round').spans)).toEqual([0, 0, 1]);
    expect(Array.from(brushFootprint(2, 'round').spans)).toEqual([-1, -1, 1, 0, -1, 1]);
    expect(brushFootprint(3, 'round').area).toBe(9);
    expect(brushFootprint(5, 'round').area).toBe(21); // 5×5 minus the 4 corners
    expect(brushFootprint(0, 'round').size).toBe(1);
    expect(brushFootprint(9999, 'square').size).toBe(500);
  });

  it('its outline, rasterised at pixel centres, is exactly the footprint', () => {
    for (const shape of ['round', 'square'] as const) {
      for (const s of [1, 2, 3, 4, 7, 10, 25, 64, 101]) {
        const fp = brushFootprint(s, shape);
        const o = footprintOutline(fp);
        const off = s + 2; // shift so everything is in a (2s+4)² mask
        const pts = Array.from(o, (v) => v + off);
        const spans = polygonSpans(pts, 2 * s + 4, 2 * s + 4);
        const want: number[] = [];
        for (let r = 0; r < s; r++) want.push(fp.spans[3 * r] + off, fp.spans[3 * r + 1] + off, fp.spans[3 * r + 2] + off);
        expect(Array.from(spans)).toEqual(want);
      }
    }
  });
});

describe('stampLine', () => {
  it('paints the union of footprints at every centre of the segment, under the lock', () => {
    fc.assert(
      fc.property(
        arbMask,
        fc.integer({ min: 1, max: 14 }),
        arbShape,
        fc.tuple(fc.integer({ min: -12, max: 52 }), fc.integer({ min: -12, max: 44 })),
        fc.tuple(fc.integer({ min: -12, max: 52 }), fc.integer({ min: -12, max: 44 })),
        fc.integer({ min: 0, max: 4 }),
        arbLock,
        (m, size, shape, [x0, y0], [x1, y1], value, lock) => {
          const before = m.data.slice();
          const t = clone(m);
          const rows: number[] = [];
          const got = stampLine(t, x0, y0, x1, y1, brushFootprint(size, shape), value, lockLut(lock), {
            touchRow: (y) => rows.push(y),
          });
          const want = before.slice();
          const centres = refCentres(x0, y0, x1, y1);
          for (let y = 0; y < m.height; y++)
            for (let x = 0; x < m.width; x++) {
              const i = y * m.width + x;
              if (!canWrite(lock, before[i])) continue;
              if (centres.some(([cx, cy]) => inBrush(size, shape, x - cx, y - cy))) want[i] = value;
            }
          expect(t.data).toEqual(want);
          expect(got).toEqual(changedRect(before, want, m.width));
          // Each row touched (hence each pixel written) at most once per call.
          expect(new Set(rows).size).toBe(rows.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('has no gaps at any speed: a size-1 stroke is an 8-connected path of n+1 pixels', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 199 }), fc.integer({ min: 0, max: 199 }), fc.integer({ min: 0, max: 199 }), fc.integer({ min: 0, max: 199 }), (x0, y0, x1, y1) => {
        const t: MaskTarget = { data: new Uint8Array(200 * 200), width: 200, height: 200 };
        stampLine(t, x0, y0, x1, y1, brushFootprint(1, 'round'), 1);
        const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0));
        expect(t.data.reduce((s, v) => s + v, 0)).toBe(n + 1);
        expect(t.data[y0 * 200 + x0]).toBe(1);
        expect(t.data[y1 * 200 + x1]).toBe(1);
        // 8-connected: BFS from the start reaches every painted pixel.
        const reach = refFlood(t, x0, y0, 8);
        for (let i = 0; i < t.data.length; i++) if (t.data[i]) expect(reach[i]).toBe(1);
      }),
      { numRuns: 100 },
    );
  });

  it('floors fractional pointer coordinates and returns null when nothing changes', () => {
    const t: MaskTarget = { data: new Uint8Array(16), width: 4, height: 4 };
    expect(stampLine(t, 1.9, 2.2, 1.9, 2.2, brushFootprint(1, 'round'), 3)).toEqual({ x0: 1, y0: 2, x1: 2, y1: 3 });
    expect(t.data[2 * 4 + 1]).toBe(3);
    expect(stampLine(t, 1.1, 2.9, 1.1, 2.9, brushFootprint(1, 'round'), 3)).toBeNull();
    expect(stampLine(t, -50, -50, -40, -40, brushFootprint(9, 'round'), 5)).toBeNull();
    expect(stampLine(t, 0, 0, 3, 3, brushFootprint(3, 'square'), 7, lockLut({ onlyOver: 9, protect: null }))).toBeNull();
  });
});

describe('polygons', () => {
  const arbPoly = (w: number, h: number) =>
    fc.oneof(
      // Integer vertices: many exact ties (centres on edges, vertices on centre lines).
      fc.array(fc.tuple(fc.integer({ min: -5, max: w + 5 }), fc.integer({ min: -5, max: h + 5 })), { minLength: 3, maxLength: 12 }),
      // Half-integer vertices: vertices exactly at pixel centres.
      fc.array(fc.tuple(fc.integer({ min: -10, max: 2 * w + 10 }), fc.integer({ min: -10, max: 2 * h + 10 })), { minLength: 3, maxLength: 12 })
        .map((p) => p.map(([x, y]) => [x / 2, y / 2] as [number, number])),
      // Arbitrary reals (concave and self-intersecting in general).
      fc.array(
        fc.tuple(fc.double({ min: -5, max: w + 5, noNaN: true }), fc.double({ min: -5, max: h + 5, noNaN: true })),
        { minLength: 3, maxLength: 12 },
      ),
    );

  it('polygonSpans = per-pixel even-odd ray casting at pixel centres (concave, self-intersecting)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((w) =>
          fc.integer({ min: 1, max: 30 }).chain((h) => fc.tuple(fc.constant(w), fc.constant(h), arbPoly(w, h))),
        ),
        ([w, h, poly]) => {
          const pts = poly.flat();
          const spans = polygonSpans(pts, w, h);
          const got = new Uint8Array(w * h);
          for (let k = 0; k < spans.length; k += 3) {
            expect(spans[k + 1]).toBeLessThan(spans[k + 2]);
            for (let x = spans[k + 1]; x < spans[k + 2]; x++) {
              expect(got[spans[k] * w + x]).toBe(0); // spans do not overlap
              got[spans[k] * w + x] = 1;
            }
          }
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              if ((got[y * w + x] === 1) !== insidePolygon(pts, x + 0.5, y + 0.5)) {
                throw new Error(`pixel ${x},${y} of ${JSON.stringify(pts)}`);
              }
            }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a pentagram (self-intersecting) leaves its centre pentagon empty under even-odd', () => {
    const pts: number[] = [];
    for (let k = 0; k < 5; k++) {
      const a = -Math.PI / 2 + (k * 4 * Math.PI) / 5;
      pts.push(50 + 45 * Math.cos(a), 50 + 45 * Math.sin(a));
    }
    const t: MaskTarget = { data: new Uint8Array(100 * 100), width: 100, height: 100 };
    fillPolygon(t, pts, 1);
    expect(pickClass(t, 50, 50)).toBe(0); // centre pentagon: crossed twice
    expect(pickClass(t, 50, 12)).toBe(1); // a point of the star
    expect(pickClass(t, 2, 2)).toBe(0);
  });

  it('fillPolygon add/subtract and reassignInPolygon follow the reference under locks', () => {
    fc.assert(
      fc.property(
        arbMask.chain((m) => fc.tuple(fc.constant(m), arbPoly(m.width, m.height))),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom<'add' | 'subtract' | 'reassign'>('add', 'subtract', 'reassign'),
        fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
        arbLock,
        ([m, poly], value, other, mode, from, lock) => {
          const pts = poly.flat();
          const t = clone(m);
          const lut = lockLut(lock);
          const got =
            mode === 'reassign'
              ? reassignInPolygon(t, pts, value, from, lut)
              : fillPolygon(t, pts, value, lut, mode, other);
          const want = m.data.slice();
          for (let y = 0; y < m.height; y++)
            for (let x = 0; x < m.width; x++) {
              const i = y * m.width + x;
              const v = m.data[i];
              if (!insidePolygon(pts, x + 0.5, y + 0.5) || !canWrite(lock, v)) continue;
              if (mode === 'add') want[i] = value;
              else if (mode === 'subtract') {
                if (v === value) want[i] = other;
              } else if (from === null || v === from) want[i] = value;
            }
          expect(t.data).toEqual(want);
          expect(got).toEqual(changedRect(m.data, want, m.width));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects non-finite points and ignores degenerate polygons', () => {
    const t: MaskTarget = { data: new Uint8Array(100), width: 10, height: 10 };
    expect(() => fillPolygon(t, [0, 0, NaN, 5, 5, 5], 1)).toThrow(RangeError);
    expect(fillPolygon(t, [0, 0, 9, 9], 1)).toBeNull();
    expect(fillPolygon(t, [0, 0, 9, 0, 4, 0], 1)).toBeNull();
    expect(t.data.every((v) => v === 0)).toBe(true);
  });
});

describe('reassignInRect', () => {
  it('follows the reference under locks, clipped to the mask', () => {
    fc.assert(
      fc.property(
        arbMask,
        fc.tuple(fc.integer({ min: -5, max: 45 }), fc.integer({ min: -5, max: 45 }), fc.integer({ min: -5, max: 45 }), fc.integer({ min: -5, max: 45 })),
        fc.integer({ min: 0, max: 4 }),
        fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
        arbLock,
        (m, [x0, y0, x1, y1], to, from, lock) => {
          const t = clone(m);
          const got = reassignInRect(t, { x0, y0, x1, y1 }, to, from, lockLut(lock));
          const want = m.data.slice();
          for (let y = 0; y < m.height; y++)
            for (let x = 0; x < m.width; x++) {
              const i = y * m.width + x;
              if (x >= x0 && x < x1 && y >= y0 && y < y1 && canWrite(lock, m.data[i]) && (from === null || m.data[i] === from)) want[i] = to;
            }
          expect(t.data).toEqual(want);
          expect(got).toEqual(changedRect(m.data, want, m.width));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('floodFill', () => {
  it('fills the 4/8-connected region of the clicked class (BFS reference), under locks', () => {
    fc.assert(
      fc.property(
        arbMask,
        fc.nat(),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom<4 | 8>(4, 8),
        arbLock,
        (m, at, value, conn, lock) => {
          const sx = at % m.width;
          const sy = Math.floor(at / m.width) % m.height;
          const t = clone(m);
          const got = floodFill(t, sx, sy, value, conn, lockLut(lock));
          const region = refFlood(m, sx, sy, conn);
          const want = m.data.slice();
          for (let i = 0; i < want.length; i++) if (region[i] && canWrite(lock, m.data[i])) want[i] = value;
          expect(t.data).toEqual(want);
          expect(got).toEqual(changedRect(m.data, want, m.width));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles a 4096² mask and a 1-pixel-wide serpentine without recursion limits', () => {
    const W = 4096;
    const big: MaskTarget = { data: new Uint8Array(W * W), width: W, height: W };
    expect(floodFill(big, 100, 100, 2)).toEqual({ x0: 0, y0: 0, x1: W, y1: W });
    expect(big.data.every((v) => v === 2)).toBe(true);
    // Serpentine: walls of class 1 on every other row, with a gap alternating left/right.
    const S = 1024;
    const snake: MaskTarget = { data: new Uint8Array(S * S), width: S, height: S };
    for (let y = 1; y < S; y += 2) {
      snake.data.fill(1, y * S, (y + 1) * S);
      snake.data[y * S + ((y >> 1) % 2 === 0 ? S - 1 : 0)] = 0;
    }
    const ref = refFlood(snake, 0, 0, 4);
    floodFill(snake, 0, 0, 3, 4);
    for (let i = 0; i < S * S; i++) if (ref[i] !== (snake.data[i] === 3 ? 1 : 0)) throw new Error(`pixel ${i}`);
  });

  it('is refused outside the mask, on the same class, and on a locked class', () => {
    const t: MaskTarget = { data: new Uint8Array(16), width: 4, height: 4 };
    expect(floodFill(t, -1, 0, 1)).toBeNull();
    expect(floodFill(t, 0, 4, 1)).toBeNull();
    expect(floodFill(t, 0, 0, 0)).toBeNull();
    const protect = new Uint8Array(256);
    protect[0] = 1;
    expect(floodFill(t, 0, 0, 1, 4, lockLut({ onlyOver: null, protect }))).toBeNull();
    expect(t.data.every((v) => v === 0)).toBe(true);
  });
});

describe('pickClass', () => {
  it('reads the class under a (floored) point, null outside', () => {
    const t: MaskTarget = { data: Uint8Array.from([0, 1, 2, 3, 4, 5]), width: 3, height: 2 };
    expect(pickClass(t, 2.7, 1.2)).toBe(5);
    expect(pickClass(t, 0, 0)).toBe(0);
    expect(pickClass(t, 3, 0)).toBeNull();
    expect(pickClass(t, -0.1, 0)).toBeNull();
    expect(UNLOCKED.every((v) => v === 1)).toBe(true);
  });
});
