/**
 * Agreement and dataset statistics services (`metrics:*`): resolve each side's label map per image
 * (a revision selector or a model set's cached prediction), then the pure maths of src/shared/metrics.
 * Figures over a selection come from ONE confusion matrix summed over its images (FORMATS.md).
 */
import { ParselError } from '../../../shared/api/errors';
import type {
  AgreementFigures,
  AgreementResult,
  LabelSource,
  MetricsSelection,
  StatsResult,
} from '../../../shared/api/methods-metrics';
import type { LabelSchema } from '../../../shared/api/types';
import { decodeMask } from '../../../shared/mask/codec';
import { ConfusionMatrix, helenOverallGroup, StatsAccumulator, summarize, type AgreementSummary } from '../../../shared/metrics';
import { argmaxProbs } from '../../../shared/noise';
import { HELEN_11 } from '../../../shared/schema';
import type { ProjectStore } from '../../store/project-store';
import type { DomainServices, ServiceContext } from '../context';
import { jobRegistry } from '../job-registry';
import { readPrediction } from '../predictions';

interface SelectedImage {
  id: number;
  width: number;
  height: number;
  head_revision_id: number | null;
}

const SKIPPED_LISTED = 1000;

/** Images of a selection, by id. Listed ids that do not exist are NOT_FOUND. */
export function selectMetricsImages(store: ProjectStore, sel: MetricsSelection): SelectedImage[] {
  const rows: SelectedImage[] = store.selectImages({ ids: sel.imageIds, status: sel.status, split: sel.split, source: sel.source });
  if (sel.imageIds) {
    const missing = store.missingImageIds(sel.imageIds);
    if (missing.length > 0) {
      throw new ParselError('NOT_FOUND', `image ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (+${missing.length - 10} more)` : ''} does not exist in this project`, { missing });
    }
  }
  return rows;
}

/** A resolved side: the label map of an image, or why there is none. */
type Resolved = { map: Uint8Array; width: number; height: number; revisionId: number | null } | { missing: string };

export function describeSource(s: LabelSource): string {
  if (s === 'head') return 'head revision';
  if ('kind' in s) return `latest '${s.kind}' revision`;
  if ('author' in s) return `latest revision by '${s.author}'`;
  if ('revisionIds' in s) return 'listed revision';
  return `model set ${s.modelSet} prediction`;
}

/** Builds the per-image resolver of one side; checks the selector itself (unknown revisions, model set). */
export function labelResolver(store: ProjectStore, source: LabelSource, K: number): (img: SelectedImage) => Resolved {
  const revisionMap = (revId: number): Resolved => {
    const m = store.revisionMask(revId);
    return { map: decodeMask(m), width: m.width, height: m.height, revisionId: revId };
  };
  if (source === 'head') {
    return (img) => (img.head_revision_id === null ? { missing: 'no head revision' } : revisionMap(img.head_revision_id));
  }
  if ('kind' in source || 'author' in source) {
    const latest = store.latestRevisionIds('kind' in source ? { kind: source.kind } : { author: source.author });
    const what = describeSource(source);
    return (img) => {
      const r = latest.get(img.id);
      return r === undefined ? { missing: `no ${what}` } : revisionMap(r);
    };
  }
  if ('revisionIds' in source) {
    const rows = store.revisionOwners(source.revisionIds);
    const found = new Set(rows.map((r) => r.id));
    const missing = source.revisionIds.filter((r) => !found.has(r));
    if (missing.length > 0) throw new ParselError('NOT_FOUND', `revision ${missing.slice(0, 10).join(', ')} does not exist in this project`, { missing });
    const byImage = new Map<number, number>();
    for (const r of rows) {
      const other = byImage.get(r.image_id);
      if (other !== undefined && other !== r.id) {
        throw new ParselError('INVALID_INPUT', `revisions ${other} and ${r.id} both belong to image ${r.image_id}; list at most one revision per image`);
      }
      byImage.set(r.image_id, r.id);
    }
    return (img) => {
      const r = byImage.get(img.id);
      return r === undefined ? { missing: 'no listed revision' } : revisionMap(r);
    };
  }
  const ms = source.modelSet;
  if (!store.models.setExists(ms)) throw new ParselError('NOT_FOUND', `model set ${ms} does not exist in this project`);
  return (img) => {
    const p = readPrediction(store, img.id, ms);
    if (!p) return { missing: `no cached prediction by model set ${ms}` };
    if (p.classes !== K) return { missing: `model set ${ms} predicts ${p.classes} classes, the schema has ${K}` };
    return { map: argmaxProbs(p.probs, K, p.width, p.height), width: p.width, height: p.height, revisionId: null };
  };
}

/** Exactly Helen's 11 classes by canonical name (helen-11, lapa-11, …): the Helen overall F1 applies. */
export function isHelenLike(schema: LabelSchema): boolean {
  const want = new Set(HELEN_11.classes.map((c) => c.name));
  const have = new Set(schema.classes.map((c) => c.name));
  return have.size === want.size && [...want].every((n) => have.has(n));
}

const nn = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function figuresOf(s: AgreementSummary, schema: LabelSchema, helenLike: boolean): AgreementFigures {
  return {
    pixels: s.pixels,
    classes: schema.classes.map((c) => ({ index: c.index, name: c.name, f1: nn(s.f1[c.index]), iou: nn(s.iou[c.index]) })),
    meanF1: nn(s.meanF1),
    mIoU: nn(s.mIoU),
    helenOverallF1: helenLike ? nn(s.helenOverallF1) : null,
    pixelAccuracy: nn(s.pixelAccuracy),
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Work between two yields of the event loop, and between two progress events. */
const SLICE_MS = 20;
const PROGRESS_MS = 150;

/**
 * Runs `step` over the images in slices of about 20 ms, yielding the event loop between them (a
 * comparison over a large dataset decodes two maps per image: seconds to minutes), with `job:progress`
 * events (kind 'metrics') and cancellation. A project closed meanwhile ends it with NO_PROJECT.
 */
export async function sliced<T>(
  ctx: ServiceContext,
  items: T[],
  step: (x: T) => void,
  job: { id: string; phase: string; cancelled: () => boolean },
): Promise<'done' | 'cancelled'> {
  const p = ctx.current();
  const total = items.length;
  const emit = (done: number, status: string) => ctx.bus.emit('job:progress', { jobId: job.id, kind: 'metrics', phase: job.phase, done, total, status });
  emit(0, 'running');
  let sliceStart = performance.now();
  let lastEmit = sliceStart;
  for (let i = 0; i < total; i++) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await tick();
      if (ctx.current() !== p) throw new ParselError('NO_PROJECT', `${job.phase}: the project was closed during the computation`);
      if (job.cancelled()) {
        emit(i, 'cancelled');
        return 'cancelled';
      }
      sliceStart = performance.now();
      if (sliceStart - lastEmit > PROGRESS_MS) {
        emit(i, 'running');
        lastEmit = sliceStart;
      }
    }
    step(items[i]);
  }
  emit(total, 'done');
  return 'done';
}

export function metricsServices(ctx: ServiceContext): DomainServices<'metrics:agreement' | 'metrics:stats' | 'metrics:cancel'> {
  const jobs = jobRegistry((id) => `metrics job ${id} is already running`, { bus: ctx.bus, kind: 'metrics' });
  return {
    'metrics:cancel': ({ jobId }) => jobs.cancel(jobId),

    'metrics:agreement': ({ a, b, selection, perImage, jobId }): Promise<AgreementResult> => jobs.run(jobId, async (id, cancelled) => {
      const { store } = ctx.project();
      const schema = store.schema();
      const K = schema.classes.length;
      const ignore = schema.ignoreIndex ?? 255;
      const helenLike = isHelenLike(schema);
      const group = helenOverallGroup(schema);
      const images = selectMetricsImages(store, selection);
      const ra = labelResolver(store, a, K);
      const rb = labelResolver(store, b, K);
      const total = new ConfusionMatrix(K);
      const out: AgreementResult = {
        status: 'done',
        schemaId: schema.id,
        helenLike,
        images: 0,
        overall: figuresOf(summarize(total, 0, group), schema, helenLike),
        perImage: [],
        skipped: [],
        skippedCount: 0,
      };
      const skip = (imageId: number, reason: string) => {
        out.skippedCount++;
        if (out.skipped.length < SKIPPED_LISTED) out.skipped.push({ imageId, reason });
      };
      const compare = (img: SelectedImage) => {
        const x = ra(img);
        if ('missing' in x) return skip(img.id, `a: ${x.missing}`);
        const y = rb(img);
        if ('missing' in y) return skip(img.id, `b: ${y.missing}`);
        if (x.width !== y.width || x.height !== y.height) return skip(img.id, `sizes differ: a ${x.width}×${x.height}, b ${y.width}×${y.height}`);
        const one = new ConfusionMatrix(K).add(x.map, y.map, ignore);
        total.merge(one);
        out.images++;
        if (perImage) out.perImage.push({ imageId: img.id, a: x.revisionId, b: y.revisionId, figures: figuresOf(summarize(one, 0, group), schema, helenLike) });
      };
      out.status = await sliced(ctx, images, compare, { id, phase: 'agreement', cancelled });
      out.overall = figuresOf(summarize(total, 0, group), schema, helenLike);
      return out;
    }),

    'metrics:stats': ({ selection, source, jobId }): Promise<StatsResult> => jobs.run(jobId, async (id, cancelled) => {
      const { store } = ctx.project();
      const schema = store.schema();
      const K = schema.classes.length;
      const images = selectMetricsImages(store, selection);
      const resolve = labelResolver(store, source, K);
      const acc = new StatsAccumulator(K, schema.ignoreIndex ?? 255);
      let withoutMask = 0;
      const count = (img: SelectedImage) => {
        const r = resolve(img);
        if ('missing' in r) withoutMask++;
        else acc.add(r.map);
      };
      const status = await sliced(ctx, images, count, { id, phase: 'stats', cancelled });
      const s = acc.result();
      return {
        status,
        schemaId: schema.id,
        images: s.images,
        withoutMask,
        pixels: s.pixels,
        ignoredPixels: s.ignoredPixels,
        outOfRangePixels: s.outOfRangePixels,
        classes: s.classes.map((c) => ({ ...c, name: schema.classes.find((d) => d.index === c.index)?.name ?? String(c.index) })),
      };
    }),
  };
}
