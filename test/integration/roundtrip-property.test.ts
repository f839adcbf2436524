/**
 * Round-trip closure as a property (FORMATS.md "Encodings and round trips"), for every export format:
 * a project with a random schema, random masks (with and without ignore pixels), random file names
 * (spaces, dots, non-ASCII, names that collide once made safe), random splits → export in format F
 * (random remap, ignore value, overrides to ignore, `ignoreAs` where F cannot hold ignore) → import
 * the export folder into a new project, with no hand edits → every image has exactly the mask the
 * export wrote (ignore pixels included, and the project's ignore value is the export's), and the split
 * it was exported with.
 *
 * The expected mask is computed here from the source mask with the shared remap functions
 * (buildRemap / identityRemap / applyRemap) and the ignoreAs rule, not read from the exported files.
 * fast-check, bounded: NUM_RUNS cases per format with 1-3 images of at most 28² (the whole file runs
 * in well under a minute; docs/formats.md has the measured time). PARSEL_FC_SEED / PARSEL_FC_RUNS
 * explore other cases; a failure prints its seed and shrunk case.
 */
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { EXPORT_FORMATS, MANIFEST_FILE, type ExportFormatId, type ExportSpecInput } from '../../src/shared/api/methods-export';
import type { LabelSchema } from '../../src/shared/api/types';
import { applyRemap, buildRemap, identityRemap } from '../../src/shared/dataset/remap';
import { decodeMask, encodeMask } from '../../src/shared/mask/codec';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import { getSchema, SCHEMAS } from '../../src/shared/schema';

const NUM_RUNS = Number(process.env.PARSEL_FC_RUNS ?? 3);
const SEED = Number(process.env.PARSEL_FC_SEED ?? 16);
const root = mkdtempSync(join(tmpdir(), 'parsel-rt-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** Formats that need each schema family, and the schema their import uses. */
const DATASET_SCHEMA: Partial<Record<ExportFormatId, string>> = { lapa: 'lapa-11', helen: 'helen-11', ibugmask: 'ibugmask-11', facesynthetics: 'facesynthetics' };
const CELEBA = ['celebamask-hq-a', 'celebamask-hq-b', 'celebamask-hq-c'];
const ELEVEN = ['lapa-11', 'helen-11', 'ibugmask-11'];
const HOLDS_IGNORE = new Set<ExportFormatId>(['lapa', 'ibugmask', 'facesynthetics', 'index-png', 'color-png', 'dml-csr']);

// File stems: letters, digits, spaces, dots, non-ASCII (é, ü, 中, emoji) and case-only differences.
const stemChar = fc.constantFrom(...'aAbB01 ._-éü中😀'.split(/(?:)/u));
const stem = fc
  .array(stemChar, { minLength: 1, maxLength: 10 })
  .map((cs) => cs.join(''))
  .filter((s) => !s.startsWith('.') && s.trim().length > 0);

interface Case {
  schemaId: string;
  images: { stem: string; png: boolean; w: number; h: number; seed: number; split: string | null }[];
  /** Remap target for formats free to choose (null: no remap); forced for the dataset formats. */
  remapTo: string | null;
  ignoreIndex: number;
  /** Source class sent to ignore by an override (index into the schema's classes), or null. */
  toIgnore: number | null;
  /** Class (index into the output schema's classes) ignore becomes, where the format needs it, or always when `alwaysAs`. */
  asPick: number;
  alwaysAs: boolean;
  ratios: [number, number, number];
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  schemaId: fc.constantFrom(...SCHEMAS.map((s) => s.id)),
  images: fc.array(
    fc.record({
      stem,
      png: fc.boolean(),
      w: fc.integer({ min: 8, max: 28 }),
      h: fc.integer({ min: 8, max: 28 }),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
      split: fc.constantFrom<string | null>('train', 'val', 'test', null),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  remapTo: fc.option(fc.constantFrom(...SCHEMAS.map((s) => s.id)), { freq: 2 }),
  ignoreIndex: fc.constantFrom(255, 254, 100),
  toIgnore: fc.option(fc.nat(40), { freq: 2 }),
  asPick: fc.nat(40),
  alwaysAs: fc.boolean(),
  ratios: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })),
});

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
}

/** A mask of random runs over the schema's values (and its ignore value, when it has one). */
function randomMask(schema: LabelSchema, w: number, h: number, seed: number): Uint8Array {
  const r = rng(seed);
  const values = schema.classes.map((c) => c.index);
  if (schema.ignoreIndex !== null) values.push(schema.ignoreIndex);
  const m = new Uint8Array(w * h);
  for (let i = 0; i < m.length; ) {
    const v = values[Math.floor(r() * values.length)];
    const run = 1 + Math.floor(r() * 12);
    m.fill(v, i, Math.min(m.length, i + run));
    i += run;
  }
  return m;
}

/** The export's remap target: forced by the dataset formats' schemas, else the case's choice. */
function outputOf(format: ExportFormatId, c: Case, schema: LabelSchema): string | null {
  const forced = DATASET_SCHEMA[format];
  if (forced === 'facesynthetics') return schema.id === forced ? null : forced;
  if (forced) return ELEVEN.includes(schema.id) ? null : forced;
  if (format === 'celebamask-hq') return c.remapTo && CELEBA.includes(c.remapTo) ? c.remapTo : CELEBA.includes(schema.id) ? null : 'celebamask-hq-a';
  return c.remapTo;
}

const abs = (base: string, p: string) => (isAbsolute(p) ? p : join(base, p));

async function runCase(format: ExportFormatId, c: Case): Promise<void> {
  const k = n++;
  const dir = join(root, `${format}-${k}`);
  const schema = getSchema(c.schemaId);
  // --- source project: random images with random names, masks and splits
  const imagesDir = join(dir, 'src');
  mkdirSync(imagesDir, { recursive: true });
  const used = new Set<string>();
  const files: { path: string; mask: Uint8Array; split: string | null; w: number; h: number }[] = [];
  for (const [i, im] of c.images.entries()) {
    const name = `${im.stem}.${im.png ? 'png' : 'jpg'}`;
    if (used.has(name)) continue; // the same file name twice in one folder is impossible
    used.add(name);
    const r = rng(im.seed + i);
    const rgb = Buffer.alloc(im.w * im.h * 3);
    for (let p = 0; p < rgb.length; p++) rgb[p] = Math.floor(r() * 256);
    rgb[0] = i; // distinct content even for equal seeds
    const path = join(imagesDir, name);
    const img = sharp(rgb, { raw: { width: im.w, height: im.h, channels: 3 } });
    await (im.png ? img.png() : img.jpeg({ quality: 90 })).toFile(path);
    files.push({ path, mask: randomMask(schema, im.w, im.h, im.seed), split: im.split, w: im.w, h: im.h });
  }
  const a = createBackend({ mode: 'direct', userDataDir: join(dir, 'ua') });
  const api = directClient(a.services, a.bus);
  await api.call('project:create', { path: join(dir, 'src.parsel'), schemaId: schema.id });
  const added = await api.call('image:addFolder', { folder: imagesDir, recursive: true });
  expect(added.added, JSON.stringify(added.failed)).toBe(files.length);
  const page = await api.call('image:list', { limit: 100 });
  const byPath = new Map(files.map((f) => [f.path, f]));
  const source = new Map<number, (typeof files)[number]>();
  for (const img of page.items) {
    const f = byPath.get(abs(dir, img.path))!;
    expect(f, img.path).toBeDefined();
    source.set(img.id, f);
    await api.call('revision:save', { imageId: img.id, parentId: null, kind: 'human', author: 'prop', mask: encodeMask(f.mask, f.w, f.h) });
  }
  const store = ProjectStore.open(join(dir, 'src.parsel'));
  const setSplit = storeDb(store).prepare('UPDATE image SET split = ? WHERE id = ?');
  for (const [id, f] of source) setSplit.run(f.split, id);
  store.close();

  // --- export spec
  const target = outputOf(format, c, schema);
  const outSchema = target ? getSchema(target) : schema;
  const ignoreIndex = outSchema.ignoreIndex ?? (outSchema.classes.some((x) => x.index === c.ignoreIndex) ? 255 : c.ignoreIndex);
  const overrides: Record<string, string> = {};
  if (target && c.toIgnore !== null) overrides[schema.classes[c.toIgnore % schema.classes.length].name] = 'ignore';
  const remap = target ? buildRemap(schema, outSchema, ignoreIndex, overrides) : identityRemap(schema);
  const canIgnore = remap.ignoreIndex >= 0 && remap.entries.some((e) => e.toName === 'ignore');
  const as = (canIgnore && !HOLDS_IGNORE.has(format)) || c.alwaysAs ? outSchema.classes[c.asPick % outSchema.classes.length] : null;
  const needsSplits = ['lapa', 'helen', 'dml-csr', 'ibugmask'].includes(format);
  const spec: ExportSpecInput = {
    format,
    remap: target ? { target, ignoreIndex, overrides } : null,
    ignoreAs: as?.name ?? null,
    splits: needsSplits ? { mode: 'assign', ratios: format === 'ibugmask' ? [c.ratios[0], 0, c.ratios[2]] : c.ratios } : { mode: 'keep' },
  };
  const out = join(dir, 'out');
  const preview = await api.call('export:preview', { spec });
  expect(preview.problems, JSON.stringify(spec)).toEqual([]);
  const res = await api.call('export:run', { dir: out, spec });
  expect(res.status).toBe('done');
  a.close();
  const manifest = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as {
    items: { imageId: number; split: string; files: string[] }[];
    outputSchema: { id: string; ignoreIndex: number | null };
  };

  // --- import into a new project of the format's schema (generic formats: the output schema)
  const b = createBackend({ mode: 'direct', userDataDir: join(dir, 'ub') });
  const api2 = directClient(b.services, b.bus);
  await api2.call('project:create', { path: join(dir, 'back.parsel'), schemaId: DATASET_SCHEMA[format] ?? outSchema.id });
  const back = await api2.call('import:run', { path: out }); // format detected
  expect(back.problems, JSON.stringify(back.problems.slice(0, 3))).toEqual([]);
  expect(back.format).toBe(format);
  expect(back.imported).toBe(manifest.items.length);
  const imported = new Map((await api2.call('image:list', { limit: 100 })).items.map((i) => [abs(dir, i.path), i]));
  const info = await api2.call('project:info', {});
  let ignorePixels = 0;
  for (const item of manifest.items) {
    const f = source.get(item.imageId)!;
    let want = applyRemap(remap, f.mask, f.w);
    if (as && remap.ignoreIndex >= 0) want = want.map((v) => (v === remap.ignoreIndex ? as.index : v));
    const got = imported.get(join(out, item.files[0]));
    expect(got, `${item.files[0]} imported`).toBeDefined();
    expect(got!.split, `${item.files[0]} split`).toBe(item.split === 'none' ? null : item.split);
    const m = decodeMask(await api2.call('revision:mask', { revisionId: got!.headRevisionId! }));
    let diff = 0;
    for (let i = 0; i < m.length; i++) if (m[i] !== want[i]) diff++;
    expect(diff, `${format}: ${item.files[0]} pixels differing (spec ${JSON.stringify(spec)})`).toBe(0);
    if (!as && remap.ignoreIndex >= 0) for (const v of want) if (v === remap.ignoreIndex) ignorePixels++;
  }
  if (c === EXAMPLE && HOLDS_IGNORE.has(format)) expect(ignorePixels, 'the example case exports ignore pixels').toBeGreaterThan(0);
  // Ignore pixels came back as ignore: the new project's ignore value is the export's.
  if (ignorePixels > 0) expect(info.ignoreIndex).toBe(manifest.outputSchema.ignoreIndex);
  b.close();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Always run first: a FaceSynthetics-schema project (ignore pixels in every mask) remapped to LaPa
 * classes with an override to ignore, names with spaces, dots, non-ASCII and a collision once made safe.
 */
const EXAMPLE: Case = {
  schemaId: 'facesynthetics',
  images: [
    { stem: 'my face 03', png: false, w: 17, h: 11, seed: 5, split: 'train' },
    { stem: 'a.b.c', png: true, w: 9, h: 20, seed: 6, split: null },
    { stem: 'Émile_中', png: false, w: 12, h: 12, seed: 7, split: 'test' },
    { stem: 'Émile_ü', png: true, w: 14, h: 10, seed: 8, split: 'val' },
  ],
  remapTo: 'lapa-11',
  ignoreIndex: 254,
  toIgnore: 13, // HAIR → ignore
  asPick: 1,
  alwaysAs: false,
  ratios: [2, 1, 1],
};

describe('round-trip closure: export in F → import F into a new project → same masks, ignore pixels and splits', () => {
  it.each(EXPORT_FORMATS.map((f) => [f]))('%s', async (format) => {
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => runCase(format, c)),
      { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true, examples: [[EXAMPLE]] },
    );
  }, 120_000);
});
