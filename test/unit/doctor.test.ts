/**
 * `env:doctor` (src/main/services/doctor.ts) over a simulated machine (test/tooling/env-machine.ts):
 * each line present and absent, with its status, reason and fix command, and what the lines make ready.
 * Also through the backend and the contract, with the probes given to createBackend.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';
import { runDoctor, satisfiesRange } from '../../src/main/services/doctor';
import type { EnvCheck, EnvReport } from '../../src/shared/api/methods-env';
import { CUDA_LIB, ELECTRON_BIN, ELECTRON_SQLITE, healthyMachine, probesOf, root, type FakeMachine } from '../tooling/env-machine';

async function doctor(change: (m: FakeMachine) => void = () => undefined, opts = {}): Promise<{ report: EnvReport; m: FakeMachine }> {
  const m = healthyMachine();
  change(m);
  return { report: await runDoctor(probesOf(m), opts), m };
}

function line(r: EnvReport, id: string): EnvCheck {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no line "${id}" in ${r.checks.map((x) => x.id).join(', ')}`);
  return c;
}

describe('env:doctor checks', () => {
  it('a machine with everything: every line ok, in a fixed order, and everything ready', async () => {
    const { report, m } = await doctor();
    expect(report.checks.map((c) => c.id)).toEqual([
      'node',
      'electron',
      'electron-binary',
      'sqlite-node',
      'sqlite-electron',
      'sharp',
      'onnxruntime',
      'ep-cpu',
      'ep-cuda',
      'ep-webgpu',
      'chromium',
      'demo-models',
    ]);
    for (const c of report.checks) expect({ id: c.id, status: c.status, reason: c.reason, fix: c.fix }).toEqual({ id: c.id, status: 'ok', reason: null, fix: null });
    expect(report.ready).toEqual({ browser: true, tests: true, desktop: true, gpu: true, sample: true });
    expect(line(report, 'node').detail).toContain('v20.20.2');
    expect(line(report, 'node').detail).toContain('NODE_MODULE_VERSION 115');
    expect(line(report, 'electron').detail).toBe('39.2.3 (NODE_MODULE_VERSION 140)');
    expect(line(report, 'electron-binary').detail).toBe(ELECTRON_BIN);
    expect(line(report, 'sqlite-node').detail).toContain('SQLite 3.51.2');
    expect(line(report, 'sqlite-electron').detail).toContain(ELECTRON_SQLITE);
    expect(line(report, 'sqlite-electron').detail).toContain('NODE_MODULE_VERSION 140');
    expect(line(report, 'sharp').detail).toBe('sharp 0.35.5, libvips 8.18.7');
    expect(line(report, 'onnxruntime').detail).toContain('1.30.0');
    expect(line(report, 'ep-cuda').detail).toContain(CUDA_LIB);
    expect(line(report, 'chromium').detail).toContain('Chromium 156');
    expect(line(report, 'demo-models').detail).toContain('2 snapshots + averaged');
    expect(m.started).toEqual(['cpu', 'cuda', 'webgpu']);
  });

  it('Node: too old for package.json engines is unavailable with the fix; browser mode and tests are not ready', async () => {
    const { report } = await doctor((m) => (m.node = 'v18.19.0'));
    expect(line(report, 'node')).toMatchObject({ status: 'unavailable', fix: 'nvm install --lts' });
    expect(line(report, 'node').reason).toBe('Node v18.19.0 does not meet package.json engines ">=20.19"');
    expect(report.ready.browser).toBe(false);
    expect(report.ready.tests).toBe(false);
    expect(report.ready.desktop).toBe(true);
  });

  it('engines ranges', () => {
    expect(satisfiesRange('v20.19.0', '>=20.19')).toBe(true);
    expect(satisfiesRange('v20.18.9', '>=20.19')).toBe(false);
    expect(satisfiesRange('v22.1.0', '>=20 <22')).toBe(false);
    expect(satisfiesRange('v18.0.0', '^16 || >=18')).toBeNull();
    expect(satisfiesRange('v18.0.0', '>=16 <17 || >=18')).toBe(true);
  });

  it('Electron binary absent (offline install): missing, fix `npm run get-electron`; the better-sqlite3 build then needs both', async () => {
    const { report } = await doctor((m) => {
      m.electronBinary = { ok: false, error: 'Electron failed to install correctly, please delete node_modules/electron and try installing again' };
      m.files.delete(ELECTRON_SQLITE);
    });
    const b = line(report, 'electron-binary');
    expect(b).toMatchObject({ status: 'missing', fix: 'npm run get-electron' });
    expect(b.reason).toBe("Electron 39.2.3's binary was not downloaded (an offline install, or ELECTRON_SKIP_BINARY_DOWNLOAD=1)");
    expect(line(report, 'electron').status).toBe('ok');
    const s = line(report, 'sqlite-electron');
    expect(s).toMatchObject({ status: 'missing', fix: 'npm run get-electron && npm start' });
    expect(s.reason).toContain('for Electron 39.2.3 (NODE_MODULE_VERSION 140)');
    expect(report.ready).toMatchObject({ browser: true, tests: true, desktop: false });
  });

  it('Electron binary: a path that does not exist is missing; another require error is shown', async () => {
    const gone = await doctor((m) => m.files.delete(ELECTRON_BIN));
    expect(line(gone.report, 'electron-binary')).toMatchObject({ status: 'missing', fix: 'npm run get-electron', reason: `require('electron') names ${ELECTRON_BIN}, which does not exist` });
    const odd = await doctor((m) => (m.electronBinary = { ok: false, error: 'EACCES: permission denied, open path.txt\n  at …' }));
    expect(line(odd.report, 'electron-binary').reason).toMatch(/not downloaded .*: EACCES: permission denied, open path\.txt$/);
  });

  it('electron package absent altogether: all three Electron lines missing, fix `npm install`', async () => {
    const { report } = await doctor((m) => {
      m.files.delete(root('node_modules', 'electron', 'package.json'));
      m.files.delete(root('node_modules', 'electron', 'abi_version'));
      m.electronBinary = { ok: false, error: "Cannot find module 'electron'" };
    });
    for (const id of ['electron', 'electron-binary']) {
      expect(line(report, id)).toMatchObject({ status: 'missing', fix: 'npm install', reason: 'the electron package is not installed (a production-only or partial install)' });
    }
    expect(line(report, 'sqlite-electron')).toMatchObject({ status: 'missing', fix: 'npm install && npm start' });
    expect(report.ready).toMatchObject({ browser: true, tests: true, desktop: false });
  });

  it('better-sqlite3 for Electron not built yet (binary present): missing, fix `npm start`', async () => {
    const { report } = await doctor((m) => m.files.delete(ELECTRON_SQLITE));
    const s = line(report, 'sqlite-electron');
    expect(s).toMatchObject({ status: 'missing', fix: 'npm start', detail: ELECTRON_SQLITE });
    expect(s.reason).toBe('not built yet for Electron 39.2.3 (NODE_MODULE_VERSION 140): the first desktop start builds it (scripts/electron-native.mjs)');
  });

  it('better-sqlite3 for Node that does not load (another ABI): missing with the loader message, fix `npm rebuild better-sqlite3`', async () => {
    const { report } = await doctor((m) => {
      m.sqlite[''] = {
        ok: false,
        error: "The module 'better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 127.\nThis version requires 115.",
      };
    });
    const s = line(report, 'sqlite-node');
    expect(s).toMatchObject({ status: 'missing', fix: 'npm rebuild better-sqlite3' });
    expect(s.reason).toBe(
      "no build that loads in Node v20.20.2 (NODE_MODULE_VERSION 115): The module 'better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 127.",
    );
    expect(report.ready).toMatchObject({ browser: false, tests: false, desktop: true });
  });

  it('better-sqlite3, sharp, onnxruntime-node packages absent: missing, fix `npm install`', async () => {
    const { report, m } = await doctor((x) => {
      for (const p of ['better-sqlite3', 'sharp', 'onnxruntime-node']) x.files.delete(root('node_modules', p, 'package.json'));
    });
    expect(line(report, 'sqlite-node')).toMatchObject({ status: 'missing', fix: 'npm install', reason: 'the better-sqlite3 package is not installed' });
    expect(line(report, 'sharp')).toMatchObject({ status: 'missing', fix: 'npm install', reason: 'the sharp package is not installed' });
    expect(line(report, 'onnxruntime')).toMatchObject({ status: 'missing', fix: 'npm install', reason: 'the onnxruntime-node package is not installed' });
    for (const id of ['ep-cpu', 'ep-cuda', 'ep-webgpu']) expect(line(report, id)).toMatchObject({ status: 'unavailable', fix: 'npm install', reason: 'ONNX Runtime does not load' });
    expect(m.started).toEqual([]);
    expect(report.ready).toMatchObject({ browser: false, tests: false, gpu: false });
  });

  it('sharp and ONNX Runtime present but not loading: missing with their message and a rebuild', async () => {
    const { report } = await doctor((m) => {
      m.sharp = { ok: false, error: 'Could not load the "sharp" module using the linux-x64 runtime\nPossible solutions: …' };
      m.onnxruntime = { ok: false, error: 'libonnxruntime.so.1: cannot open shared object file' };
    });
    expect(line(report, 'sharp')).toMatchObject({
      status: 'missing',
      fix: 'npm install --include=optional sharp',
      reason: 'sharp does not load: Could not load the "sharp" module using the linux-x64 runtime',
    });
    expect(line(report, 'onnxruntime')).toMatchObject({
      status: 'missing',
      fix: 'npm rebuild onnxruntime-node',
      reason: 'onnxruntime-node does not load: libonnxruntime.so.1: cannot open shared object file',
    });
  });

  it('CPU provider that does not start: unavailable with the reason; browser mode not ready', async () => {
    const { report } = await doctor((m) => (m.providers.cpu = { ok: false, error: 'Load model failed' }));
    expect(line(report, 'ep-cpu')).toMatchObject({ status: 'unavailable', reason: 'a session does not start: Load model failed', fix: null });
    expect(report.ready.browser).toBe(false);
  });

  it('CUDA add-on absent: missing, fix `npm run get-cuda`, and no CUDA session is tried', async () => {
    const { report, m } = await doctor((x) => {
      x.files.delete(CUDA_LIB);
      x.providers.webgpu = { ok: false, error: 'x' };
    });
    const c = line(report, 'ep-cuda');
    expect(c).toMatchObject({ status: 'missing', fix: 'npm run get-cuda' });
    expect(c.reason).toContain("onnxruntime-node's CUDA add-on is not installed (no libonnxruntime_providers_cuda.so in /opt/parsel/node_modules/onnxruntime-node/bin/napi-v6/linux/x64)");
    expect(m.started).not.toContain('cuda');
    expect(report.ready).toMatchObject({ browser: true, tests: true, gpu: false });
  });

  it('CUDA add-on present but the session fails: unavailable with onnxruntime’s message, no single fix', async () => {
    const { report, m } = await doctor((x) => {
      x.providers.cuda = { ok: false, error: 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library — needs CUDA 12' };
    });
    expect(m.started).toContain('cuda');
    expect(line(report, 'ep-cuda')).toMatchObject({
      status: 'unavailable',
      fix: null,
      reason: 'a session does not start: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library — needs CUDA 12',
    });
    expect(report.ready.gpu).toBe(true); // WebGPU still starts
  });

  it('CUDA on Linux arm64: unavailable (no add-on for it), nothing tried', async () => {
    const { report, m } = await doctor((x) => (x.arch = 'arm64'));
    expect(line(report, 'ep-cuda')).toMatchObject({ status: 'unavailable', fix: null, reason: "onnxruntime-node's CUDA add-on exists for Linux and Windows x64 only (this is linux arm64)" });
    expect(m.started).not.toContain('cuda');
  });

  it('WebGPU without an adapter: unavailable with the reason (source location stripped)', async () => {
    const { report } = await doctor((m) => {
      m.providers.webgpu = {
        ok: false,
        error:
          '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(…)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters — WebGPU needs a GPU adapter',
      };
    });
    expect(line(report, 'ep-webgpu')).toMatchObject({
      status: 'unavailable',
      fix: null,
      reason: 'a session does not start: Failed to get a WebGPU adapter: No supported adapters — WebGPU needs a GPU adapter',
    });
  });

  it('a build without WebGPU: unavailable, not tried', async () => {
    const { report, m } = await doctor((x) => {
      if (x.onnxruntime.ok) x.onnxruntime.backends = x.onnxruntime.backends.filter((b) => b.name !== 'webgpu');
    });
    expect(line(report, 'ep-webgpu')).toMatchObject({ status: 'unavailable', reason: 'not a backend of this onnxruntime-node build for linux x64' });
    expect(m.started).not.toContain('webgpu');
  });

  it('DirectML only on Windows, CoreML only on macOS (and no CUDA line there)', async () => {
    const win = await doctor((m) => {
      m.platform = 'win32';
      m.files.set(root('node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'win32', 'x64', 'onnxruntime_providers_cuda.dll'), '');
      if (m.onnxruntime.ok) m.onnxruntime.backends.push({ name: 'dml', bundled: true });
      m.providers.dml = { ok: false, error: 'no DirectX 12 adapter' };
    });
    expect(win.report.checks.map((c) => c.id).filter((id) => id.startsWith('ep-'))).toEqual(['ep-cpu', 'ep-cuda', 'ep-dml', 'ep-webgpu']);
    expect(line(win.report, 'ep-cuda').status).toBe('ok');
    expect(line(win.report, 'ep-dml')).toMatchObject({ status: 'unavailable', title: 'ONNX Runtime: DirectML', reason: 'a session does not start: no DirectX 12 adapter' });

    const mac = await doctor((m) => {
      m.platform = 'darwin';
      m.arch = 'arm64';
      if (m.onnxruntime.ok) m.onnxruntime.backends = [{ name: 'cpu', bundled: true }, { name: 'coreml', bundled: true }];
    });
    expect(mac.report.checks.map((c) => c.id).filter((id) => id.startsWith('ep-'))).toEqual(['ep-cpu', 'ep-coreml', 'ep-webgpu']);
    expect(line(mac.report, 'ep-coreml')).toMatchObject({ status: 'ok', title: 'ONNX Runtime: CoreML' });
    expect(mac.m.started).toEqual(['cpu', 'coreml']);
  });

  it('Chromium absent: missing with the install command of the system; tests not ready, browser mode still ready', async () => {
    const deb = await doctor((m) => m.files.delete('/usr/bin/chromium'));
    const c = line(deb.report, 'chromium');
    expect(c).toMatchObject({ status: 'missing', fix: 'apt-get install -y chromium' });
    expect(c.reason).toBe("no Chromium at /usr/bin/chromium (the tests' default; CHROMIUM_PATH overrides it); the browser end-to-end tests skip without it");
    expect(deb.report.ready).toMatchObject({ browser: true, tests: false });

    const fedora = await doctor((m) => {
      m.files.delete('/usr/bin/chromium');
      m.files.delete('/etc/debian_version');
      m.files.set('/etc/fedora-release', '');
    });
    expect(line(fedora.report, 'chromium').fix).toBe('dnf install -y chromium');

    const mac = await doctor((m) => {
      m.platform = 'darwin';
      m.files.delete('/usr/bin/chromium');
    });
    expect(line(mac.report, 'chromium').fix).toBe('brew install --cask chromium && export CHROMIUM_PATH=/Applications/Chromium.app/Contents/MacOS/Chromium');
  });

  it('Chromium: CHROMIUM_PATH is what the tests use; a wrong one is named, a broken one is unavailable', async () => {
    const wrong = await doctor((m) => (m.env.CHROMIUM_PATH = '/opt/chrome/chrome'));
    expect(line(wrong.report, 'chromium')).toMatchObject({
      status: 'missing',
      reason: 'no Chromium at CHROMIUM_PATH=/opt/chrome/chrome; the browser end-to-end tests skip without it',
      fix: 'apt-get install -y chromium && unset CHROMIUM_PATH',
    });
    const broken = await doctor((m) => (m.commands['/usr/bin/chromium'] = { ok: false, error: 'exit code 127: error while loading shared libraries: libnss3.so' }));
    expect(line(broken.report, 'chromium')).toMatchObject({
      status: 'unavailable',
      reason: '/usr/bin/chromium does not run: exit code 127: error while loading shared libraries: libnss3.so',
      fix: 'apt-get install -y chromium',
    });
  });

  it('demo models: absent, a member missing, a damaged demo.json', async () => {
    const demo = root('models', 'demo', 'demo.json');
    const none = await doctor((m) => m.files.delete(demo));
    expect(line(none.report, 'demo-models')).toMatchObject({ status: 'missing', fix: 'git checkout -- models/demo' });
    expect(line(none.report, 'demo-models').reason).toContain(`${demo} is not there`);
    expect(none.report.ready).toMatchObject({ browser: true, tests: true, sample: false });

    const member = await doctor((m) => m.files.delete(root('models', 'demo', 'snapshot-2.onnx')));
    expect(line(member.report, 'demo-models')).toMatchObject({
      status: 'missing',
      reason: `${demo} names files that are not in ${root('models', 'demo')}: snapshot-2.onnx`,
    });

    const bad = await doctor((m) => m.files.set(demo, '{"set": {"members": []}}'));
    expect(line(bad.report, 'demo-models')).toMatchObject({ status: 'unavailable', reason: `${demo} is not a valid demo.json: set.members is not a list of file names` });
  });

  it('inside Electron: its own Node, the running binary, and the Electron build of better-sqlite3 actually loaded', async () => {
    const binding = '/somewhere/better_sqlite3.node';
    const inside = (m: FakeMachine) => {
      m.electronRuntime = '39.2.3';
      m.node = 'v22.20.0';
      m.modules = '140';
      m.electronBinary = { ok: false, error: 'not asked inside Electron' };
      m.files.set(binding, '');
    };
    const ok = await doctor((m) => {
      inside(m);
      m.sqlite[binding] = { ok: true, version: '3.51.2' };
    }, { sqliteNativeBinding: binding });
    expect(ok.report.runtime).toBe('electron');
    expect(line(ok.report, 'node').detail).toContain("v22.20.0 (Electron's own");
    expect(line(ok.report, 'electron-binary')).toMatchObject({ status: 'ok', detail: '/opt/electron/electron (running)' });
    expect(line(ok.report, 'sqlite-electron')).toMatchObject({ status: 'ok' });
    expect(line(ok.report, 'sqlite-electron').detail).toContain(`loaded for Electron 39.2.3 (NODE_MODULE_VERSION 140) from ${binding}`);
    expect(line(ok.report, 'sqlite-node').detail).toContain('not loaded here: this process is Electron');

    const broken = await doctor((m) => {
      inside(m);
      m.sqlite[binding] = { ok: false, error: 'was compiled against NODE_MODULE_VERSION 115' };
    }, { sqliteNativeBinding: binding });
    expect(line(broken.report, 'sqlite-electron')).toMatchObject({
      status: 'unavailable',
      reason: 'the build does not load: was compiled against NODE_MODULE_VERSION 115',
      fix: 'node scripts/electron-native.mjs --force',
    });
  });
});

describe('env:doctor through the backend', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'parsel-doctor-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('answers with the probes the backend was given, and validates the request', async () => {
    const m = healthyMachine();
    m.files.delete('/usr/bin/chromium');
    const backend = createBackend({ mode: 'direct', userDataDir: tmp, envProbes: probesOf(m) });
    try {
      const api = directClient(backend.services, backend.bus);
      const r = await api.call('env:doctor', {});
      expect(r.root).toBe('/opt/parsel');
      expect(line(r, 'chromium').status).toBe('missing');
      expect(r.ready.tests).toBe(false);
      await expect(api.call('env:doctor', { extra: 1 } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    } finally {
      backend.close();
    }
  });
});
