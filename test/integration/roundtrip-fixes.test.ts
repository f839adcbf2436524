/**
 * The failures of issue 16, each as it was found, through the service API:
 *   - Helen maps stored as 1-bit grey (PIL's form for a boolean array) or as palette PNGs are read as
 *     the intensities the PNG standard defines, not as raw samples / palette indices;
 *   - Parsel imports its own exports: a colour-PNG export with ignore pixels, a LaPa export holding the
 *     ignore value 255 (the project takes the value), a FaceSynthetics export with its manifest in the
 *     flat data folder (splits come back from the manifest);
 *   - Helen export no longer turns ignore into background silently (covered in export.test.ts);
 *   - a Helen split-list name with a space; junk files (`.DS_Store`, `Thumbs.db`, `desktop.ini`,
 *     `._*`, `__MACOSX/`) listed as skipped, never fatal.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import type { ParselApi } from '../../src/shared/api/contract';
import { ParselError } from '../../src/shared/api/errors';
import { decodeMask, encodeMask } from '../../src/shared/mask/codec';
import { makeExportProject } from '../tooling/export-project';
import { writeFaceSynthetics, writeHelen, writeLapa } from '../tooling/formats';
import { forgePng } from '../tooling/png-forge';

const root = mkdtempSync(join(tmpdir(), 'parsel-rt-fixes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function project(schemaId: string): Promise<{ api: ParselApi; close: () => void }> {
  const dir = join(root, `p${n++}`);
  mkdirSync(dir, { recursive: true });
  const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
  const api = directClient(backend.services, backend.bus);
  await api.call('project:create', { path: join(dir, 'proj.parsel'), schemaId });
  return { api, close: () => backend.close() };
}

/** Image path → [split, head mask] of every image in the open project. */
async function contents(api: ParselApi): Promise<Map<string, { split: string | null; mask: Uint8Array }>> {
  const out = new Map<string, { split: string | null; mask: Uint8Array }>();
  for (const img of (await api.call('image:list', { limit: 5000 })).items) {
    out.set(img.path, { split: img.split, mask: decodeMask(await api.call('revision:mask', { revisionId: img.headRevisionId! })) });
  }
  return out;
}

/** sha256 of the image → [split, mask], to compare projects whose image files live in different places. */
async function bySha(api: ParselApi): Promise<Map<string, { split: string | null; mask: Uint8Array }>> {
  const out = new Map<string, { split: string | null; mask: Uint8Array }>();
  for (const img of (await api.call('image:list', { limit: 5000 })).items) {
    const d = await api.call('image:get', { id: img.id });
    out.set(d.sha256, { split: img.split, mask: decodeMask(await api.call('revision:mask', { revisionId: img.headRevisionId! })) });
  }
  return out;
}

describe('issue 16 regressions', () => {
  it('Helen: a 1-bit eye map and a palette hair map are read as intensities (no pixel lost)', async () => {
    const ds = await writeHelen(join(root, 'helen-enc'), { count: 2, size: 48, maps: 'crisp', splits: ['train', 'test'] });
    // Rewrite image 0's maps 4 (left eye) and 10 (hair) as PIL would: 1-bit grey from a boolean
    // array, and a palette PNG whose entry 0 is white (so index ≠ intensity).
    const it0 = ds.items[0];
    const name = '100000_1';
    const w = it0.width;
    const eye = Array.from(it0.mask, (v) => (v === 4 ? 1 : 0));
    const hair = Array.from(it0.mask, (v) => (v === 10 ? 0 : 1));
    expect(eye.some((v) => v === 1) && hair.some((v) => v === 0)).toBe(true);
    writeFileSync(join(ds.dir, 'labels', name, `${name}_lbl04.png`), forgePng({ width: w, height: it0.height, colorType: 0, bitDepth: 1, samples: eye }));
    writeFileSync(
      join(ds.dir, 'labels', name, `${name}_lbl10.png`),
      forgePng({ width: w, height: it0.height, colorType: 3, bitDepth: 1, samples: hair, palette: [[255, 255, 255], [0, 0, 0]] }),
    );
    const p = await project('helen-11');
    const r = await p.api.call('import:run', { path: ds.dir, format: 'helen' });
    expect(r.problems).toEqual([]);
    const got = await contents(p.api);
    for (const it of ds.items) {
      const m = got.get(it.image)!.mask;
      let diff = 0;
      for (let i = 0; i < m.length; i++) if (m[i] !== it.mask[i]) diff++;
      expect(diff, it.image).toBe(0);
    }
    p.close();
  });

  it('Helen split list names with spaces; junk files are listed as skipped, never fatal', async () => {
    const ds = await writeHelen(join(root, 'helen-junk'), { count: 2, size: 32, maps: 'crisp' });
    const old = '100007_1';
    const spaced = 'my face 03';
    renameSync(join(ds.dir, 'images', `${old}.jpg`), join(ds.dir, 'images', `${spaced}.jpg`));
    renameSync(join(ds.dir, 'labels', old), join(ds.dir, 'labels', spaced));
    for (let c = 0; c <= 10; c++) {
      const k = String(c).padStart(2, '0');
      renameSync(join(ds.dir, 'labels', spaced, `${old}_lbl${k}.png`), join(ds.dir, 'labels', spaced, `${spaced}_lbl${k}.png`));
    }
    writeFileSync(join(ds.dir, 'exemplars.txt'), `1, ${spaced}\n`);
    writeFileSync(join(ds.dir, 'testing.txt'), '1, 100000_1\n');
    const junk = ['.DS_Store', 'images/.DS_Store', 'images/._100000_1.jpg', 'labels/Thumbs.db', `labels/${spaced}/desktop.ini`, '__MACOSX/images/._x.jpg'];
    for (const j of junk) {
      mkdirSync(join(ds.dir, j, '..'), { recursive: true });
      writeFileSync(join(ds.dir, j), 'junk');
    }
    const p = await project('helen-11');
    const r = await p.api.call('import:run', { path: ds.dir, format: 'helen' });
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('done');
    expect(r.imported).toBe(2);
    expect(r.skippedFiles.map((f) => f.file.slice(ds.dir.length + 1)).sort()).toEqual(
      ['.DS_Store', '__MACOSX', 'images/.DS_Store', 'images/._100000_1.jpg', 'labels/Thumbs.db', `labels/${spaced}/desktop.ini`].sort(),
    );
    const got = await contents(p.api);
    expect(got.get(join(ds.dir, 'images', `${spaced}.jpg`))!.split).toBe('train');
    expect(got.get(join(ds.dir, 'images', '100000_1.jpg'))!.split).toBe('test');
    p.close();
  });

  it('LaPa export holding the ignore value 255 imports into a new lapa-11 project, which takes 255 as its ignore value', async () => {
    const src = await makeExportProject(join(root, 'lapa-src'), { count: 6, size: 48, schemaId: 'celebamask-hq-a', meta: (i) => ({ split: (['train', 'val', 'test'] as const)[i % 3] }) });
    const out = join(root, 'lapa-out');
    const e = await src.api.call('export:run', { dir: out, spec: { format: 'lapa', remap: { target: 'lapa-11', ignoreIndex: 255 } } });
    expect(e.ignore).toMatchObject({ possible: true, value: 255 });
    const before = await bySha(src.api);
    src.backend.close();
    // Exported masks (what the re-import must reproduce), read back through a fresh project.
    const p = await project('lapa-11');
    const r = await p.api.call('import:run', { path: out });
    expect(r.format).toBe('lapa');
    expect(r.problems).toEqual([]);
    expect(r.manifest).toBe(join(out, 'parsel-manifest.json'));
    expect(r.ignoreValue).toBe(255);
    expect(r.imported).toBe(6);
    expect((await p.api.call('project:info', {})).ignoreIndex).toBe(255);
    const after = await bySha(p.api);
    let ignorePixels = 0;
    for (const [sha, b] of before) {
      const a = after.get(sha)!;
      expect(a.split).toBe(b.split);
      for (let i = 0; i < a.mask.length; i++) if (a.mask[i] === 255) ignorePixels++;
    }
    expect(ignorePixels).toBeGreaterThan(0); // hats, clothes, necks... have no LaPa class
    // A project marking ignore with another value refuses, naming both.
    const fs = await project('facesynthetics');
    await expect(fs.api.call('import:run', { path: out, format: 'index-png', ignoreValue: 254 })).rejects.toThrow(ParselError);
    fs.close();
    p.close();
  });

  it('colour-PNG export with ignore pixels and a FaceSynthetics export (manifest in the flat folder) import back with their splits', async () => {
    const src = await makeExportProject(join(root, 'col-src'), { count: 6, size: 48, schemaId: 'celebamask-hq-a', meta: (i) => ({ split: i % 2 ? 'train' : null }) });
    const col = join(root, 'col-out');
    await src.api.call('export:run', { dir: col, spec: { format: 'color-png', remap: { target: 'lapa-11', ignoreIndex: 255 } } });
    const fsOut = join(root, 'fs-out');
    await src.api.call('export:run', { dir: fsOut, spec: { format: 'facesynthetics', remap: { target: 'facesynthetics', ignoreIndex: 255 }, splits: { mode: 'assign', ratios: [1, 1, 1] } } });
    src.backend.close();

    const a = await project('lapa-11');
    const ra = await a.api.call('import:run', { path: col });
    expect(ra.format).toBe('color-png');
    expect(ra.problems).toEqual([]);
    expect(ra.imported).toBe(6);
    expect([...(await contents(a.api)).values()].some((v) => v.mask.includes(255))).toBe(true);
    a.close();

    const b = await project('facesynthetics');
    const rb = await b.api.call('import:run', { path: fsOut });
    expect(rb.format).toBe('facesynthetics');
    expect(rb.problems).toEqual([]);
    expect(rb.skippedFiles.map((f) => f.file)).toEqual([join(fsOut, 'parsel-manifest.json')]);
    expect(rb.bySplit).toEqual({ train: 2, val: 2, test: 2 });
    const splits = [...(await contents(b.api)).values()].map((v) => v.split).sort();
    expect(splits).toEqual(['test', 'test', 'train', 'train', 'val', 'val']);
    b.close();
  });

  it('CelebAMask-HQ: an all-background mask (no part file) comes back from the export, not as a missing file', async () => {
    const src = await makeExportProject(join(root, 'celeba-src'), { count: 3, size: 32, schemaId: 'celebamask-hq-b' });
    const first = (await src.api.call('image:list', { limit: 10 })).items[0];
    await src.api.call('revision:save', { imageId: first.id, parentId: first.headRevisionId, kind: 'human', author: 't', mask: encodeMask(new Uint8Array(32 * 32), 32, 32) });
    const out = join(root, 'celeba-out');
    await src.api.call('export:run', { dir: out, spec: { format: 'celebamask-hq' } });
    const before = await bySha(src.api);
    src.backend.close();
    const p = await project('celebamask-hq-b');
    const r = await p.api.call('import:run', { path: out });
    expect(r.problems).toEqual([]);
    expect(r.imported).toBe(3);
    const after = await bySha(p.api);
    for (const [sha, b] of before) expect(Buffer.compare(after.get(sha)!.mask, b.mask), sha).toBe(0);
    expect([...after.values()].filter((v) => v.mask.every((x) => x === 0)).length).toBe(1);
    p.close();
  });

  it('a parsel-manifest.json that is not a Parsel manifest is a problem naming it, not a silent skip', async () => {
    const ds = await writeFaceSynthetics(join(root, 'fs-badman'), { count: 2, size: 24 });
    writeFileSync(join(ds.dir, 'parsel-manifest.json'), '{"kind": "something else"}');
    const p = await project('facesynthetics');
    const plan = await p.api.call('import:plan', { path: ds.dir });
    expect(plan.problems.map((x) => `${x.kind}: ${x.message}`)).toEqual([
      expect.stringMatching(/^bad-list: .*parsel-manifest\.json: not a Parsel export manifest: kind: .*\(a file named parsel-manifest\.json must be a Parsel export manifest\)$/),
    ]);
    expect(plan.manifest).toBeNull();
    p.close();
  });

  it('a LaPa dataset with 255 and no manifest: unknown-value unless --ignore-value says what 255 is', async () => {
    const ds = await writeLapa(join(root, 'lapa-255'), { counts: { train: 1 }, size: 32 });
    const it0 = ds.items[0];
    const m = new Uint8Array(it0.mask);
    m.fill(255, 0, 10);
    writeFileSync(join(ds.dir, 'train', 'labels', 'train_0000.png'), forgePng({ width: it0.width, height: it0.height, colorType: 0, bitDepth: 8, samples: m }));
    const p = await project('lapa-11');
    const plan = await p.api.call('import:plan', { path: ds.dir });
    expect(plan.problemCounts).toEqual({ 'unknown-value': 1 });
    const r = await p.api.call('import:run', { path: ds.dir, ignoreValue: 255 });
    expect(r.imported).toBe(1);
    expect((await p.api.call('project:info', {})).ignoreIndex).toBe(255);
    p.close();
  });
});
