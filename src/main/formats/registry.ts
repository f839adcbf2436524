/** Every dataset importer, and format detection over all of them. */
import type { ImportDetectReport, ImportFormatId } from '../../shared/api/methods-import';
import { celebamaskHq } from './celebamask-hq';
import { coco } from './coco';
import { colorPng } from './color-png';
import type { DatasetFormat } from './dataset';
import { dmlCsr } from './dml-csr';
import { facesynthetics } from './facesynthetics';
import { helen } from './helen';
import { ibugmask } from './ibugmask';
import { indexPng } from './index-png';
import { lapa } from './lapa';

export const DATASET_FORMATS: readonly DatasetFormat[] = [celebamaskHq, lapa, helen, ibugmask, facesynthetics, indexPng, colorPng, coco, dmlCsr];

export function getFormat(id: ImportFormatId): DatasetFormat {
  const f = DATASET_FORMATS.find((x) => x.id === id);
  if (!f) throw new Error(`unknown import format ${id}`);
  return f;
}

/** Ask every format; most likely first (ties keep the table's order). */
export async function detectFormat(dir: string): Promise<ImportDetectReport> {
  const candidates = await Promise.all(DATASET_FORMATS.map((f) => f.detect(dir)));
  const sorted = candidates.map((c, i) => ({ c, i })).sort((a, b) => b.c.confidence - a.c.confidence || a.i - b.i).map((x) => x.c);
  return { path: dir, candidates: sorted, best: sorted[0].confidence > 0 ? sorted[0].format : null };
}
