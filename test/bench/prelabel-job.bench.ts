/**
 * Pre-labelling JOB throughput: the service (`prelabel:start` → stored predictions, model revisions,
 * job items) against the engine alone (`InferenceEngine.run` over the same files with probabilities,
 * results dropped), same model, provider, threads and concurrency, in one run. The difference is what
 * the job adds: deflating the probability planes (libuv's pool), encoding the label mask (main thread),
 * one SQLite transaction per image (writer thread, synchronous = FULL). Also reports the cache's bytes per
 * image and the main thread's worst stall during the job, and (for context) the engine returning labels
 * only, i.e. what producing the K probability planes at the image size costs.
 *
 *   npm run bench -- prelabel-job [--images N] [--size S] [--threads T]
 *
 * Images: generated faces at S² (default 1024), JPEG, cached in os.tmpdir(); model: the BiSeNet-sized
 * generated model (512², 19 classes) in models/generated/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { InferenceEngine, defaultIntraOpThreads, parseModelCard, type BatchItem } from '../../src/main/inference';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { bisenetLikeCard, ensureBisenetLike } from '../tooling/onnx-gen';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

async function main(): Promise<void> {
  const N = arg('images', 16);
  const S = arg('size', 1024);
  const threads = arg('threads', defaultIntraOpThreads());
  const concurrency = 3; // what the job uses (prelabel.ts)
  const modelPath = ensureBisenetLike({ size: 512, classes: 19, seed: 1234 });
  const r = parseModelCard(bisenetLikeCard(512));
  if (!r.ok) throw new Error(r.problems.join('; '));

  const imgDir = join(tmpdir(), `parsel-bench-prelabel-job-${S}`);
  mkdirSync(imgDir, { recursive: true });
  const schema = getSchema('celebamask-hq-b');
  const paths: string[] = [];
  for (let i = 0; i < N; i++) {
    const p = join(imgDir, `face_${String(i).padStart(4, '0')}.jpg`);
    if (!existsSync(p)) {
      const f = generateFace({ seed: 1000 + i, width: S, height: S, schema });
      await sharp(f.rgb, { raw: { width: S, height: S, channels: 3 } }).jpeg({ quality: 90 }).toFile(p);
    }
    paths.push(p);
  }

  const work = mkdtempSync(join(tmpdir(), 'parsel-bench-job-'));
  const backend = createBackend({ mode: 'direct', userDataDir: join(work, 'user') });
  const api = directClient(backend.services, backend.bus);
  const project = join(work, 'bench.parsel');
  await api.call('project:create', { path: project, schemaId: 'celebamask-hq-b' });
  await api.call('image:addFolder', { folder: imgDir, recursive: false });
  // The cache folder may hold more images from an earlier run with a larger N: the job does these N.
  const wanted = new Set(paths);
  const imageIds = (await api.call('image:list', { limit: 5000 })).items.filter((i) => wanted.has(i.path)).map((i) => i.id);
  if (imageIds.length !== N) throw new Error(`expected ${N} images in the project, found ${imageIds.length}`);
  const model = await api.call('models:add', { path: modelPath });
  const set = await api.call('modelSet:create', { name: 'bisenet', modelIds: [model.model.id] });
  console.log(`prelabel-job: ${N} generated ${S}² JPEGs, ${model.model.name}; cores ${availableParallelism()}, ORT threads ${threads}, concurrency ${concurrency}`);

  const enginePass = async (probs = true): Promise<number> => {
    const engine = await InferenceEngine.create({ models: [{ path: modelPath, card: r.card }], providers: ['cpu'], intraOpThreads: threads });
    try {
      await engine.run([{ key: 'warm', path: paths[0] }], { concurrency, probs, onResult: () => undefined });
      const t = performance.now();
      const s = await engine.run(paths.map((path, i): BatchItem => ({ key: String(i), path })), { concurrency, probs, onResult: () => undefined });
      if (s.failed) throw new Error(`${s.failed} failed`);
      return N / ((performance.now() - t) / 1000);
    } finally {
      await engine.close();
    }
  };

  const jobPass = async (): Promise<{ rate: number; maxStallMs: number; meanStallMs: number }> => {
    const h = monitorEventLoopDelay({ resolution: 10 });
    let t = 0;
    const done = new Promise<void>((res) => {
      const off = api.on('job:progress', (e) => {
        if (e.kind === 'prelabel' && e.status && e.status !== 'running') {
          off();
          res();
        }
      });
    });
    await api.call('prelabel:start', { modelSetId: set.id, imageIds, providers: ['cpu'] });
    // Timed from here: the engine is up (its start is not in the engine pass either).
    t = performance.now();
    h.enable();
    await done;
    h.disable();
    const secs = (performance.now() - t) / 1000;
    const [job] = await api.call('job:list', { kind: 'prelabel' });
    if (job.failed || job.done !== N) throw new Error(`job: ${job.done} done, ${job.failed} failed: ${job.failures.map((f) => f.error).join('; ')}`);
    return { rate: N / secs, maxStallMs: h.max / 1e6, meanStallMs: h.mean / 1e6 };
  };

  // Alternate so both see the same (shared) machine; the faster engine pass is the baseline.
  const e1 = await enginePass();
  const j1 = await jobPass();
  const e2 = await enginePass();
  const j2 = await jobPass();
  // Context: the same engine returning labels only (no K planes at the image size to upsample and move).
  const labelsOnly = await enginePass(false);
  const engineRate = Math.max(e1, e2);
  const job = j1.rate >= j2.rate ? j1 : j2;

  const store = ProjectStore.open(project);
  const bytes = storeDb(store).prepare('SELECT avg(length(data)) AS a, avg(classes * width * height) AS raw FROM prediction').get() as { a: number; raw: number };
  store.close();
  backend.close();
  rmSync(work, { recursive: true, force: true });

  console.log(`engine.run with probabilities (results dropped): ${engineRate.toFixed(2)} images/s (passes ${e1.toFixed(2)}, ${e2.toFixed(2)})`);
  console.log(`prelabel job (cache + model revision + job item, one transaction each): ${job.rate.toFixed(2)} images/s (passes ${j1.rate.toFixed(2)}, ${j2.rate.toFixed(2)})`);
  console.log(`ratio job / engine: ${(job.rate / engineRate).toFixed(3)}`);
  console.log(`(engine.run labels only, no probabilities: ${labelsOnly.toFixed(2)} images/s)`);
  console.log(`main thread during the job: worst stall ${job.maxStallMs.toFixed(0)} ms, mean event-loop delay ${job.meanStallMs.toFixed(1)} ms`);
  console.log(`prediction cache: ${(bytes.a / 1e6).toFixed(2)} MB per image deflated vs ${(bytes.raw / 1e6).toFixed(1)} MB raw planes (${(bytes.raw / bytes.a).toFixed(1)}×)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
