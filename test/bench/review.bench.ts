/**
 * The curator's review tools at dataset size, each against a baseline measured in the same run:
 *
 * 1. `noise:queue` (the review queue, with its per-image class pairs and the queue's pair summary) over
 *    `--queue` scanned images (default 30,000, every one flagged, 1-5 flags each: the worst case),
 *    unfiltered, filtered by one pair, and open-only; baseline: listing the same images by score with
 *    one plain SQL query (`image_score ORDER BY score`), the least any queue costs.
 * 2. `metrics:stats` (head) and `metrics:agreement` (import vs a model set's cached prediction) over
 *    `--images` images of 512² with 19 classes (default 200), per image; baselines: decoding the mask
 *    alone, and reading the cached prediction + arg-max alone. Also the worst gap of a 5 ms timer while
 *    they run (they yield the event loop every ~20 ms).
 *
 *   npm run bench -- review [--queue 30000] [--images 200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { readPrediction } from '../../src/main/services/predictions';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { decodeMask } from '../../src/shared/mask/codec';
import { argmaxProbs } from '../../src/shared/noise';
import { getSchema } from '../../src/shared/schema';
import { makeNoiseProject } from '../tooling/noise-project';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const QUEUE = arg('queue', 30_000);
const IMAGES = arg('images', 200);
const REPEAT = 5;
const dir = mkdtempSync(join(tmpdir(), 'parsel-bench-review-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A project with `n` scanned images, each with 1-5 flags (a third dismissed), written directly. */
function buildQueue(file: string, n: number): { flags: number } {
  const store = ProjectStore.create(file, getSchema('celebamask-hq-a'), 'bench');
  const now = new Date().toISOString();
  let flags = 0;
  storeDb(store).transaction(() => {
    const model = Number(storeDb(store).prepare(`INSERT INTO model(name, path, sha256, card, added_at) VALUES ('m', '/m.onnx', ?, '{}', ?)`).run('0'.repeat(64), now).lastInsertRowid);
    const set = Number(storeDb(store).prepare(`INSERT INTO model_set(name, members, tta, created_at) VALUES ('teacher', ?, 'none', ?)`).run(JSON.stringify([model]), now).lastInsertRowid);
    const ids = store.insertImages(Array.from({ length: n }, (_, i) => ({ path: `img/${i}.jpg`, sha256: i.toString(16).padStart(64, '0'), width: 512, height: 512, split: null, source: null })));
    const score = storeDb(store).prepare(`INSERT INTO image_score(image_id, model_set_id, revision_id, score, pairs, scanned_at) VALUES (?, ?, ?, ?, '[]', ?)`);
    const flag = storeDb(store).prepare(
      `INSERT INTO flag(image_id, revision_id, model_set_id, bbox, area, region, label_class, suggested_class, score, status, created_at) VALUES (?, ?, ?, '[0,0,1,1]', 4, x'00', ?, ?, ?, ?, ?)`,
    );
    ids.forEach((id, i) => {
      const rev = store.saveRevision({ imageId: id, parentId: null, kind: 'import', author: 'bench', note: null, width: 1, height: 1, encoding: 'raw', mask: new Uint8Array(1) });
      score.run(id, set, rev.id, (i * 7919) % 1000, now);
      for (let j = 0; j < 1 + (i % 5); j++) {
        const from = (i + j) % 19;
        const to = (from + 1 + ((i + 2 * j) % 18)) % 19;
        flag.run(id, rev.id, set, from, to, (i * 31 + j) % 100, j % 3 === 0 ? 'dismissed' : 'open', now);
        flags++;
      }
    });
  })();
  store.close();
  return { flags };
}

async function benchQueue(): Promise<string[]> {
  const file = join(dir, 'queue.parsel');
  const { flags } = buildQueue(file, QUEUE);
  const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
  const api = directClient(backend.services, backend.bus);
  const info = await api.call('project:open', { path: file });
  const store = ProjectStore.open(info.path);
  const plain = storeDb(store).prepare('SELECT s.image_id, i.path, s.score FROM image_score s JOIN image i ON i.id = s.image_id ORDER BY s.score DESC, s.image_id');
  const pair = (await api.call('noise:queue', { limit: 1 })).pairs[0];
  const runs: Record<string, number[]> = { baseline: [], all: [], pair: [], open: [] };
  for (let r = 0; r < REPEAT; r++) {
    let t = performance.now();
    plain.all();
    runs.baseline.push(performance.now() - t);
    for (const [k, req] of [
      ['all', {}],
      ['pair', { pair: { from: pair.from, to: pair.to } }],
      ['open', { onlyOpen: true }],
    ] as const) {
      t = performance.now();
      await api.call('noise:queue', req);
      runs[k].push(performance.now() - t);
    }
  }
  store.close();
  backend.close();
  const b = median(runs.baseline);
  const row = (name: string, k: string) => `| ${name} | ${median(runs[k]).toFixed(0)} ms | ${b.toFixed(0)} ms | ${(median(runs[k]) / b).toFixed(1)}× |`;
  return [
    `Review queue: ${QUEUE.toLocaleString('en-US')} scanned images, all flagged, ${flags.toLocaleString('en-US')} flags; median of ${REPEAT}.`,
    '',
    '| noise:queue (first page of 200 + pair summary) | time | baseline: plain SQL listing by score | ratio |',
    '|---|---|---|---|',
    row('unfiltered', 'all'),
    row(`one pair (${pair.fromName} → ${pair.toName})`, 'pair'),
    row('only open', 'open'),
  ];
}

async function benchMetrics(): Promise<string[]> {
  const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user2') });
  const api = directClient(backend.services, backend.bus);
  const P = await makeNoiseProject(api, join(dir, 'metrics'), { count: IMAGES, size: 512, corruptions: [] });
  let worst = 0;
  let last = performance.now();
  const gap = setInterval(() => {
    const t = performance.now();
    worst = Math.max(worst, t - last);
    last = t;
  }, 5);
  const perImage = async (f: () => Promise<unknown>) => {
    await new Promise((r) => setTimeout(r, 20));
    last = performance.now();
    const t = performance.now();
    await f();
    return (performance.now() - t) / IMAGES;
  };
  worst = 0;
  const stats = await perImage(() => api.call('metrics:stats', {}));
  const statsGap = worst;
  worst = 0;
  const agree = await perImage(() => api.call('metrics:agreement', { a: { kind: 'import' }, b: { modelSet: P.modelSetId } }));
  const agreeGap = worst;
  clearInterval(gap);
  await api.call('project:close', {});
  // Baselines: the same reads and decodes, nothing else.
  const store = ProjectStore.open(P.file);
  let t = performance.now();
  for (const im of P.images) decodeMask(store.revisionMask(im.revisionId));
  const decode = (performance.now() - t) / IMAGES;
  t = performance.now();
  for (const im of P.images) {
    const p = readPrediction(store, im.id, P.modelSetId)!;
    argmaxProbs(p.probs, p.classes, p.width, p.height);
  }
  const argmax = (performance.now() - t) / IMAGES;
  store.close();
  backend.close();
  return [
    `Statistics and agreement: ${IMAGES} images of 512², 19 classes, per image.`,
    '',
    '| method | per image | baseline | ratio | worst 5 ms-timer gap |',
    '|---|---|---|---|---|',
    `| metrics:stats (head) | ${stats.toFixed(1)} ms | decode the mask: ${decode.toFixed(1)} ms | ${(stats / decode).toFixed(2)}× | ${statsGap.toFixed(0)} ms |`,
    `| metrics:agreement (import vs model set) | ${agree.toFixed(1)} ms | read prediction + arg-max: ${argmax.toFixed(1)} ms | ${(agree / argmax).toFixed(2)}× | ${agreeGap.toFixed(0)} ms |`,
    '',
    `At 30,000 images: statistics ${((stats * 30_000) / 1000).toFixed(0)} s, agreement with a model set ${((agree * 30_000) / 60_000).toFixed(1)} min (progress shown, cancellable).`,
  ];
}

async function main(): Promise<void> {
  const lines = [...(await benchQueue()), '', ...(await benchMetrics())];
  console.log(lines.join('\n'));
  rmSync(dir, { recursive: true, force: true });
}

void main();
