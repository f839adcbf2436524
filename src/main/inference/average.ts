/**
 * Weight-averaged self-ensemble (DML-CSR, section 3.3, equation 6): from checkpoints of ONE graph, a
 * new ONNX model whose floating-point initializers are
 *
 *     M = k/(k+1) · M_best + 1/((k+1)·N) · Σ_n M_n        (N checkpoints M_1..M_N, a best model M_best)
 *     M = 1/N · Σ_n M_n                                  (no best model: the plain mean)
 *
 * The checkpoints must share one graph: the same nodes in the same order (op type, domain, inputs,
 * outputs, attributes byte for byte), the same graph inputs and outputs, and the same initializer names
 * with the same shapes and element types; the first difference is reported by name. Initializers that
 * are not floating point (int64 shapes, int32 indices, …) must be identical in every checkpoint and are
 * copied; so are subgraphs and Constant tensors, which live in node attributes (compared byte for
 * byte). Normalisation statistics (BatchNorm running mean and variance) are initializers like any
 * other, so they are AVERAGED, not re-estimated on data: averaged weights with averaged statistics are
 * an approximation (docs/noise.md).
 *
 * The output is a byte copy of the template model (the best model, else the first checkpoint) with the
 * float raw_data payloads overwritten in place, so everything else (opsets, value infos, metadata such
 * as the `parsel.card` model card) is kept; a `parsel.averaging` metadata entry records the inputs and
 * the formula. Float32, float64, float16 and bfloat16 are averaged in double precision and rounded once.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { AVERAGING_METADATA_KEY, type AveragingRecord } from '../../shared/models/averaging';
import { appendOnnxMetadata, DataType, readGraphStructure, readInitializers, type InitializerInfo } from './onnx-proto';

export { AVERAGING_METADATA_KEY };
export type { AveragingRecord };

/** `<dir>/<name>.card.json` for `<dir>/<name>.onnx` (as inspect.ts, without loading onnxruntime). */
const cardPathFor = (onnxPath: string) => onnxPath.replace(/\.onnx$/i, '') + '.card.json';

export interface Checkpoint {
  /** Shown in errors and recorded in the metadata (a file name). */
  name: string;
  bytes: Uint8Array;
}

export interface AverageOptions {
  /** The best model M_best (may also be one of the checkpoints). */
  best?: Checkpoint;
  /** Weight of the best model, k >= 0 (default 1). Only with `best`. */
  k?: number;
}

export class GraphMismatchError extends Error {}

const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]);
const TYPE_NAMES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 16: 'bfloat16' };
const typeName = (t: number) => TYPE_NAMES[t] ?? `type ${t}`;
const list = (xs: readonly (string | number)[]) => `[${xs.join(', ')}]`;
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Throws GraphMismatchError naming the first difference between checkpoint `b` and the template `a`. */
export function checkSameGraph(a: Checkpoint, b: Checkpoint): void {
  const ga = readGraphStructure(a.bytes);
  const gb = readGraphStructure(b.bytes);
  const fail = (what: string) => {
    throw new GraphMismatchError(`${b.name} does not share the graph of ${a.name}: ${what}`);
  };
  if (!sameList(ga.inputs, gb.inputs)) fail(`graph inputs differ: ${list(ga.inputs)} vs ${list(gb.inputs)}`);
  if (!sameList(ga.outputs, gb.outputs)) fail(`graph outputs differ: ${list(ga.outputs)} vs ${list(gb.outputs)}`);
  const n = Math.min(ga.nodes.length, gb.nodes.length);
  for (let i = 0; i < n; i++) {
    const x = ga.nodes[i];
    const y = gb.nodes[i];
    const label = `node ${i} (${x.name || x.op})`;
    if (x.op !== y.op || x.domain !== y.domain) fail(`${label}: op type ${x.domain ? `${x.domain}.` : ''}${x.op} vs ${y.domain ? `${y.domain}.` : ''}${y.op}`);
    if (!sameList(x.inputs, y.inputs)) fail(`${label}: inputs ${list(x.inputs)} vs ${list(y.inputs)}`);
    if (!sameList(x.outputs, y.outputs)) fail(`${label}: outputs ${list(x.outputs)} vs ${list(y.outputs)}`);
    if (!sameList(x.attributes.map((t) => t.name), y.attributes.map((t) => t.name))) {
      fail(`${label}: attributes ${list(x.attributes.map((t) => t.name))} vs ${list(y.attributes.map((t) => t.name))}`);
    }
    x.attributes.forEach((t, j) => {
      if (!sameBytes(t.bytes, y.attributes[j].bytes)) fail(`${label}: attribute "${t.name}" differs`);
    });
  }
  if (ga.nodes.length !== gb.nodes.length) fail(`${ga.nodes.length} nodes vs ${gb.nodes.length}`);
  const ia = readInitializers(a.bytes);
  const ib = new Map(readInitializers(b.bytes).map((t) => [t.name, t]));
  for (const t of ia) {
    const u = ib.get(t.name);
    if (!u) fail(`initializer "${t.name}" is missing`);
    else {
      if (!sameList(t.dims, u.dims)) fail(`initializer "${t.name}" has shape ${list(u.dims)}, not ${list(t.dims)}`);
      if (t.dataType !== u.dataType) fail(`initializer "${t.name}" is ${typeName(u.dataType)}, not ${typeName(t.dataType)}`);
    }
  }
  if (ib.size !== ia.length) {
    const names = new Set(ia.map((t) => t.name));
    const extra = [...ib.keys()].find((k) => !names.has(k));
    fail(`initializer "${extra}" is not in ${a.name}`);
  }
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// float16 / bfloat16 <-> number
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
export function numberToHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const s = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return s | 0x7c00;
  if (a < 2 ** -24 / 2) return s;
  let e = Math.floor(Math.log2(a));
  if (e < -14) return s | Math.round(a / 2 ** -24); // subnormal
  let m = Math.round((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return s | 0x7c00;
  return s | ((e + 15) << 10) | m;
}
export function bf16ToNumber(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}
export function numberToBf16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if (Number.isNaN(f32[0])) return 0x7fc0;
  return ((x + 0x7fff + ((x >> 16) & 1)) >>> 16) & 0xffff; // round to nearest even
}

function readValues(t: InitializerInfo, raw: Uint8Array): Float64Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const size = t.dataType === DataType.DOUBLE ? 8 : t.dataType === DataType.FLOAT ? 4 : 2;
  const n = raw.byteLength / size;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (t.dataType === DataType.FLOAT) out[i] = dv.getFloat32(i * 4, true);
    else if (t.dataType === DataType.DOUBLE) out[i] = dv.getFloat64(i * 8, true);
    else if (t.dataType === DataType.FLOAT16) out[i] = halfToNumber(dv.getUint16(i * 2, true));
    else out[i] = bf16ToNumber(dv.getUint16(i * 2, true));
  }
  return out;
}

function writeValues(t: InitializerInfo, v: Float64Array, out: Uint8Array): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < v.length; i++) {
    if (t.dataType === DataType.FLOAT) dv.setFloat32(i * 4, v[i], true);
    else if (t.dataType === DataType.DOUBLE) dv.setFloat64(i * 8, v[i], true);
    else if (t.dataType === DataType.FLOAT16) dv.setUint16(i * 2, numberToHalf(v[i]), true);
    else dv.setUint16(i * 2, numberToBf16(v[i]), true);
  }
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Averages checkpoints of one graph (file header); returns the new model's bytes and the record. */
export function averageCheckpoints(checkpoints: Checkpoint[], opts: AverageOptions = {}): { model: Uint8Array; record: AveragingRecord } {
  const N = checkpoints.length;
  if (N === 0) throw new Error('average: no checkpoints given');
  if (!opts.best && N < 2) throw new Error('average: the plain mean needs at least two checkpoints (or give a best model)');
  if (opts.k !== undefined && !opts.best) throw new Error('average: k weighs the best model; give a best model with it');
  const k = opts.k ?? 1;
  if (!Number.isFinite(k) || k < 0) throw new Error(`average: k must be a finite number >= 0, got ${k}`);
  const template = opts.best ?? checkpoints[0];
  for (const c of opts.best ? checkpoints : checkpoints.slice(1)) checkSameGraph(template, c);

  const inits = readInitializers(template.bytes);
  const byName = checkpoints.map((c) => new Map(readInitializers(c.bytes).map((t) => [t.name, t])));
  const out = template.bytes.slice();
  const base = template.bytes.byteOffset;
  let averaged = 0;
  let copied = 0;
  for (const t of inits) {
    const others = byName.map((m) => m.get(t.name)!);
    const where = [t, ...others].findIndex((x) => x.raw === null);
    if (where >= 0) {
      const who = where === 0 ? template.name : checkpoints[where - 1].name;
      throw new Error(`${who}: initializer "${t.name}" keeps its values outside raw_data (typed fields or external data); re-save the model with raw data`);
    }
    if (!FLOAT_TYPES.has(t.dataType)) {
      others.forEach((u, i) => {
        if (!sameBytes(u.raw!, t.raw!)) {
          throw new GraphMismatchError(`${checkpoints[i].name}: ${typeName(t.dataType)} initializer "${t.name}" differs from ${template.name}; only floating-point initializers are averaged, the others must be identical`);
        }
      });
      copied++;
      continue;
    }
    const acc = new Float64Array(readValues(t, t.raw!).length);
    for (const u of others) {
      const v = readValues(u, u.raw!);
      for (let i = 0; i < acc.length; i++) acc[i] += v[i];
    }
    if (opts.best) {
      const b = readValues(t, t.raw!);
      const wb = k / (k + 1);
      const wn = 1 / ((k + 1) * N);
      for (let i = 0; i < acc.length; i++) acc[i] = wb * b[i] + wn * acc[i];
    } else {
      for (let i = 0; i < acc.length; i++) acc[i] /= N;
    }
    const off = t.raw!.byteOffset - base;
    writeValues(t, acc, out.subarray(off, off + t.raw!.byteLength));
    averaged++;
  }
  const record: AveragingRecord = {
    formula: opts.best ? 'M = k/(k+1)·M_best + 1/((k+1)·N)·Σ_n M_n (DML-CSR eq. 6)' : 'M = 1/N·Σ_n M_n',
    k: opts.best ? k : null,
    best: opts.best ? { name: opts.best.name, sha256: sha256(opts.best.bytes) } : null,
    checkpoints: checkpoints.map((c) => ({ name: c.name, sha256: sha256(c.bytes) })),
    averagedInitializers: averaged,
    copiedInitializers: copied,
    normalisation: 'BatchNorm running statistics averaged like the weights, not re-estimated on data',
  };
  return { model: appendOnnxMetadata(out, { [AVERAGING_METADATA_KEY]: JSON.stringify(record) }), record };
}

/**
 * File version: reads the checkpoints, writes `outPath` atomically (temp file + rename) and, when the
 * template model has a `<name>.card.json` beside it, copies it to `<out>.card.json` (a card stored in
 * the ONNX metadata travels with the bytes).
 */
export function averageFiles(outPath: string, checkpointPaths: string[], opts: { best?: string; k?: number } = {}): { record: AveragingRecord; card: string | null } {
  const read = (p: string): Checkpoint => {
    if (!existsSync(p)) throw new Error(`checkpoint not found: ${p}`);
    return { name: basename(p), bytes: new Uint8Array(readFileSync(p)) };
  };
  const ckpts = checkpointPaths.map(read);
  const best = opts.best !== undefined ? read(opts.best) : undefined;
  const { model, record } = averageCheckpoints(ckpts, { best, k: opts.k });
  const tmp = `${outPath}.tmp-${process.pid}`;
  writeFileSync(tmp, model);
  renameSync(tmp, outPath);
  const side = cardPathFor(opts.best ?? checkpointPaths[0]);
  let card: string | null = null;
  if (existsSync(side)) {
    card = cardPathFor(outPath);
    copyFileSync(side, card);
  }
  return { record, card };
}
