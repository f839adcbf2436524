/**
 * What every dataset importer shares: the plan an importer's `scan` returns, mask specifications,
 * folder listing that reports symlink loops and broken links, safe list-file entries, landmark files.
 *
 * An importer (one module per format) exports a `DatasetFormat`: `detect(dir)` says how sure it is
 * that the folder has its shape (and why); `scan(dir, opts)` lists the items (image + mask source(s) +
 * split + landmarks) and the dataset-level problems (extra files, bad list lines) without decoding any
 * pixel. Decoding and validation of every item happen in the import service (src/main/services/
 * importer.ts) with `planMask` (masks.ts).
 */
import { promises as fs } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ImportDetectCandidate, ImportFormatId, ImportProblem } from '../../shared/api/methods-import';
import type { LabelSchema } from '../../shared/api/types';
import { readFolder, walkTree, type WalkProblem } from './walk';

export type MaskSpec =
  /** One index PNG (single-channel, palette, or RGB with equal channels). */
  | { kind: 'index'; path: string }
  /** CelebAMask-HQ: binary part masks by canonical part name (only the present parts; none: all background). */
  | { kind: 'parts'; parts: { part: string; path: string }[] }
  /** Helen: 11 probability maps, class 0..10. */
  | { kind: 'helen'; maps: string[] }
  /** A colour PNG mapped through the label map. */
  | { kind: 'color'; path: string }
  /** COCO: RLE segments painted in annotation order (later wins) over `background`; `file` is annotations.json. */
  | { kind: 'coco'; file: string; width: number; height: number; background: number; segments: { value: number; size: [number, number]; counts: string | number[] }[] };

export interface LandmarkSpec {
  path: string;
  /** Stored with the points: `lapa-106`, `ibugmask`, `facesynthetics-70`. */
  source: string;
  /** 'count-first': the number of points, then x y pairs (LaPa); 'pairs': x y per point. */
  layout: 'count-first' | 'pairs';
  /** Exact number of points required, or null (any, at least 1). */
  points: number | null;
}

export interface PlanItem {
  /** Short name shown in reports (relative path of the image in the dataset). */
  key: string;
  image: string;
  mask: MaskSpec;
  split: string | null;
  landmarks?: LandmarkSpec;
}

export interface ScanOptions {
  /** The project's label schema: the masks are written in it. */
  schema: LabelSchema;
  celebaOrder?: string;
  helenThreshold: boolean;
  /** The dataset's ignore value when known before scanning (import option or Parsel manifest), else null. */
  ignoreValue?: number | null;
  /** Files (relative, '/'-separated) a Parsel export manifest in the folder lists as written. */
  manifestFiles?: ReadonlySet<string>;
}

export interface ScanResult {
  items: PlanItem[];
  /** Dataset-level and item-level problems found without decoding pixels. */
  problems: ImportProblem[];
  /** CelebAMask-HQ: the schema whose index order is the paint order. */
  paintOrder?: LabelSchema;
  /** Colour PNG: packed 0xRRGGBB → index in the project schema. */
  colorMap?: Map<number, number>;
  /** The value the dataset's own files say is "ignore" (a colour label map's `ignore` line). */
  ignoreValue?: number;
  /** Left out without being a problem (a folder reached a second time through another link). */
  skipped?: { file: string; reason: string }[];
}

export interface DatasetFormat {
  id: ImportFormatId;
  title: string;
  /**
   * The schema the dataset's masks are defined in, given the project's schema (null: the dataset uses
   * the project's schema, as generic folders do). Import refuses when it differs from the project's.
   */
  datasetSchemaId(opts: ScanOptions): string | null;
  detect(dir: string): Promise<ImportDetectCandidate>;
  scan(dir: string, opts: ScanOptions): Promise<ScanResult>;
}

/**
 * Why a file or folder name is junk that real folders carry (macOS Finder, AppleDouble and archive
 * metadata, Windows thumbnail caches and folder settings), or null. Junk is never dataset content:
 * `listDir` and `walkFiles` leave it out, and the import report lists it as skipped (never a problem).
 */
export function junkReason(name: string): string | null {
  const l = name.toLowerCase();
  if (l === '.ds_store') return 'macOS Finder metadata';
  if (name.startsWith('._')) return 'macOS AppleDouble resource file';
  if (name === '__MACOSX') return 'macOS archive metadata folder';
  if (l === 'thumbs.db' || l === 'ehthumbs.db') return 'Windows thumbnail cache';
  if (l === 'desktop.ini') return 'Windows folder settings';
  return null;
}

/** Every junk file or folder under `root`, with its reason, sorted by path (one walk: walk.ts). */
export async function findJunk(root: string): Promise<{ file: string; reason: string }[]> {
  const out: { file: string; reason: string }[] = [];
  // Junk is found as the walk leaves it out; what the walk reports is reported by the format's own listing.
  await walkTree(root, {
    files: false,
    skip: (name, path) => {
      const why = junkReason(name);
      if (why) out.push({ file: path, reason: why });
      return why !== null;
    },
  });
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

export interface Entry {
  name: string;
  path: string;
  isFile: boolean;
  isDir: boolean;
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** A walk problem as an import problem (the kinds are the same; the path is the problem's file). */
export function walkProblem(p: WalkProblem): ImportProblem {
  return { kind: p.kind, file: p.path, message: p.message };
}

/**
 * Entries of one folder, sorted by name, junk (`junkReason`) left out. Symbolic links are followed; a
 * link that loops (ELOOP) or points nowhere, and a name that is not valid UTF-8, are reported as
 * problems and left out (walk.ts `readFolder`). A missing folder gives [] and no problem (callers
 * decide whether it is required).
 */
export async function listDir(dir: string, problems: ImportProblem[]): Promise<Entry[]> {
  const found: WalkProblem[] = [];
  try {
    const entries = await readFolder(dir, found, (name) => junkReason(name) !== null);
    return entries;
  } catch (err) {
    const c = code(err);
    if (c === 'ENOENT') return [];
    if (c === 'ELOOP') problems.push({ kind: 'symlink-loop', file: dir, message: `symbolic link loop: ${dir} points back into itself` });
    else problems.push({ kind: 'unreadable', file: dir, message: `cannot read folder ${dir} (${c})` });
    return [];
  } finally {
    problems.push(...found.map(walkProblem));
  }
}

/** Whether `dir` is a folder (following links). */
export async function isDir(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Every file under `root` with its `/`-separated path relative to root, in name order, depth first:
 * walk.ts `walkTree` (each folder read once by device + inode; a folder link back to an ancestor is a
 * `symlink-loop`; a folder reached again through another link goes to `skipped`). A root that is
 * missing or not a folder is an `unreadable` problem.
 */
export async function walkFiles(root: string, problems: ImportProblem[], skipped?: { file: string; reason: string }[]): Promise<{ rel: string; path: string }[]> {
  try {
    if (!(await fs.stat(root)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
  } catch (err) {
    const c = code(err);
    problems.push({ kind: c === 'ELOOP' ? 'symlink-loop' : 'unreadable', file: root, message: `cannot read folder ${root} (${c})` });
    return [];
  }
  const w = await walkTree(root, { skip: (name) => junkReason(name) !== null });
  problems.push(...w.problems.map(walkProblem));
  for (const r of w.repeats) skipped?.push({ file: r.path, reason: `the same folder as ${r.firstPath} (read once)` });
  return w.files;
}

/**
 * Why `entry` is not a safe bare file name (or relative path when `allowSubdirs`), or null. Refused:
 * absolute paths (`/x`, `C:\x`, `\\server`), `..` segments, backslashes, NUL.
 */
export function unsafeName(entry: string, allowSubdirs = false): string | null {
  if (entry.includes('\0')) return 'contains a NUL character';
  if (isAbsolute(entry) || /^[a-zA-Z]:[\\/]/.test(entry) || entry.startsWith('\\')) return 'is an absolute path';
  const parts = entry.split(/[\\/]/);
  if (parts.includes('..')) return 'contains a ".." path segment';
  if (!allowSubdirs && parts.length > 1) return 'contains a path separator (a bare file name is expected)';
  if (entry.includes('\\')) return 'contains a backslash';
  return null;
}

/** Read a small text file (lists, label maps). Null when missing. */
export async function readText(path: string, problems: ImportProblem[]): Promise<string | null> {
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) {
      problems.push({ kind: 'unreadable', file: path, message: `${path} is not a file` });
      return null;
    }
    if (st.size > 64 * 1024 * 1024) {
      problems.push({ kind: 'too-large', file: path, message: `${path} is ${st.size} bytes; list files over 64 MiB are refused` });
      return null;
    }
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    const c = code(err);
    if (c === 'ENOENT') return null;
    problems.push({ kind: c === 'ELOOP' ? 'symlink-loop' : 'unreadable', file: path, message: `cannot read ${path} (${c})` });
    return null;
  }
}

/** Non-empty lines with their 1-based numbers. */
export function lines(text: string): { n: number; line: string }[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ n: i + 1, line: line.trim() }))
    .filter((l) => l.line.length > 0);
}

/** File name without its last extension. */
export function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export function ext(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

export const IMAGE_EXTS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff']);

/** Parse a landmark file into points; throws an Error with a specific message. */
export function parseLandmarks(text: string, spec: LandmarkSpec): [number, number][] {
  const nums = text
    .split(/[\s,;]+/)
    .filter((t) => t.length > 0)
    .map((t) => {
      const v = Number(t);
      if (!Number.isFinite(v)) throw new Error(`"${t.slice(0, 40)}" is not a number`);
      return v;
    });
  let coords = nums;
  if (spec.layout === 'count-first') {
    if (nums.length === 0) throw new Error('empty landmark file');
    const n = nums[0];
    if (!Number.isInteger(n) || n < 1) throw new Error(`first number should be the point count, got ${n}`);
    coords = nums.slice(1);
    if (coords.length !== 2 * n) throw new Error(`says ${n} points but has ${coords.length} coordinates (expected ${2 * n})`);
  }
  if (coords.length === 0 || coords.length % 2 !== 0) throw new Error(`${coords.length} coordinates: expected x y pairs`);
  const pts: [number, number][] = [];
  for (let i = 0; i < coords.length; i += 2) pts.push([coords[i], coords[i + 1]]);
  if (spec.points !== null && pts.length !== spec.points) throw new Error(`${pts.length} points, expected ${spec.points}`);
  return pts;
}

export function none(format: ImportFormatId, reason: string): ImportDetectCandidate {
  return { format, confidence: 0, reason };
}
