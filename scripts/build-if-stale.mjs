// Rebuilds out/ when any of the given outputs is missing or older than the sources. Used by `npm start`
// and `npm run serve`, so the two commands never run a stale build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time under `p` (files and folders), 0 for a missing path. */
function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) m = Math.max(m, newest(join(p, e)));
  return m;
}

/**
 * `outputs`: paths relative to the repository root. `command`: what builds them (an argv run with the
 * repository as working directory). Exits the process with the build's status when the build fails.
 */
export function buildIfStale(outputs, command, label) {
  const outs = outputs.map((f) => join(root, f));
  const inputs = ['src', 'electron.vite.config.ts', 'package.json'].map((f) => join(root, f));
  const stale = outs.some((f) => !existsSync(f)) || Math.max(...inputs.map(newest)) > Math.min(...outs.map((f) => statSync(f).mtimeMs));
  if (!stale) return;
  console.log(`parsel: building (${label})…`);
  const [cmd, ...args] = command;
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
