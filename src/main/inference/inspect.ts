/**
 * Reading a model's graph signature and card, and checking one against the other.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import './ort-log';
import { formatShape, isFixedDim } from '../../shared/models/shape';
import { getSchema } from '../../shared/schema';
import { CARD_METADATA_KEY, embeddingInputs, parseModelCardJson, type DetectorCard, type InputSpec, type ModelCard, type PromptableCard } from '../../shared/models/card';
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

/**
 * Checks a promptable (SAM-family) card against its encoder's and decoder's graphs: the encoder's image
 * input ([1, 3, size, size] float32, nothing else to feed) and outputs; the decoder's embedding inputs
 * (matching the encoder outputs' shapes where both are fixed), point coordinates [1, N, 2], labels
 * [1, N], the optional previous-mask input, its flag and the image size, nothing else to feed; the
 * masks output [1, M, h, w] and the scores [1, M]. `encoder` null: its file could not be read (reported
 * by the caller); only the decoder is checked.
 */
export function checkPromptableCard(card: PromptableCard, encoder: GraphInfo | null, decoder: GraphInfo): string[] {
  const problems: string[] = [];
  const enc = card.encoder;
  const dec = card.decoder;
  const encOut = new Map<string, TensorInfo>();
  if (encoder) {
    const inp = encoder.inputs.find((i) => i.name === enc.input);
    if (!inp) problems.push(`encoder.input: the encoder has no input "${enc.input}"; its inputs are ${names(encoder.inputs)}`);
    else {
      if (inp.type !== 'float32') problems.push(`encoder input "${inp.name}" is ${inp.type}; Parsel feeds float32 images`);
      if (inp.shape.length !== 4) problems.push(`encoder input "${inp.name}" has rank ${inp.shape.length} ${fmt(inp.shape)}; Parsel feeds [1, 3, ${enc.size}, ${enc.size}] (NCHW)`);
      else {
        const [n, c, h, w] = inp.shape;
        if (fixed(n) && n !== 1) problems.push(`encoder input "${inp.name}" ${fmt(inp.shape)} has a batch of ${n}; Parsel feeds 1`);
        if (fixed(c) && c !== 3) problems.push(`encoder input "${inp.name}" ${fmt(inp.shape)} has ${c} channels in NCHW position; expected 3${w === 3 ? ' (it looks HWC/NHWC: export the encoder with an NCHW input)' : ''}`);
        if ((fixed(h) && h !== enc.size) || (fixed(w) && w !== enc.size)) problems.push(`encoder.size: the card says ${enc.size} but the encoder's input is ${fmt(inp.shape)}`);
      }
    }
    const others = encoder.inputs.filter((i) => i.name !== enc.input);
    if (others.length) problems.push(`the encoder has other inputs Parsel cannot feed: ${names(others)}`);
    for (const o of enc.outputs) {
      const t = encoder.outputs.find((x) => x.name === o);
      if (!t) problems.push(`encoder.outputs: the encoder has no output "${o}"; its outputs are ${names(encoder.outputs)}`);
      else if (t.type !== 'float32') problems.push(`encoder output "${o}" is ${t.type}; Parsel caches float32 embeddings`);
      else encOut.set(o, t);
    }
  }
  const fed = new Set<string>();
  const input = (field: string, name: string, rank: number, what: string): TensorInfo | undefined => {
    fed.add(name);
    const t = decoder.inputs.find((i) => i.name === name);
    if (!t) {
      problems.push(`${field}: the decoder has no input "${name}"; its inputs are ${names(decoder.inputs)}`);
      return undefined;
    }
    if (t.shape.length !== rank) problems.push(`decoder input "${name}" has rank ${t.shape.length} ${fmt(t.shape)}; ${what}`);
    return t;
  };
  const embIn = embeddingInputs(card);
  embIn.forEach((name, i) => {
    const t = input(`decoder.embeddings[${i}]`, name, encOut.get(enc.outputs[i])?.shape.length ?? decoder.inputs.find((x) => x.name === name)?.shape.length ?? 4, `the encoder output "${enc.outputs[i]}" it is fed with is ${fmt(encOut.get(enc.outputs[i])?.shape ?? [])}`);
    const o = encOut.get(enc.outputs[i]);
    if (t && o && t.shape.length === o.shape.length) {
      const bad = t.shape.some((d, k) => fixed(d) && fixed(o.shape[k]) && d !== o.shape[k]);
      if (bad) problems.push(`decoder input "${name}" ${fmt(t.shape)} does not fit the encoder output "${o.name}" ${fmt(o.shape)} it is fed with`);
    }
    if (t && t.type !== 'float32') problems.push(`decoder input "${name}" is ${t.type}; encoder outputs are float32`);
  });
  const coords = input('decoder.pointCoords', dec.pointCoords, 3, 'point coordinates are [1, N, 2]');
  if (coords && coords.shape.length === 3 && fixed(coords.shape[2]) && coords.shape[2] !== 2) problems.push(`decoder input "${coords.name}" ${fmt(coords.shape)}: a point is 2 numbers (x, y)`);
  if (coords && coords.type !== 'float32') problems.push(`decoder input "${coords.name}" is ${coords.type}; point coordinates are fed as float32`);
  const labels = input('decoder.pointLabels', dec.pointLabels, 2, 'point labels are [1, N]');
  if (labels && !['float32', 'int32', 'int64'].includes(labels.type)) problems.push(`decoder input "${labels.name}" is ${labels.type}; point labels are fed as float32, int32 or int64`);
  if (coords && labels && fixed(coords.shape[1]) && fixed(labels.shape[1]) && coords.shape[1] !== labels.shape[1]) problems.push(`decoder inputs "${coords.name}" ${fmt(coords.shape)} and "${labels.name}" ${fmt(labels.shape)} disagree on the number of points`);
  if (coords && fixed(coords.shape[1])) problems.push(`decoder input "${coords.name}" ${fmt(coords.shape)} takes a fixed number of points; Parsel feeds as many as the prompt has (export with a dynamic point axis)`);
  if (dec.maskInput !== null) {
    const m = input('decoder.maskInput', dec.maskInput, 4, 'the previous-mask input is [1, 1, h, w]');
    if (m && m.shape.length === 4 && m.shape.slice(2).some((d) => !fixed(d))) problems.push(`decoder input "${m.name}" ${fmt(m.shape)}: Parsel feeds zeros and needs its height and width fixed`);
  }
  if (dec.hasMaskInput !== null) input('decoder.hasMaskInput', dec.hasMaskInput, 1, 'the has-mask flag is [1]');
  if (dec.origImSize !== null) {
    const s = input('decoder.origImSize', dec.origImSize, 1, 'the image size is [2] (height, width)');
    if (s && !['float32', 'int32', 'int64'].includes(s.type)) problems.push(`decoder input "${s.name}" is ${s.type}; the image size is fed as float32, int32 or int64`);
  }
  const others = decoder.inputs.filter((i) => !fed.has(i.name));
  if (others.length) problems.push(`the decoder has inputs the card does not name (Parsel cannot feed them): ${names(others)}`);
  const output = (field: string, name: string): TensorInfo | undefined => {
    const t = decoder.outputs.find((o) => o.name === name);
    if (!t) problems.push(`${field}: the decoder has no output "${name}"; its outputs are ${names(decoder.outputs)}`);
    else if (t.type !== 'float32') problems.push(`decoder output "${name}" is ${t.type}; Parsel reads float32`);
    return t;
  };
  const masks = output('decoder.masks', dec.masks);
  if (masks && masks.shape.length !== 4) problems.push(`decoder output "${masks.name}" has rank ${masks.shape.length} ${fmt(masks.shape)}; masks are [1, M, h, w] logits`);
  if (dec.scores !== null) {
    const sc = output('decoder.scores', dec.scores);
    if (sc && sc.shape.length !== 2) problems.push(`decoder output "${sc.name}" has rank ${sc.shape.length} ${fmt(sc.shape)}; scores are [1, M]`);
    if (sc && masks && sc.shape.length === 2 && masks.shape.length === 4 && fixed(sc.shape[1]) && fixed(masks.shape[1]) && sc.shape[1] !== masks.shape[1]) {
      problems.push(`decoder outputs "${masks.name}" ${fmt(masks.shape)} and "${sc.name}" ${fmt(sc.shape)} disagree on the number of masks`);
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
