/**
 * Round trip per format: a dataset written in its published layout (test/tooling/formats.ts) →
 * `import:run` → `export:run` in the same format → (1) every image and mask file of the original is
 * byte-identical at the same place in the export, where the format allows (named per format below);
 * (2) the export imported again into a fresh project gives pixel-identical masks for the same images.
 * COCO and DML-CSR have no importer: they are checked against our own readers in export.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import type { ParselApi } from '../../src/shared/api/contract';
import type { ExportFormatId } from '../../src/shared/api/methods-export';
import type { ImportFormatId } from '../../src/shared/api/methods-import';
import { decodeMask } from '../../src/shared/mask/codec';
import {
  writeCelebAMaskHq,
  writeColorFolder,
  writeFaceSynthetics,
  writeHelen,
  writeIbugmask,
  writeIndexFolder,
  writeLapa,
  type WrittenDataset,
} from '../tooling/formats';

let root: string;
let n = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'parsel-export-rt-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.set(relative(dir, abs).split('\\').join('/'), createHash('sha256').update(readFileSync(abs)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

async function project(schemaId: string): Promise<{ api: ParselApi; close: () => void }> {
  const k = n++;
  const backend = createBackend({ mode: 'direct', userDataDir: join(root, `user${k}`) });
  const api = directClient(backend.services, backend.bus);
  await api.call('project:create', { path: join(root, `p${k}.parsel`), schemaId });
  return { api, close: () => backend.close() };
}

/** sha256 of the image → head mask, for every image of the open project. */
async function masksBySha(api: ParselApi): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const img of (await api.call('image:list', { limit: 5000 })).items) {
    const d = await api.call('image:get', { id: img.id });
    out.set(d.sha256, decodeMask(await api.call('revision:mask', { revisionId: img.headRevisionId! })));
  }
  return out;
}

async function roundTrip(ds: WrittenDataset, format: ImportFormatId & ExportFormatId, byteExact: RegExp) {
  const a = await project(ds.schemaId);
  const imp = await a.api.call('import:run', { path: ds.dir, format, onProblem: 'abort' });
  expect(imp.status).toBe('done');
  expect(imp.imported).toBe(ds.items.length);
  const out = join(root, `out-${format}-${n}`);
  const exp = await a.api.call('export:run', { dir: out, spec: { format } });
  expect(exp.images).toBe(ds.items.length);
  const before = await masksBySha(a.api);
  a.close();

  // (1) byte-identical files where the format allows
  const src = files(ds.dir);
  const dst = files(out);
  const compared = [...src.keys()].filter((k) => byteExact.test(k));
  expect(compared.length).toBeGreaterThanOrEqual(ds.items.length * 2);
  for (const k of compared) expect(dst.get(k), `${format}: ${k}`).toBe(src.get(k));

  // (2) the export imports back to the same masks
  const b = await project(ds.schemaId);
  const back = await b.api.call('import:run', { path: out, format, onProblem: 'skip' });
  expect(back.imported).toBe(ds.items.length);
  const after = await masksBySha(b.api);
  b.close();
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [sha, m] of before) expect(Buffer.compare(after.get(sha)!, m), `${format}: image ${sha}`).toBe(0);
  return { src, dst, compared };
}

describe('export round trip per format (import → export → import)', () => {
  it('LaPa: images and labels byte-identical', async () => {
    const ds = await writeLapa(join(root, 'lapa'), { counts: { train: 2, val: 2, test: 2 }, size: 64 });
    await roundTrip(ds, 'lapa', /\/(images|labels)\//);
  });

  it('Helen (crisp 0/255 maps): images, all 11 maps and the list files byte-identical', async () => {
    const ds = await writeHelen(join(root, 'helen'), { count: 6, size: 64, maps: 'crisp', splits: ['train', 'val', 'test'] });
    await roundTrip(ds, 'helen', /^(images\/|labels\/|exemplars\.txt|tuning\.txt|testing\.txt)/);
  });

  it('iBugMask: images and masks byte-identical (landmarks are not exported)', async () => {
    const ds = await writeIbugmask(join(root, 'ibug'), { counts: { train: 3, test: 3 }, size: 64 });
    await roundTrip(ds, 'ibugmask', /^(train|test)\/[^/]+(?<!_landmark)\.(jpg|png)$/);
  });

  it('FaceSynthetics: PNG images and _seg masks (with 255 ignore) byte-identical', async () => {
    const ds = await writeFaceSynthetics(join(root, 'fs'), { count: 5, size: 64 });
    await roundTrip(ds, 'facesynthetics', /^\d{6}(_seg)?\.png$/);
  });

  it('CelebAMask-HQ: images and every part file byte-identical; splits survive', async () => {
    const ds = await writeCelebAMaskHq(join(root, 'celeba'), { count: 5, maskSize: 64, splits: ['train', 'val', 'test'] });
    await roundTrip(ds, 'celebamask-hq', /^(CelebA-HQ-img|CelebAMask-HQ-mask-anno)\//);
  });

  it('index PNG folder: images/<split>/ and masks/<split>/ byte-identical', async () => {
    const ds = await writeIndexFolder(join(root, 'idx'), { schemaId: 'celebamask-hq-b', count: 6, size: 64 });
    await roundTrip(ds, 'index-png', /^(images|masks)\//);
  });

  it('colour PNG + CVAT labelmap: images, colour masks, labelmap.txt and train list byte-identical', async () => {
    const ds = await writeColorFolder(join(root, 'color'), { schemaId: 'lapa-11', count: 6, size: 64 });
    await roundTrip(ds, 'color-png', /^(JPEGImages\/|SegmentationClass\/|labelmap\.txt|ImageSets\/Segmentation\/train\.txt)/);
  });
});
