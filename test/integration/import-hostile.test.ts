/**
 * Hostile files through a real import and add (issue 15): the bad-input corpus of
 * test/tooling/bad-inputs.ts inside an index-PNG dataset is refused item by item, naming each file,
 * while the good items are imported; and the decodes of an import hold at most the decode memory
 * budget (here 1 MiB through PARSEL_DECODE_BUDGET_MB, so masks of 0.6 MiB decode one at a time).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParselApi } from '../../src/shared/api/contract';
import type { Limiter } from '../../src/shared/limiter';
import { badInputs } from '../tooling/bad-inputs';
import { writeIndexFolder } from '../tooling/formats';

const BUDGET = 1024 * 1024;
const root = mkdtempSync(join(tmpdir(), 'parsel-import-hostile-'));
let api: ParselApi;
let budget: Limiter;
let close: () => void;

beforeAll(async () => {
  // Read when decode-budget.ts is first loaded (vitest runs each file in its own process).
  process.env.PARSEL_DECODE_BUDGET_MB = String(BUDGET / 1024 / 1024);
  const { createBackend } = await import('../../src/main/services');
  const { directClient } = await import('../../src/main/services/backend');
  budget = (await import('../../src/main/formats/decode-budget')).decodeBudget;
  const backend = createBackend({ mode: 'direct', userDataDir: join(root, 'user') });
  api = directClient(backend.services, backend.bus);
  close = () => backend.close();
  await api.call('project:create', { path: join(root, 'proj.parsel'), schemaId: 'lapa-11' });
});

afterAll(() => {
  close();
  delete process.env.PARSEL_DECODE_BUDGET_MB;
  rmSync(root, { recursive: true, force: true });
});

describe('hostile files in an import', () => {
  it('the bomb label, the 16-bit RGBA label and the 0-bpp BMP are refused by name; the rest is imported within the budget', async () => {
    expect(budget.capacity).toBe(BUDGET);
    const dir = join(root, 'ds');
    const ds = await writeIndexFolder(dir, { schemaId: 'lapa-11', count: 9, size: 400 });
    const bad = badInputs();
    // img_0's mask inflates to 64 MiB while its header says 400×400 (like the image)
    const bomb = Buffer.from(bad['bomb-label.png']);
    bomb.writeUInt32BE(400, 16);
    bomb.writeUInt32BE(400, 20);
    writeFileSync(join(dir, 'masks', 'train', 'img_0.png'), bomb);
    writeFileSync(join(dir, 'masks', 'val', 'img_1.png'), bad['rgba16-at-limit.png']);
    rmSync(join(dir, 'images', 'test', 'img_2.jpg'));
    writeFileSync(join(dir, 'images', 'test', 'img_2.bmp'), bad['bpp0-16000.bmp']);

    let peak = 0;
    let sampling = true;
    const sample = () => {
      peak = Math.max(peak, budget.inUse);
      if (sampling) setImmediate(sample);
    };
    sample();
    const r = await api.call('import:run', { path: dir, format: 'index-png', onProblem: 'skip' });
    sampling = false;

    const byFile = new Map(r.problems.map((p) => [p.file.replace(dir, ''), p]));
    expect([...byFile.keys()].sort()).toEqual(['/images/test/img_2.bmp', '/masks/train/img_0.png', '/masks/val/img_1.png']);
    expect(byFile.get('/masks/train/img_0.png')).toMatchObject({
      kind: 'undecodable',
      message: `${join(dir, 'masks', 'train', 'img_0.png')}: image data inflates to more than 160400 bytes, what IHDR says (400×400 8-bit grey) needs`,
    });
    expect(byFile.get('/masks/val/img_1.png')).toMatchObject({ kind: 'too-large' });
    expect(byFile.get('/masks/val/img_1.png')!.message).toMatch(/img_1\.png: decoding 16384×16384 16-bit RGBA needs \d+ MiB, larger than the 2048 MiB allowed/);
    expect(byFile.get('/images/test/img_2.bmp')).toMatchObject({ kind: 'undecodable' });
    expect(byFile.get('/images/test/img_2.bmp')!.message).toMatch(/img_2\.bmp: BMP with 0 bits per pixel is not supported/);
    expect(r.imported).toBe(ds.items.length - 3);

    // One 400×400 grey mask's decode declares 0.6 MiB: the budget held them, never two at once.
    expect(peak).toBeGreaterThanOrEqual(600_000);
    expect(peak).toBeLessThanOrEqual(BUDGET);
    expect(budget.inUse).toBe(0);
  });

  it('add refuses the 0-bpp BMP by name and adds the rest', async () => {
    const dir = join(root, 'add');
    mkdirSync(dir);
    writeFileSync(join(dir, 'bpp0.bmp'), badInputs()['bpp0-16000.bmp']);
    const r = await api.call('image:addFolder', { folder: dir });
    expect(r.added).toBe(0);
    expect(r.failed).toEqual([{ path: join(dir, 'bpp0.bmp'), reason: 'BMP with 0 bits per pixel is not supported (1, 4, 8, 16, 24 or 32)' }]);
  });
});
