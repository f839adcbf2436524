/**
 * `parsel doctor`: text and --json output and exit codes over a simulated machine (in-process, the
 * probes given to the backend), then the real bundle on this machine, piped into `head`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli';
import { createBackend } from '../../src/main/services';
import type { EnvReport } from '../../src/shared/api/methods-env';
import { buildCliBundle } from '../tooling/cli-bundle';
import { ELECTRON_SQLITE, healthyMachine, probesOf, type FakeMachine } from '../tooling/env-machine';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'out', 'test-cli-doctor');
const tmp = mkdtempSync(join(tmpdir(), 'parsel-doctor-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[], change: (m: FakeMachine) => void = () => undefined) {
  const m = healthyMachine();
  change(m);
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['doctor', ...args], {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    backend: (mode) => createBackend({ mode, userDataDir: join(tmp, 'user'), envProbes: probesOf(m) }),
  });
  return { code, out: out.join('\n'), err: err.join('\n'), writes: out.length };
}

describe('parsel doctor (simulated machine)', () => {
  it('everything present: exit 0, a header, one line per check, the readiness line', async () => {
    const r = await run([]);
    expect(r.code).toBe(0);
    expect(r.writes).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('parsel doctor — linux x64, /opt/parsel');
    expect(lines.slice(1, 13).every((l) => l.startsWith('ok          '))).toBe(true);
    expect(lines).toContain('ok          Electron                     39.2.3 (NODE_MODULE_VERSION 140)');
    expect(lines[13]).toBe('');
    expect(lines[14]).toBe('browser mode: ready · tests: ready · desktop app: ready · GPU inference: ready · demo models: ready');
    expect(lines).toHaveLength(15);
  });

  it('optional pieces missing (Electron binary, its better-sqlite3 build, CUDA add-on): lines with reason and fix, exit 0', async () => {
    const r = await run([], (m) => {
      m.electronBinary = { ok: false, error: 'Electron failed to install correctly' };
      m.files.delete(ELECTRON_SQLITE);
      m.files.delete([...m.files.keys()].find((k) => k.endsWith('libonnxruntime_providers_cuda.so'))!);
      m.providers.webgpu = { ok: false, error: 'Failed to get a WebGPU adapter: No supported adapters' };
    });
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines).toContain(
      "missing     Electron binary              Electron 39.2.3's binary was not downloaded (an offline install, or ELECTRON_SKIP_BINARY_DOWNLOAD=1)  → fix: npm run get-electron",
    );
    expect(lines.find((l) => l.startsWith('missing     better-sqlite3 for Electron'))).toMatch(/→ fix: npm run get-electron && npm start$/);
    expect(lines.find((l) => l.startsWith('missing     ONNX Runtime: CUDA'))).toMatch(/→ fix: npm run get-cuda$/);
    expect(lines).toContain('unavailable ONNX Runtime: WebGPU         a session does not start: Failed to get a WebGPU adapter: No supported adapters');
    expect(lines.at(-1)).toBe('browser mode: ready · tests: ready · desktop app: not ready · GPU inference: no (CPU only) · demo models: ready');
  });

  it('Chromium missing: exit 4 (the tests need it), with the install command', async () => {
    const r = await run([], (m) => m.files.delete('/usr/bin/chromium'));
    expect(r.code).toBe(4);
    expect(r.out).toContain(
      "missing     Chromium (browser tests)     no Chromium at /usr/bin/chromium (the tests' default; CHROMIUM_PATH overrides it); the browser end-to-end tests skip without it  → fix: apt-get install -y chromium",
    );
    expect(r.out).toContain('tests: not ready');
  });

  it('--json: the API answer as it is, and the same exit code', async () => {
    const r = await run(['--json'], (m) => (m.sqlite[''] = { ok: false, error: 'NODE_MODULE_VERSION 127' }));
    expect(r.code).toBe(4);
    const j = JSON.parse(r.out) as EnvReport;
    expect(j.ready).toEqual({ browser: false, tests: false, desktop: true, gpu: true, sample: true });
    expect(j.checks.find((c) => c.id === 'sqlite-node')).toEqual({
      id: 'sqlite-node',
      title: 'better-sqlite3 for Node',
      status: 'missing',
      detail: '12.6.2',
      reason: 'no build that loads in Node v20.20.2 (NODE_MODULE_VERSION 115): NODE_MODULE_VERSION 127',
      fix: 'npm rebuild better-sqlite3',
      needs: ['browser', 'tests'],
    });
  });

  it('usage: no arguments are taken; --help says what the exit codes mean', async () => {
    expect((await run(['extra'])).code).toBe(2);
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('usage: parsel doctor [--json]');
    expect(h.out).toMatch(/0 when browser mode and the tests have everything they need.*4 when something they need is missing/s);
  });
});

describe('parsel doctor (this machine, the bundled CLI)', () => {
  let runJs = '';
  beforeAll(async () => {
    runJs = (await buildCliBundle(OUT)).run;
  });

  it('--json describes this process and this checkout; the exit code follows browser/test readiness', () => {
    const r = spawnSync(process.execPath, [runJs, 'doctor', '--json'], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
    const j = JSON.parse(r.stdout) as EnvReport;
    expect(j.root).toBe(ROOT);
    expect(j.runtime).toBe('node');
    const node = j.checks.find((c) => c.id === 'node')!;
    expect(node.status).toBe('ok');
    expect(node.detail).toContain(`${process.version} (NODE_MODULE_VERSION ${process.versions.modules}`);
    // This test itself runs on better-sqlite3, sharp and ONNX Runtime's CPU provider.
    for (const id of ['sqlite-node', 'sharp', 'onnxruntime', 'ep-cpu']) expect(j.checks.find((c) => c.id === id)?.status).toBe('ok');
    expect(r.status).toBe(j.ready.browser && j.ready.tests ? 0 : 4);
  });

  it('text output piped into head: whole first lines, no broken-pipe error', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${runJs}" doctor | head -n 2`], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`parsel doctor — ${process.platform} ${process.arch}, ${ROOT}`);
    expect(lines[1]).toMatch(/^ok {10}Node {2,}v\d+/);
    expect(r.stderr).not.toMatch(/EPIPE/);
  });
});
