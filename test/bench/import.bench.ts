/**
 * CelebAMask-HQ import: Parsel (service, in-process: validate everything, then write images, import
 * revisions and thumbnails in batched transactions) vs the Python/OpenCV conversion researchers run
 * (test/bench/reference/celebamask_to_index.py: cv2.imread each part, paint in order, cv2.imwrite),
 * on the same generated tree, same machine, same run.
 *
 *   npm run bench -- import [--images 2000] [--rounds 3] [--python /usr/bin/python3]
 *
 * Prints wall time and CPU time (Parsel: process.cpuUsage over the import, threadpool included; Python:
 * time.process_time() printed by the script) per round, and the median ratios. The machine is shared,
 * so the CPU ratio is the load-independent figure; the wall ratio is what a user waits.
 *
 * The tree (2,000 ids × the present parts of 18, 512² binary masks, 512² JPEG images) is generated
 * once and cached in os.tmpdir()/parsel-bench-celebamask-<n>-v1. To keep generation to minutes on a
 * small machine, 250 distinct synthetic faces are used, and each id's image is made unique (a stamped
 * corner) so no two images share content (Parsel refuses duplicates); every id has its own mask files.
 * Needs OpenCV for the system python: `apt-get install -y python3-opencv`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { writeIndexPng } from '../../src/main/formats/png';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { findClass, getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { CELEBA_PARTS } from '../tooling/formats';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const N = Number(arg('images', '2000'));
const PYTHON = arg('python', '/usr/bin/python3');
const DISTINCT = 250;
const SIZE = 512;
const tree = join(tmpdir(), `parsel-bench-celebamask-${N}-v1`);
const schema = getSchema('celebamask-hq-a');

async function generate(): Promise<void> {
  if (existsSync(join(tree, '.complete'))) return;
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(join(tree, 'CelebA-HQ-img'), { recursive: true });
  const t0 = performance.now();
  const faces = new Map<number, ReturnType<typeof generateFace>>();
  for (let id = 0; id < N; id++) {
    const seed = id % DISTINCT;
    let f = faces.get(seed);
    if (!f) faces.set(seed, (f = generateFace({ seed: seed + 1, width: SIZE, height: SIZE, schema })));
    const rgb = new Uint8Array(f.rgb);
    for (let b = 0; b < 16; b++) {
      const on = (id >> b) & 1 ? 255 : 0;
      for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) rgb.fill(on, ((y * SIZE) + b * 4 + x) * 3, ((y * SIZE) + b * 4 + x) * 3 + 3);
    }
    await sharp(Buffer.from(rgb), { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 92 }).toFile(join(tree, 'CelebA-HQ-img', `${id}.jpg`));
    const folder = join(tree, 'CelebAMask-HQ-mask-anno', String(Math.floor(id / 2000)));
    mkdirSync(folder, { recursive: true });
    for (const p of CELEBA_PARTS) {
      const v = findClass(schema, p)!.index;
      const bin = new Uint8Array(SIZE * SIZE);
      let any = false;
      for (let i = 0; i < bin.length; i++) {
        if (f.mask[i] === v) {
          bin[i] = 255;
          any = true;
        }
      }
      if (any) await writeIndexPng(join(folder, `${String(id).padStart(5, '0')}_${p}.png`), bin, SIZE, SIZE);
    }
    if (id % 200 === 199) process.stdout.write(`\rgenerating tree: ${id + 1}/${N} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  writeFileSync(join(tree, '.complete'), new Date().toISOString());
  process.stdout.write('\n');
}

interface Timing {
  wall: number;
  cpu: number;
}

function python(out: string): Timing {
  const script = resolve(__dirname, 'reference', 'celebamask_to_index.py');
  rmSync(out, { recursive: true, force: true });
  const t = performance.now();
  const r = spawnSync(PYTHON, [script, tree, out, String(N)], { encoding: 'utf8' });
  const wall = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${PYTHON} ${script} failed (status ${r.status}): ${r.stderr}; is python3-opencv installed?`);
  const m = /cpu_s ([\d.]+)/.exec(r.stderr);
  return { wall, cpu: m ? Number(m[1]) : NaN };
}

async function parsel(work: string, round: number): Promise<Timing> {
  const backend = createBackend({ mode: 'direct', userDataDir: join(work, 'user') });
  const api = directClient(backend.services, backend.bus);
  await api.call('project:create', { path: join(work, `bench-${round}.parsel`), schemaId: 'celebamask-hq-a' });
  const c0 = process.cpuUsage();
  const t = performance.now();
  const r = await api.call('import:run', { path: tree, onProblem: 'abort' });
  const wall = (performance.now() - t) / 1000;
  const c = process.cpuUsage(c0);
  backend.close();
  if (r.status !== 'done' || r.imported !== N) throw new Error(`import did not finish: ${r.status}, ${r.imported} imported, ${r.problems.length} problems`);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (t: Timing) => `${t.wall.toFixed(1)} s wall (${((t.wall / N) * 1000).toFixed(1)} ms/image), ${t.cpu.toFixed(1)} s CPU`;

async function main(): Promise<void> {
  await generate();
  const rounds = Number(arg('rounds', '3'));
  const work = mkdtempSync(join(tmpdir(), 'parsel-bench-import-'));
  console.log(`CelebAMask-HQ-shaped tree: ${N} images ${SIZE}², part masks ${SIZE}² (${tree}); ${rounds} rounds, alternating`);
  try {
    const py: Timing[] = [];
    const ps: Timing[] = [];
    for (let k = 0; k < rounds; k++) {
      // Alternate which goes first, so a load change on the shared machine hits both sides.
      if (k % 2 === 0) {
        py.push(python(join(work, 'py-out')));
        ps.push(await parsel(work, k));
      } else {
        ps.push(await parsel(work, k));
        py.push(python(join(work, 'py-out')));
      }
      console.log(`round ${k + 1}: python/OpenCV ${fmt(py[k])} | parsel ${fmt(ps[k])} | wall ratio ${(py[k].wall / ps[k].wall).toFixed(2)}×, CPU ratio ${(py[k].cpu / ps[k].cpu).toFixed(2)}×`);
    }
    console.log(`python/OpenCV reference conversion: median ${median(py.map((t) => t.wall)).toFixed(1)} s wall, ${median(py.map((t) => t.cpu)).toFixed(1)} s CPU`);
    console.log(`parsel import (validate + write ${N}): median ${median(ps.map((t) => t.wall)).toFixed(1)} s wall, ${median(ps.map((t) => t.cpu)).toFixed(1)} s CPU`);
    console.log(
      `ratio (median of rounds): parsel is ${median(py.map((t, k) => t.wall / ps[k].wall)).toFixed(2)}× the speed of the reference (wall), ` +
        `${median(py.map((t, k) => t.cpu / ps[k].cpu)).toFixed(2)}× (CPU)`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
