/**
 * The inference pipeline that runs inside the worker: sessions, decode/resize (sharp), normalise,
 * session.run, softmax, flip-TTA, model-set averaging, upsample + argmax, crop paste-back.
 *
 * Stages: `prepare` (async: sharp decode/resize in libuv's thread pool, then normalise) can run for
 * several items while `infer` runs for an earlier one; `infer` runs the sessions one item at a time.
 */
import sharp, { type Sharp } from '../sharp';
import { flipPartnerLut, getSchema } from '../../shared/schema';
import type { DetectorCard, InputSpec, ModelCard } from '../../shared/models/card';
import { applyProbRemap, buildProbRemap, type ProbRemap } from '../../shared/models/prob-remap';
import { decodeDetections, type Detection } from './detect';
import { checkCard, checkDetectorCard } from './inspect';
import type { RunReply, SessionReport } from './session-worker';
import { startWorker } from './spawn';
import { expandBox, frameOfPlacement, flipTensor, placeImage, sampleFrame, toTensor, type Frame, type Placement } from './preprocess';
import { mergeFlip, newTarget, paste, resizePlanar, softmaxPlanar, toPlanar } from './postprocess';
import type { BatchItem, Box, DetectorSpec, ModelSpec, Prediction, ProviderName, TtaMode } from './types';
import { WorkerRpc } from './worker-rpc';

export interface RunnerInit {
  models: ModelSpec[];
  /**
   * The project's schema, when the models label another one: their probabilities are mapped onto it
   * (shared/models/prob-remap.ts) before upsampling, so predictions come out in the project's classes.
   */
  targetSchema?: string;
  /** Face detector: items without face boxes get theirs from it (face-crop models only). */
  detector?: DetectorSpec;
  tta: TtaMode;
  providers?: ProviderName[];
  intraOpThreads?: number;
}

export interface RunnerInfo {
  provider: string;
  providers: string[];
  warnings: string[];
  /** Classes and schema of the predictions (the project's, when the models' are remapped onto it). */
  classes: number;
  schemaId: string;
  /** The models' own schema, and the remap onto `schemaId` (null when they are the same). */
  modelSchemaId: string;
  remap: ProbRemap | null;
  intraOpThreads: number;
  /** Execution provider of the face detector's session (null without a detector). */
  detectorProvider: string | null;
}

interface Loaded {
  card: ModelCard;
  outName: string;
}

/** Raw outputs of one item: per view, per model, per flip. */
type RawOutputs = { data: Float32Array; dims: number[]; ms: number }[][][];

/** Handle of the session worker (session-worker.ts). */
class SessionHost {
  constructor(readonly rpc: WorkerRpc) {}
  async run(model: number, card: ModelCard, outName: string, tensor: Float32Array, transfer: boolean): Promise<{ data: Float32Array; dims: number[]; ms: number }> {
    const r = await this.runOutputs(model, card.input, [outName], tensor, transfer);
    return { ...r.outs[0], ms: r.ms };
  }
  /** One session.run of `model` fetching `outputs` (in that order). After the worker exited, refused at once. */
  runOutputs(model: number, s: InputSpec, outputs: string[], tensor: Float32Array, transfer: boolean): Promise<RunReply> {
    const dims = s.layout === 'NCHW' ? [1, 3, s.height, s.width] : [1, s.height, s.width, 3];
    const t = transfer ? tensor : tensor.slice();
    return this.rpc.request<RunReply>({ type: 'run', model, input: s.name, dims, tensor: t, outputs }, [t.buffer as ArrayBuffer]);
  }
}

interface Prepared {
  width: number;
  height: number;
  views: { frame: Frame; tensor: Float32Array }[];
  crops: Box[];
  /** Faces found by the detector (null when the item came with its boxes or no detector is used). */
  detections: Detection[] | null;
  /** session.run time of the detector, ms. */
  detectMs: number;
  preMs: number;
}

const KERNEL = { bilinear: 'linear', bicubic: 'cubic', nearest: 'nearest', lanczos3: 'lanczos3' } as const;


export class Runner {
  private constructor(
    private readonly models: Loaded[],
    private readonly tta: TtaMode,
    private readonly host: SessionHost,
    readonly info: RunnerInfo,
    private readonly detector: DetectorSpec | null,
  ) {}

  static async create(init: RunnerInit): Promise<Runner> {
    if (init.models.length === 0) throw new Error('no models given');
    const first = init.models[0].card;
    for (const m of init.models.slice(1)) {
      const c = m.card;
      const diffs: string[] = [];
      if (c.labels !== first.labels) diffs.push(`labels ${c.labels} vs ${first.labels}`);
      if (c.expects !== first.expects) diffs.push(`expects ${c.expects} vs ${first.expects}`);
      if (c.input.width !== first.input.width || c.input.height !== first.input.height)
        diffs.push(`input size ${c.input.width}x${c.input.height} vs ${first.input.width}x${first.input.height}`);
      if (c.input.resize !== first.input.resize) diffs.push(`resize ${c.input.resize} vs ${first.input.resize}`);
      if (c.expects === 'face' && (c.crop.margin !== first.crop.margin || c.crop.square !== first.crop.square)) diffs.push('crop settings');
      if (diffs.length) throw new Error(`models of a set must agree; ${m.path} differs from ${init.models[0].path}: ${diffs.join(', ')}`);
    }
    if (init.detector && first.expects !== 'face') {
      throw new Error(`a face detector was given but model "${first.name}" parses the whole image (its card says expects "image"); detected faces are only used by face-crop models`);
    }
    const paths = [...init.models.map((m) => m.path), ...(init.detector ? [init.detector.path] : [])];
    const rpc = new WorkerRpc(startWorker('session-worker', import.meta.url), 'inference session worker');
    let reports: SessionReport[];
    try {
      reports = await rpc.request<SessionReport[]>({ type: 'init', models: paths, providers: init.providers, intraOpThreads: init.intraOpThreads });
      const problems: string[] = [];
      init.models.forEach((m, i) => {
        const graph = { inputs: reports[i].inputs, outputs: reports[i].outputs, metadata: {} };
        const p = checkCard(m.card, graph);
        if (p.length) problems.push(`model card does not match ${m.path}:\n  ${p.join('\n  ')}`);
      });
      if (init.detector) {
        const r = reports[init.models.length];
        const p = checkDetectorCard(init.detector.card, { inputs: r.inputs, outputs: r.outputs, metadata: {} });
        if (p.length) problems.push(`face-detector card does not match ${init.detector.path}:\n  ${p.join('\n  ')}`);
      }
      if (problems.length) throw new Error(problems.join('\n'));
    } catch (e) {
      await rpc.worker.terminate();
      throw e;
    }
    const loaded: Loaded[] = init.models.map((m, i) => ({ card: m.card, outName: m.card.output.name ?? reports[i].outputs[0].name }));
    const warnings = reports.flatMap((r, i) => r.warnings.map((w) => `${paths[i]}: ${w}`));
    const providers = reports.slice(0, init.models.length).map((r) => r.provider);
    const threads = reports[0].intraOpThreads;
    const schema = getSchema(first.labels);
    const remap = init.targetSchema ? buildProbRemap(schema, getSchema(init.targetSchema)) : null;
    return new Runner(loaded, init.tta, new SessionHost(rpc), {
      provider: providers[0],
      providers,
      warnings,
      classes: remap ? remap.targetClasses : schema.classes.length,
      schemaId: remap ? remap.target : schema.id,
      modelSchemaId: schema.id,
      remap,
      intraOpThreads: threads,
      detectorProvider: init.detector ? reports[init.models.length].provider : null,
    }, init.detector ?? null);
  }

  private get card(): ModelCard {
    return this.models[0].card;
  }

  /** Decode (files) / resize / crop / normalise. */
  async prepare(item: BatchItem): Promise<Prepared> {
    const t0 = performance.now();
    const card = this.card;
    const spec = card.input;
    if (card.expects === 'face') {
      const { rgb, width, height } = 'path' in item ? await decodeRgb(item.path) : item;
      if (!('path' in item)) checkRgb(rgb, width, height);
      let detections: Detection[] | null = null;
      let detectMs = 0;
      let faces = item.faces ?? [];
      if (item.faces === undefined && this.detector) {
        const d = await this.detect(this.detector.card, rgb, width, height);
        detections = d.detections;
        detectMs = d.ms;
        faces = detections.map((x) => x.box);
      } else if (faces.length === 0) {
        throw new Error(`model "${card.name}" expects face crops: give face boxes (or landmarks) for the image`);
      }
      const views = faces.map((b) => {
        const frame = expandBox(b, card.crop.margin, card.crop.square);
        const crop = sampleFrame(rgb, width, height, frame, spec.width, spec.height, spec.padValue);
        return { frame, tensor: toTensor(spec, crop, { left: 0, top: 0, width: spec.width, height: spec.height }) };
      });
      const crops = views.map((v): Box => [v.frame.x0, v.frame.y0, v.frame.x0 + v.frame.w, v.frame.y0 + v.frame.h]);
      return { width, height, views, crops, detections, detectMs, preMs: performance.now() - t0 - detectMs };
    }
    let W: number;
    let H: number;
    let img: ReturnType<typeof sharp>;
    if ('path' in item) {
      const meta = await sharp(item.path).metadata();
      if (!meta.width || !meta.height) throw new Error(`${item.path}: cannot read the image size`);
      W = meta.width;
      H = meta.height;
      img = sharp(item.path);
    } else {
      W = item.width;
      H = item.height;
      checkRgb(item.rgb, W, H);
      img = sharp(item.rgb, { raw: { width: W, height: H, channels: 3 } });
    }
    const p: Placement = placeImage(spec, W, H);
    const rgb = await resizeToPlacement(img, 'path' in item ? null : item.rgb, W, H, p, spec.interpolation);
    const tensor = toTensor(spec, rgb, p);
    return { width: W, height: H, views: [{ frame: frameOfPlacement(spec, p, W, H), tensor }], crops: [], detections: null, detectMs: 0, preMs: performance.now() - t0 };
  }

  /**
   * Runs the face detector on an image: the image is placed into the detector's input by its card's
   * resize rule (bilinear, `sampleFrame`), normalised, run in the session worker, and the outputs are
   * decoded (`decodeDetections`: threshold, mapping back through the same frame, NMS, max faces).
   */
  private async detect(dc: DetectorCard, rgb: Uint8Array, W: number, H: number): Promise<{ detections: Detection[]; ms: number }> {
    const spec = dc.input;
    const frame = frameOfPlacement(spec, placeImage(spec, W, H), W, H);
    const sampled = sampleFrame(rgb, W, H, frame, spec.width, spec.height, spec.padValue);
    const tensor = toTensor(spec, sampled, { left: 0, top: 0, width: spec.width, height: spec.height });
    const r = await this.host.runOutputs(this.models.length, spec, [dc.output.boxes.name, dc.output.scores.name], tensor, true);
    const [boxes, scores] = r.outs;
    return { detections: decodeDetections(dc, boxes, scores, frame, W, H), ms: r.ms };
  }

  /**
   * Posts every session.run of the item (views × models × flips) to the session worker at once (it
   * runs them in order) and resolves with all outputs. The tensors are consumed.
   */
  runModels(prep: Prepared): Promise<RawOutputs> {
    return Promise.all(
      prep.views.map((view) =>
        Promise.all(
          this.models.map((m, mi) => {
            const last = mi === this.models.length - 1;
            const flipped = this.tta === 'flip' ? flipTensor(m.card.input, view.tensor) : null;
            const runs = [this.host.run(mi, m.card, m.outName, view.tensor, last)];
            if (flipped) runs.push(this.host.run(mi, m.card, m.outName, flipped, true));
            return Promise.all(runs);
          }),
        ),
      ),
    );
  }

  /** Softmax, flip merge, model-set average, upsample + argmax, paste at the image size. */
  finish(prep: Prepared, raw: RawOutputs, wantProbs: boolean): Prediction {
    const t0 = performance.now();
    const inferMs = raw.flat(2).reduce((a, r) => a + r.ms, 0) + prep.detectMs;
    // The models' classes until the remap (if any), the predictions' classes after it.
    const K = getSchema(this.info.modelSchemaId).classes.length;
    const remap = this.info.remap;
    const faceMode = this.card.expects === 'face';
    const target = newTarget(prep.width, prep.height, this.info.classes, wantProbs, faceMode);
    const lut = flipPartnerLut(getSchema(this.info.modelSchemaId));
    const single = this.models.length === 1 && this.tta === 'none';
    prep.views.forEach((view, vi) => {
      let acc: Float32Array | null = null;
      let oh = 0;
      let ow = 0;
      let isProb = true;
      this.models.forEach((m, mi) => {
        const layout = m.card.output.layout;
        const outs = raw[vi][mi].map((r) => {
          if (r.dims.length !== 4) throw new Error(`output "${m.outName}" has dims [${r.dims.join(', ')}]; expected rank 4`);
          const [h, w] = layout === 'NCHW' ? [r.dims[2], r.dims[3]] : [r.dims[1], r.dims[2]];
          const k = layout === 'NCHW' ? r.dims[1] : r.dims[3];
          if (k !== K || r.data.length !== K * h * w) {
            throw new Error(`model "${m.card.name}": output "${m.outName}" is [${r.dims.join(', ')}], ${k} classes, but its card's schema "${m.card.labels}" has ${K}`);
          }
          return { p: toPlanar(r.data, layout, K, h, w), h, w };
        });
        const { h, w } = outs[0];
        if (single) {
          acc = outs[0].p;
          oh = h;
          ow = w;
          isProb = m.card.output.kind === 'probabilities';
          return;
        }
        if (m.card.output.kind === 'logits') for (const o of outs) softmaxPlanar(o.p, K, h * w);
        const p = outs[0].p;
        if (outs.length === 2) mergeFlip(p, outs[1].p, K, h, w, lut);
        if (!acc) {
          acc = p;
          oh = h;
          ow = w;
        } else {
          const q = resizePlanar(p, K, h, w, oh, ow);
          const a: Float32Array = acc;
          for (let i = 0; i < a.length; i++) a[i] += q[i];
        }
      });
      const a = acc as Float32Array | null;
      if (!a) throw new Error('no model output');
      // NaN or ±Inf would argmax to background everywhere: fail the item, naming the model(s).
      if (countNonFinite(a) > 0) throw new Error(nonFiniteMessage(this.models, raw[vi]));
      if (!single && this.models.length > 1) {
        const inv = 1 / this.models.length;
        for (let i = 0; i < a.length; i++) a[i] *= inv;
      }
      if (remap) {
        if (!isProb) softmaxPlanar(a, K, oh * ow);
        paste(applyProbRemap(a, oh * ow, remap), remap.targetClasses, oh, ow, true, view.frame, target);
      } else paste(a, K, oh, ow, isProb, view.frame, target);
    });
    return {
      width: prep.width,
      height: prep.height,
      classes: this.info.classes,
      labels: target.labels,
      probs: target.probs,
      crops: prep.crops,
      detections: prep.detections,
      timing: { preMs: prep.preMs, inferMs, postMs: performance.now() - t0 },
    };
  }

  /** runModels then finish (no pipelining; see worker.ts for the pipelined use). */
  async infer(prep: Prepared, wantProbs: boolean): Promise<Prediction> {
    return this.finish(prep, await this.runModels(prep), wantProbs);
  }

  async release(): Promise<void> {
    await this.host.rpc.close();
  }
}

/**
 * A W×H image (`img`; `rgb` when its pixels are already in memory) resized to the placement's size
 * with the card's kernel. sharp (libvips) shrinks with half-pixel centres (bilinear: the same pixels as
 * PIL's antialiased BILINEAR resize) but ENLARGES with its samples displaced by half an output pixel
 * (6 → 12 px puts input pixel 2 on output pixel 5 instead of 4.5 and 5.5), which would misalign the
 * labels with the image. So with a bilinear card an enlarged axis is resampled by `sampleFrame`
 * (half-pixel centres, as PIL and cv2.resize enlarge) after sharp has shrunk the other axis, if any.
 * Other kernels keep sharp's enlargement (docs/parity.md).
 */
export async function resizeToPlacement(img: Sharp, rgb: Uint8Array | null, W: number, H: number, p: Placement, interpolation: InputSpec['interpolation']): Promise<Uint8Array> {
  const enlarge = interpolation === 'bilinear' && (p.width > W || p.height > H);
  const w1 = enlarge ? Math.min(p.width, W) : p.width;
  const h1 = enlarge ? Math.min(p.height, H) : p.height;
  let out: Uint8Array;
  if (rgb && w1 === W && h1 === H) out = rgb;
  else {
    const { data, info: ri } = await img
      .resize(w1, h1, { fit: 'fill', kernel: KERNEL[interpolation] })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (ri.channels !== 3) throw new Error(`decoded ${ri.channels} channels, expected 3`);
    out = new Uint8Array(data.buffer, data.byteOffset, data.length);
  }
  return enlarge ? sampleFrame(out, w1, h1, { x0: 0, y0: 0, w: w1, h: h1 }, p.width, p.height, 0) : out;
}

/** Number of NaN and ±Inf values (one branch-free pass: x·0 is 0 for finite x, NaN otherwise). */
export function countNonFinite(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * 0;
  if (s === 0) return 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) n++;
  return n;
}

/** Why an item whose merged output is not finite fails: which model's raw output, how many values. */
function nonFiniteMessage(models: Loaded[], raw: RawOutputs[number]): string {
  const parts: string[] = [];
  models.forEach((m, mi) =>
    raw[mi].forEach((r, fi) => {
      const n = countNonFinite(r.data);
      if (n > 0) parts.push(`model "${m.card.name}"${raw[mi].length > 1 ? (fi === 0 ? ' (plain view)' : ' (flipped view)') : ''}: ${n.toLocaleString('en-US')} of ${r.data.length.toLocaleString('en-US')} output values are NaN or infinite`);
    }),
  );
  const what = parts.length ? parts.join('; ') : 'the models\' outputs are finite but their softmax/average is not (logits too large for float32)';
  return `${what}; nothing written for this image (check the model's export, e.g. float16 overflow, and the card's input normalisation)`;
}

function checkRgb(rgb: Uint8Array, W: number, H: number): void {
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 1 || H < 1) throw new Error(`bad image size ${W}x${H}`);
  if (rgb.length !== W * H * 3) throw new Error(`rgb has ${rgb.length} bytes; ${W}x${H} RGB needs ${W * H * 3}`);
}

/** Decodes an image file to 8-bit RGB (stored pixel order; EXIF orientation not applied). */
export async function decodeRgb(path: string): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const { data, info: i } = await sharp(path).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (i.channels !== 3) throw new Error(`${path}: decoded ${i.channels} channels, expected 3`);
  return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), width: i.width, height: i.height };
}
