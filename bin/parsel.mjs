#!/usr/bin/env node
// Entry point of the `parsel` command. Runs the bundled CLI (built by `npm run build`; built here on the
// first run when missing, so `npm run parsel -- doctor` works right after `npm install`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'out', 'cli', 'parsel.mjs');
if (!existsSync(bundle)) {
  // The build's own output goes to stderr: stdout is the command's (`parsel doctor --json | …`).
  console.error('parsel: building the CLI (first run)…');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs')], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0 || !existsSync(bundle)) {
    console.error(`parsel: the CLI is not built (${bundle} is missing) and building it failed. Run \`npm run build\` in ${root}.`);
    process.exit(1);
  }
}
const { main } = await import(pathToFileURL(bundle).href);
const code = await main(process.argv.slice(2), { rendererDir: join(root, 'out', 'renderer') });
process.exitCode = code;
