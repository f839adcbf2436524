/**
 * `parsel flags --all [--sort] [--json]` and `--top N` through a freshly built CLI bundle in a child
 * process: every scanned image's score, sorted; the top N scanned images flagged or not; usage errors;
 * `parsel review-settings`; and output piped into a reader that stops early (`| head -n 1`, `| true`) ends quietly with exit 0.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import type { ImageFlags, QueueItem } from '../../src/shared/api/methods-noise';
import { buildCliBundle } from '../tooling/cli-bundle';
import { makeNoiseProject, type NoiseProject } from '../tooling/noise-project';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, 'out', 'test-flags-cli');
const dir = mkdtempSync(join(tmpdir(), 'parsel-flags-cli-'));
let P: NoiseProject;
let run: string;

function parsel(...args: string[]) {
  const r = spawnSync(process.execPath, [run, ...args], { cwd: dir, env: { ...process.env, PARSEL_USER_DATA: join(dir, 'user') }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `parsel … | reader` in bash with pipefail: parsel's own exit status and stderr. */
function piped(reader: string, ...args: string[]) {
  const cmd = `set -o pipefail; ${[process.execPath, run, ...args].map((a) => `'${a}'`).join(' ')} | ${reader}`;
  const r = spawnSync('bash', ['-c', cmd], { cwd: dir, env: { ...process.env, PARSEL_USER_DATA: join(dir, 'user') }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  ({ run } = await buildCliBundle(OUT));
  const backend = createBackend({ mode: 'direct', userDataDir: join(dir, 'user') });
  const api = directClient(backend.services, backend.bus);
  P = await makeNoiseProject(api, dir, { count: 5, size: 64, corruptions: [[], ['class_swap'], [], ['class_swap', 'drop_part'], []] });
  await api.call('noise:scan', { modelSetId: P.modelSetId });
  backend.close();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsel flags --all / --top', () => {
  it('--all lists every scanned image (text and JSON), sorted by score, name or flags', () => {
    const j = parsel('flags', P.file, '--all', '--json');
    expect(j.code, j.err).toBe(0);
    const items = JSON.parse(j.out) as QueueItem[];
    expect(items.map((i) => i.imageId).sort()).toEqual(P.images.map((i) => i.id).sort());
    for (let k = 1; k < items.length; k++) expect(items[k - 1].score).toBeGreaterThanOrEqual(items[k].score);
    expect(items.filter((i) => i.openFlags > 0).map((i) => i.imageId).sort()).toEqual([P.images[1].id, P.images[3].id].sort());

    const t = parsel('flags', P.file, '--all');
    expect(t.code).toBe(0);
    const lines = t.out.trim().split('\n');
    expect(lines).toHaveLength(5);
    lines.forEach((l, k) => expect(l).toMatch(new RegExp(`^image ${items[k].imageId}  score ${items[k].score.toFixed(1)}  open ${items[k].openFlags}  fixed 0  dismissed 0  \\S+`)));

    const byName = JSON.parse(parsel('flags', P.file, '--all', '--sort', 'name', '--json').out) as QueueItem[];
    expect(byName.map((i) => i.path)).toEqual(items.map((i) => i.path).sort());
    const byFlags = JSON.parse(parsel('flags', P.file, '--all', '--sort', 'flags', '--json').out) as QueueItem[];
    const opens = byFlags.map((i) => i.openFlags);
    expect(opens).toEqual([...opens].sort((a, b) => b - a));
    expect(byFlags[0].imageId).toBe(P.images[3].id);
  });

  it('--top N takes the N highest-scoring scanned images, flagged or not', () => {
    const all = JSON.parse(parsel('flags', P.file, '--all', '--json').out) as QueueItem[];
    const top = JSON.parse(parsel('flags', P.file, '--top', '4', '--json').out) as ImageFlags[];
    expect(top.map((i) => i.imageId)).toEqual(all.slice(0, 4).map((i) => i.imageId));
    expect(top.filter((i) => i.flags.length === 0).length).toBe(2);
  });

  it('--summary says how many images likely have a label error and how the teacher check went', () => {
    const t = parsel('flags', P.file, '--summary');
    expect(t.code, t.err).toBe(0);
    expect(t.out).toMatch(/^about 2 of 5 scanned images likely have a label error \([1-9]\d* regions?\)$/m);
    expect(t.out).toMatch(/^teacher check \(latest scan\): mean F1 without background 0\.\d{3} over 5 images, at least 0\.5: ok$/m);
    const j = JSON.parse(parsel('flags', P.file, '--summary', '--json').out) as { scanned: number; likelyImages: number; teacher: { ok: boolean } };
    expect(j).toMatchObject({ scanned: 5, likelyImages: 2, teacher: { ok: true } });
    expect(parsel('flags', P.file, '--summary', '--top', '3').code).toBe(2);
    expect(parsel('flags', P.file, '--summary', '--pair', 'hair:hat').err).toMatch(/--summary takes no --status, --pair or --sort/);
  });

  it('refuses --sort without --all, an unknown order, two listings at once and flag filters with --all (2)', () => {
    expect(parsel('flags', P.file, '--top', '3', '--sort', 'name').err).toMatch(/--sort orders the --all listing/);
    const bad = parsel('flags', P.file, '--all', '--sort', 'size');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--sort: unknown order "size"; known: score, name, flags/);
    expect(parsel('flags', P.file, '--all', '--top', '3').code).toBe(2);
    expect(parsel('flags', P.file, '--all', '--status', 'open').err).toMatch(/--all lists image scores/);
  });

  it('piped into a reader that stops early, it ends quietly with exit 0', () => {
    const h = piped('head -n 1', 'flags', P.file, '--all');
    expect(h.code, h.err).toBe(0);
    expect(h.out.trim().split('\n')).toHaveLength(1);
    expect(h.err).toBe('');
    // A reader gone before the first line is written: every write meets a closed pipe.
    const gone = piped('true', 'flags', P.file, '--all', '--json');
    expect(gone.code, gone.err).toBe(0);
    expect(gone.err).toBe('');
  });

  it('review-settings shows and sets the big-flag limits (share or percentage) and refuses bad ones (2)', () => {
    const show = parsel('review-settings', P.file);
    expect(show.code, show.err).toBe(0);
    expect(show.out).toMatch(/needs confirmation above 5 % of the image or 60 % of its label class/);
    const set = parsel('review-settings', P.file, '--big-image', '2.5%', '--big-part', '0.75', '--json');
    expect(set.code, set.err).toBe(0);
    expect(JSON.parse(set.out)).toEqual({ bigFlagImageShare: 0.025, bigFlagPartShare: 0.75 });
    expect(JSON.parse(parsel('review-settings', P.file, '--json').out)).toEqual({ bigFlagImageShare: 0.025, bigFlagPartShare: 0.75 });
    const bad = parsel('review-settings', P.file, '--big-part', '0');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--big-part must be a share in \(0, 1\] or a percentage/);
    expect(parsel('review-settings', P.file, '--big-image', '150%').code).toBe(2);
  });
});
