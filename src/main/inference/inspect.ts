/**
 * Reading a model's graph signature and card, and checking one against the other.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { formatShape, isFixedDim } from '../../shared/models/shape';
import { getSchema } from '../../shared/schema';
import { CARD_METADATA_KEY, parseModelCardJson, type DetectorCard, type InputSpec, type ModelCard } from '../../shared/models/card';
import { readOnnxMetadata } from './onnx-proto';

export interface TensorInfo {
  name: string;
  /** onnxruntime type name ('float32', 'uint8', …) or 'non-tensor'. */
  type: string;
  /** Dimension sizes; a string is symbolic (dynamic), -1 unknown. */
  shape: (number | string)[];
}

export interface GraphInfo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** ONNX metadata_props. */
  metadata: Record<string, string>;
}

function toInfo(m: ort.InferenceSession.ValueMetadata): TensorInfo {
  if (!m.isTensor) return { name: m.name, type: 'non-tensor', shape: [] };
  return { name: m.name, type: m.type, shape: [...m.shape] };
}

/**
 * Reads the graph's inputs and outputs (through an onnxruntime CPU session) and its metadata. Give
 * `path` with the bytes of a model file: the session then loads the file, so that weights kept beside
 * it as external data (`<model>.onnx.data`, what torch.onnx.export writes by default) are found.
 */
export async function inspectModel(model: string | Uint8Array, path?: string): Promise<GraphInfo> {
  const bytes = typeof model === 'string' ? new Uint8Array(readFileSync(model)) : model;
  const file = typeof model === 'string' ? model : path;
  const opts: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' };
  const session = file !== undefined ? await ort.InferenceSession.create(file, opts) : await ort.InferenceSession.create(bytes, opts);
  try {
    return {
      inputs: session.inputMetadata.map(toInfo),
      outputs: session.outputMetadata.map(toInfo),
      metadata: readOnnxMetadata(bytes),
    };
  } finally {
    await session.release();
  }
}

/** `<dir>/<name>.card.json` for `<dir>/<name>.onnx`. */
export function cardPathFor(onnxPath: string): string {
  return onnxPath.replace(/\.onnx$/i, '') + '.card.json';
}

/**
 * The card of a model: `<name>.card.json` beside it, else the `parsel.card` ONNX metadata entry.
 * Throws an Error listing every problem, naming the card's file.
 */
export function loadModelCard(onnxPath: string): ModelCard {
  const side = cardPathFor(onnxPath);
  let text: string;
  let origin: string;
  if (existsSync(side)) {
    text = readFileSync(side, 'utf8');
    origin = side;
  } else {
    const meta = readOnnxMetadata(onnxPath);
    if (meta[CARD_METADATA_KEY] === undefined) {
      throw new Error(`no model card for ${onnxPath}: write ${side} or store the card in the ONNX metadata key "${CARD_METADATA_KEY}"`);
    }
    text = meta[CARD_METADATA_KEY];
    origin = `${onnxPath} (metadata "${CARD_METADATA_KEY}")`;
  }
  const r = parseModelCardJson(text, origin);
  if (!r.ok) throw new Error(`invalid model card:\n  ${r.problems.join('\n  ')}`);
  return r.card;
}

const fmt = formatShape;
const fixed = isFixedDim;

const names = (xs: TensorInfo[]) => xs.map((x) => `"${x.name}" ${fmt(x.shape)}`).join(', ');

/** The card's image input against the graph's inputs (parser and detector cards alike). */
function checkInput(spec: InputSpec, graph: GraphInfo): string[] {
  const card = { input: spec };
  const problems: string[] = [];
  const inp = graph.inputs.find((i) => i.name === card.input.name);
  if (!inp) {
    problems.push(`input.name: the graph has no input "${card.input.name}"; its inputs are ${names(graph.inputs)}`);
  } else {
    if (inp.type !== 'float32') problems.push(`input "${inp.name}" is ${inp.type}; Parsel feeds float32 images`);
    if (inp.shape.length !== 4) {
      problems.push(
        `input "${inp.name}" has rank ${inp.shape.length} ${fmt(inp.shape)}; an image input has rank 4 ` +
          `(${card.input.layout === 'NCHW' ? '[N, 3, H, W] for NCHW' : '[N, H, W, 3] for NHWC'})`,
      );
    } else {
      const [n, a, b, c] = inp.shape;
      const ch = card.input.layout === 'NCHW' ? a : c;
      const other = card.input.layout === 'NCHW' ? c : a;
      const otherLayout = card.input.layout === 'NCHW' ? 'NHWC' : 'NCHW';
      if (fixed(other) && other === 3 && !(fixed(ch) && ch === 3)) {
        problems.push(`input "${inp.name}" ${fmt(inp.shape)} looks ${otherLayout} (3 channels in ${otherLayout} position) but the card says ${card.input.layout}: set input.layout to "${otherLayout}"`);
      } else {
        if (fixed(ch) && ch !== 3) {
          problems.push(`input "${inp.name}" ${fmt(inp.shape)} has ${ch} channels where the card's layout ${card.input.layout} puts them; expected 3`);
        }
        const [h, w] = card.input.layout === 'NCHW' ? [b, c] : [a, b];
        if (fixed(h) && h !== card.input.height) problems.push(`input.height: the card says ${card.input.height} but the graph's input height is ${h} ${fmt(inp.shape)}`);
        if (fixed(w) && w !== card.input.width) problems.push(`input.width: the card says ${card.input.width} but the graph's input width is ${w} ${fmt(inp.shape)}`);
      }
      if (fixed(n) && n !== 1) problems.push(`input "${inp.name}" has a fixed batch of ${n}; Parsel feeds batches of 1 (export with a dynamic or unit batch)`);
    }
    const others = graph.inputs.filter((i) => i.name !== card.input.name);
    if (others.length > 0) problems.push(`the graph has other inputs Parsel cannot feed: ${names(others)}`);
  }
  return problems;
}

/**
 * Checks a card against the graph. Returns one message per problem (empty = consistent): the input
 * name, element type, rank, layout/channel count, fixed spatial size, the output name, rank and the
 * number of classes against the card's label schema.
 */
export function checkCard(card: ModelCard, graph: GraphInfo): string[] {
  const problems = checkInput(card.input, graph);
  const outName = card.output.name ?? graph.outputs[0]?.name;
  const out = graph.outputs.find((o) => o.name === outName);
  if (!out) {
    problems.push(`output.name: the graph has no output "${outName}"; its outputs are ${names(graph.outputs)}`);
  } else {
    const K = getSchema(card.labels).classes.length;
    if (out.type !== 'float32') problems.push(`output "${out.name}" is ${out.type}; Parsel reads float32 ${card.output.kind}`);
    if (out.shape.length !== 4) {
      problems.push(
        `output "${out.name}" has rank ${out.shape.length} ${fmt(out.shape)}; expected rank 4 per-class maps ` +
          `(${card.output.layout === 'NCHW' ? '[N, K, h, w]' : '[N, h, w, K]'}). A rank-3 output is usually already an argmax: export the logits instead`,
      );
    } else {
      const k = card.output.layout === 'NCHW' ? out.shape[1] : out.shape[3];
      if (fixed(k) && k !== K) {
        problems.push(
          `output "${out.name}" ${fmt(out.shape)} has ${k} classes but the card's schema "${card.labels}" has ${K}; ` +
            `choose the schema the model was trained with (or check output.layout)`,
        );
      }
    }
  }
  return problems;
}

/**
 * Checks a face-detector card against the graph: the image input as for parser cards, then the boxes
 * output (exists, float32, [1, N, 4] or [N, 4]) and the scores output (exists, float32, [1, N, C] or
 * [N, C] with faceIndex < C, the same N as the boxes when both are fixed).
 */
export function checkDetectorCard(card: DetectorCard, graph: GraphInfo): string[] {
  const problems = checkInput(card.input, graph);
  const find = (field: string, name: string): TensorInfo | undefined => {
    const o = graph.outputs.find((x) => x.name === name);
    if (!o) problems.push(`${field}: the graph has no output "${name}"; its outputs are ${names(graph.outputs)}`);
    else if (o.type !== 'float32') problems.push(`output "${o.name}" is ${o.type}; Parsel reads float32 detector outputs`);
    return o;
  };
  const boxes = find('output.boxes.name', card.output.boxes.name);
  const scores = find('output.scores.name', card.output.scores.name);
  let nBoxes: number | string | undefined;
  if (boxes) {
    const r = boxes.shape.length;
    if (r !== 3 && r !== 2) {
      problems.push(`output "${boxes.name}" has rank ${r} ${fmt(boxes.shape)}; boxes are [1, N, 4] or [N, 4] (decoded boxes; anchor-based raw outputs are not supported)`);
    } else {
      if (r === 3 && fixed(boxes.shape[0]) && boxes.shape[0] !== 1) problems.push(`output "${boxes.name}" ${fmt(boxes.shape)} has a batch of ${boxes.shape[0]}; expected 1`);
      const last = boxes.shape[r - 1];
      if (fixed(last) && last !== 4) problems.push(`output "${boxes.name}" ${fmt(boxes.shape)} has ${last} numbers per box; a box is 4 numbers (${card.output.boxes.format})`);
      nBoxes = boxes.shape[r - 2];
    }
  }
  if (scores) {
    const r = scores.shape.length;
    if (r !== 3 && r !== 2) {
      problems.push(`output "${scores.name}" has rank ${r} ${fmt(scores.shape)}; scores are [1, N, C] or [N, C]`);
    } else {
      if (r === 3 && fixed(scores.shape[0]) && scores.shape[0] !== 1) problems.push(`output "${scores.name}" ${fmt(scores.shape)} has a batch of ${scores.shape[0]}; expected 1`);
      const c = scores.shape[r - 1];
      if (fixed(c) && card.output.scores.faceIndex >= c) {
        problems.push(`output.scores.faceIndex: ${card.output.scores.faceIndex} but "${scores.name}" ${fmt(scores.shape)} has ${c} score channel${c === 1 ? '' : 's'} (indices 0..${c - 1})`);
      }
      const n = scores.shape[r - 2];
      if (fixed(n) && fixed(nBoxes) && n !== nBoxes) problems.push(`outputs "${card.output.boxes.name}" ${fmt(boxes?.shape ?? [])} and "${scores.name}" ${fmt(scores.shape)} disagree on the number of candidates (${nBoxes} vs ${n})`);
    }
  }
  return problems;
}

/** Side of the probe input where the graph leaves the spatial size open (a multiple of 32: strided encoders). */
export const PROBE_SIZE = 64;

/**
 * When the graph leaves the parser output's class dimension symbolic (`[1, ?, ?, ?]`, common in
 * exports with dynamic axes), the class count can only be learnt by running the model: one CPU run on
 * a small input (PROBE_SIZE² where the graph's spatial size is open, else the graph's; once more at
 * the card's size if that fails). Returns the problems (empty when the count fits the card, or when
 * the graph fixes it and `checkCard` has already compared it). Call it after `checkCard` found none.
 */
export async function probeClassCount(path: string, card: ModelCard, graph: GraphInfo): Promise<string[]> {
  const outName = card.output.name ?? graph.outputs[0]?.name;
  const out = graph.outputs.find((o) => o.name === outName);
  const inp = graph.inputs.find((i) => i.name === card.input.name);
  if (!out || !inp || out.shape.length !== 4 || inp.shape.length !== 4) return [];
  const nchwOut = card.output.layout === 'NCHW';
  if (fixed(nchwOut ? out.shape[1] : out.shape[3])) return [];
  const K = getSchema(card.labels).classes.length;
  const nchw = card.input.layout === 'NCHW';
  const [gh, gw] = nchw ? [inp.shape[2], inp.shape[3]] : [inp.shape[1], inp.shape[2]];
  const sizes: [number, number][] = [[fixed(gh) ? gh : Math.min(PROBE_SIZE, card.input.height), fixed(gw) ? gw : Math.min(PROBE_SIZE, card.input.width)]];
  if (sizes[0][0] !== card.input.height || sizes[0][1] !== card.input.width) sizes.push([card.input.height, card.input.width]);
  const session = await ort.InferenceSession.create(path, { executionProviders: ['cpu'] });
  try {
    let lastError = '';
    for (const [h, w] of sizes) {
      const dims = nchw ? [1, 3, h, w] : [1, h, w, 3];
      const x = new Float32Array(3 * h * w);
      for (let i = 0; i < x.length; i++) x[i] = (i % 7) / 7;
      let got: readonly number[];
      try {
        const r = await session.run({ [inp.name]: new ort.Tensor('float32', x, dims) }, [out.name]);
        got = r[out.name].dims;
      } catch (err) {
        lastError = (err instanceof Error ? err.message : String(err)).split('\n')[0];
        continue;
      }
      const at = `a probe run on a ${formatShape(dims)} input gave ${formatShape(got)}`;
      if (got.length !== 4) return [`output "${out.name}" ${fmt(out.shape)}: ${at}, rank ${got.length}; expected rank 4 per-class maps`];
      const k = nchwOut ? got[1] : got[3];
      if (k !== K) {
        return [
          `output "${out.name}" ${fmt(out.shape)} leaves the class count open and ${at}: ${k} classes, but the card's schema "${card.labels}" has ${K}; ` +
            `choose the schema the model was trained with (or check output.layout)`,
        ];
      }
      return [];
    }
    return [`output "${out.name}" ${fmt(out.shape)} leaves the class count open, and a probe run to learn it failed: ${lastError}`];
  } finally {
    await session.release();
  }
}
