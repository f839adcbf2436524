/**
 * Minimal Windows BMP decoder (libvips, and so sharp, reads no BMP). Supports the uncompressed
 * variants datasets actually contain: 1/4/8-bit palette, 16-bit (5-5-5 or bitfields), 24-bit,
 * 32-bit (BI_RGB or BI_BITFIELDS), bottom-up and top-down. RLE-compressed files are refused with a
 * clear message rather than decoded wrongly.
 *
 * Hostile headers (issue 15) are refused before anything is allocated: a bit depth other than
 * 1/4/8/16/24/32 (a 58-byte file at 0 bits per pixel claiming 16000×16000 used to decode to 1 GB of
 * black), bitfields on a depth that has none, a palette longer than the depth can index, dimensions
 * over the pixel cap, and pixel data shorter than the header implies. `bmpDecodeCost` is the decode's
 * memory, for the budget of concurrent decodes.
 */
export interface DecodedRgba {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major, top row first. */
  data: Uint8Array;
}

export class BmpError extends Error {}

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

const MAX_PIXELS = 268_402_689; // same cap as sharp's default limitInputPixels (0x3FFF * 0x3FFF)
const DEPTHS = [1, 4, 8, 16, 24, 32];

/** Bytes a decode of a `width`×`height` BMP holds: the RGBA output and one copy of it downstream (sharp). */
export function bmpDecodeCost(width: number, height: number): number {
  return width * height * 4 * 2;
}

/** Width and height from the header (no checks beyond the header's presence), or null when it is cut off. */
export function bmpSize(buf: Uint8Array): { width: number; height: number } | null {
  if (!isBmp(buf) || buf.length < 26) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerSize = dv.getUint32(14, true);
  if (headerSize === 12) return { width: dv.getUint16(18, true), height: Math.abs(dv.getInt16(20, true)) };
  return { width: Math.abs(dv.getInt32(18, true)), height: Math.abs(dv.getInt32(22, true)) };
}

export function decodeBmp(buf: Uint8Array): DecodedRgba {
  if (!isBmp(buf)) throw new BmpError('not a BMP file (missing "BM" signature)');
  if (buf.length < 26) throw new BmpError('BMP header truncated');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (headerSize < 12 || 14 + headerSize > buf.length) throw new BmpError('BMP info header truncated');
  let width: number;
  let rawHeight: number;
  let bpp: number;
  let compression = 0;
  let colorsUsed = 0;
  if (headerSize === 12) {
    width = dv.getUint16(18, true);
    rawHeight = dv.getInt16(20, true);
    bpp = dv.getUint16(24, true);
  } else {
    if (buf.length < 14 + 40) throw new BmpError('BMP info header truncated');
    width = dv.getInt32(18, true);
    rawHeight = dv.getInt32(22, true);
    bpp = dv.getUint16(28, true);
    compression = dv.getUint32(30, true);
    colorsUsed = dv.getUint32(46, true);
  }
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (!DEPTHS.includes(bpp)) throw new BmpError(`BMP with ${bpp} bits per pixel is not supported (1, 4, 8, 16, 24 or 32)`);
  if (width <= 0 || height <= 0) throw new BmpError(`BMP has invalid dimensions ${width}×${rawHeight}`);
  if (width * height > MAX_PIXELS) throw new BmpError(`BMP is too large (${width}×${height} pixels)`);
  if (compression === 1 || compression === 2) throw new BmpError('RLE-compressed BMP is not supported');
  if (compression !== 0 && compression !== 3) throw new BmpError(`BMP compression ${compression} is not supported`);
  if (compression === 3 && bpp !== 16 && bpp !== 32) throw new BmpError(`BMP bitfields (compression 3) with ${bpp} bits per pixel do not exist`);
  if (bpp <= 8 && colorsUsed > 1 << bpp) throw new BmpError(`BMP declares ${colorsUsed} palette entries, more than ${bpp} bits per pixel can index`);

  // Channel masks for 16/32-bit.
  let masks: [number, number, number, number] | null = null;
  if (compression === 3) {
    const mOff = headerSize >= 52 ? 14 + 40 : 14 + headerSize;
    if (mOff + 12 > buf.length) throw new BmpError('BMP bitfield masks truncated');
    const a = headerSize >= 56 ? dv.getUint32(14 + 52, true) : 0;
    masks = [dv.getUint32(mOff, true), dv.getUint32(mOff + 4, true), dv.getUint32(mOff + 8, true), a];
  } else if (bpp === 16) {
    masks = [0x7c00, 0x03e0, 0x001f, 0];
  } else if (bpp === 32) {
    masks = [0x00ff0000, 0x0000ff00, 0x000000ff, 0];
  }

  let palette: Uint8Array | null = null;
  if (bpp <= 8) {
    const entries = colorsUsed || 1 << bpp;
    const entrySize = headerSize === 12 ? 3 : 4;
    const pOff = 14 + headerSize;
    if (pOff + entries * entrySize > buf.length) throw new BmpError('BMP palette truncated');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < entries && i < 256; i++) {
      palette[i * 3] = buf[pOff + i * entrySize + 2];
      palette[i * 3 + 1] = buf[pOff + i * entrySize + 1];
      palette[i * 3 + 2] = buf[pOff + i * entrySize];
    }
  }

  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + stride * height > buf.length) {
    throw new BmpError(`BMP pixel data truncated (need ${dataOffset + stride * height} bytes, file has ${buf.length})`);
  }
  const out = new Uint8Array(width * height * 4);
  const shifts = masks?.map(maskShift);
  for (let y = 0; y < height; y++) {
    const srcRow = dataOffset + (topDown ? y : height - 1 - y) * stride;
    let o = y * width * 4;
    for (let x = 0; x < width; x++, o += 4) {
      if (palette) {
        const bit = x * bpp;
        const byte = buf[srcRow + (bit >> 3)];
        const idx = bpp === 8 ? byte : (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        out[o] = palette[idx * 3];
        out[o + 1] = palette[idx * 3 + 1];
        out[o + 2] = palette[idx * 3 + 2];
        out[o + 3] = 255;
      } else if (bpp === 24) {
        const s = srcRow + x * 3;
        out[o] = buf[s + 2];
        out[o + 1] = buf[s + 1];
        out[o + 2] = buf[s];
        out[o + 3] = 255;
      } else {
        const s = srcRow + x * (bpp / 8);
        const v = bpp === 16 ? dv.getUint16(s, true) : dv.getUint32(s, true);
        const [mr, mg, mb, ma] = masks!;
        out[o] = extract(v, mr, shifts![0]);
        out[o + 1] = extract(v, mg, shifts![1]);
        out[o + 2] = extract(v, mb, shifts![2]);
        out[o + 3] = ma ? extract(v, ma, shifts![3]) : 255;
      }
    }
  }
  return { width, height, data: out };
}

function maskShift(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  // `>>>` takes its count mod 32: stop at bit 31 (a mask of all ones would otherwise loop forever).
  while (shift + bits < 32 && ((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

function extract(v: number, mask: number, s: { shift: number; bits: number }): number {
  if (mask === 0 || s.bits === 0) return 0;
  const raw = ((v & mask) >>> 0) >>> s.shift;
  const max = 2 ** s.bits - 1;
  return Math.round((raw * 255) / max);
}

/** A decoded BMP's pixels as packed RGB (alpha dropped): what the inference engine takes. */
export function rgbOf(d: DecodedRgba): Uint8Array {
  const rgb = new Uint8Array(d.width * d.height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = d.data[j];
    rgb[i + 1] = d.data[j + 1];
    rgb[i + 2] = d.data[j + 2];
  }
  return rgb;
}
