/** `parsel scan`, `parsel flags`, `parsel export-probs` and `parsel export --noise-min` through a freshly built CLI bundle. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCliBundle } from '../tooling/cli-bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { ProjectStore } from '../../src/main/store/project-store';
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
    const other = Number(store.db.prepare(`INSERT INTO model_set(name, members, tta, created_at) SELECT 'empty', members, 'none', created_at FROM model_set WHERE id = ?`).run(P.modelSetId).lastInsertRowid);
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
