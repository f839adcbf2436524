/**
 * Execution providers: the order to try per platform, and session creation with a reported fallback.
 *
 * Order (DESIGN.md §4): CUDA (Linux/Windows; onnxruntime-node's CUDA add-on, installed on Linux with
 * `npm install` where NuGet can be reached, or later `npm run get-cuda`: scripts/postinstall.mjs), DirectML (Windows),
 * CoreML (macOS), WebGPU (bundled in the Linux and Windows builds; needs a Vulkan/D3D12 adapter), then
 * CPU. Each provider is tried alone; a failure becomes a warning with onnxruntime's message and the
 * next one is tried. CPU is always the last resort. Nothing falls back silently: the provider in use
 * and every warning are returned.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ortLogSeverity, ortVerbose } from './ort-log';
import type { ProviderName } from './types';

export interface SupportedBackend {
  name: string;
  /** true: shipped in the npm package; false: needs a separately installed add-on (CUDA, TensorRT). */
  bundled: boolean;
}

/** Backends this onnxruntime-node build knows about on this platform (not a promise that they work). */
export function listSupportedBackends(): SupportedBackend[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

/** The GPU providers Parsel tries on a platform, in order (before CPU), whether this build has them or not. */
export function platformProviders(platform: string = process.platform): ProviderName[] {
  return platform === 'win32' ? ['cuda', 'dml', 'webgpu'] : platform === 'darwin' ? ['coreml', 'webgpu'] : ['cuda', 'webgpu'];
}

/** Default order for this platform, restricted to the backends this build lists; 'cpu' last. */
export function defaultProviderOrder(platform: NodeJS.Platform = process.platform): ProviderName[] {
  const wanted = platformProviders(platform);
  const known = new Set(listSupportedBackends().map((b) => b.name));
  return [...wanted.filter((p) => known.has(p)), 'cpu'];
}

/** How to get a provider that failed to initialise (appended to its warning). */
export function providerHint(p: ProviderName): string {
  switch (p) {
    case 'cuda':
      return (
        'the CUDA provider is an add-on: on Linux x64 fetch it with `npm run get-cuda` ' +
        '(needs network access to NuGet, an NVIDIA driver, CUDA 12 and cuDNN 9)'
      );
    case 'webgpu':
      return 'WebGPU needs a GPU adapter (Vulkan on Linux: install the vendor Vulkan driver and libvulkan1)';
    case 'dml':
      return 'DirectML is available on Windows 10+ with a DirectX 12 GPU';
    case 'coreml':
      return 'CoreML is available on macOS';
    default:
      return `"${p}" is not a backend of this onnxruntime-node build (${listSupportedBackends()
        .map((b) => b.name)
        .join(', ')})`;
  }
}

export interface SessionSettings {
  /** Providers to try in order ('cpu' is appended if missing). Default `defaultProviderOrder()`. */
  providers?: ProviderName[];
  /** ORT intra-op threads (default: CPU cores − 1, at least 1). */
  intraOpThreads?: number;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  warnings: string[];
  /** The intra-op thread count the session was created with. */
  intraOpThreads: number;
}

/** Session options Parsel uses (also for raw-throughput baselines, so the comparison is fair). */
export function sessionOptions(provider: ProviderName, intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: ortLogSeverity(),
    // Spinning intra-op threads would burn the cores that decode/resize run on between runs.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/**
 * Default ORT intra-op threads: all cores but one, which is left to decoding/resizing (sharp) and
 * post-processing of neighbouring items, so they overlap session.run instead of stealing its cores.
 */
export function defaultIntraOpThreads(): number {
  return Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1);
}

/** Whether a shared library can be found the way the dynamic loader looks (ld.so.cache, LD_LIBRARY_PATH, usual folders). */
export function findSharedLibrary(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/lib', '/lib64', '/usr/lib', '/usr/lib64', '/usr/local/lib',
    `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
  ];
  if (dirs.some((d) => existsSync(join(d, name)))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes(name);
  } catch {
    return false;
  }
}

/**
 * Why provider `p` cannot start on this machine, known without trying it, or null (then it is tried).
 * Today: WebGPU on Linux runs on Vulkan; without the Vulkan loader there is no adapter.
 */
export function knownUnavailable(p: ProviderName, platform: string = process.platform): string | null {
  if (p === 'webgpu' && platform === 'linux' && !findSharedLibrary('libvulkan.so.1')) {
    return 'the Vulkan loader (libvulkan.so.1) is not installed, so there is no GPU adapter';
  }
  return null;
}

/** Creates a session on the first provider that initialises; every failure is a warning. */
export async function createSession(model: string | Uint8Array, settings: SessionSettings = {}): Promise<CreatedSession> {
  const order = [...(settings.providers ?? defaultProviderOrder())];
  if (!order.includes('cpu')) order.push('cpu');
  const threads = settings.intraOpThreads ?? defaultIntraOpThreads();
  const warnings: string[] = [];
  for (const p of order) {
    // A provider that cannot work here is not tried unless verbose: trying prints native noise (Dawn's
    // "Couldn't load Vulkan") to stderr that no log level silences.
    const known = ortVerbose() ? null : knownUnavailable(p);
    if (known !== null) {
      warnings.push(`execution provider "${p}" failed to initialise: ${known} (not tried) — ${providerHint(p)}`);
      continue;
    }
    try {
      const opts = sessionOptions(p, threads);
      const session = typeof model === 'string' ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts);
      if (p !== order[0]) warnings.push(`using execution provider "${p}" (fell back from "${order[0]}")`);
      return { session, provider: p, warnings, intraOpThreads: threads };
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 400);
      warnings.push(`execution provider "${p}" failed to initialise: ${msg} — ${providerHint(p)}`);
    }
  }
  throw new Error(`no execution provider could load the model: ${warnings.join('; ')}`);
}
