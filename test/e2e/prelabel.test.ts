/**
 * Models and pre-labelling end to end in Chromium (browser mode, real renderer build, server and ONNX
 * engine) with generated models: a model whose card does not fit its graph is refused with every
 * problem named; the colour-rule model is added and put in a set (removing it is then refused);
 * pre-labelling the project shows progress, the provider "CPU" and a summary; the grid shows
 * `prelabeled`; each image's head is a `model` revision with exactly the colour-rule mask. A requested
 * CUDA provider that cannot start is reported in the dialog and the status bar (CPU is used). A bigger
 * job cancelled mid-way keeps its finished items and is offered for resume, which finishes it; so is a
 * job whose process was killed (SIGKILL) mid-way.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMask } from '../../src/shared/mask/codec';
import type { ModelCardInput } from '../../src/shared/models/card';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { averageFiles } from '../../src/main/inference/average';
import { runJob } from '../tooling/api-expect';
import { colourRuleClass, colourRuleModel } from '../tooling/onnx-gen';
import { newPage, ROOT, startBrowserFixture, type BrowserFixture } from './helpers';

const LAPA = getSchema('lapa-11');
const W = 96;
const H = 80;
const N = 5;
/** The cancel/resume job: more and bigger images (resized to the card's size, probabilities upsampled back). */
const BIG_N = 40;
const BIG = 384;
const centroids = LAPA.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);

let f: BrowserFixture;
let page: Page;
let pageErrors: string[] = [];
const rgbByName = new Map<string, Uint8Array>();
let goodModel: string;
let badModel: string;
let bareModel: string;
let averagedModel: string;
let celebModel: string;
let bigDir: string;

const card = (extra: Partial<ModelCardInput> = {}): ModelCardInput => ({
  name: 'colour rule',
  input: { name: 'image', width: W, height: H },
  output: { kind: 'logits' },
  labels: 'lapa-11',
  ...extra,
});

/** Nearest-centroid class of each pixel, or -1 where the best two are (nearly) tied. */
function colourRule(rgb: Uint8Array): Int16Array {
  const out = new Int16Array(rgb.length / 3);
  for (let q = 0; q < out.length; q++) out[q] = colourRuleClass(centroids, rgb[q * 3], rgb[q * 3 + 1], rgb[q * 3 + 2]);
  return out;
}

beforeAll(async () => {
  f = await startBrowserFixture({ prefix: 'parsel-e2e-prelabel-', project: { file: 'faces.parsel', schemaId: 'lapa-11' } });
  const imgDir = join(f.tmp, 'faces');
  mkdirSync(imgDir);
  for (let i = 0; i < N; i++) {
    const face = generateFace({ seed: 200 + i, width: W, height: H, schema: LAPA });
    const name = `f${i}.png`;
    rgbByName.set(name, face.rgb);
    await sharp(Buffer.from(face.rgb), { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(imgDir, name));
  }
  bigDir = join(f.tmp, 'big');
  mkdirSync(bigDir);
  for (let i = 0; i < BIG_N; i++) {
    const face = generateFace({ seed: 300 + i, width: BIG, height: BIG, schema: LAPA });
    await sharp(Buffer.from(face.rgb), { raw: { width: BIG, height: BIG, channels: 3 } }).png({ compressionLevel: 1 }).toFile(join(bigDir, `b${String(i).padStart(2, '0')}.png`));
  }
  // The colour-rule model with its card beside it, and a copy whose card does not fit its graph.
  const models = join(f.tmp, 'models');
  mkdirSync(models);
  goodModel = join(models, 'colour.onnx');
  writeFileSync(goodModel, colourRuleModel({ centroids }));
  writeFileSync(join(models, 'colour.card.json'), JSON.stringify(card()));
  badModel = join(models, 'wrong.onnx');
  writeFileSync(badModel, colourRuleModel({ centroids }));
  bareModel = join(models, 'bare.onnx');
  writeFileSync(bareModel, colourRuleModel({ centroids }));
  writeFileSync(join(models, 'wrong.card.json'), JSON.stringify(card({ name: 'wrong', input: { name: 'input', width: W, height: H }, labels: 'celebamask-hq-b' })));
  // Two checkpoints of one graph averaged (DML-CSR eq. 6, plain mean); the card beside the first is copied.
  const ckpt = (name: string, shift: number) => {
    writeFileSync(join(models, name), colourRuleModel({ centroids: centroids.map((c) => c.map((v) => Math.min(1, v + shift)) as [number, number, number]) }));
    return join(models, name);
  };
  const first = ckpt('ckpt1.onnx', 0);
  writeFileSync(join(models, 'ckpt1.card.json'), JSON.stringify(card({ name: 'averaged colour' })));
  // A 19-class CelebAMask-HQ colour model: another schema than the project's (remapped).
  celebModel = join(models, 'celeb.onnx');
  writeFileSync(celebModel, colourRuleModel({ centroids: getSchema('celebamask-hq-a').classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]) }));
  writeFileSync(join(models, 'celeb.card.json'), JSON.stringify(card({ name: 'celeb colour', labels: 'celebamask-hq-a' })));
  averagedModel = join(models, 'averaged.onnx');
  averageFiles(averagedModel, [first, ckpt('ckpt2.onnx', 0.02)]);

  const added = await f.api.call('image:addFolder', { folder: imgDir });
  expect(added.added).toBe(N);
  ({ page, errors: pageErrors } = await newPage(f, { width: 1280, height: 900 }));
}, 180_000);

afterAll(async () => {
  await f?.close();
});

describe('models and pre-labelling', () => {
  it('refuses a card that does not fit, adds a model, makes a set, refuses removing a used model', async () => {
    await page.goto(f.server.url);
    await expect.poll(() => page.getByTestId('status-provider').textContent(), { timeout: 15_000 }).toMatch(/Provider\s*—/);
    await page.getByTestId('open-models').click();
    const dialog = page.getByRole('dialog', { name: 'Models' });
    await dialog.getByTestId('no-models').waitFor();

    // Refused: every problem of the card against the graph, in full.
    await dialog.getByLabel('Model file').fill(badModel);
    await dialog.getByRole('button', { name: 'Add model' }).click();
    const refusal = dialog.getByTestId('model-add-error');
    await refusal.waitFor();
    const text = (await refusal.getByRole('alert').textContent()) ?? '';
    expect(text).toContain('INVALID_INPUT');
    expect(text).toContain('wrong.onnx: the model card does not fit the model:');
    expect(text).toContain('input.name: the graph has no input "input"; its inputs are "image" [1, 3, h, w]');
    expect(text).toContain('output "out" [1, 11, h, w] has 11 classes but the card\'s schema "celebamask-hq-b" has 19');
    // "Check" lists the same problems one per line, with the graph's tensors.
    await dialog.getByRole('button', { name: 'Check', exact: true }).click();
    const check = dialog.getByTestId('model-check');
    await check.waitFor();
    expect(await check.getAttribute('data-ok')).toBe('false');
    expect(await check.getByRole('list', { name: 'Card problems' }).getByRole('listitem').allTextContents()).toEqual([
      'input.name: the graph has no input "input"; its inputs are "image" [1, 3, h, w]',
      'output "out" [1, 11, h, w] has 11 classes but the card\'s schema "celebamask-hq-b" has 19; choose the schema the model was trained with (or check output.layout)',
    ]);
    expect(await check.textContent()).toContain('input "image" float32 [1, 3, h, w]');
    if (process.env.PARSEL_E2E_SHOTS) await page.screenshot({ path: join(process.env.PARSEL_E2E_SHOTS, 'models-refused.png') });

    // Added: the row describes the card.
    await dialog.getByLabel('Model file').fill(goodModel);
    await dialog.getByRole('button', { name: 'Add model' }).click();
    const row = dialog.getByRole('table', { name: 'Models' }).locator('tr[data-model="colour rule"]');
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual([
      'colour rule',
      goodModel,
      'lapa-11',
      '11',
      `${W}×${H} NCHW RGB`,
      'whole image',
      'available',
      '—',
      'CheckRemove',
    ]);
    expect(await dialog.getByTestId('model-add-error').count()).toBe(0);
    // An added model is checked again against its file on demand.
    await dialog.getByRole('button', { name: 'Check colour rule' }).click();
    await expect.poll(() => row.getByTestId('model-status').textContent()).toBe('checked: fits');

    // A model set of it.
    await dialog.getByLabel('Name', { exact: true }).fill('colour');
    await dialog.getByRole('group', { name: 'Models in the set' }).getByRole('checkbox').check();
    await dialog.getByLabel('Test-time augmentation').selectOption('none');
    await dialog.getByRole('button', { name: 'Create set' }).click();
    const setRow = dialog.getByRole('table', { name: 'Model sets' }).locator('tr[data-set="colour"]');
    await setRow.waitFor();
    expect(await setRow.locator('td').allTextContents()).toEqual(['colour', 'colour rule', 'none', 'whole image', 'lapa-11 (11)', '0']);
    await expect.poll(() => row.locator('td').nth(7).textContent()).toBe('colour');

    // Faces from a detector: only models with a face-detector card are offered (none here), and the
    // form refuses to create the set without one.
    await dialog.getByLabel('Name', { exact: true }).fill('detector set');
    await dialog.getByRole('group', { name: 'Models in the set' }).getByRole('checkbox').check();
    await dialog.getByLabel('Faces').selectOption('detector');
    expect(await dialog.getByLabel('Detector model').locator('option').allTextContents()).toEqual(['(no face-detector model added)']);
    await dialog.getByLabel('Face margin').fill('0.4');
    await dialog.getByRole('button', { name: 'Create set' }).click();
    await expect.poll(() => dialog.getByTestId('set-error').textContent()).toMatch(/Choose the face-detector model/);
    expect(await dialog.getByRole('table', { name: 'Model sets' }).locator('tbody tr').count()).toBe(1);

    // Removing a model a set uses is refused, with the reason.
    await dialog.getByRole('button', { name: 'Remove colour rule' }).click();
    await expect.poll(() => row.locator('xpath=following-sibling::tr[1]').getByRole('alert').textContent()).toMatch(/CONFLICT.*model \d+ "colour rule" is used by model set \d+; it cannot be removed/);

    if (process.env.PARSEL_E2E_SHOTS) await page.screenshot({ path: join(process.env.PARSEL_E2E_SHOTS, 'models-dialog.png') });

    // A model without a card: refused with the reason; with a card typed in the dialog, added; removed.
    await dialog.getByLabel('Model file').fill(bareModel);
    await dialog.getByRole('button', { name: 'Add model' }).click();
    await expect.poll(() => dialog.getByTestId('model-add-error').textContent()).toMatch(/no model card for .*bare\.onnx/);
    await dialog.getByText('Card JSON (optional').click();
    await dialog.getByLabel('Card JSON').fill(JSON.stringify(card({ name: 'typed card' })));
    await dialog.getByRole('button', { name: 'Add model' }).click();
    const typed = dialog.getByRole('table', { name: 'Models' }).locator('tr[data-model="typed card"]');
    await typed.waitFor();
    expect(await dialog.getByTestId('model-add-error').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Remove typed card' }).click();
    await expect.poll(() => typed.count()).toBe(0);
    expect(await dialog.getByRole('table', { name: 'Models' }).locator('tr[data-model]').count()).toBe(1);

    // A weight-averaged model (parsel average): the check and the row say what it is.
    await dialog.getByLabel('Card JSON').fill('');
    await dialog.getByLabel('Model file').fill(averagedModel);
    await dialog.getByRole('button', { name: 'Check', exact: true }).click();
    await expect
      .poll(() => dialog.getByTestId('averaging-note').textContent())
      .toBe('Weight-averaged self-ensemble of 2 checkpoints (plain mean); normalisation statistics (BatchNorm) averaged, not re-estimated on data.');
    await dialog.getByRole('button', { name: 'Add model' }).click();
    const averaged = dialog.getByRole('table', { name: 'Models' }).locator('tr[data-model="averaged colour"]');
    await averaged.waitFor();
    expect(await averaged.getByTestId('model-averaged').textContent()).toBe('averaged ×2');
    expect(await averaged.getByTestId('model-averaged').getAttribute('title')).toMatch(/not re-estimated on data/);
    await dialog.getByRole('button', { name: 'Remove averaged colour' }).click();
    await expect.poll(() => averaged.count()).toBe(0);

    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  it('pre-labels the project on CPU: summary, grid statuses, exact model revisions', async () => {
    await page.getByTestId('open-prelabel').click();
    const dialog = page.getByRole('dialog', { name: 'Pre-label images' });
    await expect.poll(() => dialog.getByLabel('Model set').locator('option:checked').textContent()).toBe('colour');
    expect(await dialog.getByLabel('Overwrite human revisions').isChecked()).toBe(false);
    expect(await dialog.getByTestId('force-warning').count()).toBe(0);
    // The warning appears when overwriting is switched on (and goes when it is off again).
    await dialog.getByLabel('Overwrite human revisions').check();
    expect(await dialog.getByTestId('force-warning').textContent()).toMatch(/human, import and fix revisions/);
    await dialog.getByLabel('Overwrite human revisions').uncheck();
    await dialog.getByLabel(`Whole project (${N})`).check();
    await dialog.getByLabel('Execution provider').selectOption('cpu');
    await dialog.getByRole('button', { name: 'Start pre-labelling' }).click();

    const summary = dialog.getByTestId('prelabel-summary');
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.getAttribute('data-status')).toBe('done');
    expect(await summary.getByTestId('summary-done').textContent()).toBe(String(N));
    expect(await summary.getByTestId('summary-failed').textContent()).toBe('0');
    expect(await summary.getByTestId('summary-provider').textContent()).toBe('CPU');
    expect(await dialog.getByTestId('summary-warnings').count()).toBe(0);
    await expect.poll(() => page.getByTestId('status-provider').textContent()).toMatch(/Provider\s*CPU/);
    expect(await page.getByTestId('status-warning').count()).toBe(0);
    // The set's cached predictions are counted again once the job is over (was "0" until the dialog reopened).
    await expect.poll(() => dialog.getByText(/\d+ cached predictions/).textContent()).toMatch(new RegExp(`\\b${N} cached predictions`));
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    // The grid refreshed on project:changed: every image is prelabeled.
    await expect.poll(() => page.locator('.badge.s-prelabeled').count(), { timeout: 10_000 }).toBe(N);
    await expect.poll(() => page.locator('button[data-filter="prelabeled"] .count').textContent()).toBe(String(N));

    // Each image's head is a `model` revision with exactly the colour-rule mask.
    const [set] = await f.api.call('modelSet:list', {});
    const images = (await f.api.call('image:list', {})).items;
    expect(images).toHaveLength(N);
    for (const img of images) {
      expect(img.status).toBe('prelabeled');
      const [head] = await f.api.call('revision:list', { imageId: img.id });
      expect(head).toMatchObject({ kind: 'model', author: 'model set "colour"', width: W, height: H });
      const mask = decodeMask(await f.api.call('revision:mask', { revisionId: head.id }));
      const expected = colourRule(rgbByName.get(img.path.split('/').pop()!)!);
      let checked = 0;
      for (let q = 0; q < expected.length; q++) {
        if (expected[q] < 0) continue;
        checked++;
        if (mask[q] !== expected[q]) expect(`image ${img.id} pixel ${q}: ${mask[q]}`).toBe(`image ${img.id} pixel ${q}: ${expected[q]}`);
      }
      expect(checked).toBeGreaterThan(W * H * 0.9);
      // The soft prediction is cached for later features (noise flags) with the provider that made it.
      const pred = await f.api.call('prediction:get', { imageId: img.id, modelSetId: set.id });
      expect(pred).toMatchObject({ width: W, height: H, classes: 11, provider: 'cpu' });
    }
  });

  it('a CUDA provider that cannot start is reported in the dialog and the status bar; CPU runs', async () => {
    await page.getByTestId('open-prelabel').click();
    const dialog = page.getByRole('dialog', { name: 'Pre-label images' });
    await dialog.getByLabel(/^Selected image: /).check();
    const options = await dialog.getByLabel('Execution provider').locator('option').allTextContents();
    expect(options).toContain('CUDA, then CPU');
    await dialog.getByLabel('Execution provider').selectOption('cuda');
    await dialog.getByRole('button', { name: 'Start pre-labelling' }).click();
    const summary = dialog.getByTestId('prelabel-summary');
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.getAttribute('data-status')).toBe('done');
    expect(await summary.getByTestId('summary-done').textContent()).toBe('1');
    expect(await summary.getByTestId('summary-provider').textContent()).toBe('CPU');
    const warnings = dialog.getByTestId('summary-warnings');
    expect(await warnings.getAttribute('role')).toBe('alert');
    // One plain line for CUDA; ONNX Runtime's text only behind Details.
    const notes = await warnings.getByTestId('provider-note').allTextContents();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^(CUDA add-on not installed|CUDA 12 \/ cuDNN 9 libraries not found for CUDA|no NVIDIA GPU or driver for CUDA|CUDA could not start) — using CPU$/);
    const details = warnings.getByTestId('provider-details');
    expect(await details.locator('pre').isVisible()).toBe(false);
    await details.locator('summary').click();
    await expect.poll(() => details.locator('pre').isVisible()).toBe(true);
    expect(await details.locator('pre').textContent()).toMatch(/execution provider "cuda" failed to initialise: /);
    await expect.poll(() => page.getByTestId('status-warning').textContent()).toBe(`⚠ ${notes[0]}`);
    expect(await page.getByTestId('status-provider').textContent()).toMatch(/Provider\s*CPU/);
    if (process.env.PARSEL_E2E_SHOTS) await page.screenshot({ path: join(process.env.PARSEL_E2E_SHOTS, 'prelabel-cuda-fallback.png') });
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    // The banner can be dismissed, and stays dismissed for the session (a reload included); a ⚠ stays by the provider.
    await page.getByRole('button', { name: 'Dismiss the provider warning' }).click();
    expect(await page.getByTestId('status-warning').count()).toBe(0);
    expect(await page.getByTestId('status-warning-dismissed').getAttribute('title')).toBe(notes[0]);
    await page.reload();
    await page.getByTestId('open-prelabel').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('status-provider').textContent()).toMatch(/Provider\s*CPU/);
    await expect.poll(() => page.getByTestId('status-warning-dismissed').count()).toBe(1);
    expect(await page.getByTestId('status-warning').count()).toBe(0);
  });

  it('a job cancelled mid-way keeps finished items and is resumed to the end', async () => {
    const added = await f.api.call('image:addFolder', { folder: bigDir });
    expect(added.added).toBe(BIG_N);
    await page.locator('button[data-filter="unlabeled"]').click();
    await expect.poll(() => page.locator('button[data-filter="unlabeled"] .count').textContent(), { timeout: 10_000 }).toBe(String(BIG_N));

    await page.getByTestId('open-prelabel').click();
    const dialog = page.getByRole('dialog', { name: 'Pre-label images' });
    await dialog.getByLabel(`Current filter: Unlabeled (${BIG_N})`).check();
    await dialog.getByLabel('Execution provider').selectOption('cpu');
    await dialog.getByRole('button', { name: 'Start pre-labelling' }).click();

    // Progress: the bar, done/total, the provider, the ETA; the status bar's running-job indicator.
    const progress = dialog.getByTestId('prelabel-progress');
    await progress.waitFor();
    await expect.poll(() => progress.getByTestId('prelabel-provider').textContent()).toBe('CPU');
    await expect
      .poll(async () => Number(/^(\d+) \//.exec((await progress.getByTestId('prelabel-count').textContent()) ?? '')?.[1] ?? 0), { timeout: 30_000, interval: 20 })
      .toBeGreaterThanOrEqual(1);
    expect(await progress.getByTestId('prelabel-count').textContent()).toMatch(new RegExp(` / ${BIG_N}$`));
    expect(await progress.getByTestId('prelabel-eta').textContent()).toMatch(/^(—|< 1 s|\d+ s|\d+ min \d\d s)$/);
    expect(await progress.getByRole('progressbar', { name: 'Pre-labelling progress' }).getAttribute('aria-valuenow')).toMatch(/^\d+$/);
    await expect.poll(() => page.getByTestId('status-job').textContent()).toMatch(new RegExp(`^Pre-labelling \\d+ / ${BIG_N} · ETA `));
    if (process.env.PARSEL_E2E_SHOTS) await page.screenshot({ path: join(process.env.PARSEL_E2E_SHOTS, 'prelabel-progress.png') });
    // Hidden, the job goes on (the status bar shows it); reopened, the dialog shows the running job.
    await dialog.getByRole('button', { name: 'Hide (keeps running)' }).click();
    expect(await dialog.count()).toBe(0);
    // The status bar's running-job indicator opens the dialog on the running job.
    await page.getByTestId('status-job').click();
    await dialog.getByTestId('prelabel-progress').waitFor();
    await dialog.getByRole('button', { name: 'Cancel pre-labelling' }).click();

    const summary = dialog.getByTestId('prelabel-summary');
    await summary.waitFor({ timeout: 30_000 });
    expect(await summary.getAttribute('data-status')).toBe('cancelled');
    const done = Number(await summary.getByTestId('summary-done').textContent());
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(BIG_N);
    await expect.poll(() => page.getByTestId('status-job').count()).toBe(0);

    // The finished items are stored: exactly `done` of the big images have a model revision.
    const big = (await f.api.call('image:list', { limit: 1000 })).items.filter((i) => i.path.includes('big'));
    expect(big).toHaveLength(BIG_N);
    expect(big.filter((i) => i.status === 'prelabeled')).toHaveLength(done);
    expect(big.filter((i) => i.status === 'unlabeled')).toHaveLength(BIG_N - done);

    // Offered for resume; resuming finishes the rest.
    const jobs = await f.api.call('job:list', { kind: 'prelabel' });
    const cancelled = jobs.find((j) => j.status === 'cancelled')!;
    expect(cancelled).toMatchObject({ resumable: true, done, total: BIG_N });
    const unfinished = dialog.getByRole('region', { name: 'Unfinished jobs' });
    expect(await unfinished.locator(`li[data-job="${cancelled.id}"]`).textContent()).toContain(`${done} / ${BIG_N} done · cancelled`);
    await dialog.getByRole('button', { name: `Resume job ${cancelled.id}` }).click();
    await expect.poll(() => summary.getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    expect(await summary.getByTestId('summary-done').textContent()).toBe(String(BIG_N));
    expect(await dialog.getByRole('button', { name: `Resume job ${cancelled.id}` }).count()).toBe(0);
    const after = (await f.api.call('image:list', { limit: 1000 })).items.filter((i) => i.path.includes('big'));
    expect(after.every((i) => i.status === 'prelabeled')).toBe(true);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  it('a job left running by a killed process is offered for resume and finished from the UI', async () => {
    const [set] = await f.api.call('modelSet:list', {});
    const total = N + BIG_N;
    const info = await f.api.call('project:info', {});
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/tooling/prelabel-child.ts'), info.path, String(set.id), join(f.tmp, 'child-user')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)));
    // Kill it once a few images are done (the job is then left 'running' in the project file).
    const jobId = await new Promise<number>((res, rej) => {
      let buf = '';
      let id = 0;
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const msg = JSON.parse(buf.slice(0, nl)) as { started?: number; jobId?: number; done?: number };
          buf = buf.slice(nl + 1);
          if (msg.started) id = msg.started;
          if (msg.done !== undefined && msg.done >= 2 && msg.jobId) {
            child.kill('SIGKILL');
            res(msg.jobId ?? id);
          }
        }
      });
      child.on('exit', () => rej(new Error(`child exited before it was killed: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');
    const left = (await f.api.call('job:list', { kind: 'prelabel' })).find((j) => j.id === jobId)!;
    expect(left).toMatchObject({ status: 'running', active: false, resumable: true, total });
    expect(left.done).toBeGreaterThanOrEqual(2);
    expect(left.done).toBeLessThan(total);

    await page.getByTestId('open-prelabel').click();
    const dialog = page.getByRole('dialog', { name: 'Pre-label images' });
    const item = dialog.getByRole('region', { name: 'Unfinished jobs' }).locator(`li[data-job="${jobId}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain(` / ${total} done · interrupted`);
    await dialog.getByRole('button', { name: `Resume job ${jobId}` }).click();
    const summary = dialog.getByTestId('prelabel-summary');
    await expect.poll(() => summary.getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    expect(await summary.getByTestId('summary-done').textContent()).toBe(String(total));
    const done = (await f.api.call('job:list', { kind: 'prelabel' })).find((j) => j.id === jobId)!;
    expect(done).toMatchObject({ status: 'done', done: total, failed: 0, resumable: false });
    expect(pageErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  it('a job with a failed image offers "Retry 1 failed"; it runs once the file is back', async () => {
    const set = (await f.api.call('modelSet:list', {})).find((s) => s.name === 'colour')!;
    const imgs = (await f.api.call('image:list', { limit: 1000 })).items.filter((i) => /faces\/f\d\.png$/.test(i.path)).slice(0, 2);
    const file = join((await f.api.call('project:info', {})).root, imgs[1].path);
    renameSync(file, `${file}.away`);
    let jobId: number;
    try {
      const { started, events } = await runJob(f.api, () => f.api.call('prelabel:start', { modelSetId: set.id, imageIds: imgs.map((i) => i.id), providers: ['cpu'] }));
      jobId = started.jobId;
      expect(events.at(-1)).toMatchObject({ status: 'done', done: 1, failed: 1 });
    } finally {
      renameSync(`${file}.away`, file);
    }
    await page.goto(f.server.url);
    await page.getByTestId('open-prelabel').click();
    const dialog = page.getByRole('dialog', { name: 'Pre-label images' });
    const item = dialog.getByRole('region', { name: 'Unfinished jobs' }).locator(`li[data-job="${jobId}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('1 / 2 done · 1 failed');
    expect(await item.getByRole('button', { name: `Resume job ${jobId}` }).count()).toBe(0);
    const retry = item.getByRole('button', { name: `Retry the failed images of job ${jobId}` });
    expect(await retry.textContent()).toBe('Retry 1 failed');
    expect(await retry.getAttribute('title')).toContain(`image ${imgs[1].id}: `);
    await retry.click();
    const summary = dialog.getByTestId('prelabel-summary');
    await expect.poll(() => summary.getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    expect(await summary.getByTestId('summary-failed').textContent()).toBe('0');
    expect((await f.api.call('job:list', { kind: 'prelabel' })).find((j) => j.id === jobId)).toMatchObject({ done: 2, failed: 0, retryable: false });
    await expect.poll(() => item.count()).toBe(0);
    expect(pageErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  it('a model of another schema is added and its set is remapped onto the project schema (Models and Pre-label dialogs)', async () => {
    await page.goto(f.server.url);
    await page.getByTestId('open-models').click();
    const dialog = page.getByRole('dialog', { name: 'Models' });
    // A model of another schema (CelebAMask-HQ, 19 classes) is added; its set is remapped onto lapa-11.
    await dialog.getByLabel('Model file').fill(celebModel);
    await dialog.getByRole('button', { name: 'Add model' }).click();
    const celebRow = dialog.getByRole('table', { name: 'Models' }).locator('tr[data-model="celeb colour"]');
    await celebRow.waitFor();
    expect(await celebRow.locator('td').nth(2).textContent()).toBe('celebamask-hq-a');
    await dialog.getByLabel('Name', { exact: true }).fill('celeb');
    const members = dialog.getByRole('group', { name: 'Models in the set' });
    await members.getByLabel('colour rule').uncheck();
    await members.getByLabel('celeb colour').check();
    await dialog.getByLabel('Faces').selectOption('whole');
    await dialog.getByRole('button', { name: 'Create set' }).click();
    const celebSet = dialog.getByRole('table', { name: 'Model sets' }).locator('tr[data-set="celeb"]');
    await celebSet.waitFor();
    expect(await celebSet.locator('td').nth(4).textContent()).toBe('celebamask-hq-a (19) → lapa-11');
    expect(await celebSet.locator('td').nth(4).getAttribute('title')).toMatch(/^celebamask-hq-a → lapa-11: eye_g → beneath, .*hat → background/);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByTestId('open-prelabel').click();
    const pre = page.getByRole('dialog', { name: 'Pre-label images' });
    await pre.getByLabel('Model set').selectOption({ label: 'celeb' });
    expect(await pre.getByTestId('set-remap').textContent()).toMatch(/remapped onto the project's lapa-11 \(eye_g → beneath, l_ear → background, .*\)/);
    expect(pageErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
