/**
 * Building one item's index mask from its dataset files (MaskSpec), in the project's schema, with
 * every problem as an `ItemProblem` (kind, file, message, count). Decoding uses formats/png.ts, so
 * palette PNGs give their indices and inflating runs on libuv's threadpool.
 *
 * Two steps, so the decode can be bounded wherever it runs: `planMask` reads the file(s) and checks
 * every header (hostile files are refused here, by name, before any pixel memory is taken) and says
 * what the decode will hold (`cost`, in decode-budget.ts units); `build()` then decodes and paints.
 * Whoever calls `build()` holds `cost` from the main process's decode budget while it runs
 * (services/mask-pool.ts; in a mask thread the main thread holds it for the thread). Nothing here
 * takes from a budget itself, so a thread never has one of its own.
 */
import { promises as fs, readFileSync } from 'node:fs';
import type { ImportProblem, ImportProblemKind } from '../../shared/api/methods-import';
import type { LabelSchema } from '../../shared/api/types';
import { countsToString, decodeBinary } from '../../shared/dataset/coco-rle';
import { checkMaskValues, findClass } from '../../shared/schema';
import type { MaskSpec } from './dataset';
import {
  MAX_PNG_PIXELS,
  PngError,
  decodePngChunks,
  inflatePngChunksSync,
  paintNonZero,
  parsePngChunks,
  pngDecodeCost,
  pngInflatedSize,
  samplesToIndex,
  samplesToIntensity,
  samplesToRgb,
  type DecodedSamples,
  type IndexImage,
  type InflatedPng,
  type PngChunks,
} from './png';
import { packRgb } from './color-png';

export class ItemProblem extends Error {
  constructor(readonly problem: Omit<ImportProblem, 'item'>) {
    super(problem.message);
  }
}

function fail(kind: ImportProblemKind, file: string, message: string, count?: number): never {
  throw new ItemProblem(count === undefined ? { kind, file, message } : { kind, file, message, count });
}

export interface BuildContext {
  schema: LabelSchema;
  /** CelebAMask-HQ paint order. */
  paintOrder?: LabelSchema;
  colorMap?: Map<number, number>;
  helenThreshold: boolean;
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail('missing-file', file, `${file}: file is missing`);
    if (code === 'ELOOP') fail('symlink-loop', file, `${file}: symbolic link loop`);
    fail('unreadable', file, `${file}: cannot read (${code ?? (err as Error).message})`);
  }
}

function pngProblem(err: unknown, file: string): never {
  if (err instanceof PngError) fail(/larger than/.test(err.message) ? 'too-large' : 'undecodable', file, err.message);
  throw err;
}

/**
 * Read a PNG and check its header (no inflating yet), so the decode can be budgeted by what the
 * header declares before any pixel memory is taken.
 */
async function readPng(file: string): Promise<PngChunks> {
  const buf = await readBytes(file);
  try {
    return parsePngChunks(buf, file);
  } catch (err) {
    pngProblem(err, file);
  }
}

async function decodeChunks(c: PngChunks, file: string): Promise<DecodedSamples> {
  try {
    return await decodePngChunks(c, file);
  } catch (err) {
    pngProblem(err, file);
  }
}

/** Part masks are tiny files: read and parse them synchronously (see inflatePngSync). */
function readPngSync(file: string): PngChunks {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail('missing-file', file, `${file}: file is missing`);
    if (code === 'ELOOP') fail('symlink-loop', file, `${file}: symbolic link loop`);
    fail('unreadable', file, `${file}: cannot read (${code ?? (err as Error).message})`);
  }
  try {
    return parsePngChunks(buf, file);
  } catch (err) {
    pngProblem(err, file);
  }
}

function inflateSyncChecked(c: PngChunks, file: string): InflatedPng {
  try {
    return inflatePngChunksSync(c, file);
  } catch (err) {
    pngProblem(err, file);
  }
}

function asIndex(d: DecodedSamples, file: string): IndexImage {
  try {
    return samplesToIndex(d, file);
  } catch (err) {
    if (err instanceof PngError) fail('undecodable', file, err.message);
    throw err;
  }
}

/** Helen maps are intensities: the PNG standard's grey level (png.ts `samplesToIntensity`). */
function asIntensity(d: DecodedSamples, file: string): IndexImage {
  try {
    return samplesToIntensity(d, file);
  } catch (err) {
    if (err instanceof PngError) fail('undecodable', file, err.message);
    throw err;
  }
}

function unknownValues(mask: IndexImage, file: string, schema: LabelSchema): void {
  const r = checkMaskValues(mask.data, schema);
  if (r.ok) return;
  const total = r.unknown.reduce((a, u) => a + u.count, 0);
  const list = r.unknown
    .slice(0, 8)
    .map((u) => `${u.value} (${u.count} px, first at (${u.firstIndex % mask.width}, ${Math.floor(u.firstIndex / mask.width)}))`)
    .join(', ');
  fail(
    'unknown-value',
    file,
    `${file}: ${total} pixels have values not in schema ${schema.id}: ${list}${r.unknown.length > 8 ? `, and ${r.unknown.length - 8} more values` : ''}`,
    total,
  );
}

/** A mask's decode, checked and not yet run: `build()` may hold about `cost` bytes at its peak. */
export interface MaskPlan {
  cost: number;
  build(): Promise<IndexImage>;
}

async function indexMask(file: string, ctx: BuildContext): Promise<MaskPlan> {
  const c = await readPng(file);
  return {
    cost: pngDecodeCost(c.header),
    build: async () => {
      const m = asIndex(await decodeChunks(c, file), file);
      unknownValues(m, file, ctx.schema);
      return m;
    },
  };
}

/** CelebAMask-HQ: paint binary part masks in the paint order's index order (higher index wins). */
function partsMask(parts: { part: string; path: string }[], ctx: BuildContext): MaskPlan {
  const order = ctx.paintOrder;
  if (!order) throw new Error('CelebAMask-HQ import without a paint order');
  const rank = new Map(order.classes.map((c) => [c.name, c.index]));
  if (parts.length === 0) fail('missing-file', '', 'no part masks for this image');
  const sorted = [...parts].sort((a, b) => (rank.get(a.part) ?? 0) - (rank.get(b.part) ?? 0));
  const chunks = sorted.map((p) => readPngSync(p.path));
  const { width, height } = chunks[0].header;
  for (let k = 1; k < chunks.length; k++) {
    const h = chunks[k].header;
    if (h.width !== width || h.height !== height) {
      fail('size-mismatch', sorted[k].path, `${sorted[k].path}: part mask is ${h.width}×${h.height}, other parts of this image are ${width}×${height} (${sorted[0].path})`);
    }
  }
  // Every part is inflated before painting; the general path (palette, sub-byte, 16-bit) decodes one at a time.
  const cost = chunks.reduce((a, c) => a + pngInflatedSize(c.header), width * height) + Math.max(...chunks.map((c) => pngDecodeCost(c.header)));
  return { cost, build: async () => paintParts(sorted, chunks, width, height, ctx) };
}

function paintParts(sorted: { part: string; path: string }[], chunks: PngChunks[], width: number, height: number, ctx: BuildContext): IndexImage {
  const inflated = chunks.map((c, k) => inflateSyncChecked(c, sorted[k].path));
  const out = new Uint8Array(width * height);
  for (let k = 0; k < sorted.length; k++) {
    const cls = findClass(ctx.schema, sorted[k].part);
    if (!cls) fail('unknown-value', sorted[k].path, `${sorted[k].path}: part "${sorted[k].part}" has no class in schema ${ctx.schema.id}`);
    try {
      paintNonZero(inflated[k], out, cls.index, sorted[k].path);
    } catch (err) {
      pngProblem(err, sorted[k].path);
    }
  }
  return { width, height, data: out };
}

/** Helen: arg-max over the 11 maps with ties to the lower index; or threshold > 127, later class wins. */
async function helenMask(maps: string[], ctx: BuildContext): Promise<MaskPlan> {
  const chunks = await Promise.all(maps.map((p) => readPng(p)));
  return {
    cost: chunks.reduce((a, c) => a + pngDecodeCost(c.header), 0),
    build: async () => helenArgmax(maps, await Promise.all(chunks.map(async (c, k) => asIntensity(await decodeChunks(c, maps[k]), maps[k]))), ctx),
  };
}

function helenArgmax(maps: string[], imgs: IndexImage[], ctx: BuildContext): IndexImage {
  const { width, height } = imgs[0];
  for (let c = 1; c < imgs.length; c++) {
    if (imgs[c].width !== width || imgs[c].height !== height) {
      fail('size-mismatch', maps[c], `${maps[c]}: label map is ${imgs[c].width}×${imgs[c].height}, ${maps[0]} is ${width}×${height}`);
    }
  }
  const n = width * height;
  const out = new Uint8Array(n);
  if (ctx.helenThreshold) {
    for (let c = 1; c < imgs.length; c++) {
      const d = imgs[c].data;
      for (let i = 0; i < n; i++) if (d[i] > 127) out[i] = c;
    }
  } else {
    const best = new Uint8Array(imgs[0].data);
    for (let c = 1; c < imgs.length; c++) {
      const d = imgs[c].data;
      for (let i = 0; i < n; i++) {
        if (d[i] > best[i]) {
          best[i] = d[i];
          out[i] = c;
        }
      }
    }
  }
  return { width, height, data: out };
}

async function colorMask(file: string, ctx: BuildContext): Promise<MaskPlan> {
  const c = await readPng(file);
  return {
    // the RGB copy (three bytes per pixel) on top of the decode
    cost: pngDecodeCost(c.header) + 3 * c.header.width * c.header.height,
    build: async () => colorToIndex(await decodeChunks(c, file), file, ctx),
  };
}

function colorToIndex(d: DecodedSamples, file: string, ctx: BuildContext): IndexImage {
  let rgb;
  try {
    rgb = samplesToRgb(d, file);
  } catch (err) {
    if (err instanceof PngError) fail('undecodable', file, err.message);
    throw err;
  }
  const map = ctx.colorMap ?? new Map<number, number>();
  const n = rgb.width * rgb.height;
  const out = new Uint8Array(n);
  const unknown = new Map<number, number>();
  const s = rgb.data;
  let lastKey = -1;
  let lastVal = -1;
  for (let i = 0; i < n; i++) {
    const key = packRgb(s[3 * i], s[3 * i + 1], s[3 * i + 2]);
    if (key !== lastKey) {
      lastKey = key;
      lastVal = map.get(key) ?? -1;
    }
    if (lastVal >= 0) out[i] = lastVal;
    else unknown.set(key, (unknown.get(key) ?? 0) + 1);
  }
  if (unknown.size > 0) {
    const total = [...unknown.values()].reduce((a, b) => a + b, 0);
    const list = [...unknown]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, c]) => `rgb(${k >> 16},${(k >> 8) & 255},${k & 255}) ${c} px`)
      .join(', ');
    fail('unknown-color', file, `${file}: colours not in the label map: ${list}${unknown.size > 8 ? `, and ${unknown.size - 8} more` : ''}`, total);
  }
  return { width: rgb.width, height: rgb.height, data: out };
}

/** COCO: decode each RLE and paint its class in annotation order (later wins) over background. */
function cocoMask(spec: Extract<MaskSpec, { kind: 'coco' }>): MaskPlan {
  const { width, height } = spec;
  if (width * height > MAX_PNG_PIXELS) {
    fail('too-large', spec.file, `${spec.file}: image is declared ${width}×${height}, larger than ${Math.sqrt(MAX_PNG_PIXELS)}² pixels`);
  }
  // the mask and one decoded segment at a time
  return { cost: 2 * width * height, build: async () => paintCoco(spec) };
}

function paintCoco(spec: Extract<MaskSpec, { kind: 'coco' }>): IndexImage {
  const { width, height } = spec;
  const out = new Uint8Array(width * height).fill(spec.background);
  spec.segments.forEach((seg, k) => {
    if (seg.size[0] !== height || seg.size[1] !== width) {
      fail('size-mismatch', spec.file, `${spec.file}: segment ${k + 1} is ${seg.size[1]}×${seg.size[0]} (size [h, w]) but its image is declared ${width}×${height}`);
    }
    let bits: Uint8Array;
    try {
      bits = decodeBinary({ size: seg.size, counts: typeof seg.counts === 'string' ? seg.counts : countsToString(seg.counts) });
    } catch (err) {
      fail('undecodable', spec.file, `${spec.file}: segment ${k + 1}: ${(err as Error).message}`);
    }
    for (let i = 0; i < bits.length; i++) if (bits[i]) out[i] = seg.value;
  });
  return { width, height, data: out };
}

/**
 * Read and check the file(s) of `spec` (an ItemProblem for a missing, unreadable, corrupt or too
 * large file, naming it) and return the decode to run, with what it will hold.
 */
export async function planMask(spec: MaskSpec, ctx: BuildContext): Promise<MaskPlan> {
  switch (spec.kind) {
    case 'index':
      return indexMask(spec.path, ctx);
    case 'parts':
      return partsMask(spec.parts, ctx);
    case 'helen':
      return helenMask(spec.maps, ctx);
    case 'color':
      return colorMask(spec.path, ctx);
    case 'coco':
      return cocoMask(spec);
  }
}

/** The file a mask spec is named by in reports. */
export function maskFile(spec: MaskSpec): string {
  switch (spec.kind) {
    case 'index':
    case 'color':
      return spec.path;
    case 'parts':
      return spec.parts[0]?.path ?? '';
    case 'helen':
      return spec.maps[0];
    case 'coco':
      return spec.file;
  }
}

/** Nearest-neighbour upscale by an integer factor (each pixel becomes a k×k block). */
export function upscaleNearest(m: IndexImage, k: number): IndexImage {
  const w = m.width * k;
  const h = m.height * k;
  const out = new Uint8Array(w * h);
  const row = new Uint8Array(w);
  for (let y = 0; y < m.height; y++) {
    const src = y * m.width;
    for (let x = 0; x < m.width; x++) row.fill(m.data[src + x], x * k, x * k + k);
    for (let r = 0; r < k; r++) out.set(row, (y * k + r) * w);
  }
  return { width: w, height: h, data: out };
}
