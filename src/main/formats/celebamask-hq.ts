/**
 * CelebAMask-HQ: `CelebA-HQ-img/{id}.jpg` and `CelebAMask-HQ-mask-anno/{id//2000}/{id:05d}_{suffix}.png`
 * (one binary mask per present part). Parts are painted in the index order of the chosen order
 * (A, B or C), so the higher index of that order wins where parts overlap; the values written are the
 * project schema's indices of the same canonical part names (suffix = canonical name).
 *
 * Splits: `CelebA-HQ-to-CelebA-mapping.txt` joined with CelebA's `list_eval_partition.txt` on the
 * original file name (0 train, 1 val, 2 test), when both are in the dataset folder.
 *
 * Masks are 512² while images are 1024²: masks are upscaled nearest-neighbour by the integer factor to
 * the image size (see docs/formats.md for why).
 */
import { join } from 'node:path';
import type { ImportProblem } from '../../shared/api/methods-import';
import type { LabelSchema } from '../../shared/api/types';
import { CELEBAMASK_HQ_A, findClass, getSchema } from '../../shared/schema';
import { type DatasetFormat, type PlanItem, IMAGE_EXTS, ext, isDir, lines, listDir, none, readText, stem, unsafeName } from './dataset';

export const CELEBA_SUFFIXES = [
  'skin', 'nose', 'eye_g', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'l_ear', 'r_ear',
  'mouth', 'u_lip', 'l_lip', 'hair', 'hat', 'ear_r', 'neck_l', 'neck', 'cloth',
] as const;

export const CELEBA_ORDERS = ['celebamask-hq-a', 'celebamask-hq-b', 'celebamask-hq-c'] as const;

export const IMG_DIR = 'CelebA-HQ-img';
export const ANNO_DIR = 'CelebAMask-HQ-mask-anno';
export const MAPPING_FILE = 'CelebA-HQ-to-CelebA-mapping.txt';
export const PARTITION_FILE = 'list_eval_partition.txt';
const SPLITS = ['train', 'val', 'test'];

/** Paint order: the chosen order, else the project's schema when it is one of A/B/C, else A. */
export function celebaPaintOrder(projectSchema: LabelSchema, chosen?: string): LabelSchema {
  if (chosen) return getSchema(chosen);
  return (CELEBA_ORDERS as readonly string[]).includes(projectSchema.id) ? projectSchema : CELEBAMASK_HQ_A;
}

/** Whether the schema has a class for every CelebAMask-HQ part (so part masks can be painted into it). */
export function hasAllParts(schema: LabelSchema): boolean {
  return CELEBA_SUFFIXES.every((s) => findClass(schema, s) !== undefined);
}

async function readSplits(dir: string, problems: ImportProblem[]): Promise<Map<number, string> | null> {
  const mapPath = join(dir, MAPPING_FILE);
  const partPath = join(dir, PARTITION_FILE);
  const mapText = await readText(mapPath, problems);
  const partText = await readText(partPath, problems);
  if (partText !== null && mapText === null) {
    problems.push({ kind: 'missing-file', file: mapPath, message: `${PARTITION_FILE} is present but ${MAPPING_FILE} is missing: splits cannot be joined` });
    return null;
  }
  if (mapText === null || partText === null) return null;
  const partition = new Map<string, string>();
  for (const { n, line } of lines(partText)) {
    const m = /^(\S+)\s+([012])$/.exec(line);
    if (!m) {
      problems.push({ kind: 'bad-list', file: partPath, message: `${partPath} line ${n}: expected "<file> <0|1|2>", got "${line.slice(0, 80)}"` });
      continue;
    }
    const bad = unsafeName(m[1]);
    if (bad) {
      problems.push({ kind: 'unsafe-path', file: partPath, message: `${partPath} line ${n}: "${m[1].slice(0, 80)}" ${bad}` });
      continue;
    }
    partition.set(m[1], SPLITS[Number(m[2])]);
  }
  const byId = new Map<number, string>();
  for (const { n, line } of lines(mapText)) {
    if (n === 1 && /^idx\b/i.test(line)) continue;
    const m = /^(\d+)\s+(\d+)\s+(\S+)$/.exec(line);
    if (!m) {
      problems.push({ kind: 'bad-list', file: mapPath, message: `${mapPath} line ${n}: expected "<idx> <orig_idx> <orig_file>", got "${line.slice(0, 80)}"` });
      continue;
    }
    const bad = unsafeName(m[3]);
    if (bad) {
      problems.push({ kind: 'unsafe-path', file: mapPath, message: `${mapPath} line ${n}: "${m[3].slice(0, 80)}" ${bad}` });
      continue;
    }
    const split = partition.get(m[3]);
    if (split) byId.set(Number(m[1]), split);
  }
  return byId;
}

export const celebamaskHq: DatasetFormat = {
  id: 'celebamask-hq',
  title: 'CelebAMask-HQ (per-part binary masks)',
  datasetSchemaId: (opts) => (hasAllParts(opts.schema) ? null : celebaPaintOrder(opts.schema, opts.celebaOrder).id),
  async detect(dir) {
    if (!(await isDir(join(dir, ANNO_DIR)))) return none('celebamask-hq', `no ${ANNO_DIR}/ folder`);
    const img = await isDir(join(dir, IMG_DIR));
    return {
      format: 'celebamask-hq',
      confidence: img ? 0.98 : 0.8,
      reason: img ? `${ANNO_DIR}/ and ${IMG_DIR}/ folders` : `${ANNO_DIR}/ folder (no ${IMG_DIR}/)`,
    };
  },
  async scan(dir, opts) {
    const problems: ImportProblem[] = [];
    const paintOrder = celebaPaintOrder(opts.schema, opts.celebaOrder);
    const imgDir = join(dir, IMG_DIR);
    const annoDir = join(dir, ANNO_DIR);
    if (!(await isDir(imgDir))) problems.push({ kind: 'missing-file', file: imgDir, message: `images folder ${imgDir} is missing` });
    const images = new Map<number, string>();
    for (const e of await listDir(imgDir, problems)) {
      if (!e.isFile) continue;
      const m = /^(\d+)$/.exec(stem(e.name));
      if (!m || !IMAGE_EXTS.has(ext(e.name))) {
        problems.push({ kind: 'extra-file', file: e.path, message: `${e.path}: not a CelebA-HQ image name ({id}.jpg)` });
        continue;
      }
      images.set(Number(m[1]), e.path);
    }
    const suffixes = new Set<string>(CELEBA_SUFFIXES);
    const parts = new Map<number, { part: string; path: string }[]>();
    for (const folder of await listDir(annoDir, problems)) {
      if (!folder.isDir) {
        if (folder.isFile) problems.push({ kind: 'extra-file', file: folder.path, message: `${folder.path}: expected only numbered folders in ${ANNO_DIR}/` });
        continue;
      }
      for (const f of await listDir(folder.path, problems)) {
        if (!f.isFile) continue;
        const m = /^(\d+)_([a-z_]+)\.png$/.exec(f.name);
        if (!m || !suffixes.has(m[2])) {
          problems.push({ kind: 'extra-file', file: f.path, message: `${f.path}: not a CelebAMask-HQ part mask name ({id:05d}_{part}.png with a known part)` });
          continue;
        }
        const id = Number(m[1]);
        if (!images.has(id)) {
          problems.push({ kind: 'extra-file', file: f.path, message: `${f.path}: part mask of image ${id}, which is not in ${IMG_DIR}/` });
          continue;
        }
        let list = parts.get(id);
        if (!list) parts.set(id, (list = []));
        list.push({ part: m[2], path: f.path });
      }
    }
    const splits = await readSplits(dir, problems);
    const items: PlanItem[] = [];
    for (const [id, image] of [...images].sort((a, b) => a[0] - b[0])) {
      const key = `${IMG_DIR}/${image.slice(imgDir.length + 1)}`;
      const list = parts.get(id);
      // No part file means an all-background image by the format's own rule; it is believed only where
      // a Parsel manifest lists the image (real CelebAMask-HQ images always have parts: else a problem).
      if (!list && opts.manifestFiles?.has(key)) {
        items.push({ key, image, mask: { kind: 'parts', parts: [] }, split: splits?.get(id) ?? null });
        continue;
      }
      if (!list) {
        problems.push({
          kind: 'missing-file',
          file: image,
          item: key,
          message: `${image}: no part masks found (expected ${ANNO_DIR}/${Math.floor(id / 2000)}/${String(id).padStart(5, '0')}_<part>.png)`,
        });
      }
      items.push({ key, image, mask: { kind: 'parts', parts: list ?? [] }, split: splits?.get(id) ?? null });
    }
    return { items, problems, paintOrder };
  },
};
