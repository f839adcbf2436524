/** `parsel export` through a freshly built CLI bundle: exit codes, messages, --from-manifest. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCliBundle } from '../tooling/cli-bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExportProject } from '../tooling/export-project';

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'out', 'test-export-cli', 'parsel.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parsel-export-cli-'));
let project: string;

function parsel(...args: string[]) {
  const script = `const { main } = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)}); process.exitCode = await main(${JSON.stringify(args)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: { ...process.env, PARSEL_USER_DATA: join(dir, 'user') },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function tree(root: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.name !== 'parsel-manifest.json') out.push([relative(root, abs), createHash('sha256').update(readFileSync(abs)).digest('hex')]);
    }
  };
  walk(root);
  return out.sort();
}

beforeAll(async () => {
  // Own bundle (same options as scripts/build-cli.mjs) so the test never runs a stale out/cli build.
  await buildCliBundle(dirname(BUNDLE));
  const p = await makeExportProject(dir, {
    count: 12,
    size: 64,
    schemaId: 'celebamask-hq-a',
    userDataDir: join(dir, 'user'),
    meta: (i) => ({ split: null, source: i % 2 ? 'real' : 'synthetic' }),
  });
  project = p.file;
  p.backend.close();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsel export', () => {
  it('exports LaPa with a remap, seeded splits and a limit; --json result', () => {
    const r = parsel('export', project, join(dir, 'lapa'), '--format', 'lapa', '--remap', 'lapa-11', '--splits', '0.5,0.25,0.25', '--seed', '3', '--limit', '8', '--json', '--quiet');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out);
    expect(res).toMatchObject({ status: 'done', images: 8, bySplit: { train: 4, val: 2, test: 2 } });
  });

  it('--from-manifest reproduces the same bytes', () => {
    const r = parsel('export', project, join(dir, 'again'), '--from-manifest', join(dir, 'lapa', 'parsel-manifest.json'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/exported 8 images/);
    expect(tree(join(dir, 'again'))).toEqual(tree(join(dir, 'lapa')));
  });

  it('dry run prints the counts', () => {
    const r = parsel('export', project, join(dir, 'dry'), '--format', 'index-png', '--mix', 'synthetic=1,real=1', '--classes-present', 'hair', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^images \d+ \(matched \d+, without a mask 0\); masks in celebamask-hq-a/);
    expect(r.out).toMatch(/source real \d+, synthetic \d+/);
  });

  it('Helen asks what ignore becomes (--ignore-as), and says what it became', () => {
    const refused = parsel('export', project, join(dir, 'helen-x'), '--format', 'helen', '--remap', 'helen-11', '--splits', '1,1,1');
    expect(refused.code).toBe(3);
    expect(refused.err).toMatch(/Helen .* has no ignore value, and eye_g, .* would be ignore pixels: choose the class they become with --ignore-as <class>/);
    const dry = parsel('export', project, join(dir, 'helen'), '--format', 'helen', '--remap', 'helen-11', '--splits', '1,1,1', '--ignore-as', 'skin', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/^ignore ignore pixels \(eye_g, .*\) are written as class "skin" \(1\)$/m);
    const r = parsel('export', project, join(dir, 'helen'), '--format', 'helen', '--remap', 'helen-11', '--splits', '1,1,1', '--ignore-as', 'skin', '--quiet');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ignore ignore pixels \(.*\) are written as class "skin" \(1\)$/m);
    expect(parsel('export', project, join(dir, 'helen-y'), '--format', 'helen', '--remap', 'helen-11', '--splits', '1,1,1', '--ignore-as', 'helmet').err).toMatch(
      /ignore-as "helmet" is not a class of the output schema helen-11/,
    );
  });

  it('exit codes: usage 2, refused 3, with the reason', () => {
    expect(parsel('export', project, join(dir, 'x'), '--format', 'nope').code).toBe(2);
    expect(parsel('export', project, join(dir, 'x')).err).toMatch(/--format is required/);
    expect(parsel('export', project, join(dir, 'x'), '--from-manifest', 'm.json', '--format', 'lapa').code).toBe(2);
    expect(parsel('export', project, join(dir, 'x'), '--format', 'lapa', '--mix', 'real').code).toBe(2);
    const noRemap = parsel('export', project, join(dir, 'x'), '--format', 'lapa', '--splits', '1,1,1');
    expect(noRemap.code).toBe(3);
    expect(noRemap.err).toMatch(/--remap lapa-11/);
    const mix = parsel('export', project, join(dir, 'x'), '--format', 'index-png', '--mix', 'real=2,synthetic=1', '--limit', '12');
    expect(mix.code).toBe(3);
    expect(mix.err).toMatch(/source "real" cannot supply its share: .* needs 8 from "real", but only 6 matching images/);
    const override = parsel('export', project, join(dir, 'x'), '--format', 'lapa', '--remap', 'lapa-11', '--override', 'hat=helmet');
    expect(override.code).toBe(3);
    expect(override.err).toMatch(/"helmet" is not a class of target schema lapa-11/);
  });
});
