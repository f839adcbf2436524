/**
 * The real probe layer of `env:doctor` (src/main/services/doctor-probes.ts) on this machine: what it
 * reads agrees with what this test process can see for itself.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findAppRoot, realEnvProbes } from '../../src/main/services/doctor-probes';

const ROOT = resolve(__dirname, '..', '..');
const version = (pkg: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

describe('real env probes', () => {
  const p = realEnvProbes();

  it('find the checkout and describe this process', () => {
    expect(findAppRoot()).toBe(ROOT);
    expect(p.root).toBe(ROOT);
    expect(p.runtime).toMatchObject({ platform: process.platform, arch: process.arch, node: process.version, modules: process.versions.modules, electron: null });
    expect(p.exists(join(ROOT, 'package.json'))).toBe(true);
    expect(p.exists(join(ROOT, 'no-such-file'))).toBe(false);
    expect(p.readText(join(ROOT, 'no-such-file'))).toBeNull();
  });

  it('load better-sqlite3, sharp and ONNX Runtime as installed', () => {
    const s = p.sqlite();
    expect(s.ok && s.version).toMatch(/^3\.\d+\.\d+$/);
    const bad = p.sqlite(join(ROOT, 'no-such-binding.node'));
    expect(bad.ok).toBe(false);
    const sh = p.sharp();
    expect(sh).toMatchObject({ ok: true, sharp: version('sharp') });
    const o = p.onnxruntime();
    expect(o.ok && o.version).toBe(version('onnxruntime-node'));
    expect(o.ok && o.backends.map((b) => b.name)).toContain('cpu');
  });

  it('start a CPU session; a provider that is not there gives its own failure, not the CPU fallback', async () => {
    expect(await p.startProvider('cpu')).toEqual({ ok: true });
    const r = await p.startProvider('no-such-provider');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).not.toMatch(/^execution provider "/);
      expect(r.error).toContain('"no-such-provider" is not a backend of this onnxruntime-node build');
    }
  });

  it('run an executable for its version, and say why one does not run', () => {
    expect(p.commandVersion(process.execPath)).toEqual({ ok: true, version: process.version });
    const none = p.commandVersion(join(ROOT, 'no-such-chromium'));
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.error).toContain('ENOENT');
  });

  it('require("electron") gives the path electron/path.txt names, or the reason there is none', () => {
    const e = p.electronBinary();
    const pathTxt = join(ROOT, 'node_modules', 'electron', 'path.txt');
    if (!process.env.ELECTRON_OVERRIDE_DIST_PATH && p.exists(pathTxt)) {
      expect(e).toEqual({ ok: true, path: join(ROOT, 'node_modules', 'electron', 'dist', readFileSync(pathTxt, 'utf8')) });
    } else if (!process.env.ELECTRON_OVERRIDE_DIST_PATH) {
      expect(e).toEqual({ ok: false, error: expect.stringContaining('Electron failed to install correctly') });
    }
  });
});
