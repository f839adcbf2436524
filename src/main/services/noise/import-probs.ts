/**
 * `noise:importProbs`: soft predictions made elsewhere (a model that never becomes ONNX) → a NEW model
 * set without models, whose predictions are in the prediction cache like any set's, so scans, the model
 * overlay, agreement and statistics use it unchanged.
 *
 *   <dir>/pred_probs.npy   N×K×H×W, '<f2' or '<f4', C order (what `noise:exportProbs` writes)
 *   <dir>/index.json       the index `noise:exportProbs` writes (rows matched by each item's path), or
 *   <dir>/index.txt        one image per line: an image id, a stored path, an absolute path, or a file
 *                          name / trailing part of the path that names exactly one image
 *
 * Order of work: every cheap check first (header, file size, index, N vs rows, K vs schema, every row
 * matched to one image, no image twice, name free); then one pass over the data, image by image (read
 * by offset: memory holds one image's planes, never the file), checking each value and each pixel's sum,
 * resizing the planes to the image with the engine's own upsampling (`paste` of
 * inference/postprocess.ts, the same bilinear taps and rounding as a pre-labelling run) and deflating
 * them into a staging file in the project's cache folder; last, ONE transaction writes the set and every
 * prediction from the staging file. Any error, a cancel or a closed project writes nothing to the
 * project, and the staging file is removed.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, promises as fs, openSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import type { ImportedProbsInfo } from '../../../shared/api/methods-models';
import { exportedSumTolerance, IMPORT_SUM_TOLERANCE, type ImportProbsResult } from '../../../shared/api/methods-noise';
import { float16Table, parseNpyHeader, npyPreambleLength } from '../../../shared/dataset/npy';
import { firstProbProblem, type ProbProblem } from '../../../shared/noise/float-probs';
import { newTarget, paste } from '../../inference/postprocess';
import type { ProjectStore } from '../../store/project-store';
import type { EventBus } from '../backend';
import type { ProjectPaths } from '../paths';
import { deflateProbs, writePrediction } from '../predictions';
import { setRow, toSetRecord } from '../prelabel';

export const IMPORT_PROBS_KIND = 'import-probs';
export const PRED_PROBS_FILE = 'pred_probs.npy';
/** `prediction.provider` of imported rows. */
export const IMPORTED_PROVIDER = 'import';

export interface ImportProbsJob {
  store: ProjectStore;
  paths: ProjectPaths;
  bus: EventBus;
  jobId: string;
  req: { dir: string; name: string; index?: string; tolerance?: number };
  isCancelled: () => boolean;
  projectGone: () => boolean;
}

interface ImageRow {
  id: number;
  path: string;
  width: number;
  height: number;
}

/** One row of the index: what it says and where (for messages). */
interface IndexRow {
  /** An image id (a number in the index) or a path / file name. */
  entry: number | string;
  /** "index.txt line 4", "index.json items[3]". */
  where: string;
}

interface Index {
  file: string;
  kind: 'parsel' | 'list';
  rows: IndexRow[];
  /** A Parsel export's own record of classes and shape (checked against the project and the header). */
  classes?: unknown;
  shape?: unknown;
}

const MAX_LISTED = 5;

function invalid(message: string, details?: unknown): ParselError {
  return new ParselError('INVALID_INPUT', message, details);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

async function readFully(fh: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

/** The pred_probs.npy header, checked: dtype, C order, rank 4, non-empty, file size. */
async function readHeader(fh: FileHandle, file: string, size: number): Promise<{ dtype: 'float16' | 'float32'; shape: [number, number, number, number]; dataOffset: number }> {
  const head = new Uint8Array(Math.min(size, 12));
  await readFully(fh, head, 0);
  let info;
  try {
    const total = npyPreambleLength(head);
    if (total > size) throw new Error(`the header is ${total} bytes long but the file has only ${size}`);
    const pre = new Uint8Array(total);
    await readFully(fh, pre, 0);
    info = parseNpyHeader(pre);
  } catch (err) {
    throw invalid(`${file}: ${(err instanceof Error ? err.message : String(err)).replace(/^npy: /, '')}`, { file });
  }
  const d = info.descr;
  let dtype: 'float16' | 'float32';
  if (d === '<f2' || (d === '=f2' && endianness() === 'LE')) dtype = 'float16';
  else if (d === '<f4' || (d === '=f4' && endianness() === 'LE')) dtype = 'float32';
  else if (d === '>f2' || d === '>f4') {
    throw invalid(`${file}: dtype '${d}' is big-endian; save little-endian floats (a.astype('<f${d[2]}'))`, { file, descr: d });
  } else if (/^[<>=|]?f8$/.test(d)) {
    throw invalid(`${file}: dtype '${d}' is float64; save float32 or float16 (a.astype('float32'))`, { file, descr: d });
  } else {
    throw invalid(`${file}: dtype '${d}' is not read; pred_probs must be float16 ('<f2') or float32 ('<f4') probabilities`, { file, descr: d });
  }
  if (info.fortranOrder) {
    throw invalid(`${file}: fortran_order is True (a Fortran-ordered array); save a C-ordered one (np.save(path, np.ascontiguousarray(a)))`, { file });
  }
  if (info.shape.length !== 4) {
    throw invalid(`${file}: shape (${info.shape.join(', ')}) has ${info.shape.length} dimensions; pred_probs must be N×K×H×W (images × classes × height × width)`, {
      file,
      shape: info.shape,
    });
  }
  const [N, K, H, W] = info.shape;
  if (N === 0 || K === 0 || H === 0 || W === 0) throw invalid(`${file}: shape (${info.shape.join(', ')}) is empty`, { file, shape: info.shape });
  const want = info.dataOffset + N * K * H * W * (dtype === 'float32' ? 4 : 2);
  if (size !== want) {
    throw invalid(
      `${file}: ${size < want ? 'truncated' : 'too long'}: shape (${info.shape.join(', ')}) ${d} needs ${want} bytes (header ${info.dataOffset} + data), the file has ${size}`,
      { file, bytes: size, expected: want },
    );
  }
  return { dtype, shape: [N, K, H, W], dataOffset: info.dataOffset };
}

/** Which index file: the request's, else index.json, else index.txt (both present: ambiguous). */
async function indexFile(dir: string, given: string | undefined): Promise<string> {
  const exists = (p: string) =>
    fs.stat(p).then(
      (s) => s.isFile(),
      () => false,
    );
  if (given !== undefined) {
    const p = isAbsolute(given) ? given : join(dir, given);
    if (!(await exists(p))) throw new ParselError('NOT_FOUND', `index file ${p} does not exist`, { path: p });
    return p;
  }
  const json = join(dir, 'index.json');
  const txt = join(dir, 'index.txt');
  const [j, t] = await Promise.all([exists(json), exists(txt)]);
  if (j && t) throw invalid(`${dir} holds both index.json and index.txt: say which one names the rows (--index)`, { dir });
  if (j) return json;
  if (t) return txt;
  throw new ParselError(
    'NOT_FOUND',
    `${dir} has no index: give index.json (what parsel export-probs writes) or index.txt (one image id, path or file name per line, row by row), or name one with --index`,
    { dir },
  );
}

/** Parses the index file into rows (entries checked for type; matching comes later). */
async function readIndex(file: string): Promise<Index> {
  const text = await fs.readFile(file, 'utf8');
  const name = basename(file);
  const trimmed = text.trimStart();
  if (file.toLowerCase().endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw invalid(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, { file });
    }
    const entryOf = (v: unknown, where: string): number | string => {
      if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
      if (typeof v === 'string' && v.trim().length > 0) return v.trim();
      throw invalid(`${file}: ${where} is ${JSON.stringify(v)}; expected an image id (a positive integer) or a path`, { file });
    };
    if (Array.isArray(doc)) {
      return { file, kind: 'list', rows: doc.map((v, i) => ({ entry: entryOf(v, `[${i}]`), where: `${name} [${i}]` })) };
    }
    if (doc && typeof doc === 'object' && (doc as { kind?: unknown }).kind === 'parsel-pred-probs') {
      const d = doc as { items?: unknown; imageIds?: unknown; classes?: unknown; shape?: unknown };
      let rows: IndexRow[];
      if (Array.isArray(d.items)) {
        // The paths name the images (ids differ between projects; a path does not).
        rows = d.items.map((it: unknown, i) => {
          const p = it && typeof it === 'object' ? (it as { path?: unknown }).path : undefined;
          return { entry: entryOf(p, `items[${i}].path`), where: `${name} items[${i}]` };
        });
      } else if (Array.isArray(d.imageIds)) {
        rows = d.imageIds.map((v: unknown, i) => ({ entry: entryOf(v, `imageIds[${i}]`), where: `${name} imageIds[${i}]` }));
      } else {
        throw invalid(`${file}: a parsel-pred-probs index needs "items" (with paths) or "imageIds"`, { file });
      }
      return { file, kind: 'parsel', rows, classes: d.classes, shape: d.shape };
    }
    throw invalid(`${file}: expected the index parsel export-probs writes ({"kind": "parsel-pred-probs", …}) or a JSON array of image ids / paths`, { file });
  }
  const rows: IndexRow[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    rows.push({ entry: /^\d+$/.test(line) ? Number(line) : line, where: `${name} line ${i + 1}` });
  });
  return { file, kind: 'list', rows };
}

/** Index entries → project images: by id, stored path, absolute path, or a unique trailing part of the path. */
function matcher(images: ImageRow[], paths: ProjectPaths): (e: number | string) => { image: ImageRow } | { error: string } {
  const byId = new Map(images.map((i) => [i.id, i]));
  const byStored = new Map(images.map((i) => [i.path, i]));
  const byAbs = new Map(images.map((i) => [resolve(paths.toAbsolute(i.path)), i]));
  const byName = new Map<string, ImageRow[]>();
  for (const i of images) {
    const n = i.path.slice(i.path.lastIndexOf('/') + 1);
    let g = byName.get(n);
    if (!g) byName.set(n, (g = []));
    g.push(i);
  }
  return (e) => {
    if (typeof e === 'number') {
      const image = byId.get(e);
      return image ? { image } : { error: `no image ${e} in this project` };
    }
    const norm = e.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
    const stored = byStored.get(norm);
    if (stored) return { image: stored };
    if (isAbsolute(e)) {
      const abs = byAbs.get(resolve(e));
      return abs ? { image: abs } : { error: `"${e}" is not an image of this project` };
    }
    const tail = norm.slice(norm.lastIndexOf('/') + 1);
    const candidates = (byName.get(tail) ?? []).filter((i) => i.path === norm || i.path.endsWith(`/${norm}`));
    if (candidates.length === 1) return { image: candidates[0] };
    if (candidates.length === 0) return { error: `"${e}" matches no image of this project (by stored path or file name)` };
    const list = candidates.slice(0, 3).map((i) => `${i.id} (${i.path})`);
    return { error: `"${e}" matches ${candidates.length} images: ${list.join(', ')}${candidates.length > 3 ? ', …' : ''}; give more of the path or the image id` };
  };
}

export async function importProbs(job: ImportProbsJob): Promise<ImportProbsResult> {
  const { store, paths, bus, jobId, req } = job;
  const name = req.name.trim();
  const dir = resolve(req.dir);
  const st = await fs.stat(dir).catch(() => null);
  if (!st) throw new ParselError('NOT_FOUND', `folder ${dir} does not exist`, { path: dir });
  if (!st.isDirectory()) throw invalid(`${dir} is not a folder; give the folder holding pred_probs.npy`, { path: dir });
  const nameTaken = () => store.models.setIdByName(name);
  const taken = nameTaken();
  if (taken !== null) throw new ParselError('ALREADY_EXISTS', `a model set named "${name}" exists (model set ${taken}); give another name`, { modelSetId: taken });

  const file = join(dir, PRED_PROBS_FILE);
  const fst = await fs.stat(file).catch(() => null);
  if (!fst || !fst.isFile()) throw new ParselError('NOT_FOUND', `${dir} has no ${PRED_PROBS_FILE}`, { path: file });
  const fh = await fs.open(file, 'r');
  let staging: string | null = null;
  try {
    const { dtype, shape, dataOffset } = await readHeader(fh, file, fst.size);
    const [N, K, h, w] = shape;

    const index = await readIndex(await indexFile(dir, req.index));
    const idxName = basename(index.file);
    if (index.rows.length !== N) {
      throw invalid(`${file} has ${plural(N, 'row')} (N = ${N}) but ${index.file} names ${plural(index.rows.length, 'image')}; each row needs one image, in order`, {
        rows: N,
        indexRows: index.rows.length,
      });
    }
    const schema = store.schema();
    const names = schema.classes.map((c) => c.name);
    if (K !== names.length) {
      throw invalid(
        `${file} has K = ${K} classes (shape (${shape.join(', ')})), the project's schema ${schema.id} has ${names.length}: ${names.map((n, i) => `${i} ${n}`).join(', ')}. Planes must be in the schema's class order`,
        { classes: K, schemaClasses: names.length },
      );
    }
    if (index.kind === 'parsel') {
      if (Array.isArray(index.classes) && JSON.stringify(index.classes) !== JSON.stringify(names)) {
        throw invalid(`${index.file}: its classes (${(index.classes as unknown[]).join(', ')}) are not the project's schema ${schema.id} (${names.join(', ')})`, {
          classes: index.classes,
        });
      }
      const sp = (index.shape as { pred_probs?: unknown } | undefined)?.pred_probs;
      if (Array.isArray(sp) && JSON.stringify(sp) !== JSON.stringify(shape)) {
        throw invalid(`${index.file} says pred_probs is (${sp.join(', ')}), ${file} has shape (${shape.join(', ')})`, { indexShape: sp, shape });
      }
    }

    // Every row to one image, no image twice.
    const images: ImageRow[] = store.selectImages({});
    const match = matcher(images, paths);
    const planned: { image: ImageRow; where: string }[] = [];
    const unknown: string[] = [];
    const seen = new Map<number, number>();
    const dups: string[] = [];
    index.rows.forEach((r, n) => {
      const m = match(r.entry);
      if ('error' in m) {
        unknown.push(`row ${n} (${r.where}): ${m.error}`);
        return;
      }
      const before = seen.get(m.image.id);
      if (before !== undefined) dups.push(`rows ${before} (${index.rows[before].where}) and ${n} (${r.where}) both name image ${m.image.id} (${m.image.path})`);
      else seen.set(m.image.id, n);
      planned.push({ image: m.image, where: r.where });
    });
    if (unknown.length > 0) {
      throw invalid(
        `${plural(unknown.length, 'row')} of ${idxName} name no single image of this project:\n  ${unknown.slice(0, MAX_LISTED).join('\n  ')}${unknown.length > MAX_LISTED ? `\n  … and ${unknown.length - MAX_LISTED} more` : ''}`,
        { unknown },
      );
    }
    if (dups.length > 0) {
      throw invalid(`${idxName} names an image more than once:\n  ${dups.slice(0, MAX_LISTED).join('\n  ')}${dups.length > MAX_LISTED ? `\n  … and ${dups.length - MAX_LISTED} more` : ''}`, {
        duplicates: dups,
      });
    }
    const tolerance = req.tolerance ?? (index.kind === 'parsel' ? exportedSumTolerance(K) : IMPORT_SUM_TOLERANCE);

    // The data, image by image: check, resize like the engine, quantise, deflate, stage.
    if (endianness() !== 'LE') throw new ParselError('UNSUPPORTED', 'reading .npy floats needs a little-endian machine');
    const total = N + 1;
    let lastEmit = 0;
    const progress = (done: number, phase: string, status = 'running', force = false) => {
      const now = Date.now();
      if (!force && now - lastEmit < 100) return;
      lastEmit = now;
      bus.emit('job:progress', { jobId, kind: IMPORT_PROBS_KIND, done, total, phase, status });
    };
    progress(0, 'reading', 'running', true);
    await fs.mkdir(paths.cacheDir, { recursive: true });
    staging = join(paths.cacheDir, `import-probs-${randomBytes(6).toString('hex')}.tmp`);
    const out = await fs.open(staging, 'w');
    const blobs: { offset: number; length: number; rawLength: number }[] = [];
    const f16 = dtype === 'float16' ? float16Table() : null;
    const plane = h * w;
    const values = K * plane;
    const bytesPer = dtype === 'float32' ? 4 : 2;
    let resized = 0;
    try {
      let at = 0;
      for (let n = 0; n < N; n++) {
        if (job.isCancelled()) {
          progress(n, 'cancelled', 'cancelled', true);
          return { status: 'cancelled', modelSet: null, images: N, classes: K, width: w, height: h, dtype, index: index.file, indexKind: index.kind, tolerance, resized: 0 };
        }
        if (job.projectGone()) throw new ParselError('NO_PROJECT', `the project was closed while import ${jobId} was running; nothing was written`, { jobId });
        const { image, where } = planned[n];
        const p = new Float32Array(values);
        const position = dataOffset + n * values * bytesPer;
        if (f16) {
          const bits = new Uint16Array(values);
          await readFully(fh, new Uint8Array(bits.buffer), position);
          for (let i = 0; i < values; i++) p[i] = f16[bits[i]];
        } else {
          await readFully(fh, new Uint8Array(p.buffer), position);
        }
        const problem = firstProbProblem(p, K, plane, tolerance);
        if (problem) throw invalid(describeProblem(problem, { file, n, image, where, names, w, h, K, tolerance }), { row: n, imageId: image.id, ...problem });
        // The engine's upsampling of a whole-image output: the frame is the whole image.
        const t = newTarget(image.width, image.height, K, true, false);
        paste(p, K, h, w, true, { x0: 0, y0: 0, w: image.width, h: image.height }, t);
        if (image.width !== w || image.height !== h) resized++;
        const blob = await deflateProbs(t.probs!);
        await out.write(blob, 0, blob.length, at);
        blobs.push({ offset: at, length: blob.length, rawLength: t.probs!.length });
        at += blob.length;
        progress(n + 1, 'reading');
      }
      await out.sync();
    } finally {
      await out.close();
    }

    // One transaction: the set and every prediction, or nothing.
    if (job.isCancelled()) {
      progress(N, 'cancelled', 'cancelled', true);
      return { status: 'cancelled', modelSet: null, images: N, classes: K, width: w, height: h, dtype, index: index.file, indexKind: index.kind, tolerance, resized: 0 };
    }
    if (job.projectGone()) throw new ParselError('NO_PROJECT', `the project was closed while import ${jobId} was running; nothing was written`, { jobId });
    progress(N, 'writing', 'running', true);
    const info: ImportedProbsInfo = {
      dir,
      index: idxName,
      indexKind: index.kind,
      dtype,
      shape,
      tolerance,
      importedAt: new Date().toISOString(),
    };
    const fd = openSync(staging, 'r');
    let setId: number;
    try {
      setId = store.transaction(() => {
        const again = nameTaken();
        if (again !== null) throw new ParselError('ALREADY_EXISTS', `a model set named "${name}" exists (model set ${again}); give another name`, { modelSetId: again });
        const id = store.models.addImportedSet(name, info);
        planned.forEach(({ image }, n) => {
          const now = store.imageRow(image.id);
          if (!now || now.width !== image.width || now.height !== image.height) {
            throw new ParselError('CONFLICT', `image ${image.id} (${image.path}) changed during the import; nothing was written, import again`, { imageId: image.id });
          }
          const b = blobs[n];
          const blob = new Uint8Array(b.length);
          if (readSync(fd, blob, 0, b.length, b.offset) !== b.length) throw new Error(`staging file ${staging}: short read`);
          writePrediction(
            store,
            { imageId: image.id, modelSetId: id, imageSha256: now.sha256, width: image.width, height: image.height, classes: K, provider: IMPORTED_PROVIDER },
            { deflated: blob, rawLength: b.rawLength },
          );
        });
        return id;
      });
    } finally {
      closeSync(fd);
    }
    progress(total, 'done', 'done', true);
    return {
      status: 'done',
      modelSet: toSetRecord(store, setRow(store, setId)),
      images: N,
      classes: K,
      width: w,
      height: h,
      dtype,
      index: index.file,
      indexKind: index.kind,
      tolerance,
      resized,
    };
  } catch (err) {
    bus.emit('job:progress', { jobId, kind: IMPORT_PROBS_KIND, done: 0, total: 0, phase: 'failed', status: 'failed', message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    await fh.close();
    if (staging) await fs.rm(staging, { force: true });
  }
}

function describeProblem(
  problem: ProbProblem,
  c: { file: string; n: number; image: ImageRow; where: string; names: string[]; w: number; h: number; K: number; tolerance: number },
): string {
  const x = problem.pixel % c.w;
  const y = Math.floor(problem.pixel / c.w);
  const at = `${c.file} row ${c.n} (image ${c.image.id} ${c.image.path}, ${c.where}), pixel (x=${x}, y=${y}) of ${c.w}×${c.h}`;
  if (problem.kind === 'sum') {
    return (
      `${at}: its ${c.K} class probabilities sum to ${problem.sum.toPrecision(6)}, not 1 within the tolerance ±${c.tolerance} ` +
      `(pixels off in this row: ${problem.count}). Save softmax probabilities, not logits or per-class sigmoids; --tolerance sets another tolerance`
    );
  }
  const cls = `class ${problem.cls} (${c.names[problem.cls]})`;
  if (problem.kind === 'nonfinite') return `${at}, ${cls} is ${problem.value} (NaN or infinite values in this row: ${problem.count})`;
  return `${at}, ${cls} is ${problem.value}: probabilities cannot be negative (negative values in this row: ${problem.count})`;
}
