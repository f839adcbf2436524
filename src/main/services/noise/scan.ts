/**
 * The label-noise scan (docs/review.md): two passes over the selection's images that have a head
 * revision and a cached prediction of the model set.
 *
 *  1. Confident-learning class thresholds over all of them (shared/noise/thresholds.ts).
 *  2. Score each image (shared/noise/score.ts) and, in ONE transaction per image, write its flags on
 *     the head revision and its `image_score` row, applying the rescan rules:
 *     - open flags of the same (image, revision, model set) are replaced (they are derived data);
 *     - a new region that matches a DISMISSED flag of the image (any revision, same model set) at
 *       IoU >= matchIoU stays dismissed (on the same revision nothing new is written; on a newer one a
 *       dismissed row carries the earlier decision over);
 *     - an open flag of an EARLIER revision whose region no new region matches at IoU >= matchIoU is
 *       closed as `fixed` (resolved_by 'scan'): the label there is no longer suspect.
 *     If the image's head moved while the scan ran, that image is reported as failed and left alone.
 */
import { ParselError } from '../../../shared/api/errors';
import { DEFAULT_MATCH_IOU, type NoiseSelection, type ScanOptions, type ScanResult } from '../../../shared/api/methods-noise';
import type { LabelSchema } from '../../../shared/api/types';
import { decodeMask } from '../../../shared/mask/codec';
import { AgreementAccumulator } from '../../../shared/metrics';
import { argmaxProbs, likelyErrors, maskIoU, scoreImage, teacherCheck, ThresholdAccumulator, type NoiseRegion, type RegionMask } from '../../../shared/noise';
import type { ProjectStore } from '../../store/project-store';
import type { EventBus } from '../backend';
import {
  finishScan,
  flagsOfImageAndSet,
  insertScan,
  predictedImageIds,
  regionFromRow,
  regionToBlob,
  requireModelSet,
  scanWriter,
  selectImages,
  type ScorePairs,
  type SelectedImage,
} from '../../store/flag-repo';
import type { TeacherSource } from './teacher';

export interface ScanJob {
  store: ProjectStore;
  bus: EventBus;
  teacher: TeacherSource;
  jobId: string;
  modelSetId: number;
  selection: NoiseSelection;
  options: ScanOptions;
  isCancelled: () => boolean;
  /** True once the project the scan runs on was closed (its store is gone). */
  projectGone: () => boolean;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Pass 1 keeps what it decoded for pass 2 up to this many bytes (labels + planes), then reloads. */
const CACHE_BUDGET_BYTES = 512 * 1024 * 1024;

function bboxOverlap(a: RegionMask, b: RegionMask): boolean {
  return a.bbox[0] < b.bbox[2] && b.bbox[0] < a.bbox[2] && a.bbox[1] < b.bbox[3] && b.bbox[1] < a.bbox[3];
}

export function regionsMatch(a: RegionMask, b: RegionMask, iou: number): boolean {
  return bboxOverlap(a, b) && maskIoU(a, b) >= iou;
}

interface Loaded {
  label: Uint8Array;
  probs: Uint8Array;
  width: number;
  height: number;
}

/** Head mask and cached prediction of one image, checked against each other and the schema. */
function load(store: ProjectStore, teacher: TeacherSource, img: SelectedImage, revisionId: number, modelSetId: number, schema: LabelSchema): Loaded | null {
  const pred = teacher(img.id, modelSetId);
  if (!pred) return null;
  const K = schema.classes.length;
  if (pred.classes !== K) {
    throw new Error(`the prediction has ${pred.classes} classes, schema ${schema.id} has ${K}`);
  }
  const m = store.revisionMask(revisionId);
  if (pred.width !== m.width || pred.height !== m.height) {
    throw new Error(`the prediction is ${pred.width}×${pred.height} but revision ${revisionId} is ${m.width}×${m.height}`);
  }
  return { label: decodeMask(m), probs: pred.probs, width: m.width, height: m.height };
}

export async function runScan(job: ScanJob): Promise<ScanResult> {
  const { store, bus, teacher, jobId, modelSetId } = job;
  requireModelSet(store, modelSetId);
  const schema = store.schema();
  const K = schema.classes.length;
  const ignore = schema.ignoreIndex;
  const matchIoU = job.options.matchIoU ?? DEFAULT_MATCH_IOU;
  const scoreOpts = {
    ignore,
    withPixels: true,
    ...(job.options.bandRadius !== undefined && { bandRadius: job.options.bandRadius }),
    ...(job.options.bandWeight !== undefined && { bandWeight: job.options.bandWeight }),
    ...(job.options.minFirmShare !== undefined && { minFirmShare: job.options.minFirmShare }),
    ...(job.options.minRegionArea !== undefined && { minRegionArea: job.options.minRegionArea }),
    ...(job.options.minRegionScore !== undefined && { minRegionScore: job.options.minRegionScore }),
    ...(job.options.minRegionShare !== undefined && { minRegionShare: job.options.minRegionShare }),
    ...(job.options.maxRegions !== undefined && { maxRegions: job.options.maxRegions }),
    ...(job.options.suggestFloor !== undefined && { suggestFloor: job.options.suggestFloor }),
    ...(job.options.minLabelThreshold !== undefined && { minLabelThreshold: job.options.minLabelThreshold }),
  };

  const selected = selectImages(store, job.selection).filter((i) => i.head_revision_id !== null);
  const predicted = predictedImageIds(store, modelSetId);
  const todo = selected.filter((i) => predicted.has(i.id));
  const result: ScanResult = {
    jobId,
    status: 'done',
    modelSetId,
    selected: selected.length,
    scanned: 0,
    withoutPrediction: selected.length - todo.length,
    failed: [],
    openFlags: 0,
    keptDismissed: 0,
    closed: 0,
    thresholds: [],
    teacher: null,
    likelyImages: 0,
    likelyRegions: 0,
    scanId: null,
  };
  const total = todo.length * 2;
  let last = 0;
  const progress = (done: number, phase: string, force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    bus.emit('job:progress', { jobId, kind: 'noise-scan', done, total, phase, status: 'running', failed: result.failed.length });
  };
  const cancelled = (): ScanResult => {
    bus.emit('job:progress', { jobId, kind: 'noise-scan', done: 0, total, phase: 'cancelled', status: 'cancelled' });
    return { ...result, status: 'cancelled' };
  };
  const stopIfGone = () => {
    if (!job.projectGone()) return;
    bus.emit('job:progress', { jobId, kind: 'noise-scan', done: 0, total, phase: 'failed', status: 'failed', failed: result.failed.length });
    throw new ParselError('NO_PROJECT', `the project was closed while noise scan ${jobId} was running; it stopped (images scanned so far are kept, scan again once the project is open)`, { jobId });
  };
  const failedIds = new Set<number>();
  const fail = (img: SelectedImage, reason: string) => {
    failedIds.add(img.id);
    result.failed.push({ imageId: img.id, reason: `image ${img.id} (${img.path}): ${reason}` });
  };

  // Pass 1: thresholds.
  progress(0, 'thresholds', true);
  const acc = new ThresholdAccumulator(K, { ignore });
  // The teacher check: its arg-max against the labels it judges, one matrix over the selection.
  const agree = new AgreementAccumulator(schema);
  const cache = new Map<number, Loaded | null>();
  let cached = 0;
  for (let n = 0; n < todo.length; n++) {
    const img = todo[n];
    try {
      const l = load(store, teacher, img, img.head_revision_id!, modelSetId, schema);
      if (l) {
        acc.add(l.label, l.probs, l.width, l.height);
        agree.add(l.label, argmaxProbs(l.probs, K, l.width, l.height));
      }
      const bytes = l ? l.label.length + l.probs.length : 0;
      if (cached + bytes <= CACHE_BUDGET_BYTES) {
        cache.set(img.id, l);
        cached += bytes;
      }
    } catch (err) {
      fail(img, (err as Error).message);
    }
    progress(n + 1, 'thresholds');
    await tick();
    stopIfGone();
    if (job.isCancelled()) return cancelled();
  }
  const thresholds = acc.result();
  result.thresholds = Array.from(thresholds.t);
  const check = teacherCheck(agree.result(), agree.images, job.options.minTeacherF1);
  result.teacher = check;
  const lowConfidence = check.ok ? 0 : 1;
  const now0 = new Date().toISOString();
  // The scan row exists from pass 2 on, so every image_score row can name its scan; finish() completes it.
  const scanId = insertScan(store, { jobId, modelSetId, teacher: check, thresholds: result.thresholds, options: job.options, at: now0 });
  result.scanId = scanId;
  const finish = (status: 'done' | 'cancelled') => finishScan(store, scanId, status, result.scanned, new Date().toISOString());

  // Pass 2: score and persist.
  const w = scanWriter(store, { id: scanId, modelSetId, lowConfidence: lowConfidence === 1 });
  const persist = (img: SelectedImage, revisionId: number, regions: NoiseRegion[], imageScore: number, pairs: ScorePairs, likely: number) =>
    store.transaction(() => {
      if ((store.imageRow(img.id)?.head_revision_id ?? null) !== revisionId) return false;
      const now = new Date().toISOString();
      const earlier = flagsOfImageAndSet(store, img.id, modelSetId);
      w.deleteOpen(img.id, revisionId);
      const dismissed = earlier.filter((f) => f.status === 'dismissed').map((f) => ({ f, m: regionFromRow(f) }));
      for (const r of regions) {
        const px = r.pixels!;
        // A dismissal already recorded on this revision first (nothing to write), else an earlier one.
        const hit =
          dismissed.find((d) => d.f.revision_id === revisionId && regionsMatch(d.m, px, matchIoU)) ??
          dismissed.find((d) => regionsMatch(d.m, px, matchIoU));
        const flag = { imageId: img.id, revisionId, region: regionToBlob(px), area: r.area, labelClass: r.labelClass, suggestedClass: r.suggestedClass, score: r.score, createdAt: now };
        if (hit) {
          result.keptDismissed++;
          if (hit.f.revision_id === revisionId) continue;
          w.insertFlag({ ...flag, status: 'dismissed', resolvedBy: hit.f.resolved_by, resolvedAt: hit.f.resolved_at });
        } else {
          result.openFlags++;
          w.insertFlag({ ...flag, status: 'open', resolvedBy: null, resolvedAt: null });
        }
      }
      for (const f of earlier) {
        if (f.status !== 'open' || f.revision_id === revisionId) continue;
        const m = regionFromRow(f);
        if (!regions.some((r) => regionsMatch(m, r.pixels!, matchIoU))) {
          w.closeByScan(f.id, now);
          result.closed++;
        }
      }
      w.setScore(img.id, revisionId, imageScore, pairs, now, likely);
      return true;
    });

  for (let n = 0; n < todo.length; n++) {
    const img = todo[n];
    if (!failedIds.has(img.id)) {
      const rev = img.head_revision_id!;
      try {
        const l = cache.has(img.id) ? cache.get(img.id)! : load(store, teacher, img, rev, modelSetId, schema);
        cache.delete(img.id);
        if (l) {
          const s = scoreImage(l.label, l.probs, K, l.width, l.height, thresholds, scoreOpts);
          const pairs = s.pairs.map((p) => ({ label: p.from, suggested: p.to, pixels: p.pixels }));
          const likely = likelyErrors(s.regions, l.width * l.height);
          if (persist(img, rev, s.regions, s.imageScore, pairs, likely)) {
            result.scanned++;
            result.likelyRegions += likely;
            if (likely > 0) result.likelyImages++;
          }
          else fail(img, `edited during the scan (its head is no longer revision ${rev}); scan it again`);
        } else {
          result.withoutPrediction++;
        }
      } catch (err) {
        if (err instanceof ParselError) throw err;
        fail(img, (err as Error).message);
      }
    }
    progress(todo.length + n + 1, 'scoring');
    await tick();
    stopIfGone();
    if (job.isCancelled()) {
      finish('cancelled');
      return cancelled();
    }
  }
  finish('done');
  bus.emit('job:progress', { jobId, kind: 'noise-scan', done: total, total, phase: 'done', status: 'done', failed: result.failed.length });
  return result;
}
