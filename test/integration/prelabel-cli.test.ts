/**
 * `parsel models` and `parsel prelabel` through a freshly built CLI bundle (with its inference worker
 * scripts beside it, as scripts/build-cli.mjs builds them): card checks without a project, add/list,
 * ad-hoc model sets, provider line, summaries, exit codes, and resume after SIGKILL mid-job.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { buildCliBundle } from '../tooling/cli-bundle';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { colourRuleModel } from '../tooling/onnx-gen';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, 'out', 'test-cli-prelabel');
const dir = mkdtempSync(join(tmpdir(), 'parsel-cli-prelabel-'));
const env = { ...process.env, PARSEL_USER_DATA: join(dir, 'user') };
const LAPA = getSchema('lapa-11');
const centroids = LAPA.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);
const card = (extra: object = {}) => ({ name: 'colour rule', input: { name: 'image', width: 32, height: 32 }, output: { kind: 'logits' }, labels: 'lapa-11', ...extra });

function parsel(...args: string[]) {
  const r = spawnSync(process.execPath, [join(OUT, 'run.mjs'), ...args], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function query<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

async function faceFolder(path: string, count: number, size: number): Promise<void> {
  mkdirSync(path, { recursive: true });
  for (let i = 0; i < count; i++) {
    const f = generateFace({ seed: 500 + i, width: size, height: size, schema: LAPA });
    await sharp(Buffer.from(f.rgb), { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(path, `i${String(i).padStart(3, '0')}.png`));
  }
}

beforeAll(async () => {
  await buildCliBundle(OUT, { workers: true });
  writeFileSync(join(dir, 'colour.onnx'), colourRuleModel({ centroids }));
  writeFileSync(join(dir, 'colour.card.json'), JSON.stringify(card()));
  writeFileSync(join(dir, 'wrong.card.json'), JSON.stringify(card({ labels: 'celebamask-hq-b' })));
  await faceFolder(join(dir, 'few'), 4, 32);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsel models', () => {
  it('check needs no project; a card that does not fit exits 3 with the problem', () => {
    const ok = parsel('models', 'check', 'colour.onnx');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/card: .*colour\.card\.json — "colour rule", lapa-11, whole image, input 32×32 NCHW, output logits/);
    expect(ok.out).toMatch(/graph: inputs image \[1, 3, h, w\]; outputs out \[1, 11, h, w\]/);
    expect(ok.out).toMatch(/ok: the card fits the graph/);
    const bad = parsel('models', 'check', 'colour.onnx', '--card', 'wrong.card.json');
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/problem: output "out" \[1, 11, h, w\] has 11 classes but the card's schema "celebamask-hq-b" has 19/);
    const json = JSON.parse(parsel('models', 'check', 'colour.onnx', '--json').out) as { ok: boolean; cardSource: string };
    expect(json).toMatchObject({ ok: true, cardSource: 'file' });
    expect(parsel('models', 'check', 'nope.onnx').code).toBe(3);
    expect(parsel('models', 'frobnicate').code).toBe(2);
  });

  it('add, list, set; refusals exit 3', () => {
    expect(parsel('init', 'm.parsel', '--schema', 'lapa-11').code).toBe(0);
    const bad = parsel('models', 'add', 'm.parsel', 'colour.onnx', '--card', 'wrong.card.json');
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/the model card does not fit the model:\n {2}output "out"/);
    const add = parsel('models', 'add', 'm.parsel', 'colour.onnx', '--name', 'colour');
    expect(add.code).toBe(0);
    expect(add.out).toMatch(/added model 1 "colour"/);
    expect(parsel('models', 'add', 'm.parsel', 'colour.onnx').code).toBe(3);
    const set = parsel('models', 'set', 'm.parsel', 'ens', 'colour', '--tta', 'flip');
    expect(set.code).toBe(0);
    expect(set.out).toMatch(/created model set 1 "ens" \(models 1, tta flip\)/);
    const det = parsel('models', 'set', 'm.parsel', 'det', 'colour', '--faces', 'detector');
    expect(det.code).toBe(2);
    expect(det.err).toMatch(/--faces detector needs --detector/);
    const notDet = parsel('models', 'set', 'm.parsel', 'det', 'colour', '--faces', 'detector', '--detector', 'colour');
    expect(notDet.code).toBe(3);
    expect(notDet.err).toMatch(/faces\.detectorModelId: model 1 "colour" is a face-parsing model/);
    const list = parsel('models', 'list', 'm.parsel');
    expect(list.out).toMatch(/ {2}1 {2}colour {2}lapa-11 \(11 classes\) {2}whole image 32×32 .*colour\.onnx {2}used by set 1/);
    expect(list.out).toMatch(/set 1 "ens": models 1, tta flip, whole image, 0 cached predictions/);
  });
});

describe('parsel prelabel', () => {
  it('--model: adds the model, prints the provider and a summary; a second run keeps human revisions unless --force', () => {
    expect(parsel('init', 'p.parsel', '--schema', 'lapa-11').code).toBe(0);
    expect(parsel('add', 'p.parsel', 'few').code).toBe(0);
    const r = parsel('prelabel', 'p.parsel', '--model', 'colour.onnx', '--provider', 'cpu');
    expect(r.err).toMatch(/added model 1 "colour"/);
    expect(r.err).toMatch(/job 1: 4 images\nprovider: cpu/);
    expect(r.out).toMatch(/^done: 4 of 4 images pre-labelled on cpu \(4 model revisions, 0 kept their human\/import revisions, 0 failed\)/);
    expect(r.code).toBe(0);
    const file = join(dir, 'p.parsel');
    expect(query<{ n: number }>(file, "SELECT count(*) AS n FROM image WHERE status = 'prelabeled'")[0].n).toBe(4);
    // A human revision on image 1, then a second run (the same ad-hoc set is reused).
    const db = new Database(file);
    const model = db.prepare("SELECT id, mask, encoding FROM revision WHERE image_id = 1 AND kind = 'model'").get() as { id: number; mask: Buffer; encoding: string };
    db.prepare("INSERT INTO revision(image_id, parent_id, schema_id, author, kind, width, height, encoding, mask, created_at, number, updated_at) VALUES (1, ?, 'lapa-11', 'ann', 'human', 32, 32, ?, ?, 'now', (SELECT max(number) + 1 FROM revision WHERE image_id = 1), 'now')").run(model.id, model.encoding, model.mask);
    db.prepare("UPDATE image SET head_revision_id = last_insert_rowid(), status = 'in_progress' WHERE id = 1").run();
    db.close();
    const again = parsel('prelabel', 'p.parsel', '--model', 'colour.onnx', '--json', '--quiet');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ status: 'done', done: 4, skipped: 1, modelSetId: 1, provider: 'cpu' });
    expect(query<{ kind: string }>(file, 'SELECT r.kind FROM image i JOIN revision r ON r.id = i.head_revision_id WHERE i.id = 1')[0].kind).toBe('human');
    const forced = parsel('prelabel', 'p.parsel', '--model-set', '1', '--force', '--status', 'in_progress');
    expect(forced.out).toMatch(/done: 1 of 1 images pre-labelled on cpu \(1 model revisions/);
    expect(query<{ kind: string }>(file, 'SELECT r.kind FROM image i JOIN revision r ON r.id = i.head_revision_id WHERE i.id = 1')[0].kind).toBe('model');
    // Usage errors and refusals.
    expect(parsel('prelabel', 'p.parsel').code).toBe(2);
    expect(parsel('prelabel', 'p.parsel', '--model-set', '1', '--tta', 'flip').code).toBe(2);
    expect(parsel('prelabel', 'p.parsel', '--model-set', 'nope').code).toBe(3);
    expect(parsel('prelabel', 'p.parsel', '--resume', '1').code).toBe(3); // nothing left to do
    const retryAlone = parsel('prelabel', 'p.parsel', '--model-set', '1', '--retry-failed');
    expect(retryAlone.code).toBe(2);
    expect(retryAlone.err).toMatch(/--retry-failed goes with --resume <jobId>/);
    // Job 1 has no failed item: retrying them leaves nothing to do either.
    expect(parsel('prelabel', 'p.parsel', '--resume', '1', '--retry-failed').code).toBe(3);
  });

  it('Ctrl-C while the engine starts cancels the job once it has started (not swallowed)', async () => {
    // Enough images that the job cannot end before a late Ctrl-C (a loaded machine) reaches it.
    await faceFolder(join(dir, 'ctrl-c'), 100, 48);
    expect(parsel('init', 'c.parsel', '--schema', 'lapa-11').code).toBe(0);
    expect(parsel('add', 'c.parsel', 'ctrl-c').code).toBe(0);
    const child = spawn(process.execPath, [join(OUT, 'run.mjs'), 'prelabel', 'c.parsel', '--model', 'colour.onnx', '--provider', 'cpu', '--quiet'], { cwd: dir, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // The model is added, then the set is made and the job's engine starts: Ctrl-C there.
    child.stderr.on('data', (d: Buffer) => {
      const had = /added model/.test(err);
      err += d.toString();
      if (!had && /added model/.test(err)) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(err).toMatch(/job 1: 100 images/);
    expect(out).toMatch(/^cancelled: /);
    expect(out).toMatch(/resume with: parsel prelabel c\.parsel --resume 1/);
    expect(code).toBe(4);
  }, 60_000);

  it('SIGKILL mid-job: finished images stay stored; --resume does only the rest', async () => {
    await faceFolder(join(dir, 'many'), 150, 32);
    expect(parsel('init', 'k.parsel', '--schema', 'lapa-11').code).toBe(0);
    expect(parsel('add', 'k.parsel', 'many').code).toBe(0);
    const file = join(dir, 'k.parsel');
    const child = spawn(process.execPath, [join(OUT, 'run.mjs'), 'prelabel', 'k.parsel', '--model', 'colour.onnx', '--provider', 'cpu', '--quiet'], { cwd: dir, env });
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    const doneCount = () => {
      try {
        return query<{ n: number }>(file, "SELECT count(*) AS n FROM job_item WHERE state = 'done'")[0].n;
      } catch {
        return 0; // tables not there yet, or the file is being created
      }
    };
    let seen = 0;
    for (let i = 0; i < 1200 && seen < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      seen = doneCount();
    }
    child.kill('SIGKILL');
    await exited;
    const before = doneCount();
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(150);
    expect(query<{ status: string }>(file, 'SELECT status FROM job')[0].status).toBe('running');
    // Every finished item has its prediction and its revision (same transaction).
    expect(query<{ n: number }>(file, 'SELECT count(*) AS n FROM prediction')[0].n).toBe(before);
    expect(query<{ n: number }>(file, "SELECT count(*) AS n FROM revision WHERE kind = 'model'")[0].n).toBe(before);

    const r = parsel('prelabel', 'k.parsel', '--resume', '1', '--provider', 'cpu');
    expect(r.err).toMatch(new RegExp(`resuming job 1: ${150 - before} of 150 images left`));
    expect(r.out).toMatch(/^done: 150 of 150 images pre-labelled on cpu \(150 model revisions/);
    expect(r.code).toBe(0);
    expect(query<{ n: number }>(file, 'SELECT count(*) AS n FROM prediction')[0].n).toBe(150);
    // No image pre-labelled twice: exactly one model revision each.
    expect(query<{ m: number }>(file, "SELECT max(n) AS m FROM (SELECT count(*) AS n FROM revision WHERE kind = 'model' GROUP BY image_id)")[0].m).toBe(1);
    expect(query<{ n: number }>(file, "SELECT count(*) AS n FROM revision WHERE kind = 'model'")[0].n).toBe(150);
    expect(query<{ integrity_check: string }>(file, 'PRAGMA integrity_check')[0].integrity_check).toBe('ok');
  }, 120_000);
});
