#!/usr/bin/env node
// Bundles the CLI (src/cli) into out/cli/parsel.mjs. Native and large runtime packages stay external.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'src/cli/index.ts')],
  outfile: join(root, 'out/cli/parsel.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: ['better-sqlite3', 'sharp', 'onnxruntime-node', 'ws', 'electron'],
  // CJS dependencies bundled into an ES module still call require(); give them one.
  banner: { js: "import { createRequire as __parselCreateRequire } from 'node:module'; const require = __parselCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
console.log('built out/cli/parsel.mjs');
