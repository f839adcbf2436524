import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deflateSync } from 'fflate';
import {
  MASK_ENCODINGS,
  MaskCodecError,
  crc32,
  decodeMask,
  decodeMaskMapped,
  encodeMask,
  encodeMaskAs,
  rleDecode,
  rleEncode,
} from './codec';
import type { EncodedMask } from '../api/types';
import { ellipseFace, noiseMask } from '../../../test/bench/codec-faces';

const ALL = [...MASK_ENCODINGS];

/** Deterministic PRNG so fast-check only has to shrink a seed, not megabytes of pixels. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'random' | 'runs' | 'same' | 'alternating' | 'rows' | 'sparse';
const KINDS: Kind[] = ['random', 'runs', 'same', 'alternating', 'rows', 'sparse'];

function makeMask(w: number, h: number, kind: Kind, seed: number, maxRun: number): Uint8Array {
  const r = prng(seed);
  const n = w * h;
  const m = new Uint8Array(n);
  const v = () => Math.floor(r() * 256);
  switch (kind) {
    case 'random':
      for (let i = 0; i < n; i++) m[i] = v();
      break;
    case 'runs': {
      let i = 0;
      while (i < n) {
        const len = 1 + Math.floor(r() * r() * maxRun);
        m.fill(v(), i, Math.min(n, i + len));
        i += len;
      }
      break;
    }
    case 'same':
      m.fill(v());
      break;
    case 'alternating': {
      const a = v();
      const b = v();
      for (let i = 0; i < n; i++) m[i] = i & 1 ? a : b;
      break;
    }
    case 'rows':
      for (let y = 0; y < h; y++) m.fill(v(), y * w, (y + 1) * w);
      break;
    case 'sparse':
      for (let i = 0; i < n; i++) m[i] = r() < 0.02 ? v() : 0;
      break;
  }
  return m;
}

const maskArb = fc
  .record({
    w: fc.integer({ min: 1, max: 300 }),
    h: fc.integer({ min: 1, max: 300 }),
    kind: fc.constantFrom(...KINDS),
    seed: fc.integer(),
    maxRun: fc.constantFrom(2, 10, 300, 70_000),
  })
  .map(({ w, h, kind, seed, maxRun }) => ({ w, h, kind, mask: makeMask(w, h, kind, seed, maxRun) }));

function expectSame(a: Uint8Array, b: Uint8Array): void {
  expect(a.length).toBe(b.length);
  // toEqual on megabyte arrays is slow and its diff unreadable; find the first difference instead.
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      first = i;
      break;
    }
  }
  expect(first).toBe(-1);
}

function roundTrip(e: EncodedMask, mask: Uint8Array): void {
  const out = decodeMask(e);
  expect(out).toBeInstanceOf(Uint8Array);
  expect(out.length).toBe(e.width * e.height);
  expect(out.buffer.byteLength).toBe(out.length); // an exact-size buffer, not a view on a bigger one
  expectSame(out, mask);
}

/** A blob with a valid header and checksum around an arbitrary body (layout as in codec.ts). */
function framed(w: number, h: number, body: Uint8Array): Uint8Array {
  const data = new Uint8Array(12 + body.length);
  const dv = new DataView(data.buffer);
  dv.setUint32(4, w);
  dv.setUint32(8, h);
  data.set(body, 12);
  dv.setUint32(0, crc32(data.subarray(4)));
  return data;
}

function codecError(fn: () => unknown): MaskCodecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MaskCodecError);
    return e as MaskCodecError;
  }
  throw new Error('expected a MaskCodecError, nothing was thrown');
}

describe('round trip', () => {
  it.each(ALL)('%s round-trips every byte of random masks', (encoding) => {
    fc.assert(
      fc.property(maskArb, ({ w, h, mask }) => {
        const e = encodeMaskAs(mask, w, h, encoding);
        expect(e).toMatchObject({ width: w, height: h, encoding });
        roundTrip(e, mask);
      }),
      { numRuns: 150 },
    );
  });

  it('encodeMask round-trips and names an encoding from MASK_ENCODINGS', () => {
    fc.assert(
      fc.property(maskArb, ({ w, h, mask }) => {
        const e = encodeMask(mask, w, h);
        expect(ALL).toContain(e.encoding);
        roundTrip(e, mask);
      }),
      { numRuns: 200 },
    );
  });

  it.each(ALL)('%s round-trips at every DEFLATE level', (encoding) => {
    const mask = ellipseFace(128, 5);
    for (const level of [0, 1, 6, 9] as const) roundTrip(encodeMaskAs(mask, 128, 128, encoding, { level }), mask);
  });

  it('1x1 masks of every value', () => {
    for (const encoding of ALL) {
      for (let v = 0; v < 256; v++) roundTrip(encodeMaskAs(new Uint8Array([v]), 1, 1, encoding), new Uint8Array([v]));
    }
  });

  it('does not alias or modify its input', () => {
    const mask = makeMask(50, 40, 'runs', 3, 30);
    const copy = mask.slice();
    for (const encoding of ALL) {
      const out = decodeMask(encodeMaskAs(mask, 50, 40, encoding));
      out[0] ^= 0xff;
      expectSame(mask, copy);
    }
  });

  it('realistic 512x512 face masks: all encodings round-trip, encodeMask picks rle1+deflate and is small', () => {
    for (const seed of [1, 2, 3]) {
      const mask = ellipseFace(512, seed);
      for (const encoding of ALL) roundTrip(encodeMaskAs(mask, 512, 512, encoding), mask);
      const e = encodeMask(mask, 512, 512);
      expect(e.encoding).toBe('rle1+deflate');
      expect(e.data.length).toBeLessThan(512 * 512 * 0.03);
      roundTrip(e, mask);
    }
  });

  it('noise masks fall back to raw1+deflate', () => {
    const mask = noiseMask(256, 19, 11);
    const e = encodeMask(mask, 256, 256);
    expect(e.encoding).toBe('raw1+deflate');
    roundTrip(e, mask);
  });

  it('4096x4096 masks round-trip in every encoding', () => {
    const face = ellipseFace(4096, 2);
    for (const encoding of ALL) roundTrip(encodeMaskAs(face, 4096, 4096, encoding), face);
    const auto = encodeMask(face, 4096, 4096);
    expect(auto.encoding).toBe('rle1+deflate');
    roundTrip(auto, face);
    // one long run per value, with runs far longer than one varint byte covers
    const big = makeMask(4096, 4096, 'runs', 9, 5_000_000);
    roundTrip(encodeMask(big, 4096, 4096), big);
    const noise = noiseMask(4096, 19, 3);
    const e = encodeMask(noise, 4096, 4096);
    expect(e.encoding).toBe('raw1+deflate');
    roundTrip(e, noise);
  }, 120_000);
});

describe('rle1 stream', () => {
  it('is value then LEB128(length - 1), runs continuing across rows', () => {
    const mask = new Uint8Array([7, 7, 7, 0, 0, 0, ...new Array(200).fill(5)]);
    expect([...rleEncode(mask)]).toEqual([7, 2, 0, 2, 5, 199 & 0x7f | 0x80, 1]);
  });

  it('gives the same stream for aligned and unaligned views of a mask', () => {
    fc.assert(
      fc.property(maskArb, fc.integer({ min: 1, max: 3 }), ({ mask }, shift) => {
        const backing = new Uint8Array(mask.length + shift);
        backing.set(mask, shift);
        const view = backing.subarray(shift);
        expect([...rleEncode(view)]).toEqual([...rleEncode(mask)]);
        expectSame(rleDecode(rleEncode(view), mask.length), mask);
      }),
      { numRuns: 100 },
    );
  });

  it('gives up beyond maxBytes', () => {
    const mask = makeMask(100, 100, 'random', 1, 1);
    expect(rleEncode(mask, 1000)).toBeNull();
    expect(rleEncode(new Uint8Array(10_000), 1000)).not.toBeNull();
  });

  it('rejects streams covering too few or too many pixels, and truncated varints', () => {
    expect(codecError(() => rleDecode(new Uint8Array([1, 3]), 5)).code).toBe('size-mismatch');
    expect(codecError(() => rleDecode(new Uint8Array([1, 5]), 5)).code).toBe('size-mismatch');
    expect(codecError(() => rleDecode(new Uint8Array([1, 0x80]), 5)).code).toBe('corrupt');
    expect(codecError(() => rleDecode(new Uint8Array([1]), 5)).code).toBe('corrupt');
    expect(codecError(() => rleDecode(new Uint8Array([1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 5)).code).toBe(
      'corrupt',
    );
    expect([...rleDecode(new Uint8Array([1, 4]), 5)]).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('corrupt input', () => {
  const sample = fc
    .tuple(maskArb, fc.constantFrom(...ALL))
    .map(([{ w, h, mask }, encoding]) => ({ mask, e: encodeMaskAs(mask, w, h, encoding) }));

  it('any flipped bit throws MaskCodecError', () => {
    fc.assert(
      fc.property(sample, fc.nat(), fc.integer({ min: 0, max: 7 }), ({ e }, pos, bit) => {
        const data = e.data.slice();
        data[pos % data.length] ^= 1 << bit;
        codecError(() => decodeMask({ ...e, data }));
      }),
      { numRuns: 300 },
    );
  });

  it('truncated or extended data throws MaskCodecError', () => {
    fc.assert(
      fc.property(sample, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), ({ e }, cut, extra) => {
        codecError(() => decodeMask({ ...e, data: e.data.subarray(0, cut % e.data.length) }));
        const longer = new Uint8Array(e.data.length + extra.length);
        longer.set(e.data);
        longer.set(extra, e.data.length);
        codecError(() => decodeMask({ ...e, data: longer }));
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary bodies with a valid checksum never decode to a wrong-size array', () => {
    // The checksum is computed here, so these reach the inner decoders (inflate, run stream).
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ maxLength: 64 }).map((b) => deflateSync(b)),
      fc
        .tuple(fc.integer({ min: 0, max: 3000 }), fc.uint8Array({ maxLength: 64 }))
        .map(([len, b]) => {
          const z = deflateSync(b);
          const out = new Uint8Array(4 + z.length);
          new DataView(out.buffer).setUint32(0, len);
          out.set(z, 4);
          return out;
        }),
    );
    fc.assert(
      fc.property(
        bodies,
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(...ALL),
        (body, w, h, encoding) => {
          const data = framed(w, h, body);
          let out: Uint8Array;
          try {
            out = decodeMask({ width: w, height: h, encoding, data });
          } catch (e) {
            expect(e).toBeInstanceOf(MaskCodecError);
            return;
          }
          expect(out.length).toBe(w * h);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a valid mask decoded with other dimensions is a size mismatch', () => {
    const mask = makeMask(30, 20, 'runs', 4, 50);
    for (const encoding of ALL) {
      const e = encodeMaskAs(mask, 30, 20, encoding);
      expect(codecError(() => decodeMask({ ...e, width: 31 })).code).toBe('size-mismatch');
      expect(codecError(() => decodeMask({ ...e, height: 19 })).code).toBe('size-mismatch');
      // same pixel count, transposed: still refused (the header records the dimensions)
      expect(codecError(() => decodeMask({ ...e, width: 20, height: 30 })).code).toBe('size-mismatch');
    }
  });

  it('garbage behind a valid checksum is reported as corrupt', () => {
    const data = framed(2, 2, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    const err = codecError(() => decodeMask({ width: 2, height: 2, encoding: 'raw1+deflate', data }));
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/raw1\+deflate/);
  });

  it('a checksum mismatch says so', () => {
    const e = encodeMask(new Uint8Array(16), 4, 4);
    const data = e.data.slice();
    data[0] ^= 1;
    const err = codecError(() => decodeMask({ ...e, data }));
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/checksum/);
    expect(codecError(() => decodeMask({ ...e, data: new Uint8Array(0) })).code).toBe('corrupt');
  });
});

describe('bad arguments', () => {
  it('unknown encoding is named, with the known ones', () => {
    const err = codecError(() => decodeMask({ width: 1, height: 1, encoding: 'png', data: new Uint8Array(8) }));
    expect(err.code).toBe('unknown-encoding');
    expect(err.message).toMatch(/"png"/);
    expect(err.message).toMatch(/rle1\+deflate/);
    expect(codecError(() => encodeMaskAs(new Uint8Array(1), 1, 1, 'toString')).code).toBe('unknown-encoding');
    expect(codecError(() => decodeMask({ width: 1, height: 1, encoding: '__proto__', data: new Uint8Array(8) })).code).toBe(
      'unknown-encoding',
    );
  });

  it('wrong-size masks are rejected', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0),
        (w, h, d) => {
          const len = w * h + d;
          fc.pre(len >= 0);
          const err = codecError(() => encodeMask(new Uint8Array(len), w, h));
          expect(err.code).toBe('bad-size');
          expect(err.message).toContain(`${len} bytes`);
          for (const encoding of ALL) {
            expect(codecError(() => encodeMaskAs(new Uint8Array(len), w, h, encoding)).code).toBe('bad-size');
          }
        },
      ),
    );
  });

  it('non-positive, fractional or oversized dimensions are rejected', () => {
    for (const [w, h] of [
      [0, 0],
      [0, 5],
      [-1, -1],
      [1.5, 2],
      [NaN, 1],
      [40000, 40000],
    ]) {
      expect(codecError(() => encodeMask(new Uint8Array(0), w, h)).code).toBe('bad-size');
      const ok = encodeMask(new Uint8Array(1), 1, 1);
      expect(codecError(() => decodeMask({ ...ok, width: w, height: h })).code).toBe('bad-size');
    }
  });
});

describe('decodeMaskMapped', () => {
  it('equals decodeMask followed by a value table, and counts the source values, for every encoding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 256, maxLength: 256 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (w, h, table, seed) => {
          const mask = new Uint8Array(w * h);
          let x = seed;
          for (let i = 0; i < mask.length; i++) {
            x = (x * 1103515245 + 12345) >>> 0;
            // runs of a few values, as in a label mask
            mask[i] = i > 0 && x % 4 !== 0 ? mask[i - 1] : (x >>> 16) % 7;
          }
          const lut = Uint8Array.from(table);
          for (const enc of MASK_ENCODINGS) {
            const m = encodeMaskAs(mask, w, h, enc);
            const counts = new Uint32Array(256);
            const got = decodeMaskMapped(m, lut, counts);
            const want = decodeMask(m).map((v) => lut[v]);
            expect(got).toEqual(want);
            const hist = new Uint32Array(256);
            for (const v of mask) hist[v]++;
            expect([...counts]).toEqual([...hist]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
