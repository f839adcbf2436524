/**
 * The label-noise tables (migrations 6 and 10: `flag`, `image_score`, `scan`): every query and write of
 * the scan, the review queue and the flag actions, and the selection of images a scan, a pair summary or
 * a probability export covers. JSON columns (bbox, pairs, the teacher check) are decoded here with zod.
 *
 * A flag's region is stored as the deflated 1-byte-per-pixel bitmap of its bbox (inclusive bbox in
 * the `bbox` column, JSON); in memory it is the bit-packed crop of shared/noise/regions.ts (exclusive
 * bbox). `regionToBlob` / `regionFromRow` convert.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { ParselError } from '../../shared/api/errors';
import { byOpenFlags, type FlagInfo, type FlagStatus, type NoiseSelection, type QueueItem, type QueuePair, type QueueSummary, type ScoreSort } from '../../shared/api/methods-noise';
import type { TeacherCheck } from '../../shared/noise/teacher-check';
import type { BBox, RegionMask } from '../../shared/noise';
import { DEFAULT_REVIEW_SETTINGS, type ReviewSettings } from '../../shared/noise/big-flag';
import { z } from 'zod';
import { storeDb, type ProjectStore } from './project-store';
import { decodeJsonColumn } from './json-column';

const BBOX = z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]);
const FLAG_STATUS = z.enum(['open', 'fixed', 'dismissed']);
const FLAG_PAIRS = z.array(z.tuple([z.number().int(), z.number().int(), FLAG_STATUS]));
const TEACHER: z.ZodType<TeacherCheck> = z.object({ meanF1: z.number(), pixelAccuracy: z.number(), images: z.number(), minMeanF1: z.number(), ok: z.boolean() });
/** `image_score.pairs`: the scan's pixels per label → suggested pair. */
const SCORE_PAIRS = z.array(z.object({ label: z.number().int(), suggested: z.number().int(), pixels: z.number() }));
export type ScorePairs = z.infer<typeof SCORE_PAIRS>;


export interface FlagRow {
  id: number;
  image_id: number;
  revision_id: number;
  model_set_id: number;
  bbox: string;
  area: number;
  region: Buffer;
  label_class: number;
  suggested_class: number;
  score: number;
  status: FlagStatus;
  resolved_by: string | null;
  resolved_at: string | null;
  created_at: string;
  low_confidence: number;
}

export function flagInfo(r: FlagRow): FlagInfo {
  return {
    id: r.id,
    imageId: r.image_id,
    revisionId: r.revision_id,
    modelSetId: r.model_set_id,
    bbox: decodeJsonColumn(BBOX, r.bbox, `flag ${r.id}: bbox`),
    area: r.area,
    labelClass: r.label_class,
    suggestedClass: r.suggested_class,
    score: r.score,
    status: r.status,
    resolvedBy: r.resolved_by,
    resolvedAt: r.resolved_at,
    createdAt: r.created_at,
    lowConfidence: r.low_confidence === 1,
  };
}

/** The stored form of a region: inclusive bbox JSON and the deflated byte-per-pixel bitmap. */
export function regionToBlob(m: RegionMask): { bbox: string; region: Buffer } {
  const [x0, y0, x1, y1] = m.bbox;
  const n = (x1 - x0) * (y1 - y0);
  const bytes = new Uint8Array(n);
  for (let j = 0; j < n; j++) bytes[j] = (m.bits[j >> 3] >> (j & 7)) & 1;
  return { bbox: JSON.stringify([x0, y0, x1 - 1, y1 - 1]), region: deflateSync(bytes, { level: 6 }) };
}

/** A stored flag's region as a bit-packed crop; refuses a row whose bitmap does not match its bbox. */
export function regionFromRow(r: Pick<FlagRow, 'id' | 'bbox' | 'region'>): RegionMask {
  const [x0, y0, x1i, y1i] = decodeJsonColumn(BBOX, r.bbox, `flag ${r.id}: bbox`);
  const bbox: BBox = [x0, y0, x1i + 1, y1i + 1];
  const n = (bbox[2] - x0) * (bbox[3] - y0);
  const bytes = inflateSync(r.region);
  if (bytes.length !== n) throw new ParselError('INTERNAL', `flag ${r.id}: region bitmap has ${bytes.length} bytes, its bbox ${r.bbox} needs ${n}`);
  const bits = new Uint8Array(Math.ceil(n / 8));
  for (let j = 0; j < n; j++) if (bytes[j]) bits[j >> 3] |= 1 << (j & 7);
  return { bbox, bits };
}

export function getFlag(store: ProjectStore, flagId: number): FlagRow {
  const r = storeDb(store).prepare('SELECT * FROM flag WHERE id = ?').get(flagId) as FlagRow | undefined;
  if (!r) throw new ParselError('NOT_FOUND', `flag ${flagId} does not exist in this project`);
  return r;
}

export function requireModelSet(store: ProjectStore, modelSetId: number): { id: number; name: string } {
  if (!store.models.setExists(modelSetId)) throw new ParselError('NOT_FOUND', `model set ${modelSetId} does not exist in this project`);
  const r = store.models.set(modelSetId);
  return { id: r.id, name: r.name };
}

export interface SelectedImage {
  id: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
  head_revision_id: number | null;
}

/** Images of a selection, by id (all images when the selection is empty). */
export function selectImages(store: ProjectStore, sel: NoiseSelection): SelectedImage[] {
  const rows: SelectedImage[] = store.selectImages({ ids: sel.imageIds, status: sel.status, split: sel.split, source: sel.source });
  if (sel.imageIds) {
    const found = new Set(rows.map((r) => r.id));
    const missing = sel.imageIds.filter((i) => !found.has(i));
    if (missing.length > 0 && !sel.status && !sel.split && !sel.source) {
      throw new ParselError('NOT_FOUND', `image ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (+${missing.length - 10} more)` : ''} does not exist in this project`, { missing });
    }
  }
  return rows;
}

/** Image ids with a cached prediction by the model set. */
export function predictedImageIds(store: ProjectStore, modelSetId: number): Set<number> {
  return store.predictions.imageIdsOf(modelSetId);
}

interface QueueRow {
  image_id: number;
  path: string;
  width: number;
  height: number;
  score: number;
  model_set_id: number;
  revision_id: number;
  head_revision_id: number | null;
  scanned_at: string;
  open: number;
  fixed: number;
  dismissed: number;
  /** JSON array of [label_class, suggested_class, status] of the flags counted. */
  flag_pairs: string;
}

/** Flags grouped by label → suggested pair, most open first, then most flags, then class order. */
function groupPairs(json: string): QueuePair[] {
  const acc = new Map<number, QueuePair>();
  for (const [from, to, status] of decodeJsonColumn(FLAG_PAIRS, json, 'flag pairs')) {
    const key = from * 256 + to;
    let p = acc.get(key);
    if (!p) acc.set(key, (p = { from, to, flags: 0, open: 0 }));
    p.flags++;
    if (status === 'open') p.open++;
  }
  return [...acc.values()].sort(byOpenFlags);
}

export function queueItem(r: QueueRow): QueueItem {
  return {
    imageId: r.image_id,
    path: r.path,
    width: r.width,
    height: r.height,
    score: r.score,
    modelSetId: r.model_set_id,
    revisionId: r.revision_id,
    headRevisionId: r.head_revision_id,
    openFlags: r.open,
    fixedFlags: r.fixed,
    dismissedFlags: r.dismissed,
    scannedAt: r.scanned_at,
    pairs: groupPairs(r.flag_pairs),
  };
}

/**
 * The review queue: images whose latest scan left at least one flag on the scanned revision, with the
 * flag counts of that revision, highest score first.
 */
const QUEUE_SQL = `
  SELECT s.image_id, i.path, i.width, i.height, s.score, s.model_set_id, s.revision_id, i.head_revision_id, s.scanned_at,
         sum(f.status = 'open') AS open, sum(f.status = 'fixed') AS fixed, sum(f.status = 'dismissed') AS dismissed,
         json_group_array(json_array(f.label_class, f.suggested_class, f.status)) AS flag_pairs
  FROM image_score s
  JOIN image i ON i.id = s.image_id
  JOIN flag f ON f.image_id = s.image_id AND f.revision_id = s.revision_id AND f.model_set_id = s.model_set_id
  WHERE (:modelSetId IS NULL OR s.model_set_id = :modelSetId) AND (:imageId IS NULL OR s.image_id = :imageId)
  GROUP BY s.image_id`;

export function queueRows(
  store: ProjectStore,
  q: { modelSetId?: number; imageId?: number; onlyOpen?: boolean; minScore?: number },
): QueueRow[] {
  const having: string[] = [];
  if (q.onlyOpen) having.push('open > 0');
  if (q.minScore !== undefined) having.push('score >= :minScore');
  const sql = `${QUEUE_SQL} ${having.length ? `HAVING ${having.join(' AND ')}` : ''} ORDER BY s.score DESC, s.image_id`;
  return storeDb(store).prepare(sql).all({ modelSetId: q.modelSetId ?? null, imageId: q.imageId ?? null, minScore: q.minScore ?? 0 }) as QueueRow[];
}

/** The latest scan of one image (any flags or none). */
export function imageScoreRow(store: ProjectStore, imageId: number): QueueRow | null {
  const r = storeDb(store)
    .prepare(
      `SELECT s.image_id, i.path, i.width, i.height, s.score, s.model_set_id, s.revision_id, i.head_revision_id, s.scanned_at,
              (SELECT count(*) FROM flag f WHERE f.image_id = s.image_id AND f.revision_id = s.revision_id AND f.model_set_id = s.model_set_id AND f.status = 'open') AS open,
              (SELECT count(*) FROM flag f WHERE f.image_id = s.image_id AND f.revision_id = s.revision_id AND f.model_set_id = s.model_set_id AND f.status = 'fixed') AS fixed,
              (SELECT count(*) FROM flag f WHERE f.image_id = s.image_id AND f.revision_id = s.revision_id AND f.model_set_id = s.model_set_id AND f.status = 'dismissed') AS dismissed,
              (SELECT json_group_array(json_array(f.label_class, f.suggested_class, f.status)) FROM flag f
                WHERE f.image_id = s.image_id AND f.revision_id = s.revision_id AND f.model_set_id = s.model_set_id) AS flag_pairs
       FROM image_score s JOIN image i ON i.id = s.image_id WHERE s.image_id = ?`,
    )
    .get(imageId) as QueueRow | undefined;
  return r ?? null;
}

export function flagsOf(store: ProjectStore, imageId: number, revisionId: number, modelSetId: number | null, status?: readonly FlagStatus[]): FlagRow[] {
  const rows = storeDb(store)
    .prepare(
      `SELECT * FROM flag WHERE image_id = ? AND revision_id = ? AND (? IS NULL OR model_set_id = ?)
       ORDER BY score DESC, id`,
    )
    .all(imageId, revisionId, modelSetId, modelSetId) as FlagRow[];
  return status ? rows.filter((r) => status.includes(r.status)) : rows;
}

/**
 * The label-error estimate over the images' latest scans (of one model set, or any) and the teacher
 * check of the most recent scan: what the review queue shows above its list.
 */
export function queueSummary(store: ProjectStore, modelSetId: number | null): QueueSummary {
  const r = storeDb(store)
    .prepare(
      `SELECT count(*) AS scanned, coalesce(sum(likely_errors > 0), 0) AS likelyImages, coalesce(sum(likely_errors), 0) AS likelyRegions
       FROM image_score WHERE (:m IS NULL OR model_set_id = :m)`,
    )
    .get({ m: modelSetId }) as { scanned: number; likelyImages: number; likelyRegions: number };
  const t = storeDb(store).prepare(`SELECT teacher FROM scan WHERE (:m IS NULL OR model_set_id = :m) ORDER BY id DESC LIMIT 1`).pluck().get({ m: modelSetId }) as
    | string
    | undefined;
  return { ...r, teacher: t ? decodeJsonColumn(TEACHER, t, 'latest scan: teacher check') : null };
}

/**
 * Every image's latest scan, flagged or not (the flag counts of the scanned revision, 0 without
 * flags): `noise:scores` and `noise:flags {top}`. Orders: score (highest first), name (stored path),
 * flags (most open, then most flags, then highest score); ties by image id.
 */
export function scoreRows(store: ProjectStore, q: { modelSetId?: number; sort: ScoreSort; offset?: number; limit?: number }): { total: number; rows: QueueRow[] } {
  const order =
    q.sort === 'name'
      ? 'i.path, s.image_id'
      : q.sort === 'flags'
        ? 'open DESC, (open + fixed + dismissed) DESC, s.score DESC, s.image_id'
        : 's.score DESC, s.image_id';
  const where = '(:modelSetId IS NULL OR s.model_set_id = :modelSetId)';
  const total = storeDb(store).prepare(`SELECT count(*) FROM image_score s WHERE ${where}`).pluck().get({ modelSetId: q.modelSetId ?? null }) as number;
  const rows = storeDb(store)
    .prepare(
      `SELECT s.image_id, i.path, i.width, i.height, s.score, s.model_set_id, s.revision_id, i.head_revision_id, s.scanned_at,
              coalesce(sum(f.status = 'open'), 0) AS open, coalesce(sum(f.status = 'fixed'), 0) AS fixed, coalesce(sum(f.status = 'dismissed'), 0) AS dismissed,
              CASE WHEN count(f.id) = 0 THEN '[]' ELSE json_group_array(json_array(f.label_class, f.suggested_class, f.status)) END AS flag_pairs
       FROM image_score s
       JOIN image i ON i.id = s.image_id
       LEFT JOIN flag f ON f.image_id = s.image_id AND f.revision_id = s.revision_id AND f.model_set_id = s.model_set_id
       WHERE ${where}
       GROUP BY s.image_id
       ORDER BY ${order}
       LIMIT :limit OFFSET :offset`,
    )
    .all({ modelSetId: q.modelSetId ?? null, limit: q.limit ?? -1, offset: q.offset ?? 0 }) as QueueRow[];
  return { total, rows };
}

const SETTINGS_KEYS: Record<keyof ReviewSettings, string> = {
  bigFlagImageShare: 'review.big_flag_image_share',
  bigFlagPartShare: 'review.big_flag_part_share',
};

/** The project's review settings (meta table), defaults for what was never set. */
export function reviewSettings(store: ProjectStore): ReviewSettings {
  const out: ReviewSettings = { ...DEFAULT_REVIEW_SETTINGS };
  const get = storeDb(store).prepare('SELECT value FROM meta WHERE key = ?').pluck();
  for (const k of Object.keys(SETTINGS_KEYS) as (keyof ReviewSettings)[]) {
    const v = get.get(SETTINGS_KEYS[k]) as string | undefined;
    if (v === undefined) continue;
    const n = Number(v);
    if (!(n > 0 && n <= 1)) throw new ParselError('INVALID_INPUT', `${store.path}: project setting ${SETTINGS_KEYS[k]} is "${v}", not a share in (0, 1]`);
    out[k] = n;
  }
  return out;
}

export function setReviewSettings(store: ProjectStore, patch: Partial<ReviewSettings>): ReviewSettings {
  const put = storeDb(store).prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  store.transaction(() => {
    for (const k of Object.keys(SETTINGS_KEYS) as (keyof ReviewSettings)[]) {
      const v = patch[k];
      if (v !== undefined) put.run(SETTINGS_KEYS[k], String(v));
    }
  });
  return reviewSettings(store);
}

/** An image's flags of one model set, every revision. */
export function flagsOfImageAndSet(store: ProjectStore, imageId: number, modelSetId: number): FlagRow[] {
  return storeDb(store).prepare('SELECT * FROM flag WHERE image_id = ? AND model_set_id = ?').all(imageId, modelSetId) as FlagRow[];
}

/** A scan's writes of one image (run inside its transaction): its flags, their closing, its score. */
export function scanWriter(store: ProjectStore, scan: { id: number; modelSetId: number; lowConfidence: boolean }) {
  const insert = storeDb(store).prepare(
    `INSERT INTO flag(image_id, revision_id, model_set_id, bbox, area, region, label_class, suggested_class, score, status, resolved_by, resolved_at, created_at, low_confidence)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${scan.lowConfidence ? 1 : 0})`,
  );
  const upsertScore = storeDb(store).prepare(
    `INSERT INTO image_score(image_id, model_set_id, revision_id, score, pairs, scanned_at, likely_errors, scan_id) VALUES (?, ?, ?, ?, ?, ?, ?, ${scan.id})
     ON CONFLICT(image_id) DO UPDATE SET model_set_id = excluded.model_set_id, revision_id = excluded.revision_id,
       score = excluded.score, pairs = excluded.pairs, scanned_at = excluded.scanned_at,
       likely_errors = excluded.likely_errors, scan_id = excluded.scan_id`,
  );
  const close = storeDb(store).prepare(`UPDATE flag SET status = 'fixed', resolved_by = 'scan', resolved_at = ? WHERE id = ? AND status = 'open'`);
  const deleteOpen = storeDb(store).prepare(`DELETE FROM flag WHERE image_id = ? AND model_set_id = ? AND revision_id = ? AND status = 'open'`);
  return {
    /** Drop the image's open flags of this revision (a rescan writes them again). */
    deleteOpen: (imageId: number, revisionId: number) => void deleteOpen.run(imageId, scan.modelSetId, revisionId),
    insertFlag: (f: {
      imageId: number;
      revisionId: number;
      region: { bbox: string; region: Buffer };
      area: number;
      labelClass: number;
      suggestedClass: number;
      score: number;
      status: 'open' | 'dismissed';
      resolvedBy: string | null;
      resolvedAt: string | null;
      createdAt: string;
    }) =>
      void insert.run(f.imageId, f.revisionId, scan.modelSetId, f.region.bbox, f.area, f.region.region, f.labelClass, f.suggestedClass, f.score, f.status, f.resolvedBy, f.resolvedAt, f.createdAt),
    /** An open flag the rescan no longer finds: fixed by the scan. */
    closeByScan: (flagId: number, at: string) => void close.run(at, flagId),
    setScore: (imageId: number, revisionId: number, score: number, pairs: ScorePairs, at: string, likelyErrors: number) =>
      void upsertScore.run(imageId, scan.modelSetId, revisionId, score, JSON.stringify(pairs), at, likelyErrors),
  };
}

/** The scan row, written before its images' scores (status 'cancelled' until finishScan). */
export function insertScan(store: ProjectStore, s: { jobId: string | null; modelSetId: number; teacher: TeacherCheck; thresholds: number[]; options: unknown; at: string }): number {
  return Number(
    storeDb(store)
      .prepare(`INSERT INTO scan(job_id, model_set_id, status, scanned, teacher, thresholds, options, finished_at) VALUES (?, ?, 'cancelled', 0, ?, ?, ?, ?)`)
      .run(s.jobId, s.modelSetId, JSON.stringify(s.teacher), JSON.stringify(s.thresholds), JSON.stringify(s.options), s.at).lastInsertRowid,
  );
}

export function finishScan(store: ProjectStore, scanId: number, status: 'done' | 'cancelled', scanned: number, at: string): void {
  storeDb(store).prepare('UPDATE scan SET status = ?, scanned = ?, finished_at = ? WHERE id = ?').run(status, scanned, at, scanId);
}

/** A flag accepted (fixed) or dismissed by a person; dismissing only takes an open flag. */
export function resolveFlag(store: ProjectStore, flagId: number, status: 'fixed' | 'dismissed', by: string, at: string): void {
  storeDb(store).prepare(`UPDATE flag SET status = ?, resolved_by = ?, resolved_at = ? WHERE id = ?${status === 'dismissed' ? " AND status = 'open'" : ''}`).run(status, by, at, flagId);
}

/** Reopen a dismissal and every row a rescan carried it to (same image, model set, who and when). */
export function reopenDismissal(store: ProjectStore, f: Pick<FlagRow, 'image_id' | 'model_set_id' | 'resolved_by' | 'resolved_at'>): void {
  storeDb(store)
    .prepare(
      `UPDATE flag SET status = 'open', resolved_by = NULL, resolved_at = NULL
       WHERE image_id = ? AND model_set_id = ? AND status = 'dismissed' AND resolved_by IS ? AND resolved_at IS ?`,
    )
    .run(f.image_id, f.model_set_id, f.resolved_by, f.resolved_at);
}

export function reopenFixed(store: ProjectStore, flagId: number): void {
  storeDb(store).prepare(`UPDATE flag SET status = 'open', resolved_by = NULL, resolved_at = NULL WHERE id = ? AND status = 'fixed'`).run(flagId);
}

/** Every image's latest scan pairs (decoded). */
export function scorePairs(store: ProjectStore): { imageId: number; modelSetId: number; pairs: ScorePairs }[] {
  return (storeDb(store).prepare('SELECT image_id, model_set_id, pairs FROM image_score').all() as { image_id: number; model_set_id: number; pairs: string }[]).map((r) => ({
    imageId: r.image_id,
    modelSetId: r.model_set_id,
    pairs: decodeJsonColumn(SCORE_PAIRS, r.pairs, `image ${r.image_id}: scan pairs`),
  }));
}
