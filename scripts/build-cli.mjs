#!/usr/bin/env node
// Bundles the CLI (src/cli) into out/cli/parsel.mjs. Native and large runtime packages stay external.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  // The CLI, plus the inference worker scripts that src/main/inference/spawn.ts starts from beside it.
  entryPoints: [
    { in: join(root, 'src/cli/index.ts'), out: 'parsel' },
    { in: join(root, 'src/main/inference/worker.ts'), out: 'inference-worker' },
    { in: join(root, 'src/main/inference/session-worker.ts'), out: 'inference-session-worker' },
    { in: join(root, 'src/main/inference/prompt-worker.ts'), out: 'inference-prompt-worker' },
    // Pre-labelling jobs commit each image from a writer thread (found beside the bundle like the above).
    { in: join(root, 'src/main/services/prelabel-writer.ts'), out: 'inference-prelabel-writer' },
    // The sample project's images are made in generator threads (same lookup).
    { in: join(root, 'src/main/services/sample-worker.ts'), out: 'inference-sample-worker' },
    // Exports encode PNGs in threads of their own (same lookup).
    { in: join(root, 'src/main/formats/png-worker.ts'), out: 'inference-png-worker' },
    // Imports build masks in threads of their own (same lookup).
    { in: join(root, 'src/main/services/mask-worker.ts'), out: 'inference-mask-worker' },
  ],
  outdir: join(root, 'out/cli'),
  outExtension: { '.js': '.mjs' },
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
console.log('built out/cli/parsel.mjs (+ inference workers)');
