/**
 * Project open time at CelebAMask-HQ size: 30,000 images, each with an imported 512² mask revision.
 * Measures what the app does when a project is opened (open + migrate check + counts + recent list)
 * and the first grid page, against the same on an empty project in the same run.
 *
 *   npm run bench -- project [--images 30000]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMask } from '../../src/shared/mask/codec';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';

const argImages = process.argv.indexOf('--images');
const N = argImages > 0 ? Number(process.argv[argImages + 1]) : 30_000;
const REPEAT = 7;
const dir = mkdtempSync(join(tmpdir(), 'parsel-bench-project-'));
const schema = getSchema('celebamask-hq-a');

function build(file: string, n: number): void {
  const store = ProjectStore.create(file, schema, 'bench');
  // 16 distinct realistic masks, reused round-robin (content does not change open time).
  const masks = Array.from({ length: 16 }, (_, i) => {
    const f = generateFace({ seed: i + 1, width: 512, height: 512, schema });
    return encodeMask(f.mask, 512, 512);
  });
  const CHUNK = 2000;
  for (let start = 0; start < n; start += CHUNK) {
    const count = Math.min(CHUNK, n - start);
    const ids = store.insertImages(
      Array.from({ length: count }, (_, k) => {
        const i = start + k;
        return {
          path: `CelebA-HQ-img/${i}.jpg`,
          sha256: i.toString(16).padStart(64, '0'),
          width: 512,
          height: 512,
          split: i < n * 0.8 ? 'train' : i < n * 0.9 ? 'val' : 'test',
          source: 'celebamask-hq',
        };
      }),
    );
    storeDb(store).transaction(() => {
      ids.forEach((id, k) => {
        const m = masks[(start + k) % masks.length];
        store.saveRevision({ imageId: id, parentId: null, kind: 'import', author: 'bench', note: null, width: 512, height: 512, encoding: m.encoding, mask: m.data });
      });
    })();
  }
  store.close();
}

async function measure(file: string): Promise<{ open: number[]; firstPage: number[] }> {
  const open: number[] = [];
  const firstPage: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
    const api = directClient(backend.services, backend.bus);
    const t0 = performance.now();
    const info = await api.call('project:open', { path: file });
    const t1 = performance.now();
    const page = await api.call('image:list', { offset: 0, limit: 300 });
    const t2 = performance.now();
    if (info.counts.total !== page.total) throw new Error('count mismatch');
    open.push(t1 - t0);
    firstPage.push(t2 - t1);
    backend.close();
  }
  return { open, firstPage };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number) => `${x.toFixed(1)} ms`;

async function main(): Promise<void> {
  const big = join(dir, 'big.parsel');
  const empty = join(dir, 'empty.parsel');
  const tb = performance.now();
  build(big, N);
  const buildSecs = (performance.now() - tb) / 1000;
  build(empty, 0);
  const sizeMb = statSync(big).size / 2 ** 20;
  const a = await measure(big);
  const b = await measure(empty);
  console.log(`project with ${N} images + ${N} mask revisions: ${sizeMb.toFixed(1)} MiB, built in ${buildSecs.toFixed(1)} s`);
  console.log(`median of ${REPEAT} opens (warm OS cache):`);
  console.log(`  open (project:open)         ${fmt(median(a.open))}   empty project ${fmt(median(b.open))}   ratio ${(median(a.open) / median(b.open)).toFixed(2)}`);
  console.log(`  first grid page (300 rows)  ${fmt(median(a.firstPage))}   empty project ${fmt(median(b.firstPage))}`);
  console.log(`  open + first page           ${fmt(median(a.open) + median(a.firstPage))}   budget 1000 ms`);
  rmSync(dir, { recursive: true, force: true });
}

void main();
