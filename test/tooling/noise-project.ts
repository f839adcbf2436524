/**
 * A project for label-noise tests: synthetic faces whose saved `import` labels are corrupted with
 * `corrupt()` (shared/noise) on some images, a model set row, and a teacher made from the CLEAN mask
 * (softened one-hot: p = 0.9 on the clean class, the rest spread evenly) written into the prediction
 * cache with the cache's own writer. Every corrupted region is then confidently contradicted by the
 * teacher, every clean pixel agrees with it.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { writePrediction } from '../../src/main/services/predictions';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import type { ParselApi } from '../../src/shared/api/contract';
import { encodeMask } from '../../src/shared/mask/codec';
import { corrupt, quantizeProbs, type CorruptedRegion, type CorruptionType } from '../../src/shared/noise';
import { getSchema } from '../../src/shared/schema';
import { readIndexPng, writeSyntheticFolder } from './dataset';

export interface NoiseImage {
  id: number;
  clean: Uint8Array;
  /** The label saved as the import revision (corrupted or clean). */
  label: Uint8Array;
  regions: CorruptedRegion[];
  revisionId: number;
}

export interface NoiseProject {
  file: string;
  modelSetId: number;
  size: number;
  images: NoiseImage[];
}

/** Softened one-hot, class-major quantised planes (shared/noise/probs.ts). */
export function softTeacher(clean: Uint8Array, K: number, p = 0.9): Uint8Array {
  const HW = clean.length;
  const f = new Float32Array(K * HW).fill((1 - p) / (K - 1));
  for (let i = 0; i < HW; i++) f[clean[i] * HW + i] = p;
  return quantizeProbs(f);
}

/**
 * `corruptions[i]`: the corruption types applied (in order) to image i's label; images past the list
 * stay clean. Creates the project through `api` (which must have no project open yet).
 */
export async function makeNoiseProject(
  api: ParselApi,
  dir: string,
  opts: { count: number; size: number; corruptions: CorruptionType[][]; seed?: number; schemaId?: string },
): Promise<NoiseProject> {
  const schemaId = opts.schemaId ?? 'celebamask-hq-a';
  const schema = getSchema(schemaId);
  const written = await writeSyntheticFolder(join(dir, 'faces'), {
    count: opts.count,
    width: opts.size,
    height: opts.size,
    schemaId,
    seed: opts.seed ?? 11,
    format: 'png',
    masks: 'index-png',
    layout: 'images-masks',
  });
  const info = await api.call('project:create', { path: join(dir, 'noise.parsel'), schemaId });
  const report = await api.call('image:addFolder', { folder: written.imagesDir, recursive: true });
  if (report.added !== opts.count) throw new Error(`added ${report.added} of ${opts.count}: ${JSON.stringify(report.failed)}`);
  const page = await api.call('image:list', { limit: 5000 });
  const byName = new Map(written.items.map((it, i) => [basename(it.imagePath), { it, i }]));
  const images: NoiseImage[] = [];
  for (const img of page.items) {
    const { it, i } = byName.get(basename(img.path))!;
    const m = await readIndexPng(it.maskPath!);
    let label = m.data;
    const regions: CorruptedRegion[] = [];
    (opts.corruptions[i] ?? []).forEach((type, k) => {
      const r = corrupt(label, m.width, m.height, schema, { type, seed: 100 * i + k });
      if (r.regions.length === 0) throw new Error(`corruption ${type} does not apply to image ${i}`);
      label = r.label;
      regions.push(...r.regions);
    });
    const rev = await api.call('revision:save', { imageId: img.id, parentId: null, kind: 'import', author: 'dataset', mask: encodeMask(label, m.width, m.height) });
    images.push({ id: img.id, clean: m.data, label, regions, revisionId: rev.id });
  }
  const store = ProjectStore.open(info.path);
  let modelSetId: number;
  try {
    // A model row with a real example card (labels set to the project schema) so model-set listings
    // work; the .onnx is never opened: the predictions are written below.
    const card = { ...(JSON.parse(readFileSync(join(__dirname, '..', '..', 'models', 'bisenet-celebamask-hq.card.json'), 'utf8')) as object), labels: schemaId };
    const now = new Date().toISOString();
    const modelId = Number(
      storeDb(store)
        .prepare('INSERT INTO model(name, path, sha256, card, added_at) VALUES (?, ?, ?, ?, ?)')
        .run('teacher-model', join(dir, 'teacher.onnx'), '0'.repeat(64), JSON.stringify(card), now).lastInsertRowid,
    );
    modelSetId = Number(
      storeDb(store).prepare(`INSERT INTO model_set(name, members, tta, created_at) VALUES ('teacher', ?, 'none', ?)`).run(JSON.stringify([modelId]), now).lastInsertRowid,
    );
    const sha = storeDb(store).prepare('SELECT sha256 FROM image WHERE id = ?').pluck();
    for (const im of images) {
      writePrediction(
        store,
        { imageId: im.id, modelSetId, imageSha256: sha.get(im.id) as string, width: opts.size, height: opts.size, classes: schema.classes.length, provider: 'test' },
        { probs: softTeacher(im.clean, schema.classes.length) },
      );
    }
  } finally {
    store.close();
  }
  return { file: info.path, modelSetId, size: opts.size, images };
}

/** A stored flag's region as a full-image 0/1 map (read straight from the `flag` row of the project file). */
export function flagRegionMap(file: string, flagId: number, width: number, height: number): Uint8Array {
  const store = ProjectStore.open(file);
  try {
    const r = storeDb(store).prepare('SELECT bbox, region FROM flag WHERE id = ?').get(flagId) as { bbox: string; region: Buffer } | undefined;
    if (!r) throw new Error(`flag ${flagId} not found`);
    const [x0, y0, x1, y1] = JSON.parse(r.bbox) as number[];
    const bytes = inflateSync(r.region);
    const bw = x1 - x0 + 1;
    if (bytes.length !== bw * (y1 - y0 + 1)) throw new Error(`flag ${flagId}: bitmap size does not match bbox ${r.bbox}`);
    const out = new Uint8Array(width * height);
    for (let j = 0; j < bytes.length; j++) if (bytes[j]) out[(y0 + Math.floor(j / bw)) * width + x0 + (j % bw)] = 1;
    return out;
  } finally {
    store.close();
  }
}
