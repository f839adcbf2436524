/**
 * `parsel scan`, `parsel flags`, `parsel export-probs`, `parsel import-probs` and `parsel export --noise-min`
 * through a freshly built CLI bundle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCliBundle } from '../tooling/cli-bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import type { ImageFlags, ScanResult } from '../../src/shared/api/methods-noise';
import { getSchema } from '../../src/shared/schema';
import { makeNoiseProject, type NoiseProject } from '../tooling/noise-project';

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'out', 'test-noise-cli', 'parsel.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parsel-noise-cli-'));
let P: NoiseProject;

function parsel(...args: string[]) {
  const script = `const { main } = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)}); process.exitCode = await main(${JSON.stringify(args)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: { ...process.env, PARSEL_USER_DATA: join(dir, 'user') },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  // Own bundle (same options as scripts/build-cli.mjs) so the test never runs a stale out/cli build.
  await buildCliBundle(dirname(BUNDLE));
  const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
  P = await makeNoiseProject(directClient(backend.services, backend.bus), dir, { count: 3, size: 96, corruptions: [['class_swap'], []] });
  backend.close();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsel scan / flags / export-probs', () => {
  it('refuses bad usage (2) and unknown model sets (3)', () => {
    expect(parsel('scan', P.file).code).toBe(2);
    const bad = parsel('scan', P.file, '--model-set', String(P.modelSetId), '--band', '-1');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--band must be an integer 0-64/);
    const firm = parsel('scan', P.file, '--model-set', String(P.modelSetId), '--min-firm', '1.5');
    expect(firm.code).toBe(2);
    expect(firm.err).toMatch(/--min-firm must be a number 0-1, got "1.5"/);
    expect(parsel('scan', P.file, '--model-set', String(P.modelSetId), '--frobnicate').code).toBe(2);
    const missing = parsel('scan', P.file, '--model-set', '999');
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/model set 999 does not exist/);
    expect(parsel('flags', P.file, '--top', '3', '--image', '1').code).toBe(2);
  });

  it('refuses (3) when the model set has no cached prediction for the selection', () => {
    const store = ProjectStore.open(P.file);
    const other = Number(storeDb(store).prepare(`INSERT INTO model_set(name, members, tta, created_at) SELECT 'empty', members, 'none', created_at FROM model_set WHERE id = ?`).run(P.modelSetId).lastInsertRowid);
    store.close();
    const r = parsel('scan', P.file, '--model-set', String(other));
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/scanned 0 of 3 images with a mask \(3 without a cached prediction/);
    expect(r.err).toMatch(new RegExp(`model set ${other} has no cached prediction for any of the 3 selected images: run parsel prelabel`));
  });

  it('scan prints a summary; --json gives the result', () => {
    const t = parsel('scan', P.file, '--model-set', String(P.modelSetId), '--band', '2');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/scanned 3 of 3 images with a mask \(0 without a cached prediction/);
    expect(t.out).toMatch(/flags: [1-9]\d* open/);
    expect(t.out).toMatch(/estimate: about 1 of 3 images likely have a label error \([1-9]\d* regions?\)/);
    expect(t.err).not.toMatch(/agrees poorly/);
    // The teacher check: a threshold above the teacher's agreement warns on stderr, flags are kept.
    const strict = parsel('scan', P.file, '--model-set', String(P.modelSetId), '--min-teacher-f1', '1');
    expect(strict.code).toBe(0);
    expect(strict.err).toMatch(/warning: model set \d+ agrees poorly with the labels \(mean F1 without background 0\.\d\d < 1 over 3 images\): its flags are kept but marked low-confidence/);
    expect(parsel('scan', P.file, '--model-set', String(P.modelSetId), '--min-teacher-f1', '2').code).toBe(2);
    const j = parsel('scan', P.file, '--model-set', String(P.modelSetId), '--json', '--quiet');
    expect(j.code).toBe(0);
    const r = JSON.parse(j.out) as ScanResult;
    expect(r).toMatchObject({ status: 'done', scanned: 3, failed: [] });
    // By name (looked up with modelSet:list); an unknown name lists the model sets.
    const byName = parsel('scan', P.file, '--model-set', 'teacher', '--json', '--quiet');
    expect(byName.code).toBe(0);
    expect(JSON.parse(byName.out)).toMatchObject({ modelSetId: P.modelSetId, scanned: 3 });
    const unknown = parsel('scan', P.file, '--model-set', 'nope');
    expect(unknown.code).toBe(3);
    expect(unknown.err).toMatch(new RegExp(`no model set named "nope"; model sets: teacher \\(${P.modelSetId}\\)`));
  });

  it('flags lists the top images with their flags (text and JSON)', () => {
    const j = parsel('flags', P.file, '--top', '5', '--json');
    expect(j.code).toBe(0);
    const items = JSON.parse(j.out) as ImageFlags[];
    // Every scanned image, flagged or not, highest score first (the clean ones have no flag).
    expect(items).toHaveLength(3);
    expect(items[0].imageId).toBe(P.images[0].id);
    expect(items.slice(1).map((i) => i.flags)).toEqual([[], []]);
    expect(items[0].flags.length).toBeGreaterThan(0);
    const reg = P.images[0].regions[0];
    expect(items[0].flags[0]).toMatchObject({ status: 'open', labelClass: reg.toClass, suggestedClass: reg.fromClass });
    const t = parsel('flags', P.file);
    expect(t.code).toBe(0);
    expect(t.out).toContain(`image ${P.images[0].id}  score`);
    expect(t.out).toMatch(new RegExp(`flag \\d+  open +\\S+ -> \\S+  area \\d+`));
    const one = parsel('flags', P.file, '--image', String(P.images[1].id));
    expect(one.code).toBe(0);
    expect(one.out).toMatch(new RegExp(`^image ${P.images[1].id}  score 0\\.0  open 0  fixed 0  dismissed 0 `));
    expect(one.out).not.toMatch(/flag \d+/);
  });

  it('flags --pair keeps one label → suggested pair (class names or indexes) and names unknown classes', () => {
    const reg = P.images[0].regions[0];
    const names = getSchema('celebamask-hq-a').classes.map((c) => c.name);
    const all = JSON.parse(parsel('flags', P.file, '--json').out) as ImageFlags[];
    const want = all[0].flags.filter((f) => f.labelClass === reg.toClass && f.suggestedClass === reg.fromClass);
    expect(want.length).toBeGreaterThan(0);
    for (const spec of [`${names[reg.toClass]}:${names[reg.fromClass]}`, `${reg.toClass}:${reg.fromClass}`]) {
      const r = parsel('flags', P.file, '--pair', spec, '--json');
      expect(r.code, r.err).toBe(0);
      const items = JSON.parse(r.out) as ImageFlags[];
      expect(items.map((i) => i.imageId)).toEqual([P.images[0].id]);
      expect(items[0].flags.map((f) => f.id)).toEqual(want.map((f) => f.id));
    }
    // A pair no flag has: no image.
    const other = reg.toClass === 18 ? 17 : 18;
    expect(parsel('flags', P.file, '--pair', `${reg.fromClass}:${other}`).out).toMatch(/^no flags/);
    const bad = parsel('flags', P.file, '--pair', 'l_eye:glasses');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--pair: "glasses" is not a class of schema celebamask-hq-a; classes: 0 background, 1 skin,/);
    expect(parsel('flags', P.file, '--pair', 'l_eye').code).toBe(2);
    expect(parsel('flags', P.file, '--pair', 'skin:1').err).toMatch(/same/);
  });

  it('export-probs writes the .npy files (float16) and refuses an existing folder (3)', () => {
    const out = join(dir, 'probs');
    const r = parsel('export-probs', P.file, out, '--model-set', String(P.modelSetId), '--float16');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/pred_probs\.npy 3×19×96×96 float16, labels\.npy 3×96×96 uint8/);
    const head = readFileSync(join(out, 'pred_probs.npy')).subarray(10, 80).toString('latin1');
    expect(head).toContain("'descr': '<f2'");
    expect(existsSync(join(out, 'index.json'))).toBe(true);
    const again = parsel('export-probs', P.file, out, '--model-set', String(P.modelSetId));
    expect(again.code).toBe(3);
    expect(again.err).toMatch(/already exists/);
  });

  it('export --noise-min keeps only images scanned with at least that score', () => {
    const r = parsel('export', P.file, join(dir, 'x'), '--format', 'index-png', '--noise-min', '1', '--dry-run', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ total: 1 });
    expect(parsel('export', P.file, join(dir, 'x'), '--format', 'index-png', '--noise-min', '5', '--noise-max', '1').code).toBe(2);
  });
});

describe('parsel import-probs', () => {
  it('--help, usage errors (2) and refusals (3) that name the problem', () => {
    const h = parsel('import-probs', '--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/usage: parsel import-probs <project\.parsel> <dir> --name <set>/);
    expect(h.out).toMatch(/--index <value>/);
    expect(h.out).toMatch(/--tolerance <value>/);
    expect(parsel('--help').out).toMatch(/import-probs/);
    const noName = parsel('import-probs', P.file, join(dir, 'probs'));
    expect(noName.code).toBe(2);
    expect(noName.err).toMatch(/--name <set> is required/);
    expect(parsel('import-probs', P.file, '--name', 'x').code).toBe(2);
    const tol = parsel('import-probs', P.file, join(dir, 'probs'), '--name', 'x', '--tolerance', '2');
    expect(tol.code).toBe(2);
    expect(tol.err).toMatch(/--tolerance must be a number 0-1, got "2"/);
    expect(parsel('import-probs', P.file, join(dir, 'probs'), '--name', 'x', '--float16').code).toBe(2);
    // Refused: no folder, a taken name, a bad file; nothing is written.
    const gone = parsel('import-probs', P.file, join(dir, 'nowhere'), '--name', 'x');
    expect(gone.code).toBe(3);
    expect(gone.err).toMatch(/folder .*nowhere does not exist/);
    const taken = parsel('import-probs', P.file, join(dir, 'probs'), '--name', 'teacher');
    expect(taken.code).toBe(3);
    expect(taken.err).toMatch(/a model set named "teacher" exists/);
    const bad = join(dir, 'bad-npy');
    mkdirSync(bad);
    writeFileSync(join(bad, 'pred_probs.npy'), 'not numpy at all');
    writeFileSync(join(bad, 'index.txt'), '1\n');
    const r = parsel('import-probs', P.file, bad, '--name', 'x');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/pred_probs\.npy: not a NumPy \.npy file/);
    const list = JSON.parse(parsel('models', 'list', P.file, '--json').out) as { sets: { name: string }[] };
    expect(list.sets.map((s) => s.name)).not.toContain('x');
  });

  it('imports an export-probs folder (0); models list shows it; scan --model-set <name> uses it', () => {
    // The float16 export written by the export-probs test above.
    const r = parsel('import-probs', P.file, join(dir, 'probs'), '--name', 'outside');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/imported 3 images \(19 classes, 96×96 float16; 0 resized to their image\) as model set \d+ "outside"/);
    expect(r.out).toMatch(/rows named by .*index\.json \(a parsel export-probs index\); row sums checked to ±0\.04/);
    const l = parsel('models', 'list', P.file);
    expect(l.out).toMatch(/set \d+ "outside": imported predictions \(no models\) from .*probs, 3 cached predictions/);
    const s = parsel('scan', P.file, '--model-set', 'outside', '--json', '--quiet');
    expect(s.code).toBe(0);
    expect(JSON.parse(s.out)).toMatchObject({ status: 'done', scanned: 3, withoutPrediction: 0 });
    expect(JSON.parse(s.out).openFlags).toBeGreaterThan(0);
    // Pre-labelling with it is refused (3), saying why.
    const pl = parsel('prelabel', P.file, '--model-set', 'outside');
    expect(pl.code).toBe(3);
    expect(pl.err).toMatch(/has no models: it cannot pre-label/);
    expect(readdirSync(`${P.file}.cache`).filter((n) => n.startsWith('import-probs'))).toEqual([]);
  });
});
