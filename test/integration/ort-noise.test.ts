/**
 * Execution-provider messages on the command line (issue 13): pre-labelling with the default provider
 * order on a machine without a GPU prints one plain line per provider that did not start, and none of
 * ONNX Runtime's own stderr output (its logger, Dawn's Vulkan message) unless `--verbose`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '../../src/shared/schema';
import { buildCliBundle } from '../tooling/cli-bundle';
import { colourRuleModel } from '../tooling/onnx-gen';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, 'out', 'test-cli-ort-noise');
const dir = mkdtempSync(join(tmpdir(), 'parsel-ort-noise-'));
const env: NodeJS.ProcessEnv = { ...process.env, PARSEL_USER_DATA: join(dir, 'user') };
delete env.PARSEL_VERBOSE;
const LAPA = getSchema('lapa-11');
const centroids = LAPA.classes.map((c) => c.color.map((v) => v / 255) as [number, number, number]);

function parsel(...args: string[]) {
  const r = spawnSync(process.execPath, [join(OUT, 'run.mjs'), ...args], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** ONNX Runtime's logger lines, its source paths, Dawn's Vulkan message. */
const NOISE = /\[E:onnxruntime|\[W:onnxruntime|onnxruntime_src|provider_bridge_ort|Couldn't load Vulkan|BackendVk\.cpp/;

beforeAll(async () => {
  await buildCliBundle(OUT, { workers: true });
  writeFileSync(join(dir, 'colour.onnx'), colourRuleModel({ centroids }));
  writeFileSync(join(dir, 'colour.card.json'), JSON.stringify({ name: 'colour rule', input: { name: 'image', width: 32, height: 32 }, output: { kind: 'logits' }, labels: 'lapa-11' }));
  mkdirSync(join(dir, 'few'), { recursive: true });
  for (let i = 0; i < 2; i++) {
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 30 * i, g: 90, b: 40 } } }).png().toFile(join(dir, 'few', `i${i}.png`));
  }
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('provider messages on the command line', () => {
  it('plain lines without ONNX Runtime noise; --verbose lets it through with the raw messages', () => {
    expect(parsel('init', 'p.parsel', '--schema', 'lapa-11').code).toBe(0);
    expect(parsel('add', 'p.parsel', 'few').code).toBe(0);
    const quiet = parsel('prelabel', 'p.parsel', '--model', 'colour.onnx', '--quiet');
    expect(quiet.code, quiet.err).toBe(0);
    const provider = /provider: (\w+)/.exec(quiet.err)![1];
    expect(quiet.err).not.toMatch(NOISE);
    const warnings = quiet.err.split('\n').filter((l) => l.startsWith('warning: '));
    for (const w of warnings) {
      expect(w, quiet.err).toMatch(/ — using [A-Za-z]+$/);
      expect(w).not.toMatch(/\.cc:|\/onnxruntime|npm run/);
    }
    if (provider === 'cpu') {
      // No GPU provider started (this test machine): one line per provider tried before the CPU.
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.every((w) => w.endsWith('— using CPU'))).toBe(true);
      const loud = parsel('prelabel', 'p.parsel', '--model', 'colour.onnx', '--force', '--quiet', '--verbose');
      expect(loud.code, loud.err).toBe(0);
      // The raw text of each warning follows it, indented; ONNX Runtime's own output is let through.
      expect(loud.err).toMatch(/warning: .*\n {2}\S*: ?execution provider "\w+" failed to initialise: /);
      expect(loud.err).toMatch(NOISE);
    }
  });
});
