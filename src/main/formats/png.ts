/**
 * PNG reading and writing for index masks and colour masks, decoded here (node:zlib + our own
 * unfiltering) rather than through sharp, because:
 *   - sharp/libvips turns palette PNGs into RGB and gives no access to the palette indices, and expands
 *     1/2/4-bit greyscale to 0-255; an index mask needs the stored sample values;
 *   - the writer must be byte-deterministic (exports are compared byte for byte across machines and
 *     libvips versions) and must produce colour type 0 (single-channel 8-bit), which datasets expect.
 *
 * Reading (FORMATS.md "Encodings and round trips"): a sample is read as the PNG standard defines it.
 *   - `readIndexPng` / `samplesToIndex` (index masks: the value is a class index): greyscale 1/2/4-bit
 *     samples are scaled to 0-255 as the standard (and PIL, OpenCV, libpng) read them, so a 1-bit 1 is
 *     255; 8-bit is the value; 16-bit is the stored number when it is at most 255 (else an error naming
 *     the pixel); palette pixels are their palette *index* (the Pascal VOC convention), never their
 *     colour; grey+alpha is the grey (alpha ignored); RGB/RGBA whose R, G and B are equal in every pixel
 *     (the common "index mask saved as RGB"); an RGB pixel with unequal channels is an error naming the
 *     file, the pixel and its colour.
 *   - `samplesToIntensity` (probability / intensity maps, Helen): the grey level 0-255. Low bit depths
 *     scale, 16-bit keeps its high byte, a palette pixel is its palette entry's grey (an entry whose
 *     R, G, B differ is refused), RGB needs R = G = B, and an alpha channel must be opaque (255)
 *     everywhere or equal to the grey in every pixel; anything else is refused naming the file and the
 *     first pixel (a map whose channels disagree has no single reading).
 *   - `readColorPng`: any colour type as RGB (palette through PLTE, grey scaled and replicated, 16-bit
 *     to its high byte, alpha dropped).
 *   - tRNS (palette / colour-key transparency) is not applied: masks are read by their samples.
 *   - Interlaced (Adam7) files are decoded. CRCs are not checked (zlib's Adler-32 checks the image data);
 *     a truncated or corrupt stream is an error naming the file.
 *   - Hostile files (issue 15): the header (size, colour type, bit depth, and the decode's memory cost,
 *     `pngDecodeCost`, at most MAX_PNG_DECODE_BYTES) is checked as soon as IHDR is read, before any
 *     inflating; inflating stops and refuses as soon as the output passes the exact size the header
 *     implies (`pngInflatedSize`), so a 1.5 MB file that inflates to 1.5 GB costs one output chunk.
 * Writing: `writeIndexPng` (colour type 0, 8-bit) and `writeColorPng` (colour type 2, 8-bit), zlib
 * level 6 with a per-row filter chosen by the minimum-sum-of-absolute-differences heuristic (as libpng).
 *
 * Every error is a `PngError` whose message starts with the file name.
 */
import { promises as fs } from 'node:fs';
import { deflate, deflateSync, inflate, inflateSync } from 'node:zlib';
import { promisify } from 'node:util';
import { crc32 } from '../../shared/mask/codec';

const inflateAsync = promisify(inflate);
const deflateAsync = promisify(deflate);

export class PngError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'PngError';
  }
}

/** Largest image decoded (same cap as image-io's MAX_IMAGE_PIXELS: 16384²). */
export const MAX_PNG_PIXELS = 16384 * 16384;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  interlace: number;
}

export interface PngChunks {
  header: PngHeader;
  /** PLTE as RGB triples, or null. */
  palette: Uint8Array | null;
  idat: Buffer;
}

export interface IndexImage {
  width: number;
  height: number;
  /** One byte per pixel, row-major. */
  data: Uint8Array;
}

export interface ColorImage {
  width: number;
  height: number;
  /** RGB, three bytes per pixel, row-major. */
  data: Uint8Array;
}

export function isPng(buf: Uint8Array): boolean {
  if (buf.length < 8) return false;
  for (let i = 0; i < 8; i++) if (buf[i] !== SIGNATURE[i]) return false;
  return true;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** Largest decode allowed for one PNG, by `pngDecodeCost` (an 8-bit index mask at 16384² needs 1 GiB). */
export const MAX_PNG_DECODE_BYTES = 2 * 1024 * 1024 * 1024;

const COLOUR_NAMES: Record<number, string> = { 0: 'grey', 2: 'RGB', 3: 'palette', 4: 'grey+alpha', 6: 'RGBA' };

function describe(h: PngHeader): string {
  return `${h.width}×${h.height} ${h.bitDepth}-bit ${COLOUR_NAMES[h.colorType] ?? `colour type ${h.colorType}`}${h.interlace ? ' interlaced' : ''}`;
}

/** Row bytes (without the filter byte) of a `w`-pixel row. */
function rowBytesOf(h: PngHeader, w: number): number {
  return Math.ceil((w * h.bitDepth * CHANNELS[h.colorType]) / 8);
}

/**
 * Exact size of the inflated (filtered) image data the header implies: every row with its filter
 * byte, over the seven Adam7 passes for interlaced files (empty passes have no rows).
 */
export function pngInflatedSize(h: PngHeader): number {
  if (h.interlace === 0) return h.height * (rowBytesOf(h, h.width) + 1);
  let n = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const pw = Math.ceil((h.width - x0) / dx);
    const ph = Math.ceil((h.height - y0) / dy);
    if (pw > 0 && ph > 0) n += ph * (rowBytesOf(h, pw) + 1);
  }
  return n;
}

/**
 * Peak bytes of decoding a PNG with this header to one value per pixel, estimated from the header
 * alone: the inflated data, its unfiltered copy, the samples (two bytes each at 16-bit) and the
 * output. The memory budget of concurrent decodes (decode-budget.ts) counts in these units.
 */
export function pngDecodeCost(h: PngHeader): number {
  const raw = pngInflatedSize(h);
  const px = h.width * h.height;
  const samples = px * CHANNELS[h.colorType] * (h.bitDepth === 16 ? 2 : 1);
  return 2 * raw + samples + px;
}

/** The header checks done before anything is inflated (sizes, colour type, bit depth, cost). */
function checkHeader(h: PngHeader, file: string): void {
  if (h.width === 0 || h.height === 0) throw new PngError(file, `PNG has no pixels (${h.width}×${h.height})`);
  if (h.width * h.height > MAX_PNG_PIXELS) {
    throw new PngError(file, `image is ${h.width}×${h.height}, larger than ${Math.sqrt(MAX_PNG_PIXELS)}² pixels`);
  }
  const depths = ALLOWED_DEPTHS[h.colorType];
  if (!depths) throw new PngError(file, `corrupt PNG (colour type ${h.colorType} does not exist)`);
  if (!depths.includes(h.bitDepth)) throw new PngError(file, `corrupt PNG (bit depth ${h.bitDepth} with colour type ${h.colorType})`);
  if (h.interlace > 1) throw new PngError(file, `corrupt PNG (interlace method ${h.interlace})`);
  const cost = pngDecodeCost(h);
  if (cost > MAX_PNG_DECODE_BYTES) {
    const mib = (n: number) => Math.ceil(n / 1024 / 1024);
    throw new PngError(file, `decoding ${describe(h)} needs ${mib(cost)} MiB, larger than the ${mib(MAX_PNG_DECODE_BYTES)} MiB allowed for one PNG`);
  }
}

/**
 * Inflate the image data, refusing (without producing more) output beyond what the header implies.
 * zlib stops as soon as `maxOutputLength` is passed, so a stream that would inflate to gigabytes
 * costs one output chunk of memory.
 */
function inflateCapped(c: PngChunks, file: string): Buffer {
  const size = pngInflatedSize(c.header);
  try {
    return inflateSync(c.idat, { chunkSize: chunkFor(size), maxOutputLength: Math.max(size, 1) });
  } catch (err) {
    throw inflateError(c.header, size, file, err);
  }
}

async function inflateCappedAsync(c: PngChunks, file: string): Promise<Buffer> {
  const size = pngInflatedSize(c.header);
  try {
    // One output chunk of the expected size: zlib's default 16 KiB chunks cost a callback and a copy each.
    return await inflateAsync(c.idat, { chunkSize: chunkFor(size), maxOutputLength: Math.max(size, 1) });
  } catch (err) {
    throw inflateError(c.header, size, file, err);
  }
}

function chunkFor(size: number): number {
  return Math.max(1024, Math.min(size, 64 * 1024 * 1024));
}

/** Parse the chunk structure (no pixel decoding). Throws PngError naming `file`. */
export function parsePngChunks(buf: Uint8Array, file: string): PngChunks {
  if (!isPng(buf)) throw new PngError(file, 'not a PNG file (bad signature)');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 8;
  let header: PngHeader | null = null;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (pos < buf.length) {
    if (pos + 8 > buf.length) throw new PngError(file, 'truncated PNG (chunk header cut off)');
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(buf[pos + 4], buf[pos + 5], buf[pos + 6], buf[pos + 7]);
    const start = pos + 8;
    if (start + len + 4 > buf.length) throw new PngError(file, `truncated PNG (${type} chunk cut off)`);
    if (type === 'IHDR') {
      if (len < 13) throw new PngError(file, 'corrupt PNG (IHDR too short)');
      header = {
        width: dv.getUint32(start),
        height: dv.getUint32(start + 4),
        bitDepth: buf[start + 8],
        colorType: buf[start + 9],
        interlace: buf[start + 12],
      };
      checkHeader(header, file);
    } else if (type === 'PLTE') {
      palette = buf.subarray(start, start + len);
    } else if (type === 'IDAT') {
      idat.push(buf.subarray(start, start + len));
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    pos = start + len + 4;
  }
  if (!header) throw new PngError(file, 'corrupt PNG (no IHDR chunk)');
  const h = header;
  checkHeader(h, file);
  if (h.colorType === 3 && !palette) throw new PngError(file, 'corrupt PNG (palette image without PLTE chunk)');
  if (idat.length === 0) throw new PngError(file, 'truncated PNG (no image data)');
  if (!sawEnd) throw new PngError(file, 'truncated PNG (no IEND chunk)');
  return { header: h, palette, idat: Buffer.concat(idat) };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undo the filters of one (sub-)image in place; returns the unfiltered rows without filter bytes. */
function unfilter(data: Uint8Array, offset: number, rows: number, rowBytes: number, bpp: number, file: string): Uint8Array {
  const out = new Uint8Array(rows * rowBytes);
  let src = offset;
  for (let y = 0; y < rows; y++) {
    const ft = data[src++];
    const o = y * rowBytes;
    const prev = y > 0 ? o - rowBytes : -1;
    switch (ft) {
      case 0:
        out.set(data.subarray(src, src + rowBytes), o);
        break;
      case 1:
        for (let i = 0; i < rowBytes; i++) out[o + i] = (data[src + i] + (i >= bpp ? out[o + i - bpp] : 0)) & 255;
        break;
      case 2:
        if (prev < 0) out.set(data.subarray(src, src + rowBytes), o);
        else for (let i = 0; i < rowBytes; i++) out[o + i] = (data[src + i] + out[prev + i]) & 255;
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[o + i - bpp] : 0;
          const b = prev >= 0 ? out[prev + i] : 0;
          out[o + i] = (data[src + i] + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[o + i - bpp] : 0;
          const b = prev >= 0 ? out[prev + i] : 0;
          const c = prev >= 0 && i >= bpp ? out[prev + i - bpp] : 0;
          out[o + i] = (data[src + i] + paeth(a, b, c)) & 255;
        }
        break;
      default:
        throw new PngError(file, `corrupt PNG (unknown filter type ${ft} in row ${y})`);
    }
    src += rowBytes;
  }
  return out;
}

export interface DecodedSamples {
  header: PngHeader;
  palette: Uint8Array | null;
  channels: number;
  /**
   * Samples, one array element per sample, row-major, `channels` per pixel. 8-bit and lower depths give
   * the raw sample values (a 1-bit image gives 0/1); 16-bit gives 0-65535.
   */
  samples: Uint8Array | Uint16Array;
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function expand(rowsData: Uint8Array, w: number, h: number, rowBytes: number, depth: number, channels: number): Uint8Array | Uint16Array {
  const n = w * h * channels;
  if (depth === 8) {
    if (rowBytes === w * channels) return rowsData;
    return rowsData.slice(0, n);
  }
  if (depth === 16) {
    const out = new Uint16Array(n);
    for (let y = 0; y < h; y++) {
      const o = y * rowBytes;
      for (let i = 0; i < w * channels; i++) out[y * w * channels + i] = (rowsData[o + 2 * i] << 8) | rowsData[o + 2 * i + 1];
    }
    return out;
  }
  const out = new Uint8Array(n);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let y = 0; y < h; y++) {
    const o = y * rowBytes;
    for (let x = 0; x < w; x++) {
      const byte = rowsData[o + Math.floor(x / perByte)];
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * w + x] = (byte >> shift) & mask;
    }
  }
  return out;
}

function decodeFromInflated(c: PngChunks, raw: Uint8Array, file: string): DecodedSamples {
  const { width, height, bitDepth, colorType, interlace } = c.header;
  const channels = CHANNELS[colorType];
  const bitsPerPixel = bitDepth * channels;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const rowBytesOf = (w: number) => Math.ceil((w * bitsPerPixel) / 8);
  if (interlace === 0) {
    const rowBytes = rowBytesOf(width);
    const need = height * (rowBytes + 1);
    if (raw.length < need) throw new PngError(file, `truncated PNG (image data ends after ${Math.floor(raw.length / (rowBytes + 1))} of ${height} rows)`);
    const rows = unfilter(raw, 0, height, rowBytes, bpp, file);
    return { header: c.header, palette: c.palette, channels, samples: expand(rows, width, height, rowBytes, bitDepth, channels) };
  }
  // Checked before the image is allocated (a short stream must not cost a full-size buffer).
  const need = pngInflatedSize(c.header);
  if (raw.length < need) throw new PngError(file, `truncated PNG (image data ends after ${raw.length} of ${need} bytes)`);
  const out: Uint8Array | Uint16Array = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  let offset = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = rowBytesOf(pw);
    if (offset + ph * (rowBytes + 1) > raw.length) throw new PngError(file, 'truncated PNG (interlaced image data cut off)');
    const rows = unfilter(raw, offset, ph, rowBytes, bpp, file);
    offset += ph * (rowBytes + 1);
    const sub = expand(rows, pw, ph, rowBytes, bitDepth, channels);
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        const d = ((y0 + y * dy) * width + x0 + x * dx) * channels;
        const s = (y * pw + x) * channels;
        for (let k = 0; k < channels; k++) out[d + k] = sub[s + k];
      }
    }
  }
  return { header: c.header, palette: c.palette, channels, samples: out };
}

function inflateError(h: PngHeader, size: number, file: string, err: unknown): PngError {
  if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
    return new PngError(file, `image data inflates to more than ${size} bytes, what IHDR says (${describe(h)}) needs`);
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new PngError(file, /unexpected end/i.test(msg) ? 'truncated PNG (image data cut off)' : `corrupt PNG image data (${msg})`);
}

/** Decode a PNG's samples (synchronous). */
export function decodePngSync(buf: Uint8Array, file: string): DecodedSamples {
  const c = parsePngChunks(buf, file);
  const raw = inflateCapped(c, file);
  return decodeFromInflated(c, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), file);
}

/** Decode a PNG's samples; the inflate runs on libuv's threadpool, so many decodes run in parallel. */
export async function decodePng(buf: Uint8Array, file: string): Promise<DecodedSamples> {
  return decodePngChunks(parsePngChunks(buf, file), file);
}

/** `decodePng` of chunks already parsed (callers that read the header first, to budget the decode). */
export async function decodePngChunks(c: PngChunks, file: string): Promise<DecodedSamples> {
  const raw = await inflateCappedAsync(c, file);
  return decodeFromInflated(c, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), file);
}

/** A PNG parsed and inflated, not yet unfiltered (for the fused paths below). */
export interface InflatedPng {
  header: PngHeader;
  palette: Uint8Array | null;
  raw: Uint8Array;
}

export async function inflatePng(buf: Uint8Array, file: string): Promise<InflatedPng> {
  const c = parsePngChunks(buf, file);
  const out = await inflateCappedAsync(c, file);
  // A plain Uint8Array view (not a Buffer) keeps the pixel loops monomorphic.
  return { header: c.header, palette: c.palette, raw: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) };
}

/**
 * The same, synchronously. For many small files (CelebAMask-HQ part masks: about 1 KB compressed
 * each) this is cheaper than the async form: no threadpool round trips, no stream objects.
 */
export function inflatePngSync(buf: Uint8Array, file: string): InflatedPng {
  return inflatePngChunksSync(parsePngChunks(buf, file), file);
}

export function inflatePngChunksSync(c: PngChunks, file: string): InflatedPng {
  const out = inflateCapped(c, file);
  return { header: c.header, palette: c.palette, raw: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) };
}

/**
 * Paint `value` into `out` wherever the image's colour is not black (any colour channel > 0), in one
 * pass over the inflated rows without materialising the unfiltered image: rows stored unfiltered are
 * read in place, others are reconstructed into a two-row scratch. This is the CelebAMask-HQ part-mask
 * path (a binary mask per part, painted in order), about 2× faster than decode-then-paint.
 * Falls back to the general decoder for interlaced, palette, sub-byte and 16-bit files.
 */
export function paintNonZero(p: InflatedPng, out: Uint8Array, value: number, file: string): void {
  const { width, height, bitDepth, colorType, interlace } = p.header;
  if (out.length !== width * height) throw new Error(`paintNonZero: ${out.length} bytes for ${width}×${height}`);
  if (interlace !== 0 || bitDepth !== 8 || colorType === 3) {
    const d = decodeFromInflated({ header: p.header, palette: p.palette, idat: Buffer.alloc(0) }, p.raw, file);
    if (colorType === 3) {
      const rgb = samplesToRgb(d, file).data; // the palette colour
      for (let i = 0; i < width * height; i++) if (rgb[3 * i] | rgb[3 * i + 1] | rgb[3 * i + 2]) out[i] = value;
      return;
    }
    // Raw samples (any depth): foreground where a colour channel is not 0; alpha is not a colour.
    const s = d.samples;
    const ch = d.channels;
    const colour = colorType === 2 || colorType === 6 ? 3 : 1;
    for (let i = 0; i < width * height; i++) {
      let v = 0;
      for (let k = 0; k < colour; k++) v |= s[i * ch + k];
      if (v !== 0) out[i] = value;
    }
    return;
  }
  const ch = CHANNELS[colorType];
  const colour = colorType === 4 ? 1 : colorType === 0 ? 1 : 3;
  const rowBytes = width * ch;
  const raw = p.raw;
  if (raw.length < height * (rowBytes + 1)) {
    throw new PngError(file, `truncated PNG (image data ends after ${Math.floor(raw.length / (rowBytes + 1))} of ${height} rows)`);
  }
  // Most rows of a part mask are empty. A filtered row of zero bytes is cheap to recognise (native
  // memcmp against zeros) and decodes to: zeros (None, Sub; Average and Paeth over a zero row) or a
  // copy of the row above (Up) -- so only rows with content are reconstructed and painted.
  const rawBuf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const zeros = zeroRow(rowBytes);
  const scratch = [new Uint8Array(rowBytes), new Uint8Array(rowBytes)];
  let prev: Uint8Array | null = null; // null: the row above is all zero (or there is none)
  const stride = rowBytes + 1;
  const block = Math.max(1, Math.floor(zeros.length / stride));
  for (let y = 0; y < height; y++) {
    // Runs of empty unfiltered rows (filter byte 0 and zero data) are skipped a block at a time.
    if (prev === null && raw[y * stride] === 0) {
      const n = Math.min(block, height - y);
      if (n > 1 && rawBuf.compare(zeros, 0, n * stride, y * stride, (y + n) * stride) === 0) {
        y += n - 1;
        continue;
      }
    }
    const src = y * stride + 1;
    const ft = raw[src - 1];
    if (ft > 4) throw new PngError(file, `corrupt PNG (unknown filter type ${ft} in row ${y})`);
    const flat = rawBuf.compare(zeros, 0, rowBytes, src, src + rowBytes) === 0;
    let row: Uint8Array | null;
    if (flat && (ft <= 1 || prev === null)) row = null;
    else if (flat && ft === 2) row = prev;
    else if (ft === 0) row = raw.subarray(src, src + rowBytes);
    else {
      const r: Uint8Array = prev === scratch[0] ? scratch[1] : scratch[0];
      const a = raw;
      const up = prev ?? zeros;
      const o = y * width;
      if (ch === 1 && ft <= 2) {
        // Single channel, Sub or Up (most content rows of binary masks): reconstruct and paint in one pass.
        if (ft === 1) {
          let left = 0;
          for (let i = 0; i < rowBytes; i++) {
            const v = (a[src + i] + left) & 255;
            r[i] = v;
            left = v;
            if (v !== 0) out[o + i] = value;
          }
        } else {
          for (let i = 0; i < rowBytes; i++) {
            const v = (a[src + i] + up[i]) & 255;
            r[i] = v;
            if (v !== 0) out[o + i] = value;
          }
        }
        prev = r;
        continue;
      }
      switch (ft) {
        case 1:
          for (let i = 0; i < rowBytes; i++) r[i] = (a[src + i] + (i >= ch ? r[i - ch] : 0)) & 255;
          break;
        case 2:
          for (let i = 0; i < rowBytes; i++) r[i] = (a[src + i] + up[i]) & 255;
          break;
        case 3:
          for (let i = 0; i < rowBytes; i++) r[i] = (a[src + i] + (((i >= ch ? r[i - ch] : 0) + up[i]) >> 1)) & 255;
          break;
        default:
          for (let i = 0; i < rowBytes; i++) {
            const l = i >= ch ? r[i - ch] : 0;
            const ul = i >= ch ? up[i - ch] : 0;
            r[i] = (a[src + i] + paeth(l, up[i], ul)) & 255;
          }
      }
      row = r;
    }
    if (row !== null) {
      const o = y * width;
      if (ch === 1) {
        for (let x = 0; x < width; x++) if (row[x] !== 0) out[o + x] = value;
      } else {
        for (let x = 0; x < width; x++) {
          let v = 0;
          for (let k = 0; k < colour; k++) v |= row[x * ch + k];
          if (v !== 0) out[o + x] = value;
        }
      }
    }
    prev = row;
  }
}

let ZEROS = Buffer.alloc(0);
function zeroRow(n: number): Buffer {
  if (ZEROS.length < n) ZEROS = Buffer.alloc(Math.max(n * 16, 32768));
  return ZEROS;
}

/** 0-255 grey of sample `v` at a bit depth (the PNG standard's scaling; 16-bit keeps the high byte). */
function scaleSample(v: number, depth: number): number {
  if (depth === 8) return v;
  if (depth === 16) return v >> 8;
  return Math.round((v * 255) / ((1 << depth) - 1));
}

function at(i: number, width: number): string {
  return `(${i % width}, ${Math.floor(i / width)})`;
}

/** Samples → one index byte per pixel (see the module comment for what each colour type means). */
export function samplesToIndex(d: DecodedSamples, file: string): IndexImage {
  const { width, height, colorType, bitDepth } = d.header;
  const n = width * height;
  const s = d.samples;
  const ch = d.channels;
  if (colorType === 3) return { width, height, data: s as Uint8Array };
  if (colorType === 0 && bitDepth === 8) return { width, height, data: s as Uint8Array };
  const out = new Uint8Array(n);
  if (colorType === 0 && bitDepth < 8) {
    const lut = Array.from({ length: 1 << bitDepth }, (_, v) => scaleSample(v, bitDepth));
    for (let i = 0; i < n; i++) out[i] = lut[s[i]];
    return { width, height, data: out };
  }
  const colour = colorType === 0 || colorType === 4 ? 1 : 3;
  for (let i = 0; i < n; i++) {
    const r = s[i * ch];
    if (colour === 3 && (s[i * ch + 1] !== r || s[i * ch + 2] !== r)) {
      throw new PngError(
        file,
        `colour PNG is not an index mask: pixel ${at(i, width)} is rgb(${r},${s[i * ch + 1]},${s[i * ch + 2]}); ` +
          'index masks have one channel (or equal R, G, B); use the colour-PNG import with a label map for colour masks',
      );
    }
    if (r > 255) {
      throw new PngError(file, `16-bit index mask: pixel ${at(i, width)} has value ${r}; class indices are 0-255`);
    }
    out[i] = r;
  }
  return { width, height, data: out };
}

/**
 * Samples → one grey level (0-255) per pixel, for intensity / probability maps (Helen). See the module
 * comment; throws a PngError naming the file and the first pixel whose channels disagree.
 */
export function samplesToIntensity(d: DecodedSamples, file: string): IndexImage {
  const { width, height, colorType, bitDepth } = d.header;
  const n = width * height;
  const s = d.samples;
  const ch = d.channels;
  const out = new Uint8Array(n);
  if (colorType === 3) {
    const pal = d.palette as Uint8Array;
    const entries = Math.floor(pal.length / 3);
    const grey = new Int16Array(256).fill(-1);
    for (let k = 0; k < entries; k++) if (pal[3 * k] === pal[3 * k + 1] && pal[3 * k] === pal[3 * k + 2]) grey[k] = pal[3 * k];
    for (let i = 0; i < n; i++) {
      const k = s[i];
      if (grey[k] < 0) {
        if (k >= entries) throw new PngError(file, `corrupt PNG: pixel ${at(i, width)} uses palette entry ${k}, the palette has ${entries}`);
        throw new PngError(
          file,
          `palette map is not grey: pixel ${at(i, width)} uses palette entry ${k} = rgb(${pal[3 * k]},${pal[3 * k + 1]},${pal[3 * k + 2]}); ` +
            'an intensity map needs grey palette entries (R = G = B)',
        );
      }
      out[i] = grey[k];
    }
    return { width, height, data: out };
  }
  const colour = colorType === 2 || colorType === 6 ? 3 : 1;
  const alpha = colorType === 4 || colorType === 6 ? colour : -1;
  const max = bitDepth === 16 ? 65535 : 255;
  if (alpha >= 0) {
    // Alpha must be opaque everywhere, or equal to the grey in every pixel.
    let opaque = true;
    for (let i = 0; i < n && opaque; i++) if (s[i * ch + alpha] !== max) opaque = false;
    if (!opaque) {
      for (let i = 0; i < n; i++) {
        const g = s[i * ch];
        const a = s[i * ch + alpha];
        if (a !== g) {
          throw new PngError(
            file,
            `map with alpha: pixel ${at(i, width)} has grey ${scaleSample(g, bitDepth)} and alpha ${scaleSample(a, bitDepth)}; ` +
              'an intensity map with an alpha channel needs alpha opaque everywhere or equal to the grey',
          );
        }
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const g = s[i * ch];
    if (colour === 3 && (s[i * ch + 1] !== g || s[i * ch + 2] !== g)) {
      throw new PngError(
        file,
        `colour map: pixel ${at(i, width)} is rgb(${scaleSample(g, bitDepth)},${scaleSample(s[i * ch + 1], bitDepth)},${scaleSample(s[i * ch + 2], bitDepth)}); ` +
          'an intensity map needs R = G = B',
      );
    }
    out[i] = scaleSample(g, bitDepth);
  }
  return { width, height, data: out };
}

/** Samples → RGB. */
export function samplesToRgb(d: DecodedSamples, file: string): ColorImage {
  const { width, height, colorType, bitDepth } = d.header;
  const n = width * height;
  const s = d.samples;
  const out = new Uint8Array(n * 3);
  if (colorType === 2 && bitDepth === 8) return { width, height, data: s as Uint8Array };
  if (colorType === 2 || colorType === 6) {
    const ch = d.channels;
    for (let i = 0; i < n; i++) {
      out[i * 3] = scaleSample(s[i * ch], bitDepth);
      out[i * 3 + 1] = scaleSample(s[i * ch + 1], bitDepth);
      out[i * 3 + 2] = scaleSample(s[i * ch + 2], bitDepth);
    }
  } else if (colorType === 3) {
    const pal = d.palette as Uint8Array;
    const entries = Math.floor(pal.length / 3);
    for (let i = 0; i < n; i++) {
      const k = s[i];
      if (k >= entries) throw new PngError(file, `corrupt PNG: pixel ${at(i, width)} uses palette entry ${k}, the palette has ${entries}`);
      out[i * 3] = pal[k * 3];
      out[i * 3 + 1] = pal[k * 3 + 1];
      out[i * 3 + 2] = pal[k * 3 + 2];
    }
  } else {
    const ch = d.channels;
    for (let i = 0; i < n; i++) {
      const v = scaleSample(s[i * ch], bitDepth);
      out[i * 3] = v;
      out[i * 3 + 1] = v;
      out[i * 3 + 2] = v;
    }
  }
  return { width, height, data: out };
}

async function readInput(src: string | Uint8Array, name: string | undefined): Promise<{ buf: Uint8Array; file: string }> {
  if (typeof src !== 'string') return { buf: src, file: name ?? '<buffer>' };
  try {
    return { buf: await fs.readFile(src), file: src };
  } catch (err) {
    throw new PngError(src, `cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Read an index mask PNG from a path or from bytes (`name` labels errors for bytes). */
export async function readIndexPng(src: string | Uint8Array, name?: string): Promise<IndexImage> {
  const { buf, file } = await readInput(src, name);
  return samplesToIndex(await decodePng(buf, file), file);
}

/** Read a PNG as RGB from a path or from bytes. */
export async function readColorPng(src: string | Uint8Array, name?: string): Promise<ColorImage> {
  const { buf, file } = await readInput(src, name);
  return samplesToRgb(await decodePng(buf, file), file);
}

// ---------------------------------------------------------------------------------------------------
// Writing



function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + body.length), 8 + body.length);
  return out;
}

/** |v| of a filtered byte read as signed (the heuristic's cost). */
const COST = new Uint8Array(256).map((_, v) => (v < 128 ? v : 256 - v));

/**
 * Filter rows (None/Sub/Up/Average/Paeth chosen per row by minimum sum of absolute values, ties to the
 * lower filter type, as libpng). One tight loop per filter type, each abandoned as soon as its sum
 * reaches the best so far; the chosen filter is then written directly. Index masks are mostly flat, so
 * None/Sub/Up usually settle a row after one pass.
 */
export function filterRows(px: Uint8Array, rows: number, rowBytes: number, bpp: number): Uint8Array {
  const stride = rowBytes + 1;
  const out = new Uint8Array(rows * stride);
  for (let y = 0; y < rows; y++) {
    const o = y * rowBytes;
    const p = o - rowBytes;
    const up = y > 0;
    let best = 0;
    let bestSum = 0;
    // 0: None
    for (let i = 0; i < rowBytes; i++) bestSum += COST[px[o + i]];
    // 1: Sub
    if (bestSum > 0) {
      let sum = 0;
      for (let i = 0; i < bpp && i < rowBytes; i++) sum += COST[px[o + i]];
      for (let i = bpp; i < rowBytes && sum < bestSum; i++) sum += COST[(px[o + i] - px[o + i - bpp]) & 255];
      if (sum < bestSum) {
        bestSum = sum;
        best = 1;
      }
    }
    // 2: Up (without a row above it equals None, which already won ties)
    if (bestSum > 0 && up) {
      let sum = 0;
      for (let i = 0; i < rowBytes && sum < bestSum; i++) sum += COST[(px[o + i] - px[p + i]) & 255];
      if (sum < bestSum) {
        bestSum = sum;
        best = 2;
      }
    }
    // 3: Average
    if (bestSum > 0) {
      let sum = 0;
      for (let i = 0; i < rowBytes && sum < bestSum; i++) {
        const a = i >= bpp ? px[o + i - bpp] : 0;
        const b = up ? px[p + i] : 0;
        sum += COST[(px[o + i] - ((a + b) >> 1)) & 255];
      }
      if (sum < bestSum) {
        bestSum = sum;
        best = 3;
      }
    }
    // 4: Paeth
    if (bestSum > 0) {
      let sum = 0;
      for (let i = 0; i < rowBytes && sum < bestSum; i++) {
        const a = i >= bpp ? px[o + i - bpp] : 0;
        const b = up ? px[p + i] : 0;
        const c = up && i >= bpp ? px[p + i - bpp] : 0;
        sum += COST[(px[o + i] - paeth(a, b, c)) & 255];
      }
      if (sum < bestSum) best = 4;
    }
    const d = y * stride;
    out[d] = best;
    const row = d + 1;
    switch (best) {
      case 0:
        out.set(px.subarray(o, o + rowBytes), row);
        break;
      case 1:
        for (let i = 0; i < rowBytes; i++) out[row + i] = px[o + i] - (i >= bpp ? px[o + i - bpp] : 0);
        break;
      case 2:
        for (let i = 0; i < rowBytes; i++) out[row + i] = px[o + i] - px[p + i];
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? px[o + i - bpp] : 0;
          const b = up ? px[p + i] : 0;
          out[row + i] = px[o + i] - ((a + b) >> 1);
        }
        break;
      default:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? px[o + i - bpp] : 0;
          const b = up ? px[p + i] : 0;
          const c = up && i >= bpp ? px[p + i - bpp] : 0;
          out[row + i] = px[o + i] - paeth(a, b, c);
        }
    }
  }
  return out;
}

function pngHeader(data: Uint8Array, width: number, height: number, channels: 1 | 3): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: bad size ${width}×${height}`);
  }
  if (data.length !== width * height * channels) {
    throw new Error(`encodePng: ${data.length} bytes for ${width}×${height}×${channels}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : 2;
  return ihdr;
}

function assemble(ihdr: Buffer, idat: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

/** Encode a PNG (colour type 0 or 2, 8-bit). Deterministic for given pixels. */
export function encodePng(data: Uint8Array, width: number, height: number, channels: 1 | 3): Buffer {
  const ihdr = pngHeader(data, width, height, channels);
  const filtered = filterRows(data, height, width * channels, channels);
  return assemble(ihdr, deflateSync(filtered, { level: 6 }));
}

/**
 * `encodePng` with the DEFLATE step on libuv's thread pool, so concurrent exports overlap their
 * compression. Same bytes as `encodePng` (same zlib, same parameters).
 */
export async function encodePngAsync(data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<Buffer> {
  const ihdr = pngHeader(data, width, height, channels);
  const filtered = filterRows(data, height, width * channels, channels);
  return assemble(ihdr, await deflateAsync(filtered, { level: 6 }));
}

/** Write a single-channel 8-bit PNG whose pixel values are `mask`'s bytes (byte-exact round trip). */
export async function writeIndexPng(path: string, mask: Uint8Array, width: number, height: number): Promise<void> {
  await fs.writeFile(path, encodePng(mask, width, height, 1));
}

/** Write an 8-bit RGB PNG. */
export async function writeColorPng(path: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  await fs.writeFile(path, encodePng(rgb, width, height, 3));
}
