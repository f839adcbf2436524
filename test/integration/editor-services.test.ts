/** Services the mask editor adds: settings (stored, validated, conflicts refused) and detached saves. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeMask, encodeMask } from '../../src/shared/mask/codec';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { directClient } from '../../src/main/services/backend';
import { createBackend } from '../../src/main/services';
import { expectCode } from '../tooling/api-expect';

const dir = mkdtempSync(join(tmpdir(), 'parsel-edsvc-'));
const userDataDir = join(dir, 'user');
const backend = createBackend({ mode: 'direct', userDataDir });
const api = directClient(backend.services, backend.bus);

beforeAll(async () => {
  mkdirSync(join(dir, 'faces'), { recursive: true });
  await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 9, g: 9, b: 9 } } })
    .png()
    .toFile(join(dir, 'faces', 'a.png'));
  await api.call('project:create', { path: join(dir, 'p.parsel'), schemaId: 'celebamask-hq-a' });
  await api.call('image:addFolder', { folder: join(dir, 'faces') });
});

describe('settings', () => {
  it('gives defaults, stores a partial update as JSON, and refuses unknown keys', async () => {
    expect(await api.call('settings:get', {})).toEqual(DEFAULT_SETTINGS);
    const s = await api.call('settings:set', { authorName: '  Ann  ', autosaveMs: 800 });
    expect(s).toMatchObject({ authorName: 'Ann', autosaveMs: 800, brush: DEFAULT_SETTINGS.brush });
    const onDisk = JSON.parse(readFileSync(join(userDataDir, 'settings.json'), 'utf8'));
    expect(onDisk.authorName).toBe('Ann');
    // A second backend over the same folder reads it back.
    const other = createBackend({ mode: 'direct', userDataDir });
    expect((await directClient(other.services, other.bus).call('settings:get', {})).autosaveMs).toBe(800);
    await expectCode(api.call('settings:set', { colour: 'red' } as never), 'BAD_REQUEST');
    await expectCode(api.call('settings:set', { brush: { size: 501, shape: 'round' } }), 'BAD_REQUEST');
    await expectCode(api.call('settings:set', { authorName: '   ' }), 'BAD_REQUEST');
  });

  it('normalises shortcuts and reports conflicts and unknown actions', async () => {
    const s = await api.call('settings:set', { shortcuts: { 'tool.brush': ['ctrl+shift+b'], 'view.fit': ['Home'] } });
    expect(s.shortcuts).toEqual({ 'tool.brush': ['Ctrl+Shift+B'], 'view.fit': ['Home'] });
    // E is the eraser's by default.
    let e = await expectCode(api.call('settings:set', { shortcuts: { 'tool.brush': ['e'] } }), 'INVALID_INPUT');
    expect(e.details).toMatchObject({ conflicts: [{ combo: 'E', actions: expect.arrayContaining(['tool.brush', 'tool.eraser']) }] });
    expect(e.message).toMatch(/E is bound to/);
    // Moving the eraser away at the same time resolves it.
    await api.call('settings:set', { shortcuts: { 'tool.brush': ['E'], 'tool.eraser': ['Shift+E'] } });
    e = await expectCode(api.call('settings:set', { shortcuts: { 'tool.teleport': ['T'] } }), 'INVALID_INPUT');
    expect(e.message).toMatch(/unknown action "tool.teleport"/);
    e = await expectCode(api.call('settings:set', { shortcuts: { 'tool.brush': ['Ctrl+Hyper+X'] } }), 'INVALID_INPUT');
    expect(e.message).toMatch(/not a key combination/);
    // A failed update leaves the stored settings alone.
    expect((await api.call('settings:get', {})).shortcuts['tool.eraser']).toEqual(['Shift+E']);
  });

  it('a damaged settings file reads as the defaults', async () => {
    const d = join(dir, 'user2');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'settings.json'), '{ not json');
    const b = createBackend({ mode: 'direct', userDataDir: d });
    expect(await directClient(b.services, b.bus).call('settings:get', {})).toEqual(DEFAULT_SETTINGS);
  });
});

describe('revision:save detached', () => {
  it('appends on its stated parent without moving the head; the normal path still checks', async () => {
    const img = (await api.call('image:list', {})).items[0];
    const mask = new Uint8Array(48).fill(1);
    const r1 = await api.call('revision:save', { imageId: img.id, parentId: null, kind: 'human', author: 'a', mask: encodeMask(mask, 8, 6) });
    const theirs = mask.slice().fill(2);
    const r2 = await api.call('revision:save', { imageId: img.id, parentId: r1.id, kind: 'human', author: 'b', mask: encodeMask(theirs, 8, 6) });
    // "Mine" was based on r1; the head is r2: a normal save conflicts, a detached one is kept aside.
    const mine = mask.slice().fill(3);
    const e = await expectCode(
      api.call('revision:save', { imageId: img.id, parentId: r1.id, kind: 'human', author: 'a', mask: encodeMask(mine, 8, 6) }),
      'CONFLICT',
    );
    expect(e.details).toMatchObject({ headRevisionId: r2.id });
    await api.call('image:setStatus', { ids: [img.id], status: 'done' });
    const aside = await api.call('revision:save', {
      imageId: img.id,
      parentId: r1.id,
      kind: 'human',
      author: 'a',
      note: 'set aside in a conflict with #' + r2.id,
      mask: encodeMask(mine, 8, 6),
      detached: true,
    });
    expect(aside).toMatchObject({ parentId: r1.id, kind: 'human', note: `set aside in a conflict with #${r2.id}` });
    const detail = await api.call('image:get', { id: img.id });
    expect(detail.headRevisionId).toBe(r2.id);
    expect(detail.status).toBe('done');
    expect((await api.call('revision:list', { imageId: img.id })).map((r) => r.id)).toEqual([aside.id, r2.id, r1.id]);
    expect(decodeMask(await api.call('revision:mask', { revisionId: aside.id }))).toEqual(mine);
    // A parent from nowhere is refused.
    await expectCode(
      api.call('revision:save', { imageId: img.id, parentId: 99999, kind: 'human', author: 'a', mask: encodeMask(mine, 8, 6), detached: true }),
      'INVALID_INPUT',
    );
    // Revert to the set-aside version = a normal save on top of the head.
    const rev = await api.call('revision:save', {
      imageId: img.id,
      parentId: r2.id,
      kind: 'human',
      author: 'a',
      note: `revert to #${aside.id}`,
      mask: encodeMask(mine, 8, 6),
    });
    expect((await api.call('image:get', { id: img.id })).headRevisionId).toBe(rev.id);
  });
});
