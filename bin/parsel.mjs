#!/usr/bin/env node
// Entry point of the `parsel` command. Runs the bundled CLI (built by `npm run build`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'out', 'cli', 'parsel.mjs');
if (!existsSync(bundle)) {
  console.error(`parsel: the CLI is not built yet (${bundle} is missing). Run \`npm run build\` in ${root}.`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(bundle).href);
const code = await main(process.argv.slice(2), { rendererDir: join(root, 'out', 'renderer') });
process.exitCode = code;
