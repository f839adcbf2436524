/**
 * The sample project (`parsel demo`, the Home screen's "Open the sample project"): a new project of
 * synthetic faces whose labels are stored as `import` revisions, a documented share of them corrupted
 * (shared/sample), the ground truth of what was corrupted in a JSON file beside the images (never in
 * the project), and the demo models registered as the model set "demo" when they are there.
 *
 * Layout for `<dir>/<stem>.parsel` (the faces folder is a generic index-PNG dataset, docs/formats.md):
 *   <dir>/<stem>-faces/images/face_00000.jpg …   the images (the project refers to them where they are)
 *   <dir>/<stem>-faces/masks/face_00000.png …    their labels as imported (corrupted for the corrupted share)
 *   <dir>/<stem>-faces/ground-truth.json          SampleGroundTruth
 *
 * Everything goes through the API (project:create, import:run, models:add, modelSet:create), so the
 * sample project is made by the same rules as any imported dataset.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { ParselApi } from '../../shared/api/contract';
import { ParselError } from '../../shared/api/errors';
import type { ModelSetRecord } from '../../shared/api/methods-models';
import type { ProjectInfo } from '../../shared/api/types';
import {
  SAMPLE_CORRUPTIONS,
  SAMPLE_SCHEMA_ID,
  checkSampleOptions,
  sampleFileName,
  type SampleCorruption,
  type SampleOptions,
} from '../../shared/sample';
import { PROJECT_EXTENSION } from './paths';
import { writeSampleFaces } from './sample-faces';

/** The demo models' manifest (models/demo/demo.json, written by training/). */
export const DEMO_MANIFEST = 'demo.json';

export interface SampleGroundTruth {
  /** What made the file, so it can be made again. */
  generator: { count: number; size: number; noise: number; seed: number; schema: string; types: string[] };
  corrupted: number;
  images: { file: string; corrupted: boolean; corruptions: SampleCorruption[] }[];
}

export interface SampleModels {
  /** The models folder looked in. */
  dir: string;
  /** The model set made, or null with the reason in `missing`. */
  set: ModelSetRecord | null;
  /** Why no demo models were found ("the folder … does not exist"), null when the set was made. */
  missing: string | null;
}

export interface SampleProjectResult {
  project: ProjectInfo;
  /** The dataset folder: images/, masks/ (index PNGs, as imported) and ground-truth.json. */
  facesDir: string;
  groundTruth: string;
  images: number;
  corrupted: number;
  /** Null with `models: false`. */
  models: SampleModels | null;
  seconds: number;
}

/** Phases of making a sample project, in order. */
export type SamplePhase = 'images' | 'importing' | 'models';

export interface SampleProjectOptions extends SampleOptions {
  /** Register the demo models (default true). */
  models: boolean;
  /** Folder with demo.json and the models it names. */
  modelsDir: string;
  /** Generator threads (default: the machine's cores). */
  threads?: number;
  onProgress?: (phase: SamplePhase, done: number, total: number) => void;
}

/** Project file (with .parsel added like project:create does) and its faces folder. */
export function samplePaths(file: string): { file: string; facesDir: string; imagesDir: string; groundTruth: string } {
  let f = resolve(file);
  if (extname(f) !== PROJECT_EXTENSION) f += PROJECT_EXTENSION;
  const facesDir = join(dirname(f), `${basename(f, PROJECT_EXTENSION)}-faces`);
  return { file: f, facesDir, imagesDir: join(facesDir, 'images'), groundTruth: join(facesDir, 'ground-truth.json') };
}

/**
 * Create the sample project at `file` (the API's backend must have no project work under way; the new
 * project is left open). Refuses an existing project file or faces folder.
 */
export async function createSampleProject(api: ParselApi, file: string, o: SampleProjectOptions): Promise<SampleProjectResult> {
  const t0 = performance.now();
  try {
    checkSampleOptions(o);
  } catch (err) {
    throw new ParselError('BAD_REQUEST', (err as Error).message);
  }
  const p = samplePaths(file);
  if (existsSync(p.file)) throw new ParselError('ALREADY_EXISTS', `a file already exists at ${p.file}`, { path: p.file });
  if (!existsSync(dirname(p.file))) throw new ParselError('NOT_FOUND', `folder does not exist: ${dirname(p.file)}`, { path: dirname(p.file) });
  if (existsSync(p.facesDir)) {
    throw new ParselError('ALREADY_EXISTS', `the sample's image folder already exists: ${p.facesDir} (remove it or choose another project name)`, {
      path: p.facesDir,
    });
  }

  // A broken demo.json or a missing member is refused before any image is made.
  if (o.models && existsSync(o.modelsDir)) demoMembers(o.modelsDir);
  try {
    return await build(api, p, o, t0);
  } catch (err) {
    // Leave nothing half-made behind: a second try would be refused by what is left.
    await api.call('project:close', {}).catch(() => undefined);
    for (const f of [p.file, `${p.file}-wal`, `${p.file}-shm`, p.facesDir]) await fs.rm(f, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

async function build(api: ParselApi, p: ReturnType<typeof samplePaths>, o: SampleProjectOptions, t0: number): Promise<SampleProjectResult> {
  const faces = await writeSampleFaces(p.facesDir, o, { threads: o.threads, onProgress: (d, t) => o.onProgress?.('images', d, t) });

  // The faces folder is a generic index-PNG dataset: the importer adds the images and stores each
  // label as an `import` revision, in batched transactions (ground-truth.json is written after it).
  await api.call('project:create', { path: p.file, schemaId: SAMPLE_SCHEMA_ID });
  const jobId = `sample-import-${process.pid}-${Date.now()}`;
  o.onProgress?.('importing', 0, o.count);
  const off = api.on('job:progress', (e) => {
    if (e.jobId === jobId && e.total > 0) o.onProgress?.('importing', e.done, e.total);
  });
  let report;
  try {
    report = await api.call('import:run', { path: p.facesDir, format: 'index-png', onProblem: 'abort', jobId });
  } finally {
    off();
  }
  if (report.status !== 'done' || report.imported !== o.count) {
    const why = report.problems.slice(0, 3).map((x) => `${x.file}: ${x.message}`);
    throw new ParselError('INTERNAL', `sample project: imported ${report.imported} of ${o.count} images (${report.status}${why.length ? `; ${why.join('; ')}` : ''})`);
  }

  const truth: SampleGroundTruth = {
    generator: { count: o.count, size: o.size, noise: o.noise, seed: o.seed, schema: SAMPLE_SCHEMA_ID, types: [...SAMPLE_CORRUPTIONS] },
    corrupted: faces.filter((f) => f.corruptions.length > 0).length,
    images: faces.map((f) => ({ file: sampleFileName(f.index), corrupted: f.corruptions.length > 0, corruptions: f.corruptions })),
  };
  // One image per line: readable, and diffable between two runs.
  const lines = truth.images.map((i) => `  ${JSON.stringify(i)}`).join(',\n');
  const head = JSON.stringify({ generator: truth.generator, corrupted: truth.corrupted });
  await fs.writeFile(p.groundTruth, `${head.slice(0, -1)},\n "images": [\n${lines}\n ]\n}\n`);

  const models = o.models ? await registerDemoModels(api, o.modelsDir, (d, t) => o.onProgress?.('models', d, t)) : null;
  return {
    project: await api.call('project:info', {}),
    facesDir: p.facesDir,
    groundTruth: p.groundTruth,
    images: o.count,
    corrupted: truth.corrupted,
    models,
    seconds: (performance.now() - t0) / 1000,
  };
}

interface DemoManifest {
  set: { name: string; members: string[]; tta: 'none' | 'flip' };
}

/** Reads `<dir>/demo.json`; null when the folder or the file is not there. Bad content is an error naming the file. */
export function readDemoManifest(dir: string): DemoManifest | null {
  const file = join(dir, DEMO_MANIFEST);
  if (!existsSync(file)) return null;
  return parseDemoManifest(file);
}

function parseDemoManifest(file: string): DemoManifest {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ParselError('INVALID_INPUT', `${file}: not valid JSON (${(err as Error).message})`);
  }
  const set = (v as { set?: unknown } | null)?.set as { name?: unknown; members?: unknown; tta?: unknown } | undefined;
  if (!set || typeof set !== 'object') throw new ParselError('INVALID_INPUT', `${file}: "set" is missing`);
  if (typeof set.name !== 'string' || set.name.trim() === '') throw new ParselError('INVALID_INPUT', `${file}: set.name must be a non-empty string`);
  if (!Array.isArray(set.members) || set.members.length === 0 || !set.members.every((m) => typeof m === 'string' && m !== '')) {
    throw new ParselError('INVALID_INPUT', `${file}: set.members must be a non-empty list of file names`);
  }
  const tta = set.tta ?? 'none';
  if (tta !== 'none' && tta !== 'flip') throw new ParselError('INVALID_INPUT', `${file}: set.tta must be "flip" or "none", got ${JSON.stringify(tta)}`);
  return { set: { name: set.name, members: set.members as string[], tta } };
}

/** The members of `<dir>/demo.json` as absolute paths ([] without demo.json); a missing file is an error naming it. */
function demoMembers(dir: string): string[] {
  const manifest = readDemoManifest(dir);
  if (!manifest) return [];
  return manifest.set.members.map((m) => {
    const path = resolve(dir, m);
    if (!existsSync(path)) throw new ParselError('NOT_FOUND', `${join(resolve(dir), DEMO_MANIFEST)} names ${m}, but ${path} does not exist`);
    return path;
  });
}

/** Adds each member of `<dir>/demo.json` as a model and makes the model set; nothing when demo.json is missing. */
export async function registerDemoModels(
  api: ParselApi,
  dir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<SampleModels> {
  const abs = resolve(dir);
  if (!existsSync(abs)) return { dir: abs, set: null, missing: `the folder ${abs} does not exist` };
  const manifest = readDemoManifest(abs);
  if (!manifest) return { dir: abs, set: null, missing: `${join(abs, DEMO_MANIFEST)} does not exist` };
  const members = demoMembers(abs);
  const ids: number[] = [];
  for (const [k, path] of members.entries()) {
    const r = await api.call('models:add', { path, name: basename(path, extname(path)) });
    ids.push(r.model.id);
    onProgress?.(k + 1, members.length);
  }
  const set = await api.call('modelSet:create', { name: manifest.set.name, modelIds: ids, tta: manifest.set.tta });
  return { dir: abs, set, missing: null };
}
