#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI without touching node_modules (tests and the CLI keep the
// Node build): copies the package to a temp folder, fetches a prebuilt binary with its bundled
// prebuild-install, falls back to compiling with node-gyp against Electron's headers, and stores the
// result at .cache/electron-native/<electron version>/better_sqlite3.node. Electron's main process
// passes that path to better-sqlite3 as `nativeBinding`.
//
//   node scripts/electron-native.mjs [--force] [--electron <version>]
//
// onnxruntime-node and sharp use N-API and load in Electron as installed.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

export function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
}

export function bindingPath(version = electronVersion()) {
  return join(root, '.cache', 'electron-native', version, 'better_sqlite3.node');
}

function run(cmd, args, cwd) {
  console.log(`electron-native: ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, npm_config_build_from_source: '' } });
  if (r.error) console.error(`electron-native: ${r.error.message}`);
  return r.status === 0;
}

function findNodeGyp() {
  const candidates = [];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a dependency of this project
  }
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  // npm ships node-gyp: <prefix>/lib/node_modules/npm/node_modules/node-gyp (Unix), <prefix>/node_modules/npm/... (Windows)
  const prefix = dirname(dirname(process.execPath));
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** Returns the path of the Electron build of better-sqlite3, building it when missing (or forced). */
export function ensureElectronNative({ version = electronVersion(), force = false } = {}) {
  const dest = bindingPath(version);
  if (existsSync(dest) && !force) return dest;

  const pkgDir = dirname(require.resolve('better-sqlite3/package.json'));
  const work = mkdtempSync(join(tmpdir(), 'parsel-electron-native-'));
  const copy = join(work, 'better-sqlite3');
  try {
    cpSync(pkgDir, copy, { recursive: true, dereference: true });
    rmSync(join(copy, 'build'), { recursive: true, force: true });
    const built = join(copy, 'build', 'Release', 'better_sqlite3.node');
    const target = [`--runtime=electron`, `--target=${version}`, `--arch=${process.arch}`];

    let ok = false;
    let prebuild = null;
    try {
      prebuild = createRequire(join(pkgDir, 'package.json')).resolve('prebuild-install/bin.js');
    } catch {
      console.warn('electron-native: prebuild-install not found next to better-sqlite3');
    }
    if (prebuild) ok = run(process.execPath, [prebuild, ...target, `--platform=${process.platform}`], copy) && existsSync(built);
    if (!ok) {
      console.warn('electron-native: no prebuilt binary; compiling with node-gyp (needs a C++ toolchain and network for headers)');
      const gyp = findNodeGyp();
      if (!gyp) throw new Error('node-gyp not found; install it (npm i -g node-gyp) or make a prebuilt binary reachable');
      ok =
        run(process.execPath, [gyp, 'rebuild', '--release', ...target, '--dist-url=https://electronjs.org/headers'], copy) &&
        existsSync(built);
    }
    if (!ok) throw new Error(`could not build better-sqlite3 for Electron ${version} (see the output above)`);

    mkdirSync(dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.tmp`;
    copyFileSync(built, tmp);
    renameSync(tmp, dest);
    console.log(`electron-native: wrote ${dest}`);
    return dest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--electron');
  try {
    const version = i >= 0 ? args[i + 1] : electronVersion();
    const p = ensureElectronNative({ version, force: args.includes('--force') });
    console.log(p);
  } catch (err) {
    console.error(`electron-native: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
