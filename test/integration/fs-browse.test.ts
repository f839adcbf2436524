/**
 * `fs:list`, the browser-mode picker's backend: lists only under the allowed roots; refuses relative
 * paths, `..`, absolute paths outside the roots and symbolic links that lead out of them.
 */
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { expectCode } from '../tooling/api-expect';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'parsel-fs-')));
const root = join(dir, 'root');
const outside = join(dir, 'outside');
mkdirSync(join(root, 'faces', 'sub'), { recursive: true });
mkdirSync(join(root, 'models'), { recursive: true });
mkdirSync(outside, { recursive: true });
writeFileSync(join(root, 'faces', 'a.png'), 'png');
writeFileSync(join(root, 'faces', 'b.jpg'), 'jpg!');
writeFileSync(join(root, 'faces', '.hidden'), '');
writeFileSync(join(root, 'p.parsel'), '');
writeFileSync(join(root, 'p.parsel-wal'), ''); // SQLite side files of p.parsel: not listed
writeFileSync(join(root, 'p.parsel-shm'), '');
mkdirSync(join(root, 'p.parsel.cache', 'thumbs'), { recursive: true }); // its thumbnail cache: not listed
writeFileSync(join(root, 'faces', 'orphan-wal'), ''); // no "orphan" beside it: an ordinary file
writeFileSync(join(outside, 'secret.txt'), 'secret');
symlinkSync(outside, join(root, 'escape')); // a link out of the root
symlinkSync(join(outside, 'secret.txt'), join(root, 'secret-link.txt'));
symlinkSync(join(root, 'faces'), join(root, 'faces-link')); // a link that stays inside

const backend = createBackend({ mode: 'browser', userDataDir: join(dir, 'user'), browseRoots: [root] });
const api = directClient(backend.services, backend.bus);

describe('fs:list', () => {
  it('lists the roots, then a folder: folders first, filters by extension, hides dot files', async () => {
    const top = await api.call('fs:list', {});
    expect(top).toMatchObject({ path: null, parent: null, roots: [{ path: root }], base: root });
    expect(top.entries).toEqual([{ name: root, path: root, kind: 'folder', size: null }]);

    const r = await api.call('fs:list', { path: root });
    expect(r.parent).toBeNull();
    // The link out of the root is not listed; the link inside is.
    expect(r.entries.map((e) => [e.name, e.kind])).toEqual([
      ['faces', 'folder'],
      ['faces-link', 'folder'],
      ['models', 'folder'],
      ['p.parsel', 'file'],
    ]);
    const f = await api.call('fs:list', { path: join(root, 'faces'), extensions: ['.png'] });
    expect(f.parent).toBe(root);
    expect(f.entries.map((e) => e.name)).toEqual(['sub', 'a.png']);
    expect((await api.call('fs:list', { path: join(root, 'faces') })).entries.map((e) => e.name)).toEqual(['sub', 'a.png', 'b.jpg', 'orphan-wal']);
    expect(f.entries[1]).toMatchObject({ path: join(root, 'faces', 'a.png'), size: 3 });
    expect((await api.call('fs:list', { path: join(root, 'faces'), show: 'folders' })).entries.map((e) => e.name)).toEqual(['sub']);
    expect((await api.call('fs:list', { path: join(root, 'faces'), hidden: true })).entries.map((e) => e.name)).toContain('.hidden');
    // Through the link that stays inside: allowed, addressed by the link's path.
    const viaLink = await api.call('fs:list', { path: join(root, 'faces-link') });
    expect(viaLink.entries.map((e) => e.path)).toContain(join(root, 'faces-link', 'a.png'));
  });

  it('refuses a relative path', async () => {
    await expectCode(api.call('fs:list', { path: 'faces' }), 'FORBIDDEN', /relative path/);
    await expectCode(api.call('fs:list', { path: './root' }), 'FORBIDDEN', /relative path/);
  });

  it('refuses ".." even when it would land inside a root', async () => {
    await expectCode(api.call('fs:list', { path: join(root, 'faces') + '/../faces' }), 'FORBIDDEN', /contains "\.\."/);
    await expectCode(api.call('fs:list', { path: `${root}/../outside` }), 'FORBIDDEN', /contains "\.\."/);
    await expectCode(api.call('fs:list', { path: `${root}\\..\\outside` }), 'FORBIDDEN', /contains "\.\."/);
  });

  it('refuses absolute paths outside the roots', async () => {
    await expectCode(api.call('fs:list', { path: outside }), 'FORBIDDEN', /outside the folders/);
    await expectCode(api.call('fs:list', { path: '/' }), 'FORBIDDEN', /outside the folders/);
    await expectCode(api.call('fs:list', { path: '/etc' }), 'FORBIDDEN', /outside the folders/);
    // A sibling whose name starts with the root's name is not inside it.
    mkdirSync(`${root}-other`, { recursive: true });
    await expectCode(api.call('fs:list', { path: `${root}-other` }), 'FORBIDDEN', /outside the folders/);
  });

  it('refuses a symbolic link that resolves outside the roots', async () => {
    await expectCode(api.call('fs:list', { path: join(root, 'escape') }), 'FORBIDDEN', /outside the folders/);
    // Whether a path exists out there is not told: missing or present, the answer is the same.
    await expectCode(api.call('fs:list', { path: join(root, 'escape', 'deeper') }), 'FORBIDDEN', /outside the folders/);
    mkdirSync(join(outside, 'deeper'), { recursive: true });
    await expectCode(api.call('fs:list', { path: join(root, 'escape', 'deeper') }), 'FORBIDDEN', /outside the folders/);
    await expectCode(api.call('fs:list', { path: '/no/such/place' }), 'FORBIDDEN', /outside the folders/);
  });

  it('says what is missing or not a folder', async () => {
    await expectCode(api.call('fs:list', { path: join(root, 'nope') }), 'NOT_FOUND', /no such folder/);
    await expectCode(api.call('fs:list', { path: join(root, 'p.parsel') }), 'INVALID_INPUT', /not a folder/);
  });

  it('by default: the home folder and, once a project is open, its folder', async () => {
    const b = createBackend({ mode: 'browser', userDataDir: join(dir, 'user2') });
    const a = directClient(b.services, b.bus);
    expect((await a.call('fs:list', {})).roots).toEqual([{ path: homedir(), label: 'Home' }]);
    await a.call('project:create', { path: join(outside, 'x.parsel'), schemaId: 'celebamask-hq-a' });
    const l = await a.call('fs:list', {});
    expect(l.roots).toEqual([
      { path: homedir(), label: 'Home' },
      { path: outside, label: 'Project folder' },
    ]);
    expect(l.base).toBe(outside);
    expect((await a.call('fs:list', { path: outside })).entries.map((e) => e.name)).toContain('secret.txt');
    b.close();
  });
});
