#!/usr/bin/env node
// `npm run serve [-- project.parsel] [-- --port N --host ADDR]`: browser mode. Builds the renderer and the
// CLI when they are missing or older than the sources, then runs `parsel serve`, which prints the URL
// (with this launch's token) to open.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build-if-stale.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
buildIfStale(['out/renderer/index.html', 'out/cli/parsel.mjs'], ['npm', 'run', 'build'], 'npm run build');

const child = spawn(process.execPath, [join(root, 'bin/parsel.mjs'), 'serve', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
