/**
 * The sample project (`parsel demo`): time to make it, per phase, with the generator on one thread
 * (the same-run baseline) and on generator threads (default: one per core), same options, same run.
 *
 *   npm run bench -- sample [--images 2000] [--size 256] [--noise 0.1]
 *
 * Prints wall seconds per phase (images: generate + corrupt + JPEG; adding: image:addFolder; labels:
 * revision:save per image; no models), the total, the ratio one thread / threads, and the load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { createSampleProject, type SamplePhase } from '../../src/main/services/sample-project';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const N = Number(arg('images', '2000'));
const SIZE = Number(arg('size', '256'));
const NOISE = Number(arg('noise', '0.1'));

async function round(threads: number): Promise<{ total: number; phases: Partial<Record<SamplePhase, number>> }> {
  const dir = mkdtempSync(join(tmpdir(), 'parsel-bench-sample-'));
  const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
  try {
    const phases: Partial<Record<SamplePhase, number>> = {};
    let phase: SamplePhase | null = null;
    let since = performance.now();
    const t0 = since;
    await createSampleProject(directClient(backend.services, backend.bus), join(dir, 'bench.parsel'), {
      count: N,
      size: SIZE,
      noise: NOISE,
      seed: 7,
      models: false,
      modelsDir: '',
      threads,
      onProgress: (p) => {
        if (p === phase) return;
        const now = performance.now();
        if (phase) phases[phase] = (now - since) / 1000;
        phase = p;
        since = now;
      },
    });
    const end = performance.now();
    const last = phase as SamplePhase | null; // set by the callback
    if (last) phases[last] = (end - since) / 1000;
    return { total: (end - t0) / 1000, phases };
  } finally {
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (r: Awaited<ReturnType<typeof round>>) =>
  `${r.total.toFixed(1)} s (images ${r.phases.images?.toFixed(1)} s, adding ${r.phases.adding?.toFixed(1)} s, labels ${r.phases.labels?.toFixed(1)} s)`;

async function main(): Promise<void> {
  const threads = Math.min(8, availableParallelism());
  console.log(`sample project: ${N} images ${SIZE}², noise ${NOISE}; ${availableParallelism()} cores; load before ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const one = await round(1);
  console.log(`  1 generator thread:  ${fmt(one)}`);
  const many = await round(threads);
  console.log(`  ${threads} generator threads: ${fmt(many)}`);
  console.log(`  ratio 1 thread / ${threads} threads: total ${(one.total / many.total).toFixed(2)}×, images phase ${((one.phases.images ?? 0) / (many.phases.images ?? 1)).toFixed(2)}×`);
  console.log(`  load after ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

void main();
