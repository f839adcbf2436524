/**
 * The one folder walk of add and import (src/main/formats/walk.ts) on real symbolic-link trees and a
 * real file name that is not UTF-8 (issue 15):
 * - two links per level to the next folder, 17 levels deep (2^18 paths, 18 folders): add and the
 *   import plan read each folder once, report the link back up as a loop, a self-referencing link as a
 *   loop (not a "broken symbolic link"), a dangling link as broken, and the second links as read once;
 * - a name with the byte 0xE9 (Latin-1 "é", invalid UTF-8) is refused by name with the byte shown as
 *   \xE9, and everything else is added / imported.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../src/main/formats/png';
import { escapeName, walkTree } from '../../src/main/formats/walk';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import type { ParselApi } from '../../src/shared/api/contract';

const DEPTH = 17;
const root = mkdtempSync(join(tmpdir(), 'parsel-walk-'));
let api: ParselApi;
let close: () => void;

/** `<top>/` holds level 0; `<top>-real/l<k>` level k; each level links `a` and `b` to the next. */
function linkTree(top: string, file: (level: number) => Buffer): void {
  const real = `${top}-real`;
  mkdirSync(top, { recursive: true });
  for (let k = 1; k <= DEPTH; k++) mkdirSync(join(real, `l${k}`), { recursive: true });
  for (let k = 0; k <= DEPTH; k++) {
    const dir = k === 0 ? top : join(real, `l${k}`);
    writeFileSync(join(dir, 'img.png'), file(k));
    if (k < DEPTH) {
      const next = k === 0 ? join(real, 'l1') : join('..', `l${k + 1}`);
      symlinkSync(next, join(dir, 'a'));
      symlinkSync(next, join(dir, 'b'));
    }
  }
  const last = join(real, `l${DEPTH}`);
  symlinkSync('../l1', join(last, 'up')); // back to an ancestor
  symlinkSync('self', join(last, 'self')); // ELOOP
  symlinkSync('nowhere', join(last, 'gone')); // dangling
}

const level = (k: number) => encodePng(new Uint8Array(64).fill(k * 10), 8, 8, 1);
const mask = () => encodePng(new Uint8Array(64), 8, 8, 1);
/** The path of level k as the walk first reaches it: through the `a` links. */
const via = (top: string, k: number) => join(top, ...Array<string>(k).fill('a'));

beforeAll(async () => {
  linkTree(join(root, 'ds', 'images'), level);
  linkTree(join(root, 'ds', 'masks'), mask);
  const backend = createBackend({ mode: 'direct', userDataDir: join(root, 'user') });
  api = directClient(backend.services, backend.bus);
  close = () => backend.close();
  await api.call('project:create', { path: join(root, 'proj.parsel'), schemaId: 'lapa-11' });
});

afterAll(() => {
  close();
  rmSync(root, { recursive: true, force: true });
});

describe('one folder walk', () => {
  it('walkTree: each folder once by device + inode, loops as loops, repeats listed', async () => {
    const top = join(root, 'ds', 'images');
    const w = await walkTree(top);
    // depth first in name order: `a` (a folder) comes before `img.png`, so the deepest file is first
    expect(w.files.map((f) => f.path)).toEqual(Array.from({ length: DEPTH + 1 }, (_, k) => join(via(top, DEPTH - k), 'img.png')));
    expect(w.files[DEPTH - 2].rel).toBe('a/a/img.png');
    expect(w.repeats).toHaveLength(DEPTH);
    expect(w.repeats[0]).toEqual({ path: join(via(top, DEPTH - 1), 'b'), firstPath: via(top, DEPTH) });
    const deepest = via(top, DEPTH);
    expect(w.problems).toEqual([
      { kind: 'broken-link', path: join(deepest, 'gone'), message: `broken symbolic link: ${join(deepest, 'gone')} (ENOENT)` },
      { kind: 'symlink-loop', path: join(deepest, 'self'), message: `symbolic link loop: ${join(deepest, 'self')} points back to itself` },
      { kind: 'symlink-loop', path: join(deepest, 'up'), message: `symbolic link loop: ${join(deepest, 'up')} leads back to ${via(top, 1)}, a folder it is inside` },
    ]);
  });

  it('add: 18 images from 2^18 paths, the loops reported as loops', { timeout: 20_000 }, async () => {
    const top = join(root, 'ds', 'images');
    const r = await api.call('image:addFolder', { folder: top });
    expect(r.added).toBe(DEPTH + 1);
    expect(r.duplicates).toEqual([]);
    const deepest = via(top, DEPTH);
    expect(r.failed).toEqual([
      { path: join(deepest, 'gone'), reason: `broken symbolic link: ${join(deepest, 'gone')} (ENOENT)` },
      { path: join(deepest, 'self'), reason: `symbolic link loop: ${join(deepest, 'self')} points back to itself` },
      { path: join(deepest, 'up'), reason: `symbolic link loop: ${join(deepest, 'up')} leads back to ${via(top, 1)}, a folder it is inside` },
    ]);
  });

  it('import plan: one item per folder, loops as problems, second links listed as skipped', { timeout: 20_000 }, async () => {
    const dir = join(root, 'ds');
    const r = await api.call('import:plan', { path: dir, format: 'index-png' });
    expect(r.items).toBe(DEPTH + 1);
    expect(r.problemCounts).toEqual({ 'broken-link': 2, 'symlink-loop': 4 });
    expect(r.problems.filter((p) => p.kind === 'symlink-loop').map((p) => p.file.slice(dir.length))).toEqual([
      `/masks/${'a/'.repeat(DEPTH)}self`,
      `/masks/${'a/'.repeat(DEPTH)}up`,
      `/images/${'a/'.repeat(DEPTH)}self`,
      `/images/${'a/'.repeat(DEPTH)}up`,
    ]);
    const repeats = r.skippedFiles.filter((s) => /the same folder as .* \(read once\)/.test(s.reason));
    expect(repeats).toHaveLength(2 * DEPTH);
    // the images themselves are fine: every item validates (the project has them already from the add)
    expect(r.badItems).toBe(0);
  });

  it('a file name that is not UTF-8 is refused by name; the rest is added and imported', async () => {
    const dir = join(root, 'latin1');
    mkdirSync(join(dir, 'images'), { recursive: true });
    mkdirSync(join(dir, 'masks'), { recursive: true });
    const bad = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('.png')]);
    expect(escapeName(bad)).toBe('caf\\xE9.png');
    expect(escapeName(Buffer.from('café-ok.png'))).toBe('café-ok.png');
    for (const sub of ['images', 'masks']) {
      writeFileSync(Buffer.concat([Buffer.from(join(dir, sub) + '/'), bad]), sub === 'images' ? level(1) : mask());
      writeFileSync(join(dir, sub, 'café.png'), sub === 'images' ? encodePng(new Uint8Array(64).fill(201), 8, 8, 1) : mask());
    }
    const shown = join(dir, 'images', 'caf\\xE9.png');
    const why = 'the name is not valid UTF-8 (invalid bytes shown as \\xNN); rename it to read it';
    const added = await api.call('image:addFolder', { folder: join(dir, 'images') });
    expect(added.added).toBe(1);
    expect(added.failed).toEqual([{ path: shown, reason: why }]);

    const r = await api.call('import:run', { path: dir, format: 'index-png', onProblem: 'skip' });
    expect(r.problems).toEqual([
      { kind: 'bad-name', file: join(dir, 'masks', 'caf\\xE9.png'), message: `${join(dir, 'masks', 'caf\\xE9.png')}: ${why}` },
      { kind: 'bad-name', file: shown, message: `${shown}: ${why}` },
    ]);
    expect(r.imported).toBe(1);
  });
});
