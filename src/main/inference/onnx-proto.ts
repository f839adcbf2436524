/**
 * A small ONNX protobuf encoder and reader (no dependency): enough to read and append `metadata_props`
 * (where a model card may live) and to list initializers (weight averaging of issue 5 rewrites them).
 * Whole test models are written by test/tooling/onnx-writer.ts on top of `encode`.
 *
 * Field numbers follow onnx/onnx.proto3 (IR version 8, opset 17):
 *   ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8, metadata_props 14
 *   GraphProto: node 1, name 2, initializer 5, input 11, output 12
 *   NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7
 *   AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, type 20
 *   TensorProto: dims 1, data_type 2, name 8, raw_data 9
 *   ValueInfoProto: name 1, type 2; TypeProto.tensor_type 1 { elem_type 1, shape 2 { dim 1 { value 1 | param 2 } } }
 */
import { readFileSync } from 'node:fs';

// ---------------------------------------------------------------------------------------------------
// Encoder

class Writer {
  private chunks: Uint8Array[] = [];
  private cur = new Uint8Array(1024);
  private pos = 0;
  length = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.pos));
    this.cur = new Uint8Array(Math.max(1024, n));
    this.pos = 0;
  }
  varint(v: number | bigint): void {
    let b = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    do {
      let byte = Number(b & 0x7fn);
      b >>= 7n;
      if (b !== 0n) byte |= 0x80;
      this.cur[this.pos++] = byte;
      this.length++;
    } while (b !== 0n);
  }
  bytes(data: Uint8Array): void {
    if (data.length > 4096) {
      this.chunks.push(this.cur.subarray(0, this.pos));
      this.chunks.push(data);
      this.cur = new Uint8Array(1024);
      this.pos = 0;
    } else {
      this.ensure(data.length);
      this.cur.set(data, this.pos);
      this.pos += data.length;
    }
    this.length += data.length;
  }
  finish(): Uint8Array {
    this.chunks.push(this.cur.subarray(0, this.pos));
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

export type Field = [field: number, value: Msg | string | number | bigint | Uint8Array | FixedFloat];
/** A message: fields in order (repeated fields are repeated entries). */
export type Msg = Field[];
/** A 32-bit float field (wire type 5). */
export class FixedFloat {
  constructor(readonly v: number) {}
}

const utf8 = new TextEncoder();

/** Serialises a message (numbers as varints, strings as UTF-8, nested messages as length-delimited). */
export function encode(msg: Msg): Uint8Array {
  const w = new Writer();
  for (const [f, v] of msg) {
    if (typeof v === 'number' || typeof v === 'bigint') {
      w.varint((f << 3) | 0);
      w.varint(v);
    } else if (v instanceof FixedFloat) {
      w.varint((f << 3) | 5);
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, v.v, true);
      w.bytes(b);
    } else {
      const data = typeof v === 'string' ? utf8.encode(v) : v instanceof Uint8Array ? v : encode(v);
      w.varint((f << 3) | 2);
      w.varint(data.length);
      w.bytes(data);
    }
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------------
// ONNX pieces used by production code (the model writer `encodeModel` is test tooling:
// test/tooling/onnx-writer.ts)

/** TensorProto.DataType values. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16 } as const;

/**
 * Returns the model bytes with metadata entries appended (protobuf merges repeated fields by
 * concatenation, so the rest of the file is untouched). An existing key is superseded in readers that
 * take the last entry, as `readOnnxMetadata` does.
 */
export function appendOnnxMetadata(model: Uint8Array, props: Record<string, string>): Uint8Array {
  const extra = encode(Object.entries(props).map(([k, v]): Field => [14, [[1, k], [2, v]]]));
  const out = new Uint8Array(model.length + extra.length);
  out.set(model, 0);
  out.set(extra, model.length);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Decoder (scans fields; nested messages are decoded on demand)

interface RawField {
  field: number;
  wire: number;
  /** varint value for wire 0; for wire 2 the payload; for wire 5/1 the bytes. */
  value: bigint | Uint8Array;
}

function* scan(buf: Uint8Array): Generator<RawField> {
  let p = 0;
  const varint = (): bigint => {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      if (p >= buf.length) throw new Error('onnx: truncated varint');
      const b = buf[p++];
      r |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return r;
      shift += 7n;
    }
  };
  while (p < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { field, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (p + len > buf.length) throw new Error('onnx: truncated field');
      yield { field, wire, value: buf.subarray(p, p + len) };
      p += len;
    } else if (wire === 5) {
      yield { field, wire, value: buf.subarray(p, p + 4) };
      p += 4;
    } else if (wire === 1) {
      yield { field, wire, value: buf.subarray(p, p + 8) };
      p += 8;
    } else throw new Error(`onnx: unsupported wire type ${wire} (not an ONNX file?)`);
  }
}

const utf8d = new TextDecoder();

/** metadata_props of an ONNX file (bytes or path); later entries win. */
export function readOnnxMetadata(model: Uint8Array | string): Record<string, string> {
  const buf = typeof model === 'string' ? new Uint8Array(readFileSync(model)) : model;
  const out: Record<string, string> = {};
  for (const f of scan(buf)) {
    if (f.field !== 14 || f.wire !== 2) continue;
    let k = '';
    let v = '';
    for (const g of scan(f.value as Uint8Array)) {
      if (g.field === 1) k = utf8d.decode(g.value as Uint8Array);
      if (g.field === 2) v = utf8d.decode(g.value as Uint8Array);
    }
    out[k] = v;
  }
  return out;
}

export interface InitializerInfo {
  name: string;
  dims: number[];
  dataType: number;
  /** raw_data bytes (a view into the model buffer), or null when stored in typed fields / externally. */
  raw: Uint8Array | null;
}

/** Initializers of the main graph (name, dims, type, raw bytes view). */
export function readInitializers(model: Uint8Array): InitializerInfo[] {
  const out: InitializerInfo[] = [];
  for (const f of scan(model)) {
    if (f.field !== 7 || f.wire !== 2) continue;
    for (const g of scan(f.value as Uint8Array)) {
      if (g.field !== 5 || g.wire !== 2) continue;
      const t: InitializerInfo = { name: '', dims: [], dataType: 0, raw: null };
      for (const h of scan(g.value as Uint8Array)) {
        if (h.field === 1 && h.wire === 0) t.dims.push(Number(h.value));
        else if (h.field === 1 && h.wire === 2) for (const d of scan(h.value as Uint8Array)) t.dims.push(Number(d.value));
        else if (h.field === 2) t.dataType = Number(h.value);
        else if (h.field === 8) t.name = utf8d.decode(h.value as Uint8Array);
        else if (h.field === 9) t.raw = h.value as Uint8Array;
      }
      out.push(t);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Graph structure (weight averaging checks that checkpoints share one graph)

export interface NodeStructure {
  name: string;
  op: string;
  /** Operator domain ('' = the default ONNX domain). */
  domain: string;
  inputs: string[];
  outputs: string[];
  /** Each attribute's encoded AttributeProto bytes, in file order (compared byte for byte). */
  attributes: { name: string; bytes: Uint8Array }[];
}

export interface GraphStructure {
  nodes: NodeStructure[];
  /** Names of the graph's inputs and outputs, in order. */
  inputs: string[];
  outputs: string[];
}

/** The main graph's nodes (op, domain, inputs, outputs, attributes) and its input/output names. */
export function readGraphStructure(model: Uint8Array): GraphStructure {
  const out: GraphStructure = { nodes: [], inputs: [], outputs: [] };
  const nameOf = (b: Uint8Array): string => {
    for (const h of scan(b)) if (h.field === 1 && h.wire === 2) return utf8d.decode(h.value as Uint8Array);
    return '';
  };
  for (const f of scan(model)) {
    if (f.field !== 7 || f.wire !== 2) continue;
    for (const g of scan(f.value as Uint8Array)) {
      if (g.wire !== 2) continue;
      if (g.field === 1) {
        const n: NodeStructure = { name: '', op: '', domain: '', inputs: [], outputs: [], attributes: [] };
        for (const h of scan(g.value as Uint8Array)) {
          if (h.wire !== 2) continue;
          const v = h.value as Uint8Array;
          if (h.field === 1) n.inputs.push(utf8d.decode(v));
          else if (h.field === 2) n.outputs.push(utf8d.decode(v));
          else if (h.field === 3) n.name = utf8d.decode(v);
          else if (h.field === 4) n.op = utf8d.decode(v);
          else if (h.field === 5) n.attributes.push({ name: nameOf(v), bytes: v });
          else if (h.field === 7) n.domain = utf8d.decode(v);
        }
        out.nodes.push(n);
      } else if (g.field === 11) out.inputs.push(nameOf(g.value as Uint8Array));
      else if (g.field === 12) out.outputs.push(nameOf(g.value as Uint8Array));
    }
  }
  return out;
}
