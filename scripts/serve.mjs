#!/usr/bin/env node
// `npm run serve [-- project.parsel] [-- --port N --host ADDR]`: browser mode. Builds the renderer and the
// CLI when they are missing or older than the sources, then runs `parsel serve`, which prints the URL
// (with this launch's token) to open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) m = Math.max(m, newest(join(p, e)));
  return m;
}

const outputs = ['out/renderer/index.html', 'out/cli/parsel.mjs'].map((f) => join(root, f));
const inputs = ['src', 'electron.vite.config.ts', 'package.json'].map((f) => join(root, f));
const stale =
  outputs.some((f) => !existsSync(f)) || Math.max(...inputs.map(newest)) > Math.min(...outputs.map((f) => statSync(f).mtimeMs));
if (stale) {
  console.log('parsel: building the app (npm run build)…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const child = spawn(process.execPath, [join(root, 'bin/parsel.mjs'), 'serve', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
