#!/usr/bin/env node
// `npm start [-- project.parsel]`: the app. Where the Electron binary is installed: the desktop app (makes
// sure better-sqlite3 is built for Electron, rebuilds out/ when sources are newer, runs Electron on this
// folder). Where it is not (an offline install: scripts/postinstall.mjs said so): browser mode, with the
// reason, the URL printed and — on a desktop — opened in the default browser. One command either way.
// Set PARSEL_NO_OPEN=1 to keep it from opening a browser, PARSEL_BROWSER=1 to use browser mode anyway.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build-if-stale.mjs';
import { ensureElectronNative } from './electron-native.mjs';
import { electronStatus } from './optional-downloads.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function forward(child) {
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** The command that opens a URL in the default browser here, or null where there is no desktop. */
function opener(platform = process.platform, env = process.env) {
  if (env.PARSEL_NO_OPEN) return null;
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""'];
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return null;
  return ['/usr/bin/xdg-open', '/usr/local/bin/xdg-open'].some((p) => existsSync(p)) ? ['xdg-open'] : null;
}

function browserMode(reason) {
  console.log(`parsel: ${reason}, so the app starts in browser mode (same UI, in your browser).`);
  console.log('parsel: to get the desktop app, run `npm run get-electron` with network access, then `npm start` again.');
  buildIfStale(['out/renderer/index.html', 'out/cli/parsel.mjs'], ['npm', 'run', 'build'], 'npm run build');
  const child = spawn(process.execPath, [join(root, 'bin/parsel.mjs'), 'serve', ...args], { stdio: ['inherit', 'pipe', 'inherit'] });
  const open = opener();
  let opened = false;
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    const url = /https?:\/\/\S+\?token=\S+/.exec(String(chunk))?.[0];
    if (url && open && !opened) {
      opened = true;
      const [cmd, ...rest] = open;
      const o = spawn(cmd, [...rest, url], { stdio: 'ignore', detached: true });
      o.on('error', () => console.log('parsel: could not open a browser: open the URL above yourself'));
      o.unref();
    }
  });
  forward(child);
}

function desktop(electron) {
  let binding;
  try {
    binding = ensureElectronNative();
  } catch (err) {
    console.error(`parsel: ${err instanceof Error ? err.message : err}`);
    console.error('parsel: the app needs better-sqlite3 built for Electron; see scripts/electron-native.mjs');
    process.exit(1);
  }
  const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  buildIfStale(['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'], [process.execPath, cli, 'build'], 'electron-vite build');
  const env = { ...process.env, PARSEL_SQLITE_BINDING: binding };
  delete env.ELECTRON_RUN_AS_NODE;
  forward(spawn(electron, [root, ...args], { cwd: root, stdio: 'inherit', env }));
}

const st = electronStatus();
if (st.state === 'present' && !process.env.PARSEL_BROWSER) desktop(st.path);
else if (st.state === 'present') browserMode('PARSEL_BROWSER is set');
else if (st.state === 'absent') browserMode('the electron package is not installed');
else browserMode('the Electron binary is not installed (it could not be downloaded during npm install)');
