/**
 * `noise:importProbs` against a real project file: pred_probs.npy files written here (float32 and
 * float16, at the image size and smaller) become a model set without models whose cached planes are the
 * engine's upsampling of the file's values; every refusal names the file / row / pixel / value and
 * writes nothing (no set, no prediction, no staging file left); export-probs → import-probs round trip;
 * scan, overlay and agreement on the imported set; pre-labelling refused.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { newTarget, paste } from '../../src/main/inference/postprocess';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import type { Events } from '../../src/shared/api/contract';
import { exportedSumTolerance } from '../../src/shared/api/methods-noise';
import { float16Bits, float16Value, npyHeader } from '../../src/shared/dataset/npy';
import { decodeMask } from '../../src/shared/mask/codec';
import { quantizeProbs } from '../../src/shared/noise';
import { getSchema } from '../../src/shared/schema';
import { expectCode } from '../tooling/api-expect';
import { makeNoiseProject, softTeacher, type NoiseProject } from '../tooling/noise-project';

const dir = mkdtempSync(join(tmpdir(), 'parsel-import-probs-'));
const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
const api = directClient(backend.services, backend.bus);
let P: NoiseProject;
const K = 19;
const CLS = getSchema('celebamask-hq-a').classes.map((c) => c.name);
const S = 64; // image size

/** Planes of one image: softened one-hot of `label` (p on the label, the rest spread), class-major floats. */
function planes(label: Uint8Array, p = 0.85): Float32Array {
  const n = label.length;
  const f = new Float32Array(K * n).fill((1 - p) / (K - 1));
  for (let q = 0; q < n; q++) f[label[q] * n + q] = p;
  return f;
}

/** Nearest-neighbour downsample of a label map (s×s → t×t) so test planes can be smaller than the image. */
function shrink(label: Uint8Array, s: number, t: number): Uint8Array {
  const out = new Uint8Array(t * t);
  for (let y = 0; y < t; y++) for (let x = 0; x < t; x++) out[y * t + x] = label[Math.floor(((y + 0.5) * s) / t) * s + Math.floor(((x + 0.5) * s) / t)];
  return out;
}

/** Writes `<folder>/pred_probs.npy` from per-image planes and, when given, `<folder>/index.txt`. */
function writeNpy(folder: string, rows: Float32Array[], shape: number[], dtype: 'float32' | 'float16', index?: string[], opts: { header?: Uint8Array } = {}): string {
  mkdirSync(folder, { recursive: true });
  const header = opts.header ?? npyHeader(dtype === 'float32' ? '<f4' : '<f2', shape);
  const parts: Uint8Array[] = [header];
  for (const r of rows) {
    if (dtype === 'float32') parts.push(new Uint8Array(r.buffer, r.byteOffset, r.byteLength));
    else {
      const b = new Uint16Array(r.length);
      for (let i = 0; i < r.length; i++) b[i] = float16Bits(r[i]);
      parts.push(new Uint8Array(b.buffer));
    }
  }
  writeFileSync(join(folder, 'pred_probs.npy'), Buffer.concat(parts));
  if (index) writeFileSync(join(folder, 'index.txt'), `${index.join('\n')}\n`);
  return folder;
}

/** A raw header with a dict of our choosing (bad dtypes, Fortran order). */
function rawHeader(dict: string): Uint8Array {
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const out = new Uint8Array(total).fill(0x20);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, (total - 10) & 0xff, (total - 10) >> 8]);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  out[total - 1] = 0x0a;
  return out;
}

async function cached(imageId: number, modelSetId: number): Promise<Uint8Array> {
  const r = await api.call('prediction:get', { imageId, modelSetId, probs: true });
  return r.probs!;
}

/** What the project holds: sets, cached predictions, staging files in its cache folder. */
async function snapshot() {
  const sets = await api.call('modelSet:list', {});
  const cacheDir = `${P.file}.cache`;
  return {
    sets: sets.map((s) => s.name),
    predictions: sets.reduce((a, s) => a + s.predictions, 0),
    staging: existsSync(cacheDir) ? readdirSync(cacheDir).filter((n) => n.startsWith('import-probs')) : [],
  };
}

const names = () => P.images.map((im) => `${String(im.id)}`);
let fileNames: string[] = [];

beforeAll(async () => {
  P = await makeNoiseProject(api, dir, { count: 3, size: S, corruptions: [['class_swap'], [], []] });
  const page = await api.call('image:list', { limit: 100 });
  fileNames = P.images.map((im) => page.items.find((i) => i.id === im.id)!.path.split('/').pop()!);
}, 60_000);

describe('noise:importProbs', () => {
  it('imports float32 planes at the image size (index of file names): cached planes are the quantised values', async () => {
    const rows = P.images.map((im) => planes(im.clean));
    const folder = writeNpy(join(dir, 'f32'), rows, [3, K, S, S], 'float32', fileNames);
    const events: Events['job:progress'][] = [];
    const off = api.on('job:progress', (e) => {
      if (e.kind === 'import-probs') events.push(e);
    });
    const r = await api.call('noise:importProbs', { dir: folder, name: 'outside-f32' });
    off();
    expect(r).toMatchObject({ status: 'done', images: 3, classes: K, width: S, height: S, dtype: 'float32', indexKind: 'list', tolerance: 0.01, resized: 0 });
    expect(r.index).toBe(join(folder, 'index.txt'));
    const set = r.modelSet!;
    expect(set).toMatchObject({ name: 'outside-f32', modelIds: [], labels: 'celebamask-hq-a', classes: K, expects: 'image', predictions: 3, remap: null });
    expect(set.imported).toMatchObject({ dir: folder, index: 'index.txt', indexKind: 'list', dtype: 'float32', shape: [3, K, S, S], tolerance: 0.01 });
    for (let i = 0; i < 3; i++) expect(Buffer.from(await cached(P.images[i].id, set.id)).equals(Buffer.from(quantizeProbs(rows[i])))).toBe(true);
    expect(events[0]).toMatchObject({ phase: 'reading', done: 0, total: 4, status: 'running' });
    expect(events.at(-1)).toMatchObject({ phase: 'done', done: 4, total: 4, status: 'done' });
    // Listed like any set, with where it came from.
    const listed = (await api.call('modelSet:list', {})).find((s) => s.id === set.id)!;
    expect(listed.imported?.dir).toBe(folder);
  });

  it('imports float16 planes smaller than the image (index of ids): upsampled exactly as the engine does, close to plain bilinear', async () => {
    const T = 32;
    const rows = P.images.map((im) => planes(shrink(im.clean, S, T), 0.7));
    const folder = writeNpy(join(dir, 'f16'), rows, [3, K, T, T], 'float16', names());
    const r = await api.call('noise:importProbs', { dir: folder, name: 'outside-f16' });
    expect(r).toMatchObject({ status: 'done', images: 3, width: T, height: T, dtype: 'float16', resized: 3 });
    for (let i = 0; i < 3; i++) {
      const got = await cached(P.images[i].id, r.modelSet!.id);
      // The engine's own upsampling of the float16 values (what a pre-labelling run would cache) ...
      const f = rows[i].map((v) => float16Value(float16Bits(v)));
      const t = newTarget(S, S, K, true, false);
      paste(f, K, T, T, true, { x0: 0, y0: 0, w: S, h: S }, t);
      expect(Buffer.from(got).equals(Buffer.from(t.probs!))).toBe(true);
      // ... which is bilinear with half-pixel centres (an independent reference, within one step).
      const ref = new Float32Array(K * S * S);
      for (let k = 0; k < K; k++) {
        for (let y = 0; y < S; y++) {
          const Y = Math.min(Math.max((y + 0.5) / 2 - 0.5, 0), T - 1);
          const y0 = Math.floor(Y);
          const y1 = Math.min(y0 + 1, T - 1);
          for (let x = 0; x < S; x++) {
            const X = Math.min(Math.max((x + 0.5) / 2 - 0.5, 0), T - 1);
            const x0 = Math.floor(X);
            const x1 = Math.min(x0 + 1, T - 1);
            const at = (yy: number, xx: number) => f[k * T * T + yy * T + xx];
            const fx = X - x0;
            const fy = Y - y0;
            ref[k * S * S + y * S + x] = (at(y0, x0) * (1 - fx) + at(y0, x1) * fx) * (1 - fy) + (at(y1, x0) * (1 - fx) + at(y1, x1) * fx) * fy;
          }
        }
      }
      const q = quantizeProbs(ref);
      let worst = 0;
      for (let j = 0; j < q.length; j++) worst = Math.max(worst, Math.abs(q[j] - got[j]));
      expect(worst).toBeLessThanOrEqual(1);
    }
  });

  it('round trip: export-probs of a set → import-probs under a new name → the same cached planes; scan, overlay and agreement use it', async () => {
    for (const dtype of ['float32', 'float16'] as const) {
      const out = join(dir, `export-${dtype}`);
      await api.call('noise:exportProbs', { dir: out, modelSetId: P.modelSetId, dtype });
      const r = await api.call('noise:importProbs', { dir: out, name: `again-${dtype}` });
      expect(r).toMatchObject({ status: 'done', images: 3, indexKind: 'parsel', tolerance: exportedSumTolerance(K), resized: 0 });
      expect(r.index).toBe(join(out, 'index.json'));
      for (const im of P.images) {
        // q/255 in float32 or float16 comes back to q: equal within quantisation means equal here.
        expect(Buffer.from(await cached(im.id, r.modelSet!.id)).equals(Buffer.from(softTeacher(im.clean, K)))).toBe(true);
      }
    }
    const sets = await api.call('modelSet:list', {});
    const imported = sets.find((s) => s.name === 'again-float16')!;
    const original = await api.call('noise:scan', { modelSetId: P.modelSetId, options: { bandRadius: 2 } });
    const scoresOriginal = (await api.call('noise:queue', {})).items.map((i) => [i.imageId, i.score, i.openFlags]);
    const again = await api.call('noise:scan', { modelSetId: imported.id, options: { bandRadius: 2 } });
    expect(again).toMatchObject({ status: 'done', scanned: 3, withoutPrediction: 0, openFlags: original.openFlags });
    expect(again.openFlags).toBeGreaterThan(0);
    const q = await api.call('noise:queue', { modelSetId: imported.id });
    expect(q.items.map((i) => [i.imageId, i.score, i.openFlags])).toEqual(scoresOriginal);
    // The corrupted image is on top, as with the original teacher.
    expect(q.items[0].imageId).toBe(P.images[0].id);
    // Model overlay (arg-max) and agreement against the original set: identical.
    const heat = await api.call('noise:heatmap', { imageId: P.images[0].id, modelSetId: imported.id, kind: 'argmax' });
    expect(Buffer.from(decodeMask(heat)).equals(Buffer.from(P.images[0].clean))).toBe(true);
    const agree = await api.call('metrics:agreement', { a: { modelSet: P.modelSetId }, b: { modelSet: imported.id }, perImage: false });
    expect(agree).toMatchObject({ status: 'done', images: 3, skippedCount: 0 });
    expect(agree.overall.pixelAccuracy).toBe(1);
    // No models to run: pre-labelling with it is refused, naming why.
    await expectCode(api.call('prelabel:start', { modelSetId: imported.id }), 'INVALID_INPUT', /holds predictions imported from .*export-float16.*cannot pre-label/);
  });

  it('stops on noise:cancel and writes nothing', async () => {
    const folder = writeNpy(join(dir, 'cancel'), P.images.map((im) => planes(im.clean)), [3, K, S, S], 'float32', fileNames);
    const before = await snapshot();
    const off = api.on('job:progress', (e) => {
      if (e.jobId === 'imp-cancel' && e.phase === 'reading') void api.call('noise:cancel', { jobId: 'imp-cancel' });
    });
    const r = await api.call('noise:importProbs', { dir: folder, name: 'cancelled', jobId: 'imp-cancel' });
    off();
    expect(r).toMatchObject({ status: 'cancelled', modelSet: null });
    expect(await snapshot()).toEqual(before);
  });
});

describe('noise:importProbs refusals (each names what is wrong; nothing is written)', () => {
  const good = () => P.images.map((im) => planes(im.clean));
  let n = 0;
  /** Writes a case folder and expects the import to fail with `code` and `msg`, the project unchanged. */
  async function refused(make: (folder: string) => void, code: string, msg: RegExp, req: { name?: string; index?: string } = {}) {
    const folder = join(dir, `bad-${++n}`);
    mkdirSync(folder, { recursive: true });
    make(folder);
    const before = await snapshot();
    const e = await expectCode(api.call('noise:importProbs', { dir: folder, name: req.name ?? `bad-${n}`, ...(req.index ? { index: req.index } : {}) }), code, msg);
    expect(await snapshot()).toEqual(before);
    expect(before.staging).toEqual([]);
    return e;
  }

  it('header: not .npy, dtype, Fortran order, rank, truncated', async () => {
    await refused((f) => writeFileSync(join(f, 'pred_probs.npy'), 'hello'), 'INVALID_INPUT', /pred_probs\.npy: the file has 5 bytes, too short/);
    await refused((f) => writeFileSync(join(f, 'pred_probs.npy'), Buffer.from('PK\x03\x04 not numpy at all')), 'INVALID_INPUT', /pred_probs\.npy: not a NumPy \.npy file/);
    const dict = (descr: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': (3, ${K}, ${S}, ${S}), }`;
    await refused((f) => writeNpy(f, good(), [], 'float32', fileNames, { header: rawHeader(dict('<f8')) }), 'INVALID_INPUT', /dtype '<f8' is float64; save float32 or float16/);
    await refused((f) => writeNpy(f, good(), [], 'float32', fileNames, { header: rawHeader(dict('>f4')) }), 'INVALID_INPUT', /dtype '>f4' is big-endian/);
    await refused((f) => writeNpy(f, good(), [], 'float32', fileNames, { header: rawHeader(dict('<i4')) }), 'INVALID_INPUT', /dtype '<i4' is not read; pred_probs must be float16 \('<f2'\) or float32 \('<f4'\)/);
    await refused((f) => writeNpy(f, good(), [], 'float32', fileNames, { header: rawHeader(dict('<f4', 'True')) }), 'INVALID_INPUT', /fortran_order is True/);
    await refused((f) => writeNpy(f, good(), [3 * K, S, S], 'float32', fileNames), 'INVALID_INPUT', new RegExp(`shape \\(${3 * K}, ${S}, ${S}\\) has 3 dimensions; pred_probs must be N×K×H×W`));
    await refused((f) => writeNpy(f, good().slice(0, 2), [3, K, S, S], 'float32', fileNames), 'INVALID_INPUT', /pred_probs\.npy: truncated: shape \(3, 19, 64, 64\) <f4 needs \d+ bytes \(header 128 \+ data\), the file has \d+/);
  });

  it('index: missing, N vs rows, unknown and duplicate images', async () => {
    await refused((f) => writeNpy(f, good(), [3, K, S, S], 'float32'), 'NOT_FOUND', /has no index: give index\.json .* or index\.txt/);
    await refused((f) => writeNpy(f, good(), [3, K, S, S], 'float32', fileNames.slice(0, 2)), 'INVALID_INPUT', /pred_probs\.npy has 3 rows \(N = 3\) but .*index\.txt names 2 images/);
    const e = await refused(
      (f) => writeNpy(f, good(), [3, K, S, S], 'float32', [fileNames[0], 'nobody.png', '9999']),
      'INVALID_INPUT',
      /2 rows of index\.txt name no single image of this project:\n {2}row 1 \(index\.txt line 2\): "nobody\.png" matches no image/,
    );
    expect(e.message).toMatch(/row 2 \(index\.txt line 3\): no image 9999 in this project/);
    await refused(
      (f) => writeNpy(f, good(), [3, K, S, S], 'float32', [fileNames[0], String(P.images[1].id), fileNames[1]]),
      'INVALID_INPUT',
      new RegExp(`index\\.txt names an image more than once:\\n {2}rows 1 \\(index\\.txt line 2\\) and 2 \\(index\\.txt line 3\\) both name image ${P.images[1].id}`),
    );
    // An index named explicitly, in another folder.
    writeFileSync(join(dir, 'other-index.txt'), `${fileNames.join('\n')}\n`);
    const folder = writeNpy(join(dir, 'explicit-index'), good(), [3, K, S, S], 'float32');
    const r = await api.call('noise:importProbs', { dir: folder, name: 'explicit-index', index: join(dir, 'other-index.txt') });
    expect(r).toMatchObject({ status: 'done', images: 3, index: join(dir, 'other-index.txt') });
  });

  it('classes: K against the schema', async () => {
    await refused(
      (f) => writeNpy(f, P.images.map(() => new Float32Array(11 * S * S).fill(1 / 11)), [3, 11, S, S], 'float32', fileNames),
      'INVALID_INPUT',
      /pred_probs\.npy has K = 11 classes \(shape \(3, 11, 64, 64\)\), the project's schema celebamask-hq-a has 19: 0 background, 1 skin/,
    );
  });

  it('values: NaN, infinity, negative, row sums (first offending image and pixel), in the last row too', async () => {
    const at = (x: number, y: number) => y * S + x;
    const last = P.images[2];
    const withValue = (row: number, k: number, q: number, v: number) => {
      const rows = good();
      rows[row][k * S * S + q] = v;
      return rows;
    };
    await refused(
      (f) => writeNpy(f, withValue(2, 3, at(5, 7), NaN), [3, K, S, S], 'float32', fileNames),
      'INVALID_INPUT',
      new RegExp(`pred_probs\\.npy row 2 \\(image ${last.id} [^,]*, index\\.txt line 3\\), pixel \\(x=5, y=7\\) of 64×64, class 3 \\(${CLS[3]}\\) is NaN \\(NaN or infinite values in this row: 1\\)`),
    );
    await refused((f) => writeNpy(f, withValue(0, 0, at(1, 0), Infinity), [3, K, S, S], 'float16', fileNames), 'INVALID_INPUT', /row 0 .*pixel \(x=1, y=0\) .*class 0 \(background\) is Infinity/);
    await refused(
      (f) => writeNpy(f, withValue(1, 4, at(10, 20), -0.25), [3, K, S, S], 'float32', fileNames),
      'INVALID_INPUT',
      new RegExp(`row 1 .*pixel \\(x=10, y=20\\) of 64×64, class 4 \\(${CLS[4]}\\) is -0\\.25: probabilities cannot be negative \\(negative values in this row: 1\\)`),
    );
    // Sums: the first pixel off in row-major order, with its sum and the tolerance applied.
    const rows = good();
    for (const q of [at(30, 9), at(2, 40)]) rows[2][q] += 0.5;
    await refused(
      (f) => writeNpy(f, rows, [3, K, S, S], 'float32', fileNames),
      'INVALID_INPUT',
      new RegExp(`row 2 \\(image ${last.id} .*\\), pixel \\(x=30, y=9\\) of 64×64: its 19 class probabilities sum to 1\\.50000, not 1 within the tolerance ±0\\.01 \\(pixels off in this row: 2\\)`),
    );
    // Logits are not probabilities.
    await refused(
      (f) => writeNpy(f, P.images.map(() => new Float32Array(K * S * S).fill(2.5)), [3, K, S, S], 'float16', fileNames),
      'INVALID_INPUT',
      /row 0 .*pixel \(x=0, y=0\) of 64×64: its 19 class probabilities sum to 47\.5000, not 1 within the tolerance ±0\.01 \(pixels off in this row: 4096\)/,
    );
    // A looser tolerance accepts a small drift that the default refuses.
    const drift = good().map((r) => r.map((v) => v * 1.02));
    const folder = writeNpy(join(dir, 'drift'), drift, [3, K, S, S], 'float32', fileNames);
    await expectCode(api.call('noise:importProbs', { dir: folder, name: 'drift' }), 'INVALID_INPUT', /sum to 1\.02000, not 1 within the tolerance ±0\.01/);
    const ok = await api.call('noise:importProbs', { dir: folder, name: 'drift', tolerance: 0.03 });
    expect(ok).toMatchObject({ status: 'done', tolerance: 0.03 });
  });

  it('a Parsel index.json whose classes or shape disagree', async () => {
    const src = join(dir, 'export-float32');
    const index = JSON.parse(readFileSync(join(src, 'index.json'), 'utf8')) as { classes: string[]; shape: { pred_probs: number[] } };
    const copy = (f: string, edit: (i: typeof index) => void) => {
      copyFileSync(join(src, 'pred_probs.npy'), join(f, 'pred_probs.npy'));
      const i = structuredClone(index);
      edit(i);
      writeFileSync(join(f, 'index.json'), JSON.stringify(i));
    };
    await refused((f) => copy(f, (i) => (i.classes = [...i.classes.slice(1), i.classes[0]])), 'INVALID_INPUT', /index\.json: its classes \(skin, .*\) are not the project's schema celebamask-hq-a \(background, skin/);
    await refused((f) => copy(f, (i) => (i.shape.pred_probs = [3, K, 32, 32])), 'INVALID_INPUT', /index\.json says pred_probs is \(3, 19, 32, 32\), .*pred_probs\.npy has shape \(3, 19, 64, 64\)/);
  });

  it('a file name that names several images is refused; more of the path or the id picks one', async () => {
    // Another image with the same file name in another folder.
    const other = join(dir, 'elsewhere');
    mkdirSync(other, { recursive: true });
    await sharp({ create: { width: S, height: S, channels: 3, background: { r: 9, g: 99, b: 199 } } })
      .png()
      .toFile(join(other, fileNames[0]));
    await api.call('image:addFolder', { folder: other });
    const page = await api.call('image:list', { limit: 100 });
    const twin = page.items.find((i) => i.path.startsWith('elsewhere/'))!;
    const first = page.items.find((i) => i.id === P.images[0].id)!;
    await refused(
      (f) => writeNpy(f, good(), [3, K, S, S], 'float32', fileNames),
      'INVALID_INPUT',
      new RegExp(`row 0 \\(index\\.txt line 1\\): "${fileNames[0]}" matches 2 images: ${first.id} \\(${first.path}\\), ${twin.id} \\(${twin.path}\\); give more of the path or the image id`),
    );
    const folder = writeNpy(join(dir, 'twins'), good(), [3, K, S, S], 'float32', [`elsewhere/${fileNames[0]}`, first.path, `./${fileNames[2]}`]);
    const r = await api.call('noise:importProbs', { dir: folder, name: 'twins' });
    expect(r.status).toBe('done');
    const rows = good();
    expect(Buffer.from(await cached(twin.id, r.modelSet!.id)).equals(Buffer.from(quantizeProbs(rows[0])))).toBe(true);
    expect(Buffer.from(await cached(first.id, r.modelSet!.id)).equals(Buffer.from(quantizeProbs(rows[1])))).toBe(true);
  });

  it('name: an existing set name', async () => {
    await refused((f) => writeNpy(f, good(), [3, K, S, S], 'float32', fileNames), 'ALREADY_EXISTS', /a model set named "teacher" exists \(model set \d+\); give another name/, { name: 'teacher' });
  });
});
