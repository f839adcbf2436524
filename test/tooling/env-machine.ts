/**
 * A simulated machine for `env:doctor` (src/main/services/doctor.ts): files, environment, and what each
 * native piece answers. `healthyMachine()` has everything (Linux x64, Electron binary and its
 * better-sqlite3 build, CUDA add-on that starts, a WebGPU adapter, Chromium, the demo models); tests
 * take one piece away at a time.
 */
import { join } from 'node:path';
import type { EnvProbes, Outcome } from '../../src/main/services/doctor';

export const FAKE_ROOT = '/opt/parsel';

export interface FakeMachine {
  platform: string;
  arch: string;
  node: string;
  modules: string;
  /** Set: the checks run inside Electron's main process. */
  electronRuntime: string | null;
  /** Absolute path → content (a file that exists). */
  files: Map<string, string>;
  env: Record<string, string>;
  electronBinary: Outcome<{ path: string }>;
  /** Answer of better-sqlite3, by binary ('' = its own Node build). */
  sqlite: Record<string, Outcome<{ version: string }>>;
  sharp: Outcome<{ sharp: string; vips: string }>;
  onnxruntime: Outcome<{ version: string; backends: { name: string; bundled: boolean }[] }>;
  /** Answer of a session start per provider (absent: "not simulated", which fails the test). */
  providers: Record<string, Outcome<object>>;
  commands: Record<string, Outcome<{ version: string }>>;
  /** Providers a session was started with, in order. */
  started: string[];
}

export const root = (...p: string[]) => join(FAKE_ROOT, ...p);
export const ELECTRON_BIN = root('node_modules', 'electron', 'dist', 'electron');
export const ELECTRON_SQLITE = root('.cache', 'electron-native', '39.2.3', 'better_sqlite3.node');
export const CUDA_LIB = root('node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so');

export function healthyMachine(): FakeMachine {
  const pkg = (version: string) => JSON.stringify({ version });
  return {
    platform: 'linux',
    arch: 'x64',
    node: 'v20.20.2',
    modules: '115',
    electronRuntime: null,
    files: new Map([
      [root('package.json'), JSON.stringify({ name: 'parsel', engines: { node: '>=20.19' } })],
      [root('node_modules', 'electron', 'package.json'), pkg('39.2.3')],
      [root('node_modules', 'electron', 'abi_version'), '140'],
      [ELECTRON_BIN, ''],
      [ELECTRON_SQLITE, ''],
      [root('node_modules', 'better-sqlite3', 'package.json'), pkg('12.6.2')],
      [root('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), ''],
      [root('node_modules', 'sharp', 'package.json'), pkg('0.35.5')],
      [root('node_modules', 'onnxruntime-node', 'package.json'), pkg('1.30.0')],
      [CUDA_LIB, ''],
      ['/usr/bin/chromium', ''],
      ['/etc/debian_version', '12.8'],
      [
        root('models', 'demo', 'demo.json'),
        JSON.stringify({ schema: 'celebamask-hq-a', set: { name: 'demo', members: ['snapshot-1.onnx', 'snapshot-2.onnx'], tta: 'flip' }, averaged: 'averaged.onnx' }),
      ],
      [root('models', 'demo', 'snapshot-1.onnx'), ''],
      [root('models', 'demo', 'snapshot-2.onnx'), ''],
      [root('models', 'demo', 'averaged.onnx'), ''],
    ]),
    env: {},
    electronBinary: { ok: true, path: ELECTRON_BIN },
    sqlite: { '': { ok: true, version: '3.51.2' }, [ELECTRON_SQLITE]: { ok: true, version: '3.51.2' } },
    sharp: { ok: true, sharp: '0.35.5', vips: '8.18.7' },
    onnxruntime: {
      ok: true,
      version: '1.30.0',
      backends: [
        { name: 'cpu', bundled: true },
        { name: 'webgpu', bundled: true },
        { name: 'cuda', bundled: false },
      ],
    },
    providers: { cpu: { ok: true }, cuda: { ok: true }, webgpu: { ok: true }, dml: { ok: true }, coreml: { ok: true } },
    commands: { '/usr/bin/chromium': { ok: true, version: 'Chromium 156.0.8078.114' } },
    started: [],
  };
}

export function probesOf(m: FakeMachine): EnvProbes {
  return {
    root: FAKE_ROOT,
    runtime: { platform: m.platform, arch: m.arch, node: m.node, modules: m.modules, electron: m.electronRuntime, execPath: m.electronRuntime ? '/opt/electron/electron' : '/usr/bin/node' },
    env: (name) => m.env[name],
    exists: (p) => m.files.has(p),
    readText: (p) => m.files.get(p) ?? null,
    electronBinary: () => m.electronBinary,
    sqlite: (binding) => m.sqlite[binding ?? ''] ?? { ok: false, error: `no simulated answer for binary ${binding}` },
    sharp: () => m.sharp,
    onnxruntime: () => m.onnxruntime,
    startProvider: async (p) => {
      m.started.push(p);
      return m.providers[p] ?? { ok: false, error: `provider ${p} not simulated` };
    },
    commandVersion: (p) => m.commands[p] ?? { ok: false, error: `spawn ${p} ENOENT` },
  };
}
