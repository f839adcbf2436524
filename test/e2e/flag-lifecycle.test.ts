/**
 * The flag lifecycle in the editor (issue 12), browser mode with real keys and pointer clicks, on the
 * noise fixture (test/tooling/noise-project.ts):
 * - an accept is one step of the editor's undo history: Ctrl+Z brings the region back, the saved head
 *   then equals the mask before the accept and the flag is open again; Ctrl+Y accepts it again;
 * - Accept / Dismiss are disabled on a closed flag; a dismissed flag reopens (Shift+R) and a rescan
 *   keeps it open;
 * - a big flag does not accept in one key: `A` asks inline (Esc cancels, A or Enter confirms), or
 *   *Edit by hand* sets the brush up for the region; the limits are set in the queue's settings row;
 * - after the last accept of an image opened from the queue the editor stays (Ctrl+Z still undoes it)
 *   and `A` then goes on to the next queued image.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagInfo } from '../../src/shared/api/methods-noise';
import { DEFAULT_REVIEW_SETTINGS } from '../../src/shared/noise/big-flag';
import { makeNoiseProject, type NoiseProject } from '../tooling/noise-project';
import { editorState, openEditor, revisionMask } from './editor-helpers';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';
import type { Page } from 'playwright-core';

let f: BrowserFixture;
let P: NoiseProject;

beforeAll(async () => {
  // Autosave far away: every revision the editor writes here comes from the review itself.
  f = await startBrowserFixture({ prefix: 'parsel-e2e-flags-', settings: { authorName: 'Rev Iewer', autosaveMs: 600_000 } });
  P = await makeNoiseProject(f.api, join(f.tmp, 'noise'), { count: 4, size: 128, corruptions: [['class_swap', 'drop_part', 'lr_swap'], ['lip_swap', 'class_swap'], [], []] });
  const r = await f.api.call('noise:scan', { modelSetId: P.modelSetId });
  expect(r.scanned).toBe(4);
}, 120_000);

afterAll(async () => {
  await f?.close();
});

async function flagsOf(imageId: number, revisionId?: number): Promise<FlagInfo[]> {
  const r = await f.api.call('noise:flags', revisionId === undefined ? { imageId } : { imageId, revisionId });
  return r[0]?.flags ?? [];
}
const statusOf = async (imageId: number, flagId: number) => (await flagsOf(imageId)).find((x) => x.id === flagId)?.status;
const headOf = async (imageId: number) => (await f.api.call('image:get', { id: imageId })).headRevisionId!;
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const selectedId = async (page: Page) => Number(await page.locator('[data-testid="flag-item"].current').getAttribute('data-flag-id'));
const button = (page: Page, name: RegExp) => page.getByTestId('flags-panel').getByRole('button', { name });
/** The panel is idle (no decision or undo on its way: Accept is enabled) with the open flag `flagId` selected. */
async function idleOn(page: Page, flagId: number): Promise<void> {
  await expect.poll(() => selectedId(page), { timeout: 10_000 }).toBe(flagId);
  await expect.poll(() => button(page, /^Accept/).isEnabled(), { timeout: 10_000 }).toBe(true);
}

describe('flag lifecycle in the editor (browser mode)', () => {
  it('Ctrl+Z after A brings the region back: the saved head equals the pre-accept mask and the flag is open; Ctrl+Y accepts again', async () => {
    await f.api.call('noise:setSettings', { bigFlagImageShare: 1, bigFlagPartShare: 1 }); // one key accepts here
    const im = P.images[0];
    const { context, page, errors } = await newPage(f);
    try {
      await openEditor(f, page, im.id);
      const flags0 = await flagsOf(im.id);
      await expect.poll(() => page.getByTestId('flag-item').count()).toBe(flags0.length);
      const flag = flags0.find((x) => x.status === 'open')!;
      await idleOn(page, flag.id);
      const h0 = await headOf(im.id);
      const before = await revisionMask(f.api, h0);

      await page.keyboard.press('a');
      await expect.poll(() => statusOf(im.id, flag.id), { timeout: 10_000 }).toBe('fixed');
      const fix = await headOf(im.id);
      expect((await f.api.call('revision:list', { imageId: im.id }))[0]).toMatchObject({ id: fix, kind: 'fix', parentId: h0 });
      const fixed = await revisionMask(f.api, fix);
      expect(same(fixed, before)).toBe(false);
      await expect.poll(async () => (await editorState(page)).base).toBe(fix);
      // The last open flag may be gone: the editor stays on the image (its undo history is here).
      expect(new URL(page.url()).hash).toBe(`#/image/${im.id}`);
      expect((await editorState(page)).undoDepth).toBe(1);

      // Ctrl+Z: the pixels come back, are saved on top of the fix, and the flag is open again.
      await page.keyboard.press('Control+z');
      await expect.poll(() => statusOf(im.id, flag.id), { timeout: 10_000 }).toBe('open');
      const undone = await headOf(im.id);
      const revs = await f.api.call('revision:list', { imageId: im.id });
      expect(revs[0]).toMatchObject({ id: undone, kind: 'human', parentId: fix, author: 'Rev Iewer' });
      expect(revs[0].note).toMatch(new RegExp(`undo of accepting noise flag ${flag.id}`));
      expect(same(await revisionMask(f.api, undone), before)).toBe(true);
      await expect.poll(async () => (await editorState(page)).base).toBe(undone);
      expect((await editorState(page)).save.kind).toBe('saved');
      await page.locator(`[data-testid="flag-item"][data-flag-id="${flag.id}"][data-status="open"]`).waitFor();
      expect(await selectedId(page)).toBe(flag.id);
      await expect.poll(() => page.getByTestId('flag-message').textContent()).toMatch(/undone: the region is back/);

      // Ctrl+Y: accepted again, a new fix revision with the same pixels as the first.
      await page.keyboard.press('Control+y');
      await expect.poll(() => statusOf(im.id, flag.id), { timeout: 10_000 }).toBe('fixed');
      const refix = await headOf(im.id);
      expect((await f.api.call('revision:list', { imageId: im.id }))[0]).toMatchObject({ id: refix, kind: 'fix', parentId: undone });
      expect(same(await revisionMask(f.api, refix), fixed)).toBe(true);
      await expect.poll(async () => (await editorState(page)).base).toBe(refix);
      expect((await editorState(page)).save.kind).toBe('saved');

      // And undone once more: the head is the pre-accept mask again; nothing else is saved after it.
      await expect.poll(() => page.getByTestId('flag-message').textContent()).toMatch(/redone/);
      await page.keyboard.press('Control+z');
      await expect.poll(() => statusOf(im.id, flag.id), { timeout: 10_000 }).toBe('open');
      const last = await headOf(im.id);
      expect(same(await revisionMask(f.api, last), before)).toBe(true);
      await page.evaluate(() => window.__parselEditor!.flush());
      expect(await headOf(im.id)).toBe(last);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('Accept and Dismiss are disabled on a closed flag; a dismissed flag reopens with Shift+R and a rescan keeps it open', async () => {
    const im = P.images[0];
    const { context, page, errors } = await newPage(f);
    try {
      await openEditor(f, page, im.id);
      const open = (await flagsOf(im.id)).filter((x) => x.status === 'open');
      expect(open.length).toBeGreaterThanOrEqual(2);
      await expect.poll(() => page.getByTestId('flag-item').count()).toBe((await flagsOf(im.id)).length);
      // Dismiss the first open flag with D (selected on opening).
      const target = open[0];
      await idleOn(page, target.id);
      await page.keyboard.press('d');
      await expect.poll(() => statusOf(im.id, target.id), { timeout: 10_000 }).toBe('dismissed');

      // Select it again with a click: Accept / Dismiss are disabled, Reopen is offered; A and D do nothing.
      await page.locator(`[data-testid="flag-item"][data-flag-id="${target.id}"]`).click();
      await expect.poll(() => button(page, /^Accept/).isDisabled()).toBe(true);
      expect(await button(page, /^Dismiss/).isDisabled()).toBe(true);
      expect(await button(page, /^Reopen/).isEnabled()).toBe(true);
      const n = (await f.api.call('revision:list', { imageId: im.id })).length;
      await page.keyboard.press('a');
      await expect.poll(() => page.getByTestId('flag-message').textContent()).toMatch(new RegExp(`Flag ${target.id} is already dismissed`));
      expect((await f.api.call('revision:list', { imageId: im.id })).length).toBe(n);

      await page.keyboard.press('Shift+R');
      await expect.poll(() => statusOf(im.id, target.id), { timeout: 10_000 }).toBe('open');
      await expect.poll(() => button(page, /^Accept/).isEnabled()).toBe(true);
      expect(await button(page, /^Dismiss/).isEnabled()).toBe(true);
      expect(await button(page, /^Reopen/).count()).toBe(0);

      // A fixed flag: Accept / Dismiss disabled, Reopen disabled (its fix must be undone first).
      const other = open[1];
      await page.locator(`[data-testid="flag-item"][data-flag-id="${other.id}"]`).click();
      await idleOn(page, other.id);
      await page.keyboard.press('a');
      await expect.poll(() => statusOf(im.id, other.id), { timeout: 10_000 }).toBe('fixed');
      await page.locator(`[data-testid="flag-item"][data-flag-id="${other.id}"]`).click();
      await expect.poll(() => button(page, /^Accept/).isDisabled()).toBe(true);
      expect(await button(page, /^Dismiss/).isDisabled()).toBe(true);
      expect(await button(page, /^Reopen/).isDisabled()).toBe(true);

      // The rescan flags the reopened region open again (no dismissal carried over).
      const r = await f.api.call('noise:scan', { modelSetId: P.modelSetId });
      expect(r.keptDismissed).toBe(0);
      const now = await flagsOf(im.id);
      expect(now.filter((x) => x.status === 'dismissed')).toEqual([]);
      expect(now.some((x) => x.status === 'open' && x.labelClass === target.labelClass && x.suggestedClass === target.suggestedClass)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("a big flag (limits set in the queue's settings row) asks first: Esc cancels, A again accepts; Enter accepts; Edit by hand sets the brush up instead", async () => {
    const im = P.images[1];
    const { context, page, errors } = await newPage(f);
    try {
      // Set in the review queue's settings row: the default image share; a part share low enough that
      // both flags of this image are big (the swapped lip is 100 % of its class, the other region ~6 %).
      await f.api.call('noise:setSettings', { bigFlagImageShare: 0.2 });
      await page.goto(f.server.url);
      await page.getByTestId('open-review').click();
      const imageField = page.getByTestId('review-setting-bigFlagImageShare');
      await expect.poll(() => imageField.inputValue()).toBe('20');
      await imageField.fill(String(DEFAULT_REVIEW_SETTINGS.bigFlagImageShare * 100));
      await imageField.press('Enter');
      const partField = page.getByTestId('review-setting-bigFlagPartShare');
      await partField.fill('5');
      await partField.press('Tab');
      await expect.poll(() => f.api.call('noise:settings', {})).toEqual({ bigFlagImageShare: 0.05, bigFlagPartShare: 0.05 });
      const big = (await flagsOf(im.id)).filter((x) => x.status === 'open' && x.size?.big);
      expect(big.length, JSON.stringify((await flagsOf(im.id)).map((x) => x.size))).toBeGreaterThanOrEqual(2);

      await openEditor(f, page, im.id);
      await expect.poll(() => page.getByTestId('flag-item').count()).toBe((await flagsOf(im.id)).length);
      const h0 = await headOf(im.id);
      const [first, second] = big;
      expect(await page.locator(`[data-testid="flag-item"][data-flag-id="${first.id}"]`).count()).toBe(1);
      await page.locator(`[data-testid="flag-item"][data-flag-id="${first.id}"]`).click();
      await idleOn(page, first.id);

      // A: asks (the reason names the share and the limit); nothing is written.
      await page.keyboard.press('a');
      await page.getByTestId('flag-confirm').waitFor();
      expect(await page.getByTestId('flag-confirm').textContent()).toMatch(/It is big: it covers \d+(\.\d)? % of the (image|image's .+) \(confirmation above/);
      expect(await statusOf(im.id, first.id)).toBe('open');
      expect(await headOf(im.id)).toBe(h0);
      // Esc cancels (the editor stays).
      await page.keyboard.press('Escape');
      await page.getByTestId('flag-confirm').waitFor({ state: 'detached' });
      expect(new URL(page.url()).hash).toBe(`#/image/${im.id}`);
      expect(await statusOf(im.id, first.id)).toBe('open');
      // A, A: accepted.
      await page.keyboard.press('a');
      await page.getByTestId('flag-confirm').waitFor();
      await page.keyboard.press('a');
      await expect.poll(() => statusOf(im.id, first.id), { timeout: 10_000 }).toBe('fixed');
      await page.getByTestId('flag-confirm').waitFor({ state: 'detached' });

      // Enter confirms too.
      await page.locator(`[data-testid="flag-item"][data-flag-id="${second.id}"]`).click();
      await idleOn(page, second.id);
      await page.keyboard.press('a');
      await page.getByTestId('flag-confirm').waitFor();
      await page.keyboard.press('Enter');
      await expect.poll(() => statusOf(im.id, second.id), { timeout: 10_000 }).toBe('fixed');

      // Undo the second accept, then choose Edit by hand: brush, the suggested class, nothing accepted.
      await page.keyboard.press('Control+z');
      await expect.poll(() => statusOf(im.id, second.id), { timeout: 10_000 }).toBe('open');
      await idleOn(page, second.id);
      await page.keyboard.press('a');
      await page.getByTestId('flag-confirm-edit').click();
      await page.getByTestId('flag-confirm').waitFor({ state: 'detached' });
      await expect.poll(async () => (await editorState(page)).tool).toBe('brush');
      expect((await editorState(page)).current).toBe(second.suggestedClass);
      expect(await statusOf(im.id, second.id)).toBe('open');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('after the last accept of a queued image the editor stays (Ctrl+Z still undoes it); A then goes on to the next image of the queue', async () => {
    await f.api.call('noise:setSettings', { bigFlagImageShare: 1, bigFlagPartShare: 1 });
    // The first queued image with open flags, and the one listed after it (the queue's order).
    const queue = await f.api.call('noise:queue', {});
    const at = queue.items.findIndex((i) => i.openFlags > 0);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at + 1).toBeLessThan(queue.items.length);
    const top = queue.items[at];
    const next = queue.items[at + 1];
    const { context, page, errors } = await newPage(f);
    try {
      await page.goto(f.server.url);
      await page.getByTestId('open-review').click();
      await page.locator(`[data-testid="review-item"][data-image-id="${top.imageId}"] button`).click();
      await page.waitForFunction(() => window.__parselViewer?.ready === true && !!window.__parselEditor, null, { timeout: 20_000 });
      let open = (await flagsOf(top.imageId)).filter((x) => x.status === 'open');
      let last = open[0];
      for (let k = 0; k < 10 && open.length > 0; k++) {
        // The next open flag by the API, selected with a click (the panel's own choice after an accept
        // can still be moving under a loaded machine), then A.
        last = open[0];
        await page.locator(`[data-testid="flag-item"][data-flag-id="${last.id}"]`).click();
        await idleOn(page, last.id);
        await page.keyboard.press('a');
        await expect.poll(() => statusOf(top.imageId, last.id), { timeout: 10_000 }).toBe('fixed');
        open = (await flagsOf(top.imageId)).filter((x) => x.status === 'open');
      }
      expect(open).toEqual([]);
      await expect.poll(() => page.getByTestId('flag-message').textContent(), { timeout: 10_000 }).toMatch(/No open flag left here\. Ctrl\+Z undoes the accept; A or D goes on to the next image/);
      expect(new URL(page.url()).hash).toBe(`#/image/${top.imageId}`);
      // Ctrl+Z still takes the last accept back; A accepts it again.
      await page.keyboard.press('Control+z');
      await expect.poll(() => statusOf(top.imageId, last.id), { timeout: 10_000 }).toBe('open');
      await idleOn(page, last.id);
      await page.keyboard.press('a');
      await expect.poll(() => statusOf(top.imageId, last.id), { timeout: 10_000 }).toBe('fixed');
      await expect.poll(() => page.getByTestId('flag-message').textContent(), { timeout: 10_000 }).toMatch(/No open flag left here/);
      // A on a reviewed image moves on.
      await page.keyboard.press('a');
      await expect.poll(() => new URL(page.url()).hash, { timeout: 10_000 }).toBe(`#/image/${next.imageId}`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
