// The two downloads that `npm install` cannot get from the npm registry: the Electron binary (GitHub) and,
// on Linux x64, onnxruntime-node's CUDA execution provider (NuGet). package.json's `allowScripts` stops the
// packages' own install scripts (which fail the whole install when the download fails); this module runs
// the same scripts itself, tolerantly, from `postinstall` and from `npm run get-electron` / `get-cuda`.
// Used by scripts/postinstall.mjs and scripts/start.mjs.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** Where a package is installed, or null when it is not. */
function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/**
 * The Electron binary: `{ state: 'present', path }`, `{ state: 'missing', dir }` (package without its
 * binary) or `{ state: 'absent' }` (no electron package at all).
 */
export function electronStatus() {
  const dir = packageDir('electron');
  if (!dir) return { state: 'absent' };
  try {
    // The package's main module reads dist/path.txt; it throws when the binary was never downloaded.
    const p = createRequire(join(dir, 'package.json'))(dir);
    if (typeof p === 'string' && existsSync(p)) return { state: 'present', path: p, dir };
  } catch {
    // fall through
  }
  return { state: 'missing', dir };
}

/**
 * onnxruntime-node's extra files for this platform (the CUDA provider on Linux x64; none elsewhere):
 * `{ state: 'none' }` (nothing to fetch here), `{ state: 'present', names }` or `{ state: 'missing', names, files }`.
 */
export function cudaStatus() {
  const dir = packageDir('onnxruntime-node');
  if (!dir) return { state: 'none' };
  const meta = createRequire(join(dir, 'package.json'))(join(dir, 'script', 'install-metadata.js'));
  const platform = `${process.platform}/${process.arch}`;
  const names = meta.requirements?.[platform] ?? [];
  if (names.length === 0) return { state: 'none' };
  const binDir = join(dir, 'bin', 'napi-v6', platform);
  const files = names.flatMap((n) => Object.keys(meta.manifests?.[`${platform}:${n}`] ?? {}).map((f) => join(binDir, f)));
  const missing = files.filter((f) => !existsSync(f));
  return missing.length === 0 ? { state: 'present', names } : { state: 'missing', names, files: missing, dir };
}

/** The most telling line of a failed download's output (e.g. `getaddrinfo ENOTFOUND github.com`). */
export function reasonOf(output) {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const net = lines.find((l) => /ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|certificate|status code|\b40[34]\b/i.test(l));
  const pick = net ?? lines.find((l) => /error/i.test(l) && !/^\s*at /.test(l)) ?? lines[0] ?? 'no output';
  return pick.replace(/^(Error|RequestError|HTTPError):\s*/, '').slice(0, 200);
}

/** Run a Node script; resolves `{ ok, output }`, never rejects. Killed after `timeoutMs`. */
function runNode(script, args, { cwd, env, timeoutMs }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\ngave up after ${Math.round(timeoutMs / 1000)} s without an answer (ETIMEDOUT)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output });
    });
  });
}

/** Environment for a package's own install script, without what npm set for *our* lifecycle script. */
function scriptEnv(extra) {
  const env = { ...process.env, ...extra };
  for (const k of Object.keys(env)) if (k.startsWith('npm_')) delete env[k];
  return env;
}

/** Download the Electron binary with electron's own install script. */
export async function fetchElectron({ timeoutMs = 10 * 60_000 } = {}) {
  const st = electronStatus();
  if (st.state === 'present') return { ok: true, already: true };
  if (st.state === 'absent') return { ok: false, reason: 'the electron package is not installed (run `npm install`)' };
  const env = scriptEnv({});
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  const r = await runNode(join(st.dir, 'install.js'), [], { cwd: st.dir, env, timeoutMs });
  if (r.ok && electronStatus().state === 'present') return { ok: true };
  return { ok: false, reason: reasonOf(r.output) };
}

/** Download onnxruntime-node's extra provider files for this platform with its own install script. */
export async function fetchCuda({ timeoutMs = 15 * 60_000 } = {}) {
  const st = cudaStatus();
  if (st.state !== 'missing') return { ok: true, already: true };
  const env = scriptEnv({ ONNXRUNTIME_NODE_INSTALL: st.names.join(',') });
  const r = await runNode(join(st.dir, 'script', 'install.js'), [], { cwd: st.dir, env, timeoutMs });
  if (r.ok && cudaStatus().state === 'present') return { ok: true };
  return { ok: false, reason: reasonOf(r.output) };
}

export function electronVersion() {
  const dir = packageDir('electron');
  return dir ? JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version : null;
}
