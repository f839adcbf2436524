/**
 * Export throughput: a 2,000-image 512² project (synthetic faces, JPEG images, imported 512² masks in
 * CelebAMask-HQ order A) exported to LaPa with the A → lapa-11 remap, through the service
 * (`export:run`: read + hash-check each image, decode + remap each mask, write the image bytes and an
 * index PNG, hash every output, manifest, atomic rename). Baselines in the same run, same images and
 * the same remapped masks already in memory:
 *   copy+sharp   fs.copyFile of each image + sharp writing the mask (single-channel PNG), 4 at a time
 *   copy+encode  fs.copyFile + Parsel's own deterministic PNG encoder (formats/png-pool.ts: png-encode.ts in
 *                PNG threads), 4 at a time
 *
 *   npm run bench -- export [--images 2000] [--size 512] [--repeat 3]
 */
import { createHash } from 'node:crypto';
import { promises as fs, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { loadavg } from 'node:os';
import { encodeMaskPngAsync } from '../../src/main/formats/png-pool';
import { applyRemap, buildRemap } from '../../src/shared/dataset/remap';
import { encodeMask } from '../../src/shared/mask/codec';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('images', 2000);
const S = arg('size', 512);
const REPEAT = arg('repeat', 3);
const DISTINCT = 32;
const A = getSchema('celebamask-hq-a');
const remap = buildRemap(A, getSchema('lapa-11'), 255);
const dir = mkdtempSync(join(tmpdir(), 'parsel-bench-export-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const faces = Array.from({ length: DISTINCT }, (_, i) => generateFace({ seed: 1000 + i, width: S, height: S, schema: A }));
  const imgDir = join(dir, 'images');
  mkdirSync(imgDir);
  const file = join(dir, 'bench.parsel');
  const store = ProjectStore.create(file, A, 'bench');
  const rows: { path: string; sha256: string; width: number; height: number; split: string; source: string }[] = [];
  const maskOf: number[] = [];
  const images: string[] = [];
  await pool(
    Array.from({ length: N }, (_, i) => i),
    4,
    async (i) => {
      const f = faces[i % DISTINCT];
      const rgb = Buffer.from(f.rgb);
      // a per-image stamp so every file has its own content (the project refuses duplicates)
      for (let b = 0; b < 16; b++) rgb[b * 3] = (i >> (b % 12)) & 1 ? 255 : 0;
      const jpg = await sharp(rgb, { raw: { width: S, height: S, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
      const path = join(imgDir, `face_${String(i).padStart(5, '0')}.jpg`);
      writeFileSync(path, jpg);
      images[i] = path;
      rows[i] = {
        path: `images/face_${String(i).padStart(5, '0')}.jpg`,
        sha256: createHash('sha256').update(jpg).digest('hex'),
        width: S,
        height: S,
        split: i % 10 < 8 ? 'train' : i % 10 === 8 ? 'val' : 'test',
        source: 'synthetic',
      };
      maskOf[i] = i % DISTINCT;
    },
  );
  const ids = store.insertImages(rows);
  const encoded = faces.map((f) => encodeMask(f.mask, S, S));
  storeDb(store).transaction(() => {
    ids.forEach((id, i) => {
      const m = encoded[maskOf[i]];
      store.saveRevision({ imageId: id, parentId: null, kind: 'import', author: 'bench', note: null, width: S, height: S, encoding: m.encoding, mask: m.data });
    });
  })();
  store.close();
  console.log(`setup: ${N} images ${S}² (${DISTINCT} distinct faces) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const remapped = faces.map((f) => applyRemap(remap, f.mask, S));
  const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
  const api = directClient(backend.services, backend.bus);
  await api.call('project:open', { path: file });

  const results: Record<string, number[]> = { parsel: [], 'copy+sharp': [], 'copy+encode': [] };
  console.log(`load average at the start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (let r = 0; r < REPEAT; r++) {
    // Parsel
    let t = performance.now();
    const res = await api.call('export:run', { dir: join(dir, `out-parsel-${r}`), spec: { format: 'lapa', remap: { target: 'lapa-11', ignoreIndex: 255 } } });
    results.parsel.push(performance.now() - t);
    if (res.images !== N) throw new Error(`exported ${res.images}`);

    // Baseline 1: copy + sharp PNG
    const b1 = join(dir, `out-sharp-${r}`);
    for (const s of ['train', 'val', 'test']) for (const k of ['images', 'labels']) mkdirSync(join(b1, s, k), { recursive: true });
    t = performance.now();
    await pool(
      Array.from({ length: N }, (_, i) => i),
      4,
      async (i) => {
        const name = `face_${String(i).padStart(5, '0')}`;
        await fs.copyFile(images[i], join(b1, rows[i].split, 'images', `${name}.jpg`));
        const m = remapped[maskOf[i]];
        await sharp(Buffer.from(m.buffer, m.byteOffset, m.byteLength), { raw: { width: S, height: S, channels: 1 } })
          .toColourspace('b-w')
          .png()
          .toFile(join(b1, rows[i].split, 'labels', `${name}.png`));
      },
    );
    results['copy+sharp'].push(performance.now() - t);

    // Baseline 2: copy + our encoder
    const b2 = join(dir, `out-encode-${r}`);
    for (const s of ['train', 'val', 'test']) for (const k of ['images', 'labels']) mkdirSync(join(b2, s, k), { recursive: true });
    t = performance.now();
    await pool(
      Array.from({ length: N }, (_, i) => i),
      4,
      async (i) => {
        const name = `face_${String(i).padStart(5, '0')}`;
        await fs.copyFile(images[i], join(b2, rows[i].split, 'images', `${name}.jpg`));
        const m = remapped[maskOf[i]];
        await fs.writeFile(join(b2, rows[i].split, 'labels', `${name}.png`), await encodeMaskPngAsync(m.slice(), S, S, 1) /* a copy: the pool takes its pixels */);
      },
    );
    results['copy+encode'].push(performance.now() - t);
    for (const d of [`out-parsel-${r}`, `out-sharp-${r}`, `out-encode-${r}`]) rmSync(join(dir, d), { recursive: true, force: true });
  }
  backend.close();

  const base = median(results['copy+sharp']);
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`\nLaPa export of ${N} images ${S}² (median of ${REPEAT}; all runs in ms: ${JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.map(Math.round)])))})`);
  console.log('method        images/s   total s   vs copy+sharp');
  for (const [k, v] of Object.entries(results)) {
    const ms = median(v);
    console.log(`${k.padEnd(12)}  ${(N / (ms / 1000)).toFixed(0).padStart(8)}  ${(ms / 1000).toFixed(2).padStart(8)}   ${(ms / base).toFixed(2)}×`);
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
