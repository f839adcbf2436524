/**
 * Label-noise services (issue 5, DESIGN.md §5; rules in docs/review.md; scoring in docs/noise.md): scan against a model set's
 * cached predictions, the flags and review queue, accept / dismiss, the disagreement heat map and model
 * overlay, the class-pair summary, the `.npy` export for cleanlab-style tools and the import of
 * predictions made elsewhere as a model set (noise/import-probs.ts).
 */
import { ParselError } from '../../../shared/api/errors';
import { byOpenFlags, samePair, type ClassPair, type FlagInfo, type ImageFlags, type PairSummary, type QueueItem, type QueuePairSummary } from '../../../shared/api/methods-noise';
import { decodeMask, encodeMask } from '../../../shared/mask/codec';
import { argmaxProbs, maskHas } from '../../../shared/noise';
import { classHistogram, flagSize, type FlagSize } from '../../../shared/noise/big-flag';
import type { DomainServices, ServiceContext } from '../context';
import { jobRegistry } from '../job-registry';
import { exportProbs } from '../noise/export-probs';
import { importProbs } from '../noise/import-probs';
import {
  flagInfo,
  flagsOf,
  getFlag,
  imageScoreRow,
  queueItem,
  queueRows,
  queueSummary,
  regionFromRow,
  requireModelSet,
  reopenDismissal,
  reopenFixed,
  resolveFlag,
  reviewSettings,
  scorePairs,
  scoreRows,
  selectImages,
  setReviewSettings,
  type FlagRow,
} from '../../store/flag-repo';
import { runScan } from '../noise/scan';
import { cacheTeacher, type TeacherSource } from '../noise/teacher';

type NoiseMethods =
  | 'noise:scan'
  | 'noise:cancel'
  | 'noise:flags'
  | 'noise:queue'
  | 'noise:accept'
  | 'noise:dismiss'
  | 'noise:heatmap'
  | 'noise:pairs'
  | 'noise:exportProbs'
  | 'noise:importProbs'
  | 'noise:reopen'
  | 'noise:scores'
  | 'noise:settings'
  | 'noise:setSettings';

/** `teacherOf` replaces the prediction cache as the teacher (tests). */
export function noiseServices(ctx: ServiceContext, teacherOf: (p: ReturnType<ServiceContext['project']>) => TeacherSource = (p) => cacheTeacher(p.store)): DomainServices<NoiseMethods> {
  const jobs = jobRegistry((id) => `scan job ${id} is already running`, { bus: ctx.bus, kind: 'noise-scan' });
  const imports = jobRegistry((id) => `import-probs job ${id} is already running`, { bus: ctx.bus, kind: 'import-probs' });

  // Accept / dismiss only an open flag: a closed one (fixed, dismissed) is a CONFLICT that names who
  // closed it and how to reopen it.
  const openFlag = (flagId: number) => {
    const p = ctx.project();
    const f = getFlag(p.store, flagId);
    if (f.status !== 'open') {
      const how = f.status === 'dismissed' ? 'reopen it first' : 'undo its fix (Ctrl+Z in the editor, or revert the revision) and reopen it first';
      throw new ParselError('CONFLICT', `flag ${flagId} is already ${f.status}${f.resolved_by ? ` (by ${f.resolved_by} at ${f.resolved_at})` : ''}; ${how}`, {
        flagId,
        status: f.status,
        resolvedBy: f.resolved_by,
        resolvedAt: f.resolved_at,
      });
    }
    return { p, f };
  };

  return {
    'noise:scan': async ({ modelSetId, selection, options, jobId }) => {
      const p = ctx.project();
      return jobs.run(jobId, (id, cancelled) =>
        runScan({
          store: p.store,
          bus: ctx.bus,
          teacher: teacherOf(p),
          jobId: id,
          modelSetId,
          selection,
          options,
          isCancelled: cancelled,
          projectGone: () => ctx.current() !== p,
        }),
      );
    },

    // A scan or an import of predictions runs under the id.
    'noise:cancel': ({ jobId }) => (jobs.cancel(jobId).cancelled ? { cancelled: true } : imports.cancel(jobId)),

    'noise:flags': ({ imageId, revisionId, top, status, pair }): ImageFlags[] => {
      const { store } = ctx.project();
      if (pair) checkPair(store, pair);
      const ofPair = (flags: FlagInfo[]) => (pair ? flags.filter((x) => samePair(pair, { from: x.labelClass, to: x.suggestedClass })) : flags);
      if ((imageId === undefined) === (top === undefined)) throw new ParselError('BAD_REQUEST', 'noise:flags: give either imageId or top (exactly one)');
      if (revisionId !== undefined && imageId === undefined) throw new ParselError('BAD_REQUEST', 'noise:flags: revisionId needs imageId');
      if (imageId !== undefined) {
        store.getImage(imageId);
        const row = imageScoreRow(store, imageId);
        if (!row) return [];
        const rev = revisionId ?? row.revision_id;
        if (revisionId !== undefined) {
          const owner = store.getRevision(revisionId).imageId;
          if (owner !== imageId) throw new ParselError('INVALID_INPUT', `revision ${revisionId} belongs to image ${owner}, not image ${imageId}`);
        }
        const info = sized(store);
        return [{ ...queueItem(row), flags: ofPair(flagsOf(store, imageId, rev, row.model_set_id, status).map(info)) }];
      }
      // The top N scanned images by score, flagged or not (with a pair: those with a flag of it).
      const out: ImageFlags[] = [];
      const info = sized(store);
      for (const r of scoreRows(store, { sort: 'score', ...(!pair && { limit: top }) }).rows) {
        if (out.length >= top!) break;
        const item = queueItem(r);
        if (pair && !item.pairs.some((x) => samePair(pair, x))) continue;
        const flags = ofPair(flagsOf(store, r.image_id, r.revision_id, r.model_set_id, status).map(info));
        if (pair && flags.length === 0) continue;
        out.push({ ...item, flags });
      }
      return out;
    },

    'noise:queue': ({ modelSetId, onlyOpen, minScore, pair, offset, limit }) => {
      const { store } = ctx.project();
      if (pair) checkPair(store, pair);
      const all = queueRows(store, { modelSetId }).map(queueItem);
      // With a pair, "open" and "reviewed" are about that pair's flags.
      const ofPair = (it: QueueItem) => it.pairs.find((x) => samePair(pair, x));
      const openOf = (it: QueueItem) => (pair ? (ofPair(it)?.open ?? 0) : it.openFlags);
      const scope = pair ? all.filter((it) => ofPair(it) !== undefined) : all;
      const rows = scope.filter((it) => (!onlyOpen || openOf(it) > 0) && (minScore === undefined || it.score >= minScore));
      return {
        total: rows.length,
        queued: scope.length,
        reviewed: scope.filter((it) => openOf(it) === 0).length,
        offset,
        items: rows.slice(offset, offset + limit),
        pairs: pairSummary(store, all),
        summary: queueSummary(store, modelSetId ?? null),
      };
    },

    'noise:accept': ({ flagId, author, parentId, confirmed }) => {
      const { p, f } = openFlag(flagId);
      const store = p.store;
      const size = sized(store)(f).size!;
      if (size.big && !confirmed) {
        const why = size.big === 'image' ? `${pct(size.imageShare)} of the image (limit ${pct(size.imageLimit)})` : `${pct(size.partShare)} of its ${className(store)(f.label_class)} (limit ${pct(size.partLimit)})`;
        throw new ParselError('INVALID_INPUT', `flag ${flagId} covers ${why}: accepting it needs confirmation (confirmed: true) or an edit by hand`, {
          flagId,
          needsConfirmation: true,
          size,
        });
      }
      const parent = parentId ?? f.revision_id;
      const parentRev = store.getRevision(parent);
      if (parentRev.imageId !== f.image_id) {
        throw new ParselError('INVALID_INPUT', `revision ${parent} belongs to image ${parentRev.imageId}, not to image ${f.image_id} of flag ${flagId}`);
      }
      const schema = store.schema();
      if (!schema.classes.some((c) => c.index === f.suggested_class)) {
        throw new ParselError('INVALID_INPUT', `flag ${flagId} suggests class ${f.suggested_class}, which is not in schema ${schema.id}`);
      }
      const mask = decodeMask(store.revisionMask(parent));
      const w = parentRev.width;
      const region = regionFromRow(f);
      const [x0, y0, x1, y1] = region.bbox;
      let changed = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = y * w + x;
          if (mask[i] === f.label_class && maskHas(region, x, y)) {
            mask[i] = f.suggested_class;
            changed++;
          }
        }
      }
      const nameOf = className(store);
      if (changed === 0) {
        throw new ParselError(
          'INVALID_INPUT',
          `flag ${flagId}: no pixel of its region is ${nameOf(f.label_class)} in revision ${parent} any more; dismiss it or rescan`,
          { flagId, revisionId: parent },
        );
      }
      const enc = encodeMask(mask, parentRev.width, parentRev.height);
      const now = new Date().toISOString();
      const saved = store.transaction(() => {
        const saved = store.saveRevision({
          imageId: f.image_id,
          parentId: parent,
          kind: 'fix',
          author: author.trim(),
          note: `noise flag ${flagId}: ${nameOf(f.label_class)} → ${nameOf(f.suggested_class)} (${changed} px)`,
          width: enc.width,
          height: enc.height,
          encoding: enc.encoding,
          mask: enc.data,
        });
        resolveFlag(store, flagId, 'fixed', author.trim(), now);
        return saved;
      });
      ctx.bus.emit('project:changed', { reason: 'revision-saved', imageIds: [f.image_id] });
      return { flag: { ...flagInfo(getFlag(store, flagId)), size }, revisionId: saved.id, changedPixels: changed };
    },

    'noise:dismiss': ({ flagId, author }): FlagInfo => {
      const { p } = openFlag(flagId);
      resolveFlag(p.store, flagId, 'dismissed', author.trim(), new Date().toISOString());
      return sized(p.store)(getFlag(p.store, flagId));
    },

    'noise:reopen': ({ flagId }): FlagInfo => {
      const { store } = ctx.project();
      const f = getFlag(store, flagId);
      if (f.status === 'open') throw new ParselError('CONFLICT', `flag ${flagId} is already open`, { flagId, status: f.status });
      if (f.status === 'dismissed') {
        // The dismissal and every row a rescan carried it to (same image, model set, who and when):
        // left dismissed, any of them would dismiss the region again on the next scan.
        reopenDismissal(store, f);
        return sized(store)(getFlag(store, flagId));
      }
      // Fixed: only when the fix was undone, i.e. the region carries its label class in the head again.
      const img = store.getImage(f.image_id);
      const head = img.headRevisionId;
      const region = regionFromRow(f);
      let still = 0;
      if (head !== null) {
        const rev = store.getRevision(head);
        const mask = decodeMask(store.revisionMask(head));
        const [x0, y0, x1, y1] = region.bbox;
        for (let y = y0; y < Math.min(y1, rev.height); y++) {
          for (let x = x0; x < Math.min(x1, rev.width); x++) if (maskHas(region, x, y) && mask[y * rev.width + x] === f.label_class) still++;
        }
      }
      if (still === 0) {
        throw new ParselError(
          'CONFLICT',
          `flag ${flagId} is fixed and no pixel of its region is ${className(store)(f.label_class)} in the head revision ${head ?? '(none)'}; undo the fix first (Ctrl+Z in the editor, or revert), then reopen`,
          { flagId, status: f.status, headRevisionId: head },
        );
      }
      reopenFixed(store, flagId);
      return sized(store)(getFlag(store, flagId));
    },

    'noise:scores': ({ modelSetId, sort, offset, limit }) => {
      const { store } = ctx.project();
      if (modelSetId !== undefined) requireModelSet(store, modelSetId);
      const { total, rows } = scoreRows(store, { modelSetId, sort, offset, limit });
      return { total, offset, items: rows.map(queueItem) };
    },

    'noise:settings': () => reviewSettings(ctx.project().store),

    'noise:setSettings': (patch) => setReviewSettings(ctx.project().store, patch),

    'noise:heatmap': ({ imageId, modelSetId, kind, revisionId }) => {
      const p = ctx.project();
      const store = p.store;
      requireModelSet(store, modelSetId);
      const img = store.getImage(imageId);
      const pred = teacherOf(p)(imageId, modelSetId);
      if (!pred) throw new ParselError('NOT_FOUND', `model set ${modelSetId} has no cached prediction for image ${imageId} (${img.path})`, { imageId, modelSetId });
      const K = pred.classes;
      const W = pred.width;
      const H = pred.height;
      let out: Uint8Array;
      let rev = revisionId ?? img.headRevisionId;
      if (kind === 'argmax') {
        out = argmaxProbs(pred.probs, K, W, H);
      } else {
        if (rev === null) throw new ParselError('INVALID_INPUT', `image ${imageId} (${img.path}) has no mask to compare with the model`);
        const r = store.getRevision(rev);
        if (r.imageId !== imageId) throw new ParselError('INVALID_INPUT', `revision ${rev} belongs to image ${r.imageId}, not image ${imageId}`);
        if (r.width !== W || r.height !== H) throw new ParselError('INVALID_INPUT', `revision ${rev} is ${r.width}×${r.height}, the prediction ${W}×${H}`);
        const label = decodeMask(store.revisionMask(rev));
        const HW = W * H;
        out = new Uint8Array(HW);
        for (let i = 0; i < HW; i++) {
          const y = label[i];
          out[i] = y < K ? 255 - pred.probs[y * HW + i] : 0;
        }
      }
      rev = rev ?? 0;
      const enc = encodeMask(out, W, H);
      return { ...enc, revisionId: rev, imageId, modelSetId, kind };
    },

    'noise:pairs': ({ modelSetId, selection }) => {
      const { store } = ctx.project();
      if (modelSetId !== undefined) requireModelSet(store, modelSetId);
      const ids = new Set(selectImages(store, selection).map((i) => i.id));
      const rows = scorePairs(store);
      const nameOf = className(store);
      const acc = new Map<string, PairSummary>();
      let images = 0;
      for (const r of rows) {
        if (!ids.has(r.imageId) || (modelSetId !== undefined && r.modelSetId !== modelSetId)) continue;
        images++;
        for (const pr of r.pairs) {
          const key = `${pr.label}>${pr.suggested}`;
          let s = acc.get(key);
          if (!s) acc.set(key, (s = { from: pr.label, to: pr.suggested, fromName: nameOf(pr.label), toName: nameOf(pr.suggested), pixels: 0, images: 0 }));
          s.pixels += pr.pixels;
          s.images++;
        }
      }
      const pairs = [...acc.values()].sort((a, b) => b.pixels - a.pixels || a.from - b.from || a.to - b.to);
      return { images, pairs };
    },

    'noise:exportProbs': (req) => {
      const p = ctx.project();
      return exportProbs(p.store, teacherOf(p), req);
    },

    'noise:importProbs': ({ jobId, ...req }) => {
      const p = ctx.project();
      return imports.run(jobId, (id, cancelled) =>
        importProbs({ store: p.store, paths: p.paths, bus: ctx.bus, jobId: id, req, isCancelled: cancelled, projectGone: () => ctx.current() !== p }),
      );
    },
  };
}

const pct = (v: number) => `${v < 0.1 ? (v * 100).toFixed(1) : Math.round(v * 100)} %`;

/**
 * FlagInfo with its size (shares of the image and of its label class in the flag's revision, judged
 * with the project's review settings); one decoded mask per revision per call.
 */
function sized(store: ReturnType<ServiceContext['project']>['store']): (r: FlagRow) => FlagInfo & { size: FlagSize } {
  const settings = reviewSettings(store);
  const hist = new Map<number, { pixels: number; h: Uint32Array }>();
  return (r) => {
    let e = hist.get(r.revision_id);
    if (!e) {
      const m = store.revisionMask(r.revision_id);
      hist.set(r.revision_id, (e = { pixels: m.width * m.height, h: classHistogram(decodeMask(m)) }));
    }
    return { ...flagInfo(r), size: flagSize(r.area, e.pixels, e.h[r.label_class], settings) };
  };
}

function className(store: ReturnType<ServiceContext['project']>['store']): (k: number) => string {
  const schema = store.schema();
  return (k) => schema.classes.find((c) => c.index === k)?.name ?? String(k);
}

/** Both classes of a pair filter must be classes of the project schema. */
function checkPair(store: ReturnType<ServiceContext['project']>['store'], pair: ClassPair): void {
  const schema = store.schema();
  for (const k of [pair.from, pair.to]) {
    if (!schema.classes.some((c) => c.index === k)) {
      throw new ParselError('INVALID_INPUT', `pair ${pair.from} → ${pair.to}: class ${k} is not in schema ${schema.id} (classes 0–${schema.classes.length - 1})`, { pair });
    }
  }
}

/** The queue's label → suggested pairs with flag and image counts, most open flags first. */
function pairSummary(store: ReturnType<ServiceContext['project']>['store'], items: QueueItem[]): QueuePairSummary[] {
  const nameOf = className(store);
  const acc = new Map<number, QueuePairSummary>();
  for (const it of items) {
    for (const p of it.pairs) {
      const key = p.from * 256 + p.to;
      let s = acc.get(key);
      if (!s) acc.set(key, (s = { from: p.from, to: p.to, fromName: nameOf(p.from), toName: nameOf(p.to), flags: 0, open: 0, images: 0, openImages: 0 }));
      s.flags += p.flags;
      s.open += p.open;
      s.images++;
      if (p.open > 0) s.openImages++;
    }
  }
  return [...acc.values()].sort(byOpenFlags);
}
