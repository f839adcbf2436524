/**
 * Promptable-segmentation worker (worker_threads): owns one SAM-family model's encoder and decoder
 * sessions, so the encoder's long `session.run` and the decoder's per-prompt runs never block the main
 * thread. Protocol (prompt-engine.ts is the other end):
 *   in:  { type: 'init', encoder, decoder, card, providers?, intraOpThreads? }
 *      | { type: 'embed', id, key, image: { path } | { rgb, width, height }, cacheFile: string | null }
 *      | { type: 'decode', id, key, points, box }
 *      | { type: 'close' }
 *   out: { type: 'ready', provider, warnings } | { type: 'init-error', message }
 *      | { type: 'phase', id, phase: 'decode' | 'encode' | 'write', expectMs }   (while embedding)
 *      | { type: 'embedded', id, width, height, source, encodeMs }
 *      | { type: 'decoded', id, result } | { type: 'error', id, message } | { type: 'closed' }
 * Requests are handled one after another. Embeddings are kept in memory for the last few images
 * (`key`s) and in the cache file given (written atomically: temp file, then rename); a decode of a key
 * not in memory fails (the engine embeds first).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort, type MessagePort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { embeddingInputs, type PromptableCard } from '../../shared/models/card';
import type { PromptBox, PromptMask, PromptPoint } from '../../shared/api/methods-prompt';
import sharp from '../sharp';
import { candidateOrder, cropMask, decodeEmbedding, encodeEmbedding, encoderPlacement, encoderTensor, maskLogitsAtImage, promptPoints, type Embedding } from './prompt-core';
import { createSession } from './providers';
import { resizeToPlacement } from './runner';
import type { ProviderName } from './types';


type InMsg =
  | { type: 'init'; encoder: string; decoder: string; card: PromptableCard; providers?: ProviderName[]; intraOpThreads?: number }
  | { type: 'embed'; id: number; key: string; image: { path: string } | { rgb: Uint8Array; width: number; height: number }; cacheFile: string | null }
  | { type: 'decode'; id: number; key: string; points: PromptPoint[]; box: PromptBox | null }
  | { type: 'close' };

/** Embeddings kept in memory (an image and the one before, for going back and forth). */
const KEEP = 3;

function mainPort(): MessagePort {
  if (!parentPort) throw new Error('prompt-worker.ts must run in a worker thread');
  return parentPort;
}
const port = mainPort();

let card: PromptableCard | null = null;
let encoderSha = '';
let encoder: ort.InferenceSession | null = null;
let decoder: ort.InferenceSession | null = null;
let lastEncodeMs: number | null = null;
const memory = new Map<string, Embedding>();
let chain: Promise<void> = Promise.resolve();

function remember(key: string, e: Embedding): void {
  memory.delete(key);
  memory.set(key, e);
  while (memory.size > KEEP) memory.delete(memory.keys().next().value as string);
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A scalar/size input in the graph's element type. */
function typed(session: ort.InferenceSession, name: string, values: number[], dims: number[]): ort.Tensor {
  const meta = session.inputMetadata.find((m) => m.name === name);
  const type = meta && meta.isTensor ? meta.type : 'float32';
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(Math.round(v)))), dims);
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(values.map(Math.round)), dims);
  return new ort.Tensor('float32', Float32Array.from(values), dims);
}

async function embed(msg: Extract<InMsg, { type: 'embed' }>): Promise<void> {
  const c = card as PromptableCard;
  const hit = memory.get(msg.key);
  if (hit) {
    remember(msg.key, hit);
    port.postMessage({ type: 'embedded', id: msg.id, width: hit.width, height: hit.height, source: 'memory', encodeMs: null });
    return;
  }
  if (msg.cacheFile) {
    const buf = await fs.readFile(msg.cacheFile).catch(() => null);
    const e = buf ? decodeEmbedding(new Uint8Array(buf.buffer, buf.byteOffset, buf.length), encoderSha, c.encoder.outputs) : null;
    if (e) {
      remember(msg.key, e);
      port.postMessage({ type: 'embedded', id: msg.id, width: e.width, height: e.height, source: 'disk', encodeMs: null });
      return;
    }
  }
  port.postMessage({ type: 'phase', id: msg.id, phase: 'decode', expectMs: lastEncodeMs });
  let img: ReturnType<typeof sharp>;
  let W: number;
  let H: number;
  let rgb: Uint8Array | null = null;
  if ('path' in msg.image) {
    const meta = await sharp(msg.image.path).metadata();
    if (!meta.width || !meta.height) throw new Error(`${msg.image.path}: cannot read the image size`);
    W = meta.width;
    H = meta.height;
    img = sharp(msg.image.path);
  } else {
    ({ rgb, width: W, height: H } = msg.image);
    if (rgb.length !== W * H * 3) throw new Error(`rgb has ${rgb.length} bytes; ${W}x${H} RGB needs ${W * H * 3}`);
    img = sharp(rgb, { raw: { width: W, height: H, channels: 3 } });
  }
  const p = encoderPlacement(c, W, H);
  const resized = await resizeToPlacement(img, rgb, W, H, { left: 0, top: 0, width: p.width, height: p.height }, c.encoder.interpolation);
  const tensor = encoderTensor(c, resized, p);
  port.postMessage({ type: 'phase', id: msg.id, phase: 'encode', expectMs: lastEncodeMs });
  const t0 = performance.now();
  const S = c.encoder.size;
  const out = await (encoder as ort.InferenceSession).run({ [c.encoder.input]: new ort.Tensor('float32', tensor, [1, 3, S, S]) }, c.encoder.outputs);
  const encodeMs = performance.now() - t0;
  lastEncodeMs = encodeMs;
  const e: Embedding = {
    width: W,
    height: H,
    tensors: c.encoder.outputs.map((name) => {
      const v = out[name];
      return { name, dims: [...v.dims], data: (v.data as Float32Array).slice() };
    }),
  };
  remember(msg.key, e);
  if (msg.cacheFile) {
    port.postMessage({ type: 'phase', id: msg.id, phase: 'write', expectMs: null });
    const tmp = `${msg.cacheFile}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.mkdir(dirname(msg.cacheFile), { recursive: true });
      await fs.writeFile(tmp, encodeEmbedding(e, encoderSha));
      await fs.rename(tmp, msg.cacheFile);
    } catch {
      // A cache that cannot be written (read-only folder, disk full) costs the next session an encode,
      // nothing else.
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
  }
  port.postMessage({ type: 'embedded', id: msg.id, width: W, height: H, source: 'encoded', encodeMs });
}

async function decode(msg: Extract<InMsg, { type: 'decode' }>): Promise<void> {
  const t0 = performance.now();
  const c = card as PromptableCard;
  const d = decoder as ort.InferenceSession;
  const e = memory.get(msg.key);
  if (!e) throw new Error(`no embedding for ${msg.key} in the worker (embed first)`);
  const { width: W, height: H } = e;
  if (msg.points.length === 0 && !msg.box) throw new Error('an empty prompt: give at least one click or a box');
  const pts = promptPoints(c, W, H, msg.points, msg.box);
  const feeds: Record<string, ort.Tensor> = {};
  embeddingInputs(c).forEach((name, i) => {
    const t = e.tensors[i];
    feeds[name] = new ort.Tensor('float32', t.data, t.dims);
  });
  feeds[c.decoder.pointCoords] = new ort.Tensor('float32', pts.coords, [1, pts.n, 2]);
  feeds[c.decoder.pointLabels] = typed(d, c.decoder.pointLabels, [...pts.labels], [1, pts.n]);
  if (c.decoder.maskInput !== null && c.decoder.hasMaskInput !== null) {
    const meta = d.inputMetadata.find((m) => m.name === c.decoder.maskInput);
    const dims = meta && meta.isTensor ? meta.shape.map((v) => (typeof v === 'number' && v > 0 ? v : 256)) : [1, 1, 256, 256];
    feeds[c.decoder.maskInput] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    feeds[c.decoder.hasMaskInput] = typed(d, c.decoder.hasMaskInput, [0], [1]);
  }
  if (c.decoder.origImSize !== null) feeds[c.decoder.origImSize] = typed(d, c.decoder.origImSize, [H, W], [2]);
  const names = [c.decoder.masks, ...(c.decoder.scores !== null ? [c.decoder.scores] : [])];
  const t1 = performance.now();
  const out = await d.run(feeds, names);
  const decodeMs = performance.now() - t1;
  const masks = out[c.decoder.masks];
  const dims = [...masks.dims];
  if (dims.length !== 4) throw new Error(`decoder output "${c.decoder.masks}" has dims [${dims.join(', ')}]; expected [1, M, h, w]`);
  const M = dims[1];
  const scores = c.decoder.scores !== null ? [...(out[c.decoder.scores].data as Float32Array)].slice(0, M) : null;
  const order = candidateOrder(c, scores, M, pts.n);
  const data = masks.data as Float32Array;
  const candidates: PromptMask[] = order.map((k) => ({
    score: scores ? scores[k] : null,
    index: k,
    ...cropMask(maskLogitsAtImage(c, data, dims, k, W, H), W, H, c.decoder.maskThreshold),
  }));
  const result = { width: W, height: H, candidates, decodeMs, workerMs: performance.now() - t0 };
  port.postMessage({ type: 'decoded', id: msg.id, result }, candidates.map((m) => m.bits.buffer as ArrayBuffer));
}

port.on('message', (msg: InMsg) => {
  if (msg.type === 'init') {
    chain = chain.then(async () => {
      try {
        card = msg.card;
        encoderSha = msg.card.encoder.sha256 ?? '';
        const opts = { providers: msg.providers, intraOpThreads: msg.intraOpThreads };
        const enc = await createSession(msg.encoder, opts);
        const dec = await createSession(msg.decoder, opts);
        encoder = enc.session;
        decoder = dec.session;
        port.postMessage({ type: 'ready', provider: enc.provider, warnings: [...enc.warnings, ...dec.warnings] });
      } catch (e) {
        port.postMessage({ type: 'init-error', message: message(e) });
      }
    });
  } else if (msg.type === 'embed' || msg.type === 'decode') {
    chain = chain.then(async () => {
      try {
        if (!card) throw new Error('prompt worker not initialised');
        if (msg.type === 'embed') await embed(msg);
        else await decode(msg);
      } catch (e) {
        port.postMessage({ type: 'error', id: msg.id, message: message(e) });
      }
    });
  } else if (msg.type === 'close') {
    chain = chain.then(async () => {
      await encoder?.release();
      await decoder?.release();
      encoder = decoder = null;
      memory.clear();
      port.postMessage({ type: 'closed' });
    });
  }
});
