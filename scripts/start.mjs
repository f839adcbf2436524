#!/usr/bin/env node
// `npm start`: launches the desktop app. Checks for the Electron binary (an offline install has none),
// makes sure better-sqlite3 is built for Electron, rebuilds out/ when sources are newer, then runs
// Electron on this folder. Arguments after `npm start --` are passed to the app.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectronNative } from './electron-native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

function electronBinary() {
  try {
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const electron = electronBinary();
if (!electron) {
  console.error(
    [
      'parsel: the Electron binary is not installed, so the desktop app cannot start.',
      '',
      '  This happens with an offline install (ELECTRON_SKIP_BINARY_DOWNLOAD=1 or no network during npm install).',
      '  - Browser mode works without Electron:   npm run serve',
      '    (then open the printed URL; it carries the access token)',
      '  - To get Electron, run `npm install` with network access (it downloads the binary),',
      '    or `node node_modules/electron/install.js`.',
    ].join('\n'),
  );
  process.exit(1);
}

let binding;
try {
  binding = ensureElectronNative();
} catch (err) {
  console.error(`parsel: ${err instanceof Error ? err.message : err}`);
  console.error('parsel: the app needs better-sqlite3 built for Electron; see scripts/electron-native.mjs');
  process.exit(1);
}

/** Newest modification time under `p` (files and folders), skipping nothing but missing paths. */
function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) m = Math.max(m, newest(join(p, e)));
  return m;
}

const outputs = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'].map((f) => join(root, f));
const inputs = ['src', 'electron.vite.config.ts', 'package.json'].map((f) => join(root, f));
const stale = outputs.some((f) => !existsSync(f)) || Math.max(...inputs.map(newest)) > Math.min(...outputs.map((f) => statSync(f).mtimeMs));
if (stale) {
  console.log('parsel: building (electron-vite build)…');
  const cli = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  const r = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const env = { ...process.env, PARSEL_SQLITE_BINDING: binding };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(electron, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
