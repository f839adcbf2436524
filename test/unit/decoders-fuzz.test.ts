/**
 * Bounded fuzz run of the decoders the project implements itself (issue 15): valid PNGs (every legal
 * colour type and bit depth, interlaced or not) and BMPs (every supported depth) with random byte
 * edits, header fields set to boundary values, and cut short. Every outcome is either a decode whose
 * size is what the header says (within the pixel cap) or the decoder's own error (PngError naming the
 * file, BmpError); never a TypeError, RangeError or a hang. A third property checks the inflate cap
 * exactly: image data of any length decodes only when it is exactly what the header implies.
 * Fixed seed and run counts: a few seconds, the same cases every run.
 */
import fc from 'fast-check';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BmpError, decodeBmp } from '../../src/main/formats/bmp';
import { MAX_PNG_PIXELS, PngError, decodePng, inflatePngSync, paintNonZero, pngInflatedSize } from '../../src/main/formats/png';
import { bmpFile, pngFile } from '../tooling/bad-inputs';
import { CHANNELS, LEGAL_ENCODINGS, forgePng } from '../tooling/png-forge';

const SEED = 15;

const PNGS: Buffer[] = LEGAL_ENCODINGS.flatMap(({ colorType, bitDepth }, k) =>
  [false, true].map((interlace) => {
    const width = 5 + (k % 4);
    const height = 3 + (k % 3);
    const n = width * height * CHANNELS[colorType];
    const max = colorType === 3 ? 3 : 2 ** bitDepth - 1;
    const samples = Array.from({ length: n }, (_, i) => (i * 7919 + k) % (max + 1));
    const palette = colorType === 3 ? ([[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]] as const) : undefined;
    return forgePng({ width, height, colorType, bitDepth, samples, palette, interlace, filter: k % 2 === 0 ? 1 : 0, idatChunks: 1 + (k % 3) });
  }),
);

const BMPS: Buffer[] = ([1, 4, 8, 16, 24, 32] as const).flatMap((bpp, k) => [
  bmpFile(5 + k, 3 + (k % 3), bpp, { seed: k }),
  bmpFile(4, 4, bpp, { topDown: true, seed: 10 + k, bitfields: bpp === 16 || bpp === 32 }),
]);

const u32 = [0, 1, 2, 7, 255, 256, 16384, 16385, 65535, 0x7fffffff, 0x80000000, 0xffffffff];
/** [offset, bytes, big-endian, interesting values] of header fields */
const PNG_FIELDS: [number, 1 | 4, number[]][] = [
  [16, 4, u32], // width
  [20, 4, u32], // height
  [24, 1, [0, 1, 2, 3, 4, 8, 16, 32, 255]], // bit depth
  [25, 1, [0, 1, 2, 3, 4, 5, 6, 7, 255]], // colour type
  [28, 1, [0, 1, 2, 255]], // interlace
  [8, 4, [0, 12, 13, 1000, 0xffffffff]], // IHDR length
];
const i32 = [0, 1, -1, 2, 255, 16000, -16000, 65535, 0x7fffffff, -0x80000000];
const BMP_FIELDS: [number, 2 | 4, number[]][] = [
  [10, 4, [0, 14, 54, 1000, 0xffffffff]], // pixel data offset
  [14, 4, [0, 12, 40, 52, 56, 108, 124, 100000]], // info header size
  [18, 4, i32], // width
  [22, 4, i32], // height
  [28, 2, [0, 1, 2, 4, 8, 15, 16, 24, 32, 64, 65535]], // bits per pixel
  [30, 4, [0, 1, 2, 3, 4, 6, 0xffffffff]], // compression
  [46, 4, [0, 1, 2, 16, 256, 257, 0xffffffff]], // colours used
  [54, 4, [0, 1, 0xffff, 0xffffffff, 0x80000000]], // first bitfield mask / palette entry
];

/** Sometimes `arb`, mostly nothing (so enough mutants still decode and reach the pixel loops). */
const sometimes = <T>(arb: fc.Arbitrary<T>, weight: number) => fc.oneof({ weight: 10 - weight, arbitrary: fc.constant(undefined) }, { weight, arbitrary: arb });

const mutation = (fields: number) =>
  fc.record({
    base: fc.nat(),
    field: sometimes(fc.tuple(fc.nat(fields - 1), fc.nat()), 6),
    edits: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }) }),
    cut: sometimes(fc.nat(), 2),
  });

function mutate(base: Buffer, m: { field?: [number, number]; edits: readonly (readonly [number, number])[]; cut?: number }, fields: [number, number, number[]][], le: boolean): Buffer {
  const b = Buffer.from(base);
  if (m.field) {
    const [off, size, values] = fields[m.field[0]];
    const v = values[m.field[1] % values.length];
    if (off + size <= b.length) {
      if (size === 1) b[off] = v & 255;
      else if (size === 2) b.writeUInt16LE(v & 0xffff, off);
      else if (le) b.writeUInt32LE(v >>> 0, off);
      else b.writeUInt32BE(v >>> 0, off);
    }
  }
  for (const [pos, v] of m.edits) b[pos % b.length] = v;
  return m.cut === undefined ? b : b.subarray(0, m.cut % (b.length + 1));
}

describe('decoder fuzz (fixed seed, bounded runs)', () => {
  it('mutated PNGs: a decode of the declared size, or a PngError naming the file', async () => {
    let decoded = 0;
    await fc.assert(
      fc.asyncProperty(mutation(PNG_FIELDS.length), async (m) => {
        const buf = mutate(PNGS[m.base % PNGS.length], m, PNG_FIELDS, false);
        try {
          const d = await decodePng(buf, 'fuzz.png');
          const { width, height } = d.header;
          expect(width * height).toBeLessThanOrEqual(MAX_PNG_PIXELS);
          expect(d.samples.length).toBe(width * height * d.channels);
          // the fused part-mask path reads the same inflated data
          const out = new Uint8Array(width * height);
          paintNonZero(inflatePngSync(buf, 'fuzz.png'), out, 1, 'fuzz.png');
          decoded++;
        } catch (err) {
          if (!(err instanceof PngError)) throw err;
          expect(err.message.startsWith('fuzz.png: ')).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 1500 },
    );
    expect(decoded).toBeGreaterThan(50); // the run also exercised decodes that succeed
  });

  it('mutated BMPs: a decode of the declared size, or a BmpError', async () => {
    let decoded = 0;
    await fc.assert(
      fc.asyncProperty(mutation(BMP_FIELDS.length), async (m) => {
        const buf = mutate(BMPS[m.base % BMPS.length], m, BMP_FIELDS, true);
        try {
          const d = decodeBmp(buf);
          expect(d.data.length).toBe(d.width * d.height * 4);
          // a decode is never larger than what the file's own bytes can describe (1 bit per pixel)
          expect(d.width * d.height).toBeLessThanOrEqual(buf.length * 8);
          decoded++;
        } catch (err) {
          if (!(err instanceof BmpError)) throw err;
        }
      }),
      { seed: SEED, numRuns: 1500 },
    );
    expect(decoded).toBeGreaterThan(50);
  });

  it('inflate cap: image data decodes only when it is exactly the size the header implies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ w: fc.integer({ min: 1, max: 40 }), h: fc.integer({ min: 1, max: 40 }), enc: fc.nat(LEGAL_ENCODINGS.length - 1), interlace: fc.nat(1), extra: fc.integer({ min: -3, max: 5000 }) }),
        async ({ w, h, enc, interlace, extra }) => {
          const { colorType, bitDepth } = LEGAL_ENCODINGS[enc];
          const header = { width: w, height: h, bitDepth, colorType, interlace };
          const size = pngInflatedSize(header);
          const len = Math.max(0, size + extra);
          const buf = pngFile(header, deflateSync(Buffer.alloc(len)), colorType === 3 ? new Uint8Array(768) : undefined);
          try {
            await decodePng(buf, 'cap.png');
            expect(len).toBe(size);
          } catch (err) {
            if (!(err instanceof PngError)) throw err;
            expect(len).not.toBe(size);
            expect(err.message).toMatch(len > size ? new RegExp(`^cap\\.png: image data inflates to more than ${size} bytes`) : /^cap\.png: truncated PNG/);
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
