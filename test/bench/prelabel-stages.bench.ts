/**
 * Where a pre-labelled image's CPU time goes, stage by stage, on one thread each (what the prelabel
 * bench overlaps on two cores): JPEG decode + resize to 512² (sharp), normalise, session.run (1 ORT
 * thread), and upsample + arg-max onto 1024² (the engine's `paste`, src/main/inference/postprocess.ts)
 * against the plain path it must equal bit for bit (test/tooling/paste-reference.ts: softmax
 * everywhere, every class interpolated at every target pixel), alternating in the same run. Same
 * generated BiSeNet-sized model (19×512² logits) and generated faces as `npm run bench -- prelabel`.
 * Also session.run's wall time alone and beside one busy thread: whether the machine's cores slow each
 * other down (then the pipeline's overlapped work is not free).
 *
 *   npm run bench -- prelabel-stages [--images N] [--reps R]
 *
 * Three paste cases: labels only from logits (a single model, as the prelabel bench runs), labels only
 * from probabilities (after flip-TTA, a model set or a schema remap), and labels + probabilities (a
 * pre-labelling job). Times are CPU time of this process (process.cpuUsage, all its threads), minimum
 * and median over R repetitions per image: on a shared machine the minimum is the least disturbed.
 */
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { createSession, parseModelCard } from '../../src/main/inference';
import { newTarget, paste, softmaxPlanar } from '../../src/main/inference/postprocess';
import { placeImage, toTensor } from '../../src/main/inference/preprocess';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { bisenetLikeCard, ensureBisenetLike } from '../tooling/onnx-gen';
import { referencePaste } from '../tooling/paste-reference';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const cpuMs = (f: () => unknown): number => {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function main(): Promise<void> {
  const N = arg('images', 3);
  const R = arg('reps', 3);
  const S = 512;
  const K = 19;
  const W = 1024;
  const modelPath = ensureBisenetLike({ size: S, classes: K, seed: 1234 });
  const r = parseModelCard(bisenetLikeCard(S));
  if (!r.ok) throw new Error(r.problems.join('; '));
  const spec = r.card.input;
  const s = await createSession(modelPath, { providers: ['cpu'], intraOpThreads: 1 });
  const logits: Float32Array[] = [];
  const decode: number[] = [];
  const normalise: number[] = [];
  const run: number[] = [];
  for (let i = 0; i < N; i++) {
    const f = generateFace({ seed: 1000 + i, width: W, height: W, schema: getSchema('celebamask-hq-b') });
    const jpeg = await sharp(f.rgb, { raw: { width: W, height: W, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    let rgb = new Uint8Array(0);
    let x: Float32Array = new Float32Array(0);
    for (let rep = 0; rep < R; rep++) {
      const c = process.cpuUsage();
      const { data } = await sharp(jpeg).resize(S, S, { fit: 'fill', kernel: 'linear' }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const d = process.cpuUsage(c);
      decode.push((d.user + d.system) / 1000);
      rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
      normalise.push(cpuMs(() => (x = toTensor(spec, rgb, placeImage(spec, S, S)))));
    }
    let out: ort.InferenceSession.ReturnType = {};
    for (let rep = 0; rep < R; rep++) {
      const c = process.cpuUsage();
      out = await s.session.run({ [spec.name]: new ort.Tensor('float32', x, [1, 3, S, S]) });
      const d = process.cpuUsage(c);
      run.push((d.user + d.system) / 1000);
    }
    logits.push((Object.values(out)[0].data as Float32Array).slice());
  }
  // session.run (wall time) alone and with one busy thread beside it: how much a second core's work
  // slows the run on this machine (0 % on independent cores; the pipeline overlaps the two).
  const x = new ort.Tensor('float32', new Float32Array(3 * S * S).fill(0.1), [1, 3, S, S]);
  const wall = async (): Promise<number> => {
    const t: number[] = [];
    for (let i = 0; i < R + 1; i++) {
      const t0 = performance.now();
      await s.session.run({ [spec.name]: x });
      t.push(performance.now() - t0);
    }
    return Math.min(...t);
  };
  const alone = await wall();
  const busy = new Worker('let a = 0; for (;;) a = (a * 1.0000001 + 1) % 1e9;', { eval: true });
  await new Promise((res) => setTimeout(res, 200));
  const beside = await wall();
  await busy.terminate();
  const alone2 = await wall();
  await s.session.release();
  const n = S * S;
  const frame = { x0: 0, y0: 0, w: W, h: W };
  console.log(`prelabel-stages: ${N} generated 1024² faces, BiSeNet-sized model (${K}×${S}² logits), ${R} repetitions, cores: ${availableParallelism()}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const stat = (a: number[]) => `${Math.min(...a).toFixed(1)} ms (median ${median(a).toFixed(1)})`;
  console.log(`JPEG decode + resize to ${S}² (sharp)      ${stat(decode)}`);
  console.log(`normalise (toTensor)                     ${stat(normalise)}`);
  console.log(`session.run (1 ORT thread)               ${stat(run)}`);
  console.log(`session.run wall, alone / beside a busy thread / alone: ${alone.toFixed(1)} / ${beside.toFixed(1)} / ${alone2.toFixed(1)} ms (minimum of ${R + 1})`);
  const cases: { name: string; isProb: boolean; wantProbs: boolean }[] = [
    { name: 'labels only, logits in', isProb: false, wantProbs: false },
    { name: 'labels only, probabilities in', isProb: true, wantProbs: false },
    { name: 'labels + probabilities, logits in', isProb: false, wantProbs: true },
  ];
  for (const c of cases) {
    const input = logits.map((p) => {
      if (!c.isProb) return p;
      const q = p.slice();
      softmaxPlanar(q, K, n);
      return q;
    });
    const plain: number[] = [];
    const fast: number[] = [];
    let interpolated = 0;
    for (let rep = 0; rep < R; rep++) {
      for (const p of input) {
        const a = p.slice();
        const b = p.slice();
        const ta = newTarget(W, W, K, c.wantProbs, false);
        const tb = newTarget(W, W, K, c.wantProbs, false);
        plain.push(cpuMs(() => referencePaste(a, K, S, S, c.isProb, frame, ta)));
        fast.push(cpuMs(() => (interpolated += paste(b, K, S, S, c.isProb, frame, tb))));
        if (!Buffer.from(ta.labels).equals(Buffer.from(tb.labels))) throw new Error(`${c.name}: labels differ from the plain path`);
        if (c.wantProbs && !Buffer.from(ta.probs as Uint8Array).equals(Buffer.from(tb.probs as Uint8Array))) throw new Error(`${c.name}: probabilities differ`);
      }
    }
    const share = interpolated / (R * N * W * W);
    console.log(
      `upsample + arg-max, ${c.name.padEnd(34)} plain ${Math.min(...plain).toFixed(1)} ms (median ${median(plain).toFixed(1)}), ` +
        `fast ${Math.min(...fast).toFixed(1)} ms (median ${median(fast).toFixed(1)}); fast/plain ${(Math.min(...fast) / Math.min(...plain)).toFixed(3)}; ` +
        `target pixels interpolating all classes ${(100 * share).toFixed(1)} %; identical output`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
