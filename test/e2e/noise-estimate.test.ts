/**
 * The review queue's label-error estimate and teacher banner in browser mode (real renderer build,
 * server, Chromium, pointer events): "about N of M scanned images likely have a label error", the switch
 * that cuts the queue at N, and the banner a scan with a poorly agreeing teacher leaves (issue 12).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNoiseProject, type NoiseProject } from '../tooling/noise-project';
import { newPage, startBrowserFixture, type BrowserFixture } from './helpers';

const shots = process.env.PARSEL_E2E_SHOTS;
let f: BrowserFixture;
let P: NoiseProject;

beforeAll(async () => {
  f = await startBrowserFixture({});
  P = await makeNoiseProject(f.api, join(f.tmp, 'noise'), { count: 6, size: 96, corruptions: [['class_swap'], ['drop_part', 'lip_swap'], ['lr_swap'], [], [], []] });
}, 120_000);

afterAll(async () => {
  await f?.close();
});

describe('review queue: estimate and teacher check (browser mode)', () => {
  it('shows the estimate, cuts the queue at it, and warns about a poorly agreeing teacher', async () => {
    const { context, page, errors } = await newPage(f);
    try {
      // A scan whose teacher-check threshold the teacher cannot meet: the banner names the figure.
      const strict = await f.api.call('noise:scan', { modelSetId: P.modelSetId, options: { minTeacherF1: 1 } });
      expect(strict.teacher!.ok).toBe(false);
      await page.goto(f.server.url);
      await page.getByTestId('open-review').click();
      const warning = page.getByTestId('teacher-warning');
      await warning.waitFor();
      if (shots) writeFileSync(join(shots, 'review-teacher-warning.png'), await page.screenshot());
      expect(await warning.textContent()).toContain(`mean F1 without background ${strict.teacher!.meanF1.toFixed(2)}, below 1 over 6 images`);

      // A scan from the dialog (default threshold): no banner, the estimate of that scan.
      await page.getByRole('button', { name: 'Scan', exact: true }).click();
      await expect.poll(() => page.getByTestId('scan-result').textContent(), { timeout: 20_000 }).toMatch(/Scanned 6 images/);
      await warning.waitFor({ state: 'detached' });
      const q = await f.api.call('noise:queue', {});
      const n = q.summary.likelyImages;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThan(q.items.length + 1);
      await expect.poll(() => page.getByTestId('label-error-estimate').textContent()).toMatch(new RegExp(`About ${n} of 6 scanned images likely have a label error`));
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(q.items.length);

      const box = (await page.getByTestId('cut-at-estimate').boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(n);
      if (shots) writeFileSync(join(shots, 'review-estimate-cut.png'), await page.screenshot());
      const shown = await page.getByTestId('review-item').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-id'))));
      expect(shown).toEqual(q.items.slice(0, n).map((i) => i.imageId));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
