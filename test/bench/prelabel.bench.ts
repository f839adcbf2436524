/**
 * Pre-labelling throughput: end-to-end images/s through InferenceEngine.run (JPEG decode + resize +
 * normalise + session.run + upsample + argmax at 1024², in the worker) against raw session.run on a
 * ready tensor, same model (BiSeNet-sized, 512², 19 classes), batch 1, provider and session options,
 * measured in the same run.
 *
 *   npm run bench -- prelabel [--images N] [--threads T] [--concurrency C] [--target lapa-11] [--probs]
 *
 * `--probs`: also return the quantised probabilities at the image size, as a pre-labelling job does
 * (it caches them); without it, labels only (softmax at class boundaries only).
 *
 * `--target`: predictions in another schema than the model's (the model labels CelebAMask-HQ order B):
 * the probability remap of shared/models/prob-remap.ts runs in the post-processing, whose time the
 * bench prints (compare with a run without it).
 *
 * The model is generated into models/generated/ (git-ignored); the images into
 * os.tmpdir()/parsel-bench-prelabel/ (cached).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { InferenceEngine, createSession, defaultIntraOpThreads, parseModelCard, type BatchItem } from '../../src/main/inference';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { bisenetLikeCard, ensureBisenetLike } from '../tooling/onnx-gen';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

async function main(): Promise<void> {
  const N = arg('images', 24);
  const threads = arg('threads', defaultIntraOpThreads());
  const concurrency = arg('concurrency', 3);
  const ti = process.argv.indexOf('--target');
  const target = ti >= 0 ? process.argv[ti + 1] : undefined;
  const probs = process.argv.includes('--probs');
  const modelPath = ensureBisenetLike({ size: 512, classes: 19, seed: 1234 });
  const r = parseModelCard(bisenetLikeCard(512));
  if (!r.ok) throw new Error(r.problems.join('; '));
  const card = r.card;

  const dir = join(tmpdir(), 'parsel-bench-prelabel');
  mkdirSync(dir, { recursive: true });
  const schema = getSchema('celebamask-hq-b');
  const paths: string[] = [];
  for (let i = 0; i < N; i++) {
    const p = join(dir, `face_${String(i).padStart(4, '0')}.jpg`);
    if (!existsSync(p)) {
      const f = generateFace({ seed: 1000 + i, width: 1024, height: 1024, schema });
      await sharp(f.rgb, { raw: { width: 1024, height: 1024, channels: 3 } }).jpeg({ quality: 90 }).toFile(p);
    }
    paths.push(p);
  }
  console.log(`prelabel: ${N} generated 1024² JPEGs, BiSeNet-sized model ${modelPath} (${(readFileSync(modelPath).length / 1e6).toFixed(1)} MB)`);

  // Raw: session.run on one ready tensor, repeated N times (after 2 warm-up runs). Measured before and
  // after the end-to-end pass; the faster of the two is the baseline (the machine may be shared).
  const rawPass = async (): Promise<number> => {
    const s = await createSession(modelPath, { providers: ['cpu'], intraOpThreads: threads });
    const x = new ort.Tensor('float32', new Float32Array(3 * 512 * 512).fill(0.1), [1, 3, 512, 512]);
    for (let i = 0; i < 2; i++) await s.session.run({ input: x });
    const t = performance.now();
    for (let i = 0; i < N; i++) await s.session.run({ input: x });
    const secs = (performance.now() - t) / 1000;
    await s.session.release();
    return N / secs;
  };
  const raw1 = await rawPass();

  // End-to-end through the engine (worker), same provider and threads.
  const engine = await InferenceEngine.create({ models: [{ path: modelPath, card }], providers: ['cpu'], intraOpThreads: threads, ...(target ? { targetSchema: target } : {}) });
  if (engine.remap) console.log(`predictions remapped: ${card.labels} → ${engine.schemaId} (${engine.classes} classes)`);
  const warm = paths.slice(0, 2).map((path, i): BatchItem => ({ key: `w${i}`, path }));
  await engine.run(warm, { concurrency, onResult: () => undefined });
  let pre = 0;
  let inf = 0;
  let post = 0;
  let bad = 0;
  const t0 = performance.now();
  const sum = await engine.run(
    paths.map((path, i): BatchItem => ({ key: String(i), path })),
    {
      concurrency,
      probs,
      onResult: (res) => {
        if (!res.ok) {
          bad++;
          console.error(res.error);
          return;
        }
        if (res.width !== 1024 || res.labels.length !== 1024 * 1024) throw new Error('labels not at image size');
        pre += res.timing.preMs;
        inf += res.timing.inferMs;
        post += res.timing.postMs;
      },
    },
  );
  const e2eS = (performance.now() - t0) / 1000;
  await engine.close();
  const e2e = sum.done / e2eS;
  const raw2 = await rawPass();
  const raw = Math.max(raw1, raw2);
  const rawS = N / raw;
  console.log(`provider: ${engine.provider}; ORT intra-op threads: ${engine.intraOpThreads}; cores: ${availableParallelism()}; run concurrency: ${concurrency}; batch 1; ${probs ? 'labels + probabilities' : 'labels only'}`);
  console.log(
    `raw session.run (ready tensor):        ${raw.toFixed(2)} images/s (${((rawS / N) * 1000).toFixed(0)} ms/image; before ${raw1.toFixed(2)}, after ${raw2.toFixed(2)})`,
  );
  console.log(`end-to-end engine.run (1024² JPEGs):   ${e2e.toFixed(2)} images/s (${((e2eS / N) * 1000).toFixed(0)} ms/image)`);
  console.log(
    `  per image in the worker: decode+resize+normalise ${(pre / N).toFixed(1)} ms (overlapped), session.run ${(inf / N).toFixed(0)} ms, ` +
      `${engine.remap ? 'softmax+remap+' : ''}upsample+argmax ${(post / N).toFixed(1)} ms`,
  );
  console.log(`ratio end-to-end / raw: ${(e2e / raw).toFixed(3)} (target >= 0.95)${bad ? `; ${bad} failed` : ''}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
