/**
 * The inference pipeline that runs inside the worker: sessions, decode/resize (sharp), normalise,
 * session.run, softmax, flip-TTA, model-set averaging, upsample + argmax, crop paste-back.
 *
 * Stages: `prepare` (async: sharp decode/resize in libuv's thread pool, then normalise) can run for
 * several items while `infer` runs for an earlier one; `infer` runs the sessions one item at a time.
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { flipPartnerLut, getSchema } from '../../shared/schema';
import type { ModelCard } from '../../shared/models/card';
import { checkCard, type GraphInfo, type TensorInfo } from './inspect';
import { createSession } from './providers';
import { expandBox, frameOfPlacement, flipTensor, placeImage, sampleFrame, toTensor, type Frame, type Placement } from './preprocess';
import { mergeFlip, newTarget, paste, resizePlanar, softmaxPlanar, toPlanar } from './postprocess';
import type { BatchItem, Box, ModelSpec, Prediction, ProviderName, TtaMode } from './types';

export interface RunnerInit {
  models: ModelSpec[];
  tta: TtaMode;
  providers?: ProviderName[];
  intraOpThreads?: number;
}

export interface RunnerInfo {
  provider: string;
  providers: string[];
  warnings: string[];
  classes: number;
  schemaId: string;
  intraOpThreads: number;
}

interface Loaded {
  card: ModelCard;
  session: ort.InferenceSession;
  outName: string;
}

interface Prepared {
  width: number;
  height: number;
  views: { frame: Frame; tensor: Float32Array }[];
  crops: Box[];
  preMs: number;
}

const KERNEL = { bilinear: 'linear', bicubic: 'cubic', nearest: 'nearest', lanczos3: 'lanczos3' } as const;

const info = (m: ort.InferenceSession.ValueMetadata): TensorInfo =>
  m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] };

export class Runner {
  private constructor(
    private readonly models: Loaded[],
    private readonly tta: TtaMode,
    readonly info: RunnerInfo,
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
    const loaded: Loaded[] = [];
    const warnings: string[] = [];
    const providers: string[] = [];
    let threads = 1;
    try {
      for (const m of init.models) {
        const s = await createSession(m.path, { providers: init.providers, intraOpThreads: init.intraOpThreads });
        loaded.push({ card: m.card, session: s.session, outName: m.card.output.name ?? s.session.outputNames[0] });
        warnings.push(...s.warnings.map((w) => `${m.path}: ${w}`));
        providers.push(s.provider);
        threads = s.intraOpThreads;
        const graph: GraphInfo = { inputs: s.session.inputMetadata.map(info), outputs: s.session.outputMetadata.map(info), metadata: {} };
        const problems = checkCard(m.card, graph);
        if (problems.length) throw new Error(`model card does not match ${m.path}:\n  ${problems.join('\n  ')}`);
      }
    } catch (e) {
      for (const l of loaded) await l.session.release();
      throw e;
    }
    const schema = getSchema(first.labels);
    return new Runner(loaded, init.tta, {
      provider: providers[0],
      providers,
      warnings,
      classes: schema.classes.length,
      schemaId: schema.id,
      intraOpThreads: threads,
    });
  }

  private get card(): ModelCard {
    return this.models[0].card;
  }

  /** Decode (files) / resize / crop / normalise. */
  async prepare(item: BatchItem): Promise<Prepared> {
    const t0 = performance.now();
    const card = this.card;
    const spec = card.input;
    const faces = item.faces ?? [];
    const kernel = KERNEL[spec.interpolation];
    if (card.expects === 'face') {
      if (faces.length === 0) throw new Error(`model "${card.name}" expects face crops: give face boxes (or landmarks) for the image`);
      const { rgb, width, height } = 'path' in item ? await decodeRgb(item.path) : item;
      const views = faces.map((b) => {
        const frame = expandBox(b, card.crop.margin, card.crop.square);
        const crop = sampleFrame(rgb, width, height, frame, spec.width, spec.height, spec.padValue);
        return { frame, tensor: toTensor(spec, crop, { left: 0, top: 0, width: spec.width, height: spec.height }) };
      });
      const crops = views.map((v): Box => [v.frame.x0, v.frame.y0, v.frame.x0 + v.frame.w, v.frame.y0 + v.frame.h]);
      return { width, height, views, crops, preMs: performance.now() - t0 };
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
    let rgb: Uint8Array;
    if (!('path' in item) && p.width === W && p.height === H) rgb = item.rgb;
    else {
      const { data, info: ri } = await img
        .resize(p.width, p.height, { fit: 'fill', kernel })
        .toColourspace('srgb')
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (ri.channels !== 3) throw new Error(`decoded ${ri.channels} channels, expected 3`);
      rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
    }
    const tensor = toTensor(spec, rgb, p);
    return { width: W, height: H, views: [{ frame: frameOfPlacement(spec, p, W, H), tensor }], crops: [], preMs: performance.now() - t0 };
  }

  /** session.run for every view, model and flip; probabilities merged; pasted at the image size. */
  async infer(prep: Prepared, wantProbs: boolean): Promise<Prediction> {
    const K = this.info.classes;
    const faceMode = this.card.expects === 'face';
    const target = newTarget(prep.width, prep.height, K, wantProbs, faceMode);
    const lut = flipPartnerLut(getSchema(this.info.schemaId));
    let inferMs = 0;
    let postMs = 0;
    for (const view of prep.views) {
      let acc: Float32Array | null = null;
      let oh = 0;
      let ow = 0;
      let isProb = true;
      const single = this.models.length === 1 && this.tta === 'none';
      for (const m of this.models) {
        const inputs = [view.tensor];
        if (this.tta === 'flip') inputs.push(flipTensor(m.card.input, view.tensor));
        const outs: Float32Array[] = [];
        let h = 0;
        let w = 0;
        for (const t of inputs) {
          const t0 = performance.now();
          const r = await runOnce(m, t);
          inferMs += performance.now() - t0;
          const t1 = performance.now();
          const dims = r.dims;
          [h, w] = m.card.output.layout === 'NCHW' ? [dims[2], dims[3]] : [dims[1], dims[2]];
          outs.push(toPlanar(r.data, m.card.output.layout, K, h, w));
          postMs += performance.now() - t1;
        }
        const t1 = performance.now();
        if (single) {
          acc = outs[0];
          oh = h;
          ow = w;
          isProb = m.card.output.kind === 'probabilities';
        } else {
          for (const o of outs) if (m.card.output.kind === 'logits') softmaxPlanar(o, K, h * w);
          const p = outs[0];
          if (outs.length === 2) mergeFlip(p, outs[1], K, h, w, lut);
          if (!acc) {
            acc = p.slice();
            oh = h;
            ow = w;
          } else {
            const q = resizePlanar(p, K, h, w, oh, ow);
            for (let i = 0; i < acc.length; i++) acc[i] += q[i];
          }
        }
        postMs += performance.now() - t1;
      }
      const t2 = performance.now();
      if (!single && this.models.length > 1) {
        const inv = 1 / this.models.length;
        for (let i = 0; i < acc!.length; i++) acc![i] *= inv;
      }
      paste(acc!, K, oh, ow, isProb, view.frame, target);
      postMs += performance.now() - t2;
    }
    return {
      width: prep.width,
      height: prep.height,
      classes: K,
      labels: target.labels,
      probs: target.probs,
      crops: prep.crops,
      timing: { preMs: prep.preMs, inferMs, postMs },
    };
  }

  async release(): Promise<void> {
    for (const m of this.models) await m.session.release();
  }
}

async function runOnce(m: Loaded, t: Float32Array): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const s = m.card.input;
  const dims = s.layout === 'NCHW' ? [1, 3, s.height, s.width] : [1, s.height, s.width, 3];
  const out = await m.session.run({ [s.name]: new ort.Tensor('float32', t, dims) }, [m.outName]);
  const v = out[m.outName];
  const data = v.data as Float32Array;
  if (v.dims.length !== 4) throw new Error(`output "${m.outName}" has dims [${v.dims.join(', ')}]; expected rank 4`);
  return { data, dims: v.dims };
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
