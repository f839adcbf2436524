/**
 * The export engine: resolve a spec (or a manifest) to a list of (image, revision, split, name),
 * write it with one exporter (formats/export/) into a temporary folder next to the destination, write
 * the manifest, and rename the folder into place. Any failure or a cancel removes the temporary folder,
 * so the destination either appears complete or not at all; temporary folders of killed exports are
 * removed by the next export into the same parent (export-temp.ts).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { ParselError } from '../../shared/api/errors';
import { MANIFEST_FILE, type ExportIgnore, type ExportPreview, type ExportSpec } from '../../shared/api/methods-export';
import type { LabelSchema } from '../../shared/api/types';
import { MANIFEST_KIND, MANIFEST_VERSION, type ExportManifest, type ManifestItem, type ParsedManifest } from '../../shared/dataset/manifest';
import { outputNames } from '../../shared/dataset/names';
import { applyRemap, buildRemap, describeRemap, identityRemap, IGNORE_TARGET, RemapError, type Remap } from '../../shared/dataset/remap';
import { selectSubset, SubsetError, type Candidate } from '../../shared/dataset/subset';
import { decodeMask, decodeMaskMapped } from '../../shared/mask/codec';
import { findClass, getSchema } from '../../shared/schema';
import type { EventBus } from './backend';
import type { ProjectPaths } from './paths';
import { candidateRows, imageRows, revisionOwner, type CandidateRow } from '../store/export-repo';
import type { ProjectStore } from '../store/project-store';
import { detectType } from '../formats/export/image';
import { EXPORTERS } from '../formats/export/index';
import { OutputTree } from '../formats/export/tree';
import type { ExportContext, ExportItem } from '../formats/export/types';
import { mapLimit } from '../../shared/limiter';
import { makeExportTemp, releaseExportTemp, sweepStaleExportTemps, type StaleRemoved } from './export-temp';

/** Classes present per revision: revisions are immutable, so this never goes stale. */
export type PresenceCache = Map<string, number[]>;

export interface PlannedItem {
  row: CandidateRow;
  revisionId: number;
  split: string;
  source: string;
  name: string;
  present: number[];
}

export interface Plan {
  spec: ExportSpec;
  schema: LabelSchema;
  outSchema: LabelSchema;
  remap: Remap;
  remapped: boolean;
  items: PlannedItem[];
  matched: number;
  withoutMask: number;
  /** What ignore pixels become; `remap.lut` already sends them to `ignoreAs` when it is set. */
  ignore: ExportIgnore;
  /** The ignore value exporters see (null once `ignoreAs` has turned ignore into a class). */
  ignoreValue: number | null;
  problems: string[];
}

type PlanBase = Omit<Plan, 'problems' | 'ignore' | 'ignoreValue'>;

/**
 * Where ignore pixels come from and what the export writes for them. With `ignoreAs`, the remap's
 * table sends every ignore pixel to that class (so counts, masks and the manifest agree).
 */
function resolveIgnore(base: PlanBase): { ignore: ExportIgnore; ignoreValue: number | null; remap: Remap; problems: string[] } {
  const exporter = EXPORTERS[base.spec.format];
  const value = base.remapped ? base.remap.ignoreIndex : base.schema.ignoreIndex;
  const from = base.remap.entries.filter((e) => e.toName === IGNORE_TARGET).map((e) => e.fromName);
  const possible = value !== null && value >= 0 && from.length > 0;
  const problems: string[] = [];
  const fromText = from.map((n) => (n === IGNORE_TARGET ? `${base.schema.id}'s ignore pixels` : n)).join(', ');
  let remap = base.remap;
  let as: { name: string; index: number } | null = null;
  if (base.spec.ignoreAs !== null) {
    const c = findClass(base.outSchema, base.spec.ignoreAs);
    if (!c) {
      problems.push(
        `ignore-as "${base.spec.ignoreAs}" is not a class of the output schema ${base.outSchema.id} (classes: ${base.outSchema.classes.map((k) => k.name).join(', ')})`,
      );
    } else as = { name: c.name, index: c.index };
  }
  let note: string;
  if (!possible) {
    note = 'no pixel can be ignore' + (as ? ` (--ignore-as ${as.name} changes nothing)` : '');
  } else if (as) {
    const lut = new Int16Array(remap.lut);
    for (let v = 0; v < 256; v++) if (lut[v] === value) lut[v] = as.index;
    remap = { ...remap, lut };
    note = `ignore pixels (${fromText}) are written as class "${as.name}" (${as.index})`;
  } else if (exporter.holdsIgnore) {
    note = `ignore pixels (${fromText}) are written as ${value}`;
  } else {
    note = `${exporter.title} cannot hold ignore pixels (${fromText}); nothing is written until you choose what they become`;
    problems.push(
      `${exporter.title} has no ignore value, and ${fromText} would be ignore pixels: choose the class they become with --ignore-as <class> ` +
        `(the Export dialog's "Ignore becomes"), e.g. --ignore-as background`,
    );
  }
  const ignore: ExportIgnore = { possible, from, formatHolds: exporter.holdsIgnore, value: possible && !as && exporter.holdsIgnore ? value : null, as: as?.name ?? null, note };
  return { ignore, ignoreValue: as && possible ? null : value, remap, problems };
}

function finishPlan(base: PlanBase): Plan {
  const r = resolveIgnore(base);
  const withIgnore = { ...base, remap: r.remap, ignore: r.ignore, ignoreValue: r.ignoreValue };
  return { ...withIgnore, problems: [...r.problems, ...checkProblems(withIgnore)] };
}

function wrap(err: unknown): never {
  if (err instanceof RemapError || err instanceof SubsetError) {
    throw new ParselError('INVALID_INPUT', err.message, err instanceof SubsetError ? err.details : undefined);
  }
  throw err;
}

function presence(store: ProjectStore, revisionId: number, cache: PresenceCache): number[] {
  const key = `${store.path}#${revisionId}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const m = decodeMask(store.revisionMask(revisionId));
  const seen = new Uint8Array(256);
  for (let i = 0; i < m.length; i++) seen[m[i]] = 1;
  const out: number[] = [];
  for (let v = 0; v < 256; v++) if (seen[v]) out.push(v);
  cache.set(key, out);
  return out;
}

function resolveRemap(spec: ExportSpec, schema: LabelSchema): { remap: Remap; outSchema: LabelSchema } {
  if (!spec.remap) return { remap: identityRemap(schema), outSchema: schema };
  let target: LabelSchema;
  try {
    target = getSchema(spec.remap.target);
  } catch (err) {
    throw new ParselError('INVALID_INPUT', `remap: ${(err as Error).message}`);
  }
  try {
    return { remap: buildRemap(schema, target, spec.remap.ignoreIndex, spec.remap.overrides), outSchema: target };
  } catch (err) {
    return wrap(err);
  }
}

function checkProblems(plan: Omit<Plan, 'problems'>): string[] {
  const exporter = EXPORTERS[plan.spec.format];
  const splits = new Set(plan.items.map((i) => i.split));
  const out = exporter.problems(plan.outSchema, plan.ignoreValue, splits);
  if (plan.items.length === 0) out.push('no image matches: nothing to export');
  return out;
}

/** Resolve a spec against the project: remap, candidates, selection, names. */
export function planFromSpec(store: ProjectStore, spec: ExportSpec, cache: PresenceCache, needPresence: boolean): Plan {
  const schema = store.schema();
  const { remap, outSchema } = resolveRemap(spec, schema);
  const rows = candidateRows(store);
  const usesClasses =
    needPresence || (spec.filter.classesPresent?.length ?? 0) > 0 || (spec.filter.classesAbsent?.length ?? 0) > 0 || (spec.sampling.stratifyBy?.length ?? 0) > 0;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const candidates: Candidate[] = rows.map((r) => ({
    imageId: r.id,
    revisionId: r.head_revision_id,
    status: r.status,
    kind: r.kind,
    author: r.author,
    split: r.split,
    source: r.source,
    tags: JSON.parse(r.tags) as string[],
    present: [],
    noise: r.noise_score === null || r.noise_model_set_id === null ? null : { score: r.noise_score, modelSetId: r.noise_model_set_id },
  }));
  if (usesClasses) for (const c of candidates) if (c.revisionId !== null) c.present = presence(store, c.revisionId, cache);
  let sel;
  try {
    sel = selectSubset(candidates, schema, spec);
  } catch (err) {
    return wrap(err);
  }
  const names = outputNames(sel.items.map((s) => ({ imageId: s.imageId, path: byId.get(s.imageId)!.path })));
  const items = sel.items.map((s, k): PlannedItem => ({ row: byId.get(s.imageId)!, revisionId: s.revisionId, split: s.split, source: s.source, name: names[k], present: s.present }));
  return finishPlan({ spec, schema, outSchema, remap, remapped: spec.remap !== null, items, matched: sel.matched, withoutMask: sel.withoutMask });
}

/** Resolve a manifest: the same revisions, splits and names; refuses when one is gone or changed. */
export function planFromManifest(store: ProjectStore, m: ParsedManifest, file: string): Plan {
  const schema = store.schema();
  if (m.project.schemaId !== schema.id) {
    throw new ParselError('INVALID_INPUT', `${file}: exported from a ${m.project.schemaId} project; this project uses ${schema.id}`);
  }
  const spec = m.spec;
  const { remap, outSchema } = resolveRemap(spec, schema);
  const rows = imageRows(store, m.items.map((i) => i.imageId));
  const items = m.items.map((it): PlannedItem => {
    const owner = revisionOwner(store, it.revisionId);
    if (owner === null) {
      throw new ParselError('NOT_FOUND', `${file}: revision ${it.revisionId} (image ${it.imageId}, "${it.name}") does not exist in this project`, it);
    }
    if (owner !== it.imageId) {
      throw new ParselError('INVALID_INPUT', `${file}: revision ${it.revisionId} belongs to image ${owner}, not image ${it.imageId}`, it);
    }
    const row = rows.get(it.imageId);
    if (!row) throw new ParselError('NOT_FOUND', `${file}: image ${it.imageId} ("${it.name}") does not exist in this project`, it);
    if (row.sha256 !== it.imageSha256) {
      throw new ParselError('INVALID_INPUT', `${file}: image ${it.imageId} (${row.path}) has different content than when the manifest was written`, it);
    }
    return { row, revisionId: it.revisionId, split: it.split, source: it.source, name: it.name, present: [] };
  });
  return finishPlan({ spec, schema, outSchema, remap, remapped: spec.remap !== null, items, matched: items.length, withoutMask: 0 });
}

function tally(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...keys].sort()) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** Output class name → images containing it, from the source presence lists mapped through the remap. */
function classCounts(plan: Plan): Record<string, number> {
  const nameOf = new Map<number, string>(plan.outSchema.classes.map((c) => [c.index, c.name]));
  const ignore = plan.ignoreValue;
  const out: Record<string, number> = Object.fromEntries(plan.outSchema.classes.map((c) => [c.name, 0]));
  for (const it of plan.items) {
    const seen = new Set<string>();
    for (const v of it.present) {
      const t = plan.remap.lut[v];
      if (t < 0) continue;
      seen.add(t === ignore ? 'ignore' : (nameOf.get(t) ?? String(t)));
    }
    for (const s of seen) out[s] = (out[s] ?? 0) + 1;
  }
  return out;
}

export function previewOf(plan: Plan): ExportPreview {
  return {
    total: plan.items.length,
    matched: plan.matched,
    withoutMask: plan.withoutMask,
    bySplit: tally(plan.items.map((i) => i.split)),
    bySource: tally(plan.items.map((i) => i.source)),
    byClass: classCounts(plan),
    outputSchemaId: plan.outSchema.id,
    remap: plan.remapped ? describeRemap(plan.remap) : null,
    ignore: plan.ignore,
    problems: plan.problems,
  };
}

export interface RunOptions {
  store: ProjectStore;
  paths: ProjectPaths;
  bus: EventBus;
  jobId: string;
  dest: string;
  appVersion: string;
  reproducedFrom: string | null;
  isCancelled: () => boolean;
  concurrency?: number;
}

export interface RunOutcome {
  status: 'done' | 'cancelled';
  manifest: ExportManifest | null;
  manifestPath: string | null;
  /** Temporary folders of killed exports removed from the destination's parent before writing. */
  staleRemoved: StaleRemoved[];
}

async function checkDestination(dest: string): Promise<void> {
  try {
    const st = await fs.stat(dirname(dest));
    if (!st.isDirectory()) throw new Error('not a folder');
  } catch {
    throw new ParselError('NOT_FOUND', `the folder to export into does not exist: ${dirname(dest)}`, { path: dirname(dest) });
  }
  let st;
  try {
    st = await fs.stat(dest);
  } catch {
    return;
  }
  if (!st.isDirectory() || (await fs.readdir(dest)).length > 0) {
    throw new ParselError('ALREADY_EXISTS', `export destination ${dest} already exists and is not an empty folder; choose a new folder`, { path: dest });
  }
}

async function readImage(paths: ProjectPaths, row: CandidateRow): Promise<Buffer> {
  const abs = paths.toAbsolute(row.path);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(abs);
  } catch (err) {
    throw new ParselError('NOT_FOUND', `image file missing: ${abs} (${(err as NodeJS.ErrnoException).code}); nothing was exported`, { path: abs });
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== row.sha256) {
    throw new ParselError('INVALID_INPUT', `image file changed since it was added to the project: ${abs}; nothing was exported`, { path: abs });
  }
  return bytes;
}

/** Write the plan. Throws (after removing the temporary folder) on failure; returns 'cancelled' on cancel. */
export async function runExport(plan: Plan, o: RunOptions): Promise<RunOutcome> {
  if (plan.problems.length > 0) throw new ParselError('INVALID_INPUT', `cannot export: ${plan.problems.join('; ')}`, { problems: plan.problems });
  const dest = resolve(o.dest);
  await checkDestination(dest);
  const staleRemoved = await sweepStaleExportTemps(dirname(dest));
  const tmp = await makeExportTemp(dest);
  const exporter = EXPORTERS[plan.spec.format];
  const tree = new OutputTree(tmp);
  const ignore = plan.ignoreValue;
  const createdAt = new Date().toISOString();
  const ctx: ExportContext = {
    tree,
    schema: plan.outSchema,
    ignoreIndex: ignore,
    splits: plan.items.map((i) => i.split),
    // A reproduction dates its files like the original, so they come out byte-identical.
    createdAt: o.reproducedFrom ?? createdAt,
    appVersion: o.appVersion,
    projectName: o.store.meta('name'),
  };
  exporter.begin?.(ctx);
  const total = plan.items.length;
  const hist = new Float64Array(256);
  // The remap as a byte table (values it refuses are checked per mask below).
  const lut8 = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut8[v] = Math.max(0, plan.remap.lut[v]);
  const imagesWith = new Uint32Array(256);
  const itemFiles: string[][] = new Array(total);
  let done = 0;
  let lastEmit = 0;
  const emit = (phase: string, force = false) => {
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    o.bus.emit('job:progress', { jobId: o.jobId, kind: 'export', done, total, phase });
  };
  try {
    emit('writing', true);
    // The first failure stops the others; mapLimit settles only once every item in flight has, so
    // the temporary folder is removed after all have stopped and no late write can recreate it.
    await mapLimit(
      plan.items,
      Math.max(1, o.concurrency ?? 4),
      async (p, k) => {
        const bytes = await readImage(o.paths, p.row);
        const stored = o.store.revisionMask(p.revisionId);
        if (stored.width !== p.row.width || stored.height !== p.row.height) {
          throw new ParselError('INVALID_INPUT', `revision ${p.revisionId} is ${stored.width}×${stored.height} but image ${p.row.id} is ${p.row.width}×${p.row.height}`);
        }
        // Decode, remap and count in one pass over the mask's runs.
        const src = new Uint32Array(256);
        const mask = decodeMaskMapped(stored, lut8, src);
        const own = new Uint32Array(256);
        for (let v = 0; v < 256; v++) {
          if (src[v] === 0) continue;
          if (plan.remap.lut[v] < 0) {
            // The message names the first such pixel, as applyRemap does.
            try {
              applyRemap(plan.remap, decodeMask(stored), stored.width);
            } catch (err) {
              wrap(err);
            }
          }
          own[lut8[v]] += src[v];
        }
        for (let v = 0; v < 256; v++) {
          if (own[v] === 0) continue;
          hist[v] += own[v];
          imagesWith[v]++;
        }
        const item: ExportItem = {
          k,
          imageId: p.row.id,
          name: p.name,
          split: p.split,
          width: stored.width,
          height: stored.height,
          image: { bytes, type: detectType(bytes), ext: extname(p.row.path).toLowerCase() },
          mask,
        };
        itemFiles[k] = await exporter.item(ctx, item);
        done++;
        emit('writing');
      },
      { stop: o.isCancelled },
    );
    if (o.isCancelled()) {
      await fs.rm(tmp, { recursive: true, force: true });
      emit('cancelled', true);
      return { status: 'cancelled', manifest: null, manifestPath: null, staleRemoved };
    }
    emit('finishing', true);
    await exporter.finish(ctx);
    const files = tree.list();
    let totalPx = 0;
    for (const n of hist) totalPx += n;
    const pixelRatios: Record<string, number> = {};
    for (const c of plan.outSchema.classes) pixelRatios[c.name] = totalPx > 0 ? hist[c.index] / totalPx : 0;
    if (ignore !== null && hist[ignore] > 0) pixelRatios.ignore = hist[ignore] / totalPx;
    const items: ManifestItem[] = plan.items.map((p, k) => ({
      imageId: p.row.id,
      revisionId: p.revisionId,
      imageSha256: p.row.sha256,
      split: p.split,
      source: p.source,
      name: p.name,
      files: itemFiles[k],
    }));
    const preview = previewOf(plan);
    const manifest: ExportManifest = {
      kind: MANIFEST_KIND,
      version: MANIFEST_VERSION,
      app: { name: 'parsel', version: o.appVersion },
      createdAt,
      reproducedFrom: o.reproducedFrom,
      project: { name: o.store.meta('name'), schemaId: plan.schema.id },
      spec: plan.spec,
      outputSchema: {
        id: plan.outSchema.id,
        ignoreIndex: ignore,
        classes: plan.outSchema.classes.map((c) => ({ index: c.index, name: c.name, title: c.title })),
      },
      remap: preview.remap,
      ignore: plan.ignore,
      counts: {
        images: total,
        files: files.length,
        bySplit: preview.bySplit,
        bySource: preview.bySource,
        byClass: Object.fromEntries(plan.outSchema.classes.map((c) => [c.name, imagesWith[c.index]])),
      },
      pixelRatios,
      items,
      files,
    };
    await fs.writeFile(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n', { flag: 'wx' });
    if (o.isCancelled()) {
      await fs.rm(tmp, { recursive: true, force: true });
      return { status: 'cancelled', manifest: null, manifestPath: null, staleRemoved };
    }
    await releaseExportTemp(tmp);
    await fs.rmdir(dest).catch(() => undefined); // an empty destination folder is replaced
    await fs.rename(tmp, dest);
    done = total;
    emit('done', true);
    return { status: 'done', manifest, manifestPath: join(dest, MANIFEST_FILE), staleRemoved };
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    emit('failed', true);
    throw err;
  }
}
