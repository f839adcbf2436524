/**
 * `noise:exportProbs`: the teacher's soft predictions and the labels of a selection as NumPy files, the
 * shapes cleanlab.segmentation (`find_label_issues(labels, pred_probs)`) and research code take:
 *
 *   pred_probs.npy  N×K×H×W  float32 (`<f4`) or float16 (`<f2`), value q/255 of the cached uint8 q
 *   labels.npy      N×H×W    uint8   (`|u1`), the head revision of each image
 *   index.json      image ids, revision ids and paths in row order; classes, dtype, model set
 *
 * Every image must have the same H×W (the call refuses with the list of sizes otherwise). Written into a
 * temporary folder beside `dir` and renamed into place at the end: `dir` appears complete or not at all.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import type { ExportProbsResult, NoiseSelection } from '../../../shared/api/methods-noise';
import { npyHeader, probabilityLut } from '../../../shared/dataset/npy';
import { decodeMask } from '../../../shared/mask/codec';
import type { ProjectStore } from '../../store/project-store';
import { predictedImageIds, requireModelSet, selectImages } from '../../store/flag-repo';
import type { TeacherSource } from './teacher';

export async function exportProbs(
  store: ProjectStore,
  teacher: TeacherSource,
  req: { dir: string; modelSetId: number; selection: NoiseSelection; dtype: 'float32' | 'float16' },
): Promise<ExportProbsResult> {
  const set = requireModelSet(store, req.modelSetId);
  const schema = store.schema();
  const K = schema.classes.length;
  const dest = resolve(req.dir);
  const exists = await fs.stat(dest).then(
    () => true,
    () => false,
  );
  if (exists) throw new ParselError('ALREADY_EXISTS', `${dest} already exists: give a new folder`, { path: dest });
  const parent = dirname(dest);
  const parentOk = await fs.stat(parent).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!parentOk) throw new ParselError('NOT_FOUND', `folder ${parent} does not exist`, { path: parent });

  const selected = selectImages(store, req.selection).filter((i) => i.head_revision_id !== null);
  const predicted = predictedImageIds(store, req.modelSetId);
  const items = selected.filter((i) => predicted.has(i.id));
  if (items.length === 0) {
    throw new ParselError('INVALID_INPUT', `no image of the selection has both a mask and a cached prediction of model set ${set.id} ("${set.name}")`);
  }
  const sizes = new Map<string, number[]>();
  for (const it of items) {
    const key = `${it.width}×${it.height}`;
    let g = sizes.get(key);
    if (!g) sizes.set(key, (g = []));
    g.push(it.id);
  }
  if (sizes.size > 1) {
    const list = [...sizes.entries()].map(([k, ids]) => `${k} (${ids.length} image${ids.length === 1 ? '' : 's'}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`);
    throw new ParselError('INVALID_INPUT', `the images have different sizes; pred_probs.npy needs one H×W: ${list.join('; ')}. Select images of one size.`, {
      sizes: Object.fromEntries([...sizes.entries()].map(([k, ids]) => [k, ids])),
    });
  }
  const W = items[0].width;
  const H = items[0].height;
  const N = items.length;
  const HW = W * H;
  const bytesPer = req.dtype === 'float32' ? 4 : 2;
  const lut = probabilityLut(req.dtype);

  const tmp = join(parent, `.${basename(dest)}.parsel-tmp-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(tmp);
  try {
    const probsFile = await fs.open(join(tmp, 'pred_probs.npy'), 'w');
    const labelsFile = await fs.open(join(tmp, 'labels.npy'), 'w');
    const index: { imageId: number; revisionId: number; path: string }[] = [];
    try {
      await probsFile.write(npyHeader(req.dtype === 'float32' ? '<f4' : '<f2', [N, K, H, W]));
      await labelsFile.write(npyHeader('|u1', [N, H, W]));
      // Per image: K·H·W values through the byte LUT (little-endian on every host).
      const out = new Uint8Array(K * HW * bytesPer);
      for (const it of items) {
        const pred = teacher(it.id, req.modelSetId);
        if (!pred) throw new ParselError('INVALID_INPUT', `image ${it.id} (${it.path}): its cached prediction of model set ${set.id} is stale (the image changed); run the model set again`);
        if (pred.classes !== K || pred.width !== W || pred.height !== H) {
          throw new ParselError('INVALID_INPUT', `image ${it.id} (${it.path}): cached prediction is ${pred.classes}×${pred.height}×${pred.width}, expected ${K}×${H}×${W}`);
        }
        const m = store.revisionMask(it.head_revision_id!);
        const label = decodeMask(m);
        if (m.width !== W || m.height !== H) throw new ParselError('INVALID_INPUT', `image ${it.id} (${it.path}): mask is ${m.width}×${m.height}, image ${W}×${H}`);
        const p = pred.probs;
        if (bytesPer === 4) {
          for (let i = 0, o = 0; i < p.length; i++, o += 4) {
            const l = p[i] * 4;
            out[o] = lut[l];
            out[o + 1] = lut[l + 1];
            out[o + 2] = lut[l + 2];
            out[o + 3] = lut[l + 3];
          }
        } else {
          for (let i = 0, o = 0; i < p.length; i++, o += 2) {
            const l = p[i] * 2;
            out[o] = lut[l];
            out[o + 1] = lut[l + 1];
          }
        }
        await probsFile.write(out);
        await labelsFile.write(label);
        index.push({ imageId: it.id, revisionId: it.head_revision_id!, path: it.path });
      }
      await probsFile.sync();
      await labelsFile.sync();
    } finally {
      await probsFile.close();
      await labelsFile.close();
    }
    const indexJson = {
      kind: 'parsel-pred-probs',
      version: 1,
      modelSet: { id: set.id, name: set.name },
      schemaId: schema.id,
      classes: schema.classes.map((c) => c.name),
      ignoreIndex: schema.ignoreIndex,
      dtype: req.dtype,
      shape: { pred_probs: [N, K, H, W], labels: [N, H, W] },
      quantisation: 'pred_probs = q / 255 of the cached uint8 probabilities (planes need not sum to exactly 1)',
      imageIds: index.map((i) => i.imageId),
      items: index,
      createdAt: new Date().toISOString(),
    };
    await fs.writeFile(join(tmp, 'index.json'), `${JSON.stringify(indexJson, null, 2)}\n`);
    await fs.rename(tmp, dest);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return {
    dir: dest,
    images: N,
    classes: K,
    width: W,
    height: H,
    dtype: req.dtype,
    files: ['pred_probs.npy', 'labels.npy', 'index.json'],
    withoutPrediction: selected.length - N,
  };
}
