/**
 * Export through the services on a real project: every format's files (index PNGs byte-level, Helen
 * 0/255 maps, CelebAMask-HQ part files only for present parts, COCO decoding back to the mask), remap,
 * manifest reproduction (byte-identical trees), atomicity (a failure mid-export and a cancel leave
 * neither the destination nor a temporary folder), refused manifests.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIndexPng, readColorPng } from '../../src/main/formats/png';
import { encodeMaskPng } from '../../src/main/formats/png-encode';
import { MANIFEST_FILE, type ExportSpecInput } from '../../src/shared/api/methods-export';
import { decodeBinary } from '../../src/shared/dataset/coco-rle';
import { applyRemap, buildRemap } from '../../src/shared/dataset/remap';
import { getSchema } from '../../src/shared/schema';
import { makeExportProject, type ExportProject } from '../tooling/export-project';
import { expectCode } from '../tooling/api-expect';

const A = getSchema('celebamask-hq-a');
const LAPA = getSchema('lapa-11');
const N = 12;
const S = 96;
let dir: string;
let p: ExportProject;
const toLapa = buildRemap(A, LAPA, 255);

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function tree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.set(relative(root, abs).split('\\').join('/'), sha(readFileSync(abs)));
    }
  };
  walk(root);
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Leftover temporary folders next to destinations. */
function leftovers(): string[] {
  return readdirSync(dir).filter((n) => n.includes('.parsel-export-'));
}

async function run(name: string, spec: ExportSpecInput) {
  const out = join(dir, name);
  const r = await p.api.call('export:run', { dir: out, spec });
  expect(r.status).toBe('done');
  return { out, r, manifest: JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) };
}

/** Manifest item by image id. */
function itemsById(manifest: { items: { imageId: number; name: string; split: string; files: string[] }[] }) {
  return new Map(manifest.items.map((i) => [i.imageId, i]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parsel-export-'));
  p = await makeExportProject(dir, {
    count: N,
    size: S,
    schemaId: 'celebamask-hq-a',
    meta: (i) => ({ split: ['train', 'val', 'test'][i % 3], source: i % 2 ? 'real' : 'synthetic', tags: i === 0 ? ['hard'] : [] }),
  });
}, 120_000);

afterAll(() => {
  p?.backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('export formats', () => {
  it('LaPa with a CelebAMask-HQ → LaPa remap: byte-exact images, index PNG labels, manifest', async () => {
    const { out, r, manifest } = await run('lapa', { format: 'lapa', remap: { target: 'lapa-11', ignoreIndex: 255 } });
    expect(r.images).toBe(N);
    expect(r.bySplit).toEqual({ test: 4, train: 4, val: 4 });
    for (const [id, it] of itemsById(manifest)) {
      const img = readFileSync(join(out, it.split, 'images', `${it.name}.jpg`));
      expect(sha(img)).toBe(sha(readFileSync(p.images.get(id)!)));
      const lblFile = readFileSync(join(out, it.split, 'labels', `${it.name}.png`));
      const want = applyRemap(toLapa, p.masks.get(id)!, S);
      expect(Buffer.compare(lblFile, encodeMaskPng(want, S, S, 1))).toBe(0);
      expect(lblFile[25]).toBe(0); // PNG colour type 0: single channel
      expect(same((await readIndexPng(lblFile, 'x')).data, want)).toBe(true);
    }
    expect(manifest.remap).toMatchObject({ source: 'celebamask-hq-a', target: 'lapa-11', ignoreIndex: 255 });
    // Sides are matched by name, and the export says so.
    expect(manifest.remap.sides).toMatch(/^left\/right classes \(l_eye, r_eye, l_brow, r_brow, l_ear, r_ear\) go to the class of the same name: no side is swapped/);
    expect(manifest.items.every((i: { revisionId: number }) => i.revisionId > 0)).toBe(true);
    const ratios = Object.values(manifest.pixelRatios as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(ratios).toBeCloseTo(1, 9);
    expect(manifest.app).toEqual({ name: 'parsel', version: '0.1.0' });
    // recorded in the project
    const list = await p.api.call('export:list', {});
    expect(list[0]).toMatchObject({ format: 'lapa', images: N, outputSchemaId: 'lapa-11', fromManifest: false });
  });

  it('Helen: 11 maps of 0/255 per image and the three list files; ignore needs --ignore-as', async () => {
    // Helen has no ignore value: classes without a Helen target would be ignore, so the export asks.
    const refused = await p.api.call('export:preview', { spec: { format: 'helen', remap: { target: 'helen-11', ignoreIndex: 255 } } });
    expect(refused.ignore).toMatchObject({ possible: true, formatHolds: false, value: null, as: null });
    expect(refused.problems.join('\n')).toMatch(/Helen .* has no ignore value, and eye_g, l_ear, .* would be ignore pixels: choose the class they become with --ignore-as <class>/);
    const { out, manifest } = await run('helen', { format: 'helen', remap: { target: 'helen-11', ignoreIndex: 255 }, ignoreAs: 'background' });
    expect(manifest.ignore).toMatchObject({ possible: true, as: 'background', value: null });
    expect(manifest.ignore.note).toMatch(/ignore pixels \(eye_g, .*\) are written as class "background" \(0\)/);
    expect(manifest.outputSchema.ignoreIndex).toBeNull();
    const toHelen = buildRemap(A, getSchema('helen-11'), 255);
    for (const [id, it] of itemsById(manifest)) {
      const want = applyRemap(toHelen, p.masks.get(id)!, S).map((v) => (v === 255 ? 0 : v));
      for (let c = 0; c < 11; c++) {
        const m = await readIndexPng(join(out, 'labels', it.name, `${it.name}_lbl${String(c).padStart(2, '0')}.png`));
        expect(same(m.data, want.map((v) => (v === c ? 255 : 0)))).toBe(true);
      }
    }
    expect(readFileSync(join(out, 'exemplars.txt'), 'utf8').split('\n')[0]).toMatch(/^1, synth_\d{5}$/);
    expect(existsSync(join(out, 'tuning.txt')) && existsSync(join(out, 'testing.txt'))).toBe(true);
  });

  it('CelebAMask-HQ: one 0/255 part file per present class only, numbered layout, split files', async () => {
    const { out, manifest } = await run('celeba', { format: 'celebamask-hq' });
    manifest.items.forEach((it: { imageId: number; files: string[] }, k: number) => {
      const mask = p.masks.get(it.imageId)!;
      const present = A.classes.filter((c) => c.index > 0 && mask.includes(c.index)).map((c) => c.name).sort();
      const parts = it.files.filter((f) => f.startsWith('CelebAMask-HQ-mask-anno/')).map((f) => f.replace(/^.*\/\d{5}_(.*)\.png$/, '$1')).sort();
      expect(parts).toEqual(present);
      expect(it.files[0]).toBe(`CelebA-HQ-img/${k}.jpg`);
    });
    const first = manifest.items[0];
    const mask = p.masks.get(first.imageId)!;
    const hair = await readIndexPng(join(out, 'CelebAMask-HQ-mask-anno', '0', '00000_hair.png'));
    expect(same(hair.data, mask.map((v) => (v === 13 ? 255 : 0)))).toBe(true);
    expect(readFileSync(join(out, 'list_eval_partition.txt'), 'utf8').split('\n')[0]).toMatch(/^000001\.jpg [012]$/);
  });

  it('COCO: one compressed RLE per (image, class present), decoding back to the mask; background omitted', async () => {
    const { out, manifest } = await run('coco', { format: 'coco' });
    const doc = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8'));
    expect(doc.categories.map((c: { id: number }) => c.id)).toEqual(A.classes.slice(1).map((c) => c.index));
    // Standard top-level keys; the dataset's own class names; no non-COCO per-image keys (splits are in the manifest).
    expect(Object.keys(doc)).toEqual(['info', 'licenses', 'images', 'annotations', 'categories']);
    expect(doc.info).toMatchObject({ version: '0.1.0', year: Number(manifest.createdAt.slice(0, 4)), date_created: manifest.createdAt, contributor: 'Parsel' });
    expect(doc.licenses).toEqual([]);
    expect(doc.categories.map((c: { name: string }) => c.name)).toEqual(A.classes.slice(1).map((c) => c.title));
    for (const im of doc.images) expect(Object.keys(im).sort()).toEqual(['file_name', 'height', 'id', 'width']);
    expect(manifest.items.every((i: { split: string }) => typeof i.split === 'string')).toBe(true);
    manifest.items.forEach((it: { imageId: number }, k: number) => {
      const mask = p.masks.get(it.imageId)!;
      const anns = doc.annotations.filter((a: { image_id: number }) => a.image_id === k + 1);
      const present = A.classes.filter((c) => c.index > 0 && mask.includes(c.index)).map((c) => c.index);
      expect(anns.map((a: { category_id: number }) => a.category_id)).toEqual(present);
      const rebuilt = new Uint8Array(S * S);
      for (const a of anns) {
        expect(a.iscrowd).toBe(0);
        expect(a.segmentation.size).toEqual([S, S]);
        const bin = decodeBinary(a.segmentation);
        bin.forEach((b, i) => {
          if (b) rebuilt[i] = a.category_id;
        });
      }
      expect(same(rebuilt, mask)).toBe(true);
    });
  });

  it('FaceSynthetics: numbered PNG images (converted from JPEG) and _seg index PNGs with 255 ignore', async () => {
    const { out } = await run('fs', { format: 'facesynthetics', remap: { target: 'facesynthetics', ignoreIndex: 255 } });
    const img = readFileSync(join(out, '000000.png'));
    expect(img.subarray(1, 4).toString()).toBe('PNG');
    const seg = await readIndexPng(join(out, '000000_seg.png'));
    expect(seg.width).toBe(S);
  });

  it('index PNG folder, colour PNG + CVAT labelmap, iBugMask and DML-CSR layouts', async () => {
    const idx = await run('idx', { format: 'index-png' });
    const first = idx.manifest.items[0];
    expect(same((await readIndexPng(join(idx.out, 'masks', first.split, `${first.name}.png`))).data, p.masks.get(first.imageId)!)).toBe(true);
    expect(JSON.parse(readFileSync(join(idx.out, 'labelmap.json'), 'utf8'))['13']).toBe('hair');

    const col = await run('color', { format: 'color-png', remap: { target: 'lapa-11', ignoreIndex: 255 } });
    const lm = readFileSync(join(col.out, 'labelmap.txt'), 'utf8').split('\n');
    expect(lm[0]).toBe('# label:color_rgb:parts:actions');
    expect(lm[1]).toBe('background:0,0,0::');
    expect(lm).toContain('ignore:128,128,128::');
    const c0 = col.manifest.items[0];
    const rgb = await readColorPng(join(col.out, 'SegmentationClass', `${c0.name}.png`));
    const want = applyRemap(toLapa, p.masks.get(c0.imageId)!, S);
    for (let i = 0; i < want.length; i += 97) {
      const color = want[i] === 255 ? [128, 128, 128] : LAPA.classes[want[i]].color;
      expect([rgb.data[i * 3], rgb.data[i * 3 + 1], rgb.data[i * 3 + 2]]).toEqual([...color]);
    }

    await expectCode(
      p.api.call('export:run', { dir: join(dir, 'ib-bad'), spec: { format: 'ibugmask', remap: { target: 'ibugmask-11', ignoreIndex: 255 } } }),
      'INVALID_INPUT',
      /iBugMask needs every image in one of the splits train\/test; the selection has "val"/,
    );
    const ib = await run('ib', { format: 'ibugmask', remap: { target: 'ibugmask-11', ignoreIndex: 255 }, filter: { split: ['train', 'test'] } });
    expect(ib.r.images).toBe(8);

    const dml = await run('dml', { format: 'dml-csr', splits: { mode: 'assign', ratios: [2, 1, 1] }, seed: 5 });
    expect(readFileSync(join(dml.out, 'label_names.txt'), 'utf8').split('\n').slice(0, 2)).toEqual(['bg', 'skin']);
    const trainList = readFileSync(join(dml.out, 'train_list.txt'), 'utf8').trim().split('\n');
    expect(trainList.length).toBe(6);
    expect(trainList[0]).toMatch(/^images\/\S+\.jpg labels\/\S+\.png$/);
    expect(existsSync(join(dml.out, 'valid_list.txt'))).toBe(true);
  });

  it('refuses formats that need a remap or splits, with the reason', async () => {
    await expectCode(p.api.call('export:run', { dir: join(dir, 'x1'), spec: { format: 'lapa' } }), 'INVALID_INPUT', /--remap lapa-11/);
    await expectCode(
      p.api.call('export:run', { dir: join(dir, 'x2'), spec: { format: 'lapa', remap: { target: 'lapa-11', ignoreIndex: 3 } } }),
      'INVALID_INPUT',
      /ignore index 3 is class "r_brow"/,
    );
    await expectCode(
      p.api.call('export:run', { dir: join(dir, 'x3'), spec: { format: 'index-png', sampling: { mix: { synthetic: 1, scanned: 1 } } } }),
      'INVALID_INPUT',
      /source "scanned" cannot supply its share/,
    );
    await expectCode(p.api.call('export:run', { dir: join(dir, 'lapa'), spec: { format: 'index-png' } }), 'ALREADY_EXISTS', /not an empty folder/);
    expect(leftovers()).toEqual([]);
  });
});

describe('preview, subsets and reproduction', () => {
  it('preview counts per split / source / class without writing', async () => {
    const pv = await p.api.call('export:preview', {
      spec: { format: 'lapa', remap: { target: 'lapa-11', ignoreIndex: 255 }, sampling: { mix: { synthetic: 1, real: 1 }, limit: 8 }, splits: { mode: 'assign', ratios: [0.5, 0.25, 0.25] }, seed: 9 },
    });
    expect(pv.total).toBe(8);
    expect(pv.bySource).toEqual({ real: 4, synthetic: 4 });
    expect(pv.bySplit).toEqual({ test: 2, train: 4, val: 2 });
    expect(pv.byClass.skin).toBe(8);
    expect(pv.outputSchemaId).toBe('lapa-11');
    expect(pv.problems).toEqual([]);
    const tagged = await p.api.call('export:preview', { spec: { format: 'index-png', filter: { tagsAny: ['hard'] } } });
    expect(tagged.total).toBe(1);
  });

  it('--from-manifest reproduces byte-identical files; twice gives the same tree', async () => {
    const spec: ExportSpecInput = {
      format: 'lapa',
      remap: { target: 'lapa-11', ignoreIndex: 255, overrides: { eye_g: 'skin' } },
      sampling: { limit: 9, stratifyBy: ['hair'] },
      splits: { mode: 'assign', ratios: [0.6, 0.2, 0.2] },
      seed: 42,
    };
    const a = await run('rep-a', spec);
    const b = await p.api.call('export:run', { dir: join(dir, 'rep-b'), fromManifest: join(a.out, MANIFEST_FILE) });
    const c = await p.api.call('export:run', { dir: join(dir, 'rep-c'), fromManifest: join(a.out, MANIFEST_FILE) });
    expect(b.status).toBe('done');
    const ta = tree(a.out);
    const tb = tree(b.dir);
    const tc = tree(c.dir);
    ta.delete(MANIFEST_FILE);
    tb.delete(MANIFEST_FILE);
    tc.delete(MANIFEST_FILE);
    expect([...tb.entries()]).toEqual([...ta.entries()]);
    expect([...tc.entries()]).toEqual([...ta.entries()]);
    const mb = JSON.parse(readFileSync(b.manifestPath!, 'utf8'));
    expect(mb.files).toEqual(a.manifest.files);
    expect(mb.items).toEqual(a.manifest.items);
    expect(mb.reproducedFrom).toBe(a.manifest.createdAt);
    // and running the same spec again with the same seed selects the same images
    const again = await run('rep-d', spec);
    expect(again.manifest.items).toEqual(a.manifest.items);
  });

  it('refuses manifests with .. or absolute paths, and missing revisions', async () => {
    const base = JSON.parse(readFileSync(join(dir, 'rep-a', MANIFEST_FILE), 'utf8'));
    const bad = (mut: (m: typeof base) => void, name: string) => {
      const m = structuredClone(base);
      mut(m);
      const f = join(dir, `${name}.json`);
      writeFileSync(f, JSON.stringify(m));
      return p.api.call('export:run', { dir: join(dir, `out-${name}`), fromManifest: f });
    };
    await expectCode(bad((m) => (m.items[0].name = '../evil'), 'dotdot'), 'INVALID_INPUT', /contains "\.\."/);
    await expectCode(bad((m) => (m.files[0].path = '/etc/passwd'), 'abs'), 'INVALID_INPUT', /is absolute/);
    await expectCode(bad((m) => (m.items[1].files[0] = 'train/../../x.png'), 'dotdot2'), 'INVALID_INPUT', /contains "\.\."/);
    await expectCode(bad((m) => (m.items[0].revisionId = 99999), 'missing'), 'NOT_FOUND', /revision 99999 .* does not exist/);
    await expectCode(p.api.call('export:run', { dir: join(dir, 'nope'), fromManifest: join(dir, 'no-such.json') }), 'NOT_FOUND');
    expect(leftovers()).toEqual([]);
  });
});

describe('atomicity', () => {
  it('a failure mid-export (an image file gone) leaves neither the destination nor a temporary folder', async () => {
    const victim = p.images.get(p.ids[7])!;
    renameSync(victim, `${victim}.away`);
    try {
      await expectCode(p.api.call('export:run', { dir: join(dir, 'fail'), spec: { format: 'index-png' } }), 'NOT_FOUND', /image file missing/);
    } finally {
      renameSync(`${victim}.away`, victim);
    }
    expect(existsSync(join(dir, 'fail'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('cancel from a progress event removes everything; progress events are emitted', async () => {
    const events: { done: number; phase: string }[] = [];
    const off = p.api.on('job:progress', (e) => {
      if (e.jobId !== 'cancel-me') return;
      events.push(e);
      if (e.phase === 'writing') void p.api.call('export:cancel', { jobId: 'cancel-me' });
    });
    const r = await p.api.call('export:run', { dir: join(dir, 'cancelled'), spec: { format: 'helen', remap: { target: 'helen-11', ignoreIndex: 255 }, ignoreAs: 'background' }, jobId: 'cancel-me' });
    off();
    expect(r.status).toBe('cancelled');
    expect(existsSync(join(dir, 'cancelled'))).toBe(false);
    expect(leftovers()).toEqual([]);
    expect(events[0]).toMatchObject({ phase: 'writing', done: 0 });
    expect(events.at(-1)?.phase).toBe('cancelled');
    expect(await p.api.call('export:cancel', { jobId: 'cancel-me' })).toEqual({ cancelled: false });
  });

  it('an empty destination folder is replaced; its parent must exist', async () => {
    const empty = join(dir, 'empty-dest');
    (await import('node:fs')).mkdirSync(empty);
    const r = await p.api.call('export:run', { dir: empty, spec: { format: 'index-png', sampling: { limit: 2 } } });
    expect(r.images).toBe(2);
    expect(statSync(join(empty, MANIFEST_FILE)).isFile()).toBe(true);
    await expectCode(p.api.call('export:run', { dir: join(dir, 'no', 'such'), spec: { format: 'index-png' } }), 'NOT_FOUND', /does not exist/);
  });
});
