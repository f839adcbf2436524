/**
 * The real machine behind `env:doctor` (doctor.ts decides; this file only reads): files under the app's
 * folder, `require('electron')`, better-sqlite3, sharp, ONNX Runtime sessions per provider
 * (inference/providers.ts, the app's own session creation), `chromium --version`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createSession, listSupportedBackends } from '../inference/providers';
import sharp from '../sharp';
import type { EnvProbes, Outcome } from './doctor';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isAppRoot(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'parsel';
  } catch {
    return false;
  }
}

function findUp(start: string): string | null {
  let dir = start;
  for (;;) {
    if (isAppRoot(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * The app's folder: the nearest parent of this code with Parsel's package.json (src/main/services in
 * development and tests, out/cli or out/main when bundled), else of the working directory, else the
 * working directory.
 */
export function findAppRoot(): string {
  let here: string | null = null;
  try {
    here = dirname(fileURLToPath(import.meta.url));
  } catch {
    here = null;
  }
  return (here && findUp(here)) ?? findUp(process.cwd()) ?? process.cwd();
}

/**
 * A one-node model (Relu on a float[1], graph "parsel-doctor") that every provider can run, as ONNX
 * bytes: production code does not write models (test/unit/doctor-probe-model.test.ts rebuilds these
 * bytes with the test tooling's writer and runs them).
 */
export const PROBE_MODEL_BASE64 =
  'CAgSBnBhcnNlbBoBMTpHChQKAXgSAXkaBlJlbHVfMCIEUmVsdRINcGFyc2VsLWRvY3RvcloPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEBE=';
function probeModel(): Uint8Array {
  return new Uint8Array(Buffer.from(PROBE_MODEL_BASE64, 'base64'));
}

export function realEnvProbes(root: string = findAppRoot()): EnvProbes {
  const requireFromRoot = createRequire(join(root, 'package.json'));
  return {
    root,
    runtime: {
      platform: process.platform,
      arch: process.arch,
      node: process.version,
      modules: process.versions.modules,
      electron: process.versions.electron ?? null,
      execPath: process.execPath,
    },
    env: (name) => process.env[name],
    exists: (p) => existsSync(p),
    readText: (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return null;
      }
    },
    electronBinary: (): Outcome<{ path: string }> => {
      try {
        // Outside Electron the package's main export is the path of the binary it downloaded.
        const p: unknown = requireFromRoot('electron');
        return typeof p === 'string' ? { ok: true, path: p } : { ok: false, error: 'require("electron") did not give a path' };
      } catch (e) {
        return { ok: false, error: message(e) };
      }
    },
    sqlite: (nativeBinding) => {
      try {
        const db = new Database(':memory:', nativeBinding ? { nativeBinding } : {});
        try {
          const v = db.prepare('select sqlite_version() as v').get() as { v: string };
          return { ok: true, version: v.v };
        } finally {
          db.close();
        }
      } catch (e) {
        return { ok: false, error: message(e) };
      }
    },
    sharp: () => {
      try {
        const v = sharp.versions as { sharp?: string; vips: string };
        return { ok: true, sharp: v.sharp ?? 'unknown', vips: v.vips };
      } catch (e) {
        return { ok: false, error: message(e) };
      }
    },
    onnxruntime: () => {
      try {
        const pkg = JSON.parse(readFileSync(requireFromRoot.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string };
        return { ok: true, version: pkg.version, backends: listSupportedBackends() };
      } catch (e) {
        return { ok: false, error: message(e) };
      }
    },
    startProvider: async (provider) => {
      try {
        const s = await createSession(probeModel(), { providers: [provider], intraOpThreads: 1 });
        await s.session.release();
        if (s.provider === provider) return { ok: true };
        // createSession fell back to CPU; its first warning is this provider's failure, with the hint.
        return { ok: false, error: (s.warnings[0] ?? 'it fell back to another provider').replace(/^execution provider "[^"]+" failed to initialise: /, '') };
      } catch (e) {
        return { ok: false, error: message(e).replace(/^no execution provider could load the model: /, '') };
      }
    },
    commandVersion: (path) => {
      const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 });
      if (r.error) return { ok: false, error: r.error.message };
      if (r.status !== 0) return { ok: false, error: `exit code ${r.status}: ${(r.stderr || r.stdout).trim()}` };
      return { ok: true, version: r.stdout.trim().split('\n')[0] };
    },
  };
}
