/**
 * CelebAMask-HQ import: Parsel (service, in-process: validate everything, then write images, import
 * revisions and thumbnails in batched transactions) vs the Python/OpenCV conversion researchers run
 * (test/bench/reference/celebamask_to_index.py: cv2.imread each part, paint in order, cv2.imwrite),
 * on the same generated tree, same machine, same run.
 *
 *   npm run bench -- import [--images 2000] [--python /usr/bin/python3]
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

function python(out: string): number {
  const script = resolve(__dirname, 'reference', 'celebamask_to_index.py');
  const t = performance.now();
  const r = spawnSync(PYTHON, [script, tree, out, String(N)], { stdio: 'inherit' });
  const s = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${PYTHON} ${script} failed (status ${r.status}); is python3-opencv installed?`);
  return s;
}

async function parsel(work: string): Promise<{ s: number; imported: number }> {
  const backend = createBackend({ mode: 'direct', userDataDir: join(work, 'user') });
  const api = directClient(backend.services, backend.bus);
  await api.call('project:create', { path: join(work, 'bench.parsel'), schemaId: 'celebamask-hq-a' });
  const t = performance.now();
  const r = await api.call('import:run', { path: tree, onProblem: 'abort' });
  const s = (performance.now() - t) / 1000;
  backend.close();
  if (r.status !== 'done' || r.imported !== N) throw new Error(`import did not finish: ${r.status}, ${r.imported} imported, ${r.problems.length} problems`);
  return { s, imported: r.imported };
}

async function main(): Promise<void> {
  await generate();
  const work = mkdtempSync(join(tmpdir(), 'parsel-bench-import-'));
  try {
    const py = python(join(work, 'py-out'));
    const ps = await parsel(work);
    console.log(`CelebAMask-HQ-shaped tree: ${N} images ${SIZE}², part masks ${SIZE}² (${tree})`);
    console.log(`python/OpenCV reference conversion: ${py.toFixed(1)} s (${((py / N) * 1000).toFixed(1)} ms/image)`);
    console.log(`parsel import (validate + write ${ps.imported}): ${ps.s.toFixed(1)} s (${((ps.s / N) * 1000).toFixed(1)} ms/image)`);
    console.log(`ratio: parsel is ${(py / ps.s).toFixed(2)}× the speed of the reference`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
