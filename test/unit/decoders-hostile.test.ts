/**
 * Hostile files against the decoders the project implements itself (issue 15): the header is checked
 * before inflating, inflated bytes are capped at what the header implies, and every refusal names the
 * file. The cases are built by test/tooling/bad-inputs.ts.
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BmpError, decodeBmp } from '../../src/main/formats/bmp';
import { PngError, decodePng, decodePngSync, inflatePng, inflatePngSync, parsePngChunks, pngDecodeCost } from '../../src/main/formats/png';
import { badInputs, bmpHeader, pngBomb, pngFile, pngHeaderOnly } from '../tooling/bad-inputs';

async function pngError(p: Promise<unknown> | (() => unknown)): Promise<PngError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(PngError);
    return err as PngError;
  }
  throw new Error('expected a PngError, the file was accepted');
}

function bmpError(buf: Uint8Array): BmpError {
  try {
    decodeBmp(buf);
  } catch (err) {
    expect(err).toBeInstanceOf(BmpError);
    return err as BmpError;
  }
  throw new Error('expected a BmpError, the file was accepted');
}

describe('PNG: header checked before inflating, output capped at what it implies', () => {
  const bomb = badInputs()['bomb-label.png'];

  it('a 64×64 label that inflates to 64 MiB is refused by every entry point, naming the file', async () => {
    expect(bomb.length).toBeLessThan(100_000);
    // 64 rows of 1 filter byte + 64 samples
    const expected = /bomb\.png: image data inflates to more than 4160 bytes, what IHDR says \(64×64 8-bit grey\) needs/;
    expect((await pngError(decodePng(bomb, 'bomb.png'))).message).toMatch(expected);
    expect((await pngError(inflatePng(bomb, 'bomb.png'))).message).toMatch(expected);
    expect((await pngError(() => decodePngSync(bomb, 'bomb.png'))).message).toMatch(expected);
    expect((await pngError(() => inflatePngSync(bomb, 'bomb.png'))).message).toMatch(expected);
  });

  it('one byte too many is refused too; exactly the implied size (plain and interlaced) decodes', async () => {
    expect((await pngError(decodePng(pngBomb(5, 3, 3 * 6 + 1), 'x.png'))).message).toMatch(/more than 18 bytes/);
    const exact = await decodePng(pngBomb(5, 3, 3 * 6), 'x.png');
    expect(exact.samples.length).toBe(15);
    // Adam7 of 5×3 grey8: passes 1 (1×1), 2 (1×1), 3 (0 rows), 4 (1×1), 5 (3×1), 6 (2×2), 7 (5×1)
    const adam7 = 2 + 2 + 2 + 4 + 2 * 3 + 6;
    const il = pngFile({ width: 5, height: 3, bitDepth: 8, colorType: 0, interlace: 1 }, deflateSync(Buffer.alloc(adam7)));
    expect((await decodePng(il, 'il.png')).samples.length).toBe(15);
    const il2 = pngFile({ width: 5, height: 3, bitDepth: 8, colorType: 0, interlace: 1 }, deflateSync(Buffer.alloc(adam7 + 1)));
    expect((await pngError(decodePng(il2, 'il.png'))).message).toMatch(new RegExp(`more than ${adam7} bytes`));
  });

  it('16-bit RGBA at the pixel limit is refused at the header (its data is not even zlib)', async () => {
    const h = { width: 16384, height: 16384, bitDepth: 16, colorType: 6 };
    const notZlib = pngFile(h, new Uint8Array([1, 2, 3, 4]));
    for (const buf of [notZlib, badInputs()['rgba16-at-limit.png']]) {
      const e = await pngError(() => parsePngChunks(buf, 'big.png'));
      expect(e.message).toMatch(/^big\.png: decoding 16384×16384 16-bit RGBA needs \d+ MiB, larger than the 2048 MiB allowed for one PNG/);
      expect((await pngError(decodePng(buf, 'big.png'))).message).toBe(e.message);
    }
    expect(pngDecodeCost({ ...h, interlace: 0 })).toBeGreaterThan(4 * 1024 ** 3);
    // 8-bit grey at the same size (an index mask at the image limit) stays allowed
    expect(() => parsePngChunks(pngHeaderOnly({ width: 16384, height: 16384, bitDepth: 8, colorType: 0 }), 'g.png')).not.toThrow();
  });

  it('interlaced data shorter than the header implies is refused before the image is allocated', async () => {
    const il = pngFile({ width: 16000, height: 16000, bitDepth: 8, colorType: 0, interlace: 1 }, deflateSync(Buffer.alloc(100)));
    expect((await pngError(decodePng(il, 'il.png'))).message).toMatch(/^il\.png: truncated PNG \(image data ends after 100 of \d+ bytes\)/);
  });
});

describe('BMP: header checked before decoding', () => {
  it('the 58-byte BMP at 0 bits per pixel claiming 16000×16000 is refused at the header', () => {
    const b = badInputs()['bpp0-16000.bmp'];
    expect(b.length).toBe(58);
    expect(bmpError(b).message).toBe('BMP with 0 bits per pixel is not supported (1, 4, 8, 16, 24 or 32)');
  });

  it('other impossible headers: 2 or 7 bits, bitfields on 24-bit, more palette entries than the depth allows', () => {
    expect(bmpError(bmpHeader({ width: 4, height: 4, bitsPerPixel: 7 })).message).toMatch(/7 bits per pixel is not supported/);
    expect(bmpError(bmpHeader({ width: 4, height: 4, bitsPerPixel: 24, compression: 3 }, 64)).message).toMatch(/bitfields .* 24 bits per pixel/);
    expect(bmpError(bmpHeader({ width: 4, height: 4, bitsPerPixel: 4, colorsUsed: 17 }, 2000)).message).toMatch(/17 palette entries, more than 4 bits per pixel can index/);
  });

  it('a bitfield mask of all ones decodes (it used to loop forever)', () => {
    const b = bmpHeader({ width: 1, height: 1, bitsPerPixel: 32, compression: 3 }, 16);
    b.writeUInt32LE(0xffffffff, 54);
    b.writeUInt32LE(0x0000ff00, 58);
    b.writeUInt32LE(0x000000ff, 62);
    b.writeUInt32LE(66, 10); // pixel data after the masks
    b.writeUInt32LE(0x80402010, 66);
    const d = decodeBmp(b);
    expect(d.width).toBe(1);
    expect(Array.from(d.data)).toEqual([128, 0x20, 0x10, 255]);
  });
});
