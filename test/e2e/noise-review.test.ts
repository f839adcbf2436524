/**
 * Label-noise review end to end in browser mode (real renderer build, server, Chromium, keyboard):
 * synthetic faces with corrupted labels and a teacher made from the clean masks in the prediction
 * cache; scan; open the review queue from the Project screen; open the top image; `A` accepts the
 * selected flag (a `fix` revision that differs from its parent only inside the flag's region, read back
 * through the API); `D` dismisses the next one (and it stays dismissed after a rescan); with no open flag
 * left the editor moves to the next image in the queue.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagInfo } from '../../src/shared/api/methods-noise';
import { getSchema } from '../../src/shared/schema';
import { flagRegionMap, makeNoiseProject, type NoiseProject } from '../tooling/noise-project';
import { editorState, revisionMask } from './editor-helpers';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const shots = process.env.PARSEL_E2E_SHOTS;
const schema = getSchema('celebamask-hq-a');
let f: BrowserFixture;
let P: NoiseProject;

beforeAll(async () => {
  f = await startBrowserFixture({ settings: { authorName: 'Rev Iewer', autosaveMs: 600_000 } });
  // Opens this project in the backend the server serves.
  P = await makeNoiseProject(f.api, join(f.tmp, 'noise'), { count: 4, size: 128, corruptions: [['class_swap', 'drop_part', 'lr_swap'], ['lip_swap', 'class_swap'], [], []] });
}, 120_000);

afterAll(async () => {
  await f?.close();
});

async function flagsOf(imageId: number, revisionId?: number): Promise<FlagInfo[]> {
  const r = await f.api.call('noise:flags', revisionId === undefined ? { imageId } : { imageId, revisionId });
  return r[0]?.flags ?? [];
}

describe('review queue (browser mode)', () => {
  it('queue → top image → A accepts (fix revision only in the region) → D dismisses (kept on rescan) → next image', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      // Scan from the queue view (model set and band from the form).
      await page.goto(f.server.url);
      await page.getByTestId('open-review').click();
      // The fixture's teacher set has one member: the form says what that costs.
      expect(await page.getByTestId('single-model-hint').textContent()).toMatch(/One model: its confident mistakes look like label errors/);
      await page.getByRole('button', { name: 'Scan' }).click();
      await expect.poll(() => page.getByTestId('scan-result').textContent(), { timeout: 20_000 }).toMatch(/Scanned 4 images \(0 without a cached prediction\)/);
      const queue = await f.api.call('noise:queue', {});
      expect(queue.items.length).toBe(2);
      const top = queue.items[0];
      const second = queue.items[1];
      const flags0 = await flagsOf(top.imageId);
      expect(flags0.filter((x) => x.status === 'open').length).toBeGreaterThanOrEqual(2);

      await expect.poll(() => page.getByTestId('review-item').count()).toBe(2);
      if (shots) writeFileSync(join(shots, 'review-queue.png'), await page.screenshot());
      expect(await page.getByTestId('review-item').first().getAttribute('data-image-id')).toBe(String(top.imageId));
      expect(await page.getByTestId('review-progress').textContent()).toMatch(/0 of 2 reviewed/);

      await page.getByTestId('review-item').first().locator('button').click();
      await page.waitForFunction(() => window.__parselViewer?.ready === true && !!window.__parselEditor, null, { timeout: 20_000 });
      expect(new URL(page.url()).hash).toBe(`#/image/${top.imageId}`);
      await expect.poll(() => page.getByTestId('flag-item').count()).toBe(flags0.length);
      // The disagreement heat map and the model overlay come and go.
      await page.getByTestId('overlay-heat').click();
      await page.getByTestId('review-overlay').waitFor();
      if (shots) writeFileSync(join(shots, 'review-heatmap.png'), await page.screenshot());
      await page.getByTestId('overlay-model').click();
      await page.getByTestId('review-overlay').waitFor();
      await page.getByTestId('overlay-none').click();
      await page.getByTestId('review-overlay').waitFor({ state: 'detached' });

      // Selecting a flag zooms to its region.
      const fitScale = (await editorState(page)).scale;
      await page.getByTestId('flag-item').first().click();
      await expect.poll(async () => (await editorState(page)).scale).toBeGreaterThan(fitScale * 1.2);
      await page.getByTestId('flag-box').waitFor();
      if (shots) writeFileSync(join(shots, 'review-flag.png'), await page.screenshot());

      // A: the selected flag (the first open one) is accepted.
      const selected = Number(await page.locator('[data-testid="flag-item"].current').getAttribute('data-flag-id'));
      const flagA = flags0.find((x) => x.id === selected)!;
      expect(flagA.status).toBe('open');
      await page.keyboard.press('a');
      // A big flag (a whole swapped part, at the default review settings) asks first: A again confirms.
      if (flagA.size?.big) {
        await page.getByTestId('flag-confirm').waitFor();
        await page.keyboard.press('a');
      }
      await expect.poll(async () => (await flagsOf(top.imageId, flagA.revisionId)).find((x) => x.id === flagA.id)?.status, { timeout: 10_000 }).toBe('fixed');
      const detail = await f.api.call('image:get', { id: top.imageId });
      const revs = await f.api.call('revision:list', { imageId: top.imageId });
      expect(revs[0]).toMatchObject({ id: detail.headRevisionId, kind: 'fix', parentId: flagA.revisionId, author: 'Rev Iewer' });
      const before = await revisionMask(f.api, flagA.revisionId);
      const after = await revisionMask(f.api, detail.headRevisionId!);
      const region = flagRegionMap(P.file, flagA.id, P.size, P.size);
      let changed = 0;
      for (let i = 0; i < before.length; i++) {
        if (before[i] === after[i]) continue;
        changed++;
        expect(region[i]).toBe(1);
        expect([before[i], after[i]]).toEqual([flagA.labelClass, flagA.suggestedClass]);
      }
      expect(changed).toBeGreaterThan(0);
      // The editor now stands on the fix revision (its next save would have it as parent).
      await expect.poll(async () => page.evaluate(() => window.__parselEditor!.state().base)).toBe(detail.headRevisionId);

      // D: the next open flag (selected automatically) is dismissed.
      await expect.poll(async () => Number(await page.locator('[data-testid="flag-item"].current').getAttribute('data-flag-id'))).not.toBe(flagA.id);
      await page.locator('[data-testid="flag-item"].current[data-status="open"]').waitFor();
      await expect.poll(() => page.getByRole('button', { name: /^Dismiss/ }).isEnabled()).toBe(true);
      const flagD = Number(await page.locator('[data-testid="flag-item"].current').getAttribute('data-flag-id'));
      await page.keyboard.press('d');
      await expect.poll(async () => (await flagsOf(top.imageId, flagA.revisionId)).find((x) => x.id === flagD)?.status, { timeout: 10_000 }).toBe('dismissed');
      const dismissed = (await flagsOf(top.imageId, flagA.revisionId)).find((x) => x.id === flagD)!;
      expect(dismissed.resolvedBy).toBe('Rev Iewer');

      // Dismiss the rest with D; with none open, the editor goes on to the next queued image.
      for (let k = 0; k < 10; k++) {
        const open = (await flagsOf(top.imageId, flagA.revisionId)).filter((x) => x.status === 'open');
        if (open.length === 0) break;
        // The panel has moved on to an open flag and is idle (keys are ignored while a decision is sent).
        await page.locator('[data-testid="flag-item"].current[data-status="open"]').waitFor();
        await expect.poll(() => page.getByRole('button', { name: /^Dismiss/ }).isEnabled()).toBe(true);
        await page.keyboard.press('d');
        await expect.poll(async () => (await flagsOf(top.imageId, flagA.revisionId)).filter((x) => x.status === 'open').length, { timeout: 10_000 }).toBe(open.length - 1);
      }
      await expect.poll(() => new URL(page.url()).hash, { timeout: 10_000 }).toBe(`#/image/${second.imageId}`);

      // A rescan on the fix revision keeps the dismissal and does not flag the accepted region again.
      const r = await f.api.call('noise:scan', { modelSetId: P.modelSetId, selection: { imageIds: [top.imageId] } });
      expect(r.keptDismissed).toBeGreaterThanOrEqual(1);
      const now = await flagsOf(top.imageId);
      expect(now.every((x) => x.revisionId === detail.headRevisionId)).toBe(true);
      expect(now.filter((x) => x.status === 'open')).toEqual([]);
      const dRegion = flagRegionMap(P.file, flagD, P.size, P.size);
      const carried = now.filter((x) => {
        const m = flagRegionMap(P.file, x.id, P.size, P.size);
        let inter = 0;
        let uni = 0;
        for (let i = 0; i < m.length; i++) {
          inter += m[i] & dRegion[i];
          uni += m[i] | dRegion[i];
        }
        return uni > 0 && inter / uni >= 0.5;
      });
      expect(carried).toHaveLength(1);
      expect(carried[0]).toMatchObject({ status: 'dismissed', resolvedBy: 'Rev Iewer' });

      // Back on the Project screen the queue shows the progress.
      await page.goto('about:blank');
      await page.goto(`${f.server.url}#/project`);
      await page.getByTestId('open-review').click();
      await expect.poll(async () => page.getByTestId('review-progress').textContent()).toMatch(/1 of 2 reviewed/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("a confusion chip filters the queue by class pair; the editor goes through that pair's flags only, then the rest", async () => {
    const { context, page, errors } = await newPage(f);
    try {
      const all = await f.api.call('noise:queue', {});
      // The image test 1 left open has flags of two or more pairs.
      const lips = all.items.find((i) => i.pairs.filter((p) => p.open > 0).length >= 2)!;
      expect(lips, JSON.stringify(all.items.map((i) => i.pairs))).toBeDefined();
      const pair = lips.pairs.find((p) => p.open > 0)!;
      const filtered = await f.api.call('noise:queue', { pair: { from: pair.from, to: pair.to } });

      await page.goto(f.server.url);
      await page.getByTestId('open-review').click();
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(all.items.length);
      expect(await page.getByTestId('pair-chip').count()).toBe(Math.min(8, all.pairs.length));
      const title = (k: number) => schema.classes[k].title;
      const row = page.locator(`[data-testid="review-item"][data-image-id="${lips.imageId}"]`);
      expect(await row.getByTestId('row-pairs').textContent()).toContain(`${title(pair.from)}→${title(pair.to)}`);

      await page.locator(`[data-testid="pair-chip"][data-from="${pair.from}"][data-to="${pair.to}"]`).click();
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(filtered.items.length);
      expect(await page.getByTestId('review-item').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-id'))))).toEqual(filtered.items.map((i) => i.imageId));
      expect(await page.getByTestId('review-progress').textContent()).toMatch(new RegExp(`${filtered.reviewed} of ${filtered.queued} reviewed for ${title(pair.from)} → ${title(pair.to)}`));
      if (shots) writeFileSync(join(shots, 'review-pair-filter.png'), await page.screenshot());

      // Open the lips image: the selected flag is of the pair; D on each of them, then the other pair's flag is selected.
      await row.locator('button').click();
      await page.waitForFunction(() => window.__parselViewer?.ready === true && !!window.__parselEditor, null, { timeout: 20_000 });
      expect(await page.getByTestId('focus-pair').textContent()).toContain(`${title(pair.from)} → ${title(pair.to)}`);
      const ofPair = (xs: FlagInfo[]) => xs.filter((x) => x.status === 'open' && x.labelClass === pair.from && x.suggestedClass === pair.to);
      const others = (await flagsOf(lips.imageId)).filter((x) => x.status === 'open' && !(x.labelClass === pair.from && x.suggestedClass === pair.to));
      expect(others.length).toBeGreaterThan(0);
      for (let k = 0; k < 10 && ofPair(await flagsOf(lips.imageId)).length > 0; k++) {
        await page.locator('[data-testid="flag-item"].current[data-status="open"]').waitFor();
        await expect.poll(() => page.getByRole('button', { name: /^Dismiss/ }).isEnabled()).toBe(true);
        const sel = Number(await page.locator('[data-testid="flag-item"].current').getAttribute('data-flag-id'));
        const selFlag = (await flagsOf(lips.imageId)).find((x) => x.id === sel)!;
        expect([selFlag.labelClass, selFlag.suggestedClass]).toEqual([pair.from, pair.to]);
        const before = ofPair(await flagsOf(lips.imageId)).length;
        await page.keyboard.press('d');
        await expect.poll(async () => ofPair(await flagsOf(lips.imageId)).length, { timeout: 10_000 }).toBe(before - 1);
      }
      // No open flag of the pair left anywhere in the filtered queue: the editor stays and selects another pair's flag.
      const left = (await f.api.call('noise:queue', { pair: { from: pair.from, to: pair.to }, onlyOpen: true })).total;
      expect(left).toBe(0);
      await expect.poll(async () => Number(await page.locator('[data-testid="flag-item"].current').getAttribute('data-flag-id'))).toBe(others[0].id);
      expect(await page.getByTestId('flag-message').textContent()).toMatch(/No open flag of the filtered pair left in the queue/);
      expect(new URL(page.url()).hash).toBe(`#/image/${lips.imageId}`);
      expect((await flagsOf(lips.imageId)).filter((x) => others.some((o) => o.id === x.id)).every((x) => x.status === 'open')).toBe(true);

      // Back on the queue (the editor's "← Grid"), the filter is kept and counts the pair as reviewed.
      await page.getByRole('button', { name: '← Grid' }).click();
      await expect.poll(async () => page.getByTestId('review-progress').textContent()).toMatch(new RegExp(`${filtered.queued} of ${filtered.queued} reviewed for`));
      await page.getByTestId('pair-all').click();
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(all.items.length);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
