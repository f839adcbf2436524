/**
 * The ONNX model writer of the test tooling: a model description (nodes, inputs, outputs, initializers,
 * metadata) → ONNX bytes (IR 8, default opset 17), on the protobuf encoder of
 * src/main/inference/onnx-proto.ts. Tests and benchmarks generate their models with it (onnx-gen.ts);
 * production code reads ONNX files but never writes whole models, so this is not shipped.
 *
 * Field numbers follow onnx/onnx.proto3 (see onnx-proto.ts).
 */
import { DataType, encode, FixedFloat, type Field, type Msg } from '../../src/main/inference/onnx-proto';

export { DataType };

const utf8 = new TextEncoder();

export interface TensorInit {
  name: string;
  dims: number[];
  /** Float32 (FLOAT) or BigInt64Array (INT64) or Int32Array (INT32). */
  data: Float32Array | BigInt64Array | Int32Array;
}

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { tensor: TensorInit };

export interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, AttrValue>;
}

export interface ValueDef {
  name: string;
  /** Element type (default FLOAT). */
  elemType?: number;
  /** Dimension sizes; a string is a symbolic (dynamic) dimension. */
  shape: (number | string)[];
}

export interface ModelDef {
  nodes: NodeDef[];
  inputs: ValueDef[];
  outputs: ValueDef[];
  initializers: TensorInit[];
  metadata?: Record<string, string>;
  producer?: string;
  graphName?: string;
  opset?: number;
}

function tensorMsg(t: TensorInit): Msg {
  const m: Msg = t.dims.map((d): Field => [1, d]);
  const type = t.data instanceof Float32Array ? DataType.FLOAT : t.data instanceof BigInt64Array ? DataType.INT64 : DataType.INT32;
  m.push([2, type], [8, t.name]);
  m.push([9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)]);
  return m;
}

function attrMsg(name: string, v: AttrValue): Msg {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    return [[1, name], [3, v], [20, 2]];
  }
  if (typeof v === 'string') return [[1, name], [4, utf8.encode(v)], [20, 3]];
  if (Array.isArray(v)) return [[1, name], ...v.map((x): Field => [8, x]), [20, 7]];
  if ('float' in v) return [[1, name], [2, new FixedFloat(v.float)], [20, 1]];
  if ('floats' in v) return [[1, name], ...v.floats.map((x): Field => [7, new FixedFloat(x)]), [20, 6]];
  return [[1, name], [5, tensorMsg(v.tensor)], [20, 4]];
}

function valueInfoMsg(v: ValueDef): Msg {
  const dims: Msg = v.shape.map((d): Field => [1, typeof d === 'number' ? [[1, d]] : [[2, d]]]);
  return [
    [1, v.name],
    [2, [[1, [[1, v.elemType ?? DataType.FLOAT], [2, dims]]]]],
  ];
}

/** Serialises a model (IR 8, default opset 17). */
export function encodeModel(def: ModelDef): Uint8Array {
  const graph: Msg = [];
  def.nodes.forEach((n, i) => {
    const m: Msg = [];
    for (const x of n.inputs) m.push([1, x]);
    for (const x of n.outputs) m.push([2, x]);
    m.push([3, n.name ?? `${n.op}_${i}`], [4, n.op]);
    for (const [k, v] of Object.entries(n.attrs ?? {})) m.push([5, attrMsg(k, v)]);
    graph.push([1, m]);
  });
  graph.push([2, def.graphName ?? 'graph']);
  for (const t of def.initializers) graph.push([5, tensorMsg(t)]);
  for (const v of def.inputs) graph.push([11, valueInfoMsg(v)]);
  for (const v of def.outputs) graph.push([12, valueInfoMsg(v)]);
  const model: Msg = [
    [1, 8],
    [2, def.producer ?? 'parsel'],
    [3, '1'],
    [7, graph],
    [8, [[1, ''], [2, def.opset ?? 17]]],
  ];
  for (const [k, v] of Object.entries(def.metadata ?? {})) model.push([14, [[1, k], [2, v]]]);
  return encode(model);
}
