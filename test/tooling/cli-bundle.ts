/**
 * The CLI as a fresh esbuild bundle for tests that run `parsel` in a child process (what
 * scripts/build-cli.mjs builds for users, into a folder of the test's own).
 *
 * `outDir/parsel.mjs` exports `main`; `outDir/run.mjs` calls it with the process arguments, as
 * bin/parsel.mjs does. With `workers`, the inference and pre-label writer threads are bundled beside
 * it under the names `src/main/inference/spawn.ts` looks for.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '..', '..');

export async function buildCliBundle(outDir: string, opts: { workers?: boolean } = {}): Promise<{ bundle: string; run: string }> {
  const workers = opts.workers
    ? [
        { in: join(ROOT, 'src/main/inference/worker.ts'), out: 'inference-worker' },
        { in: join(ROOT, 'src/main/inference/session-worker.ts'), out: 'inference-session-worker' },
        { in: join(ROOT, 'src/main/inference/prompt-worker.ts'), out: 'inference-prompt-worker' },
        { in: join(ROOT, 'src/main/services/prelabel-writer.ts'), out: 'inference-prelabel-writer' },
        { in: join(ROOT, 'src/main/services/sample-worker.ts'), out: 'inference-sample-worker' },
        { in: join(ROOT, 'src/main/formats/png-worker.ts'), out: 'inference-png-worker' },
        { in: join(ROOT, 'src/main/services/mask-worker.ts'), out: 'inference-mask-worker' },
      ]
    : [];
  await build({
    entryPoints: [{ in: join(ROOT, 'src/cli/index.ts'), out: 'parsel' }, ...workers],
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', 'sharp', 'onnxruntime-node', 'ws', 'electron'],
    banner: { js: "import { createRequire as __parselCreateRequire } from 'node:module'; const require = __parselCreateRequire(import.meta.url);" },
    logLevel: 'error',
  });
  const run = join(outDir, 'run.mjs');
  writeFileSync(run, "import { main } from './parsel.mjs';\nprocess.exitCode = await main(process.argv.slice(2), { rendererDir: '' });\n");
  return { bundle: join(outDir, 'parsel.mjs'), run };
}
