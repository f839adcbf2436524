/**
 * Starts a worker script: an explicit URL, a built sibling, or the TypeScript source through tsx
 * (tests, dev; Node 20 does not apply `--import tsx` to a worker's entry, so a small bootstrap
 * registers tsx's ESM and CJS hooks and imports the source).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * `source`: the worker's own file name without extension (e.g. 'worker'); `here`: import.meta.url of
 * the caller. Built bundles look for `inference-<source>.js|.mjs` or `<source>.js` next to the caller.
 */
export function startWorker(source: string, here: string, override?: string | URL): Worker {
  const viaTsx = (url: URL) => {
    const req = createRequire(here);
    const esm = JSON.stringify(pathToFileURL(req.resolve('tsx/esm/api')).href);
    const cjs = JSON.stringify(pathToFileURL(req.resolve('tsx/cjs/api')).href);
    const code =
      `Promise.all([import(${esm}), import(${cjs})])` +
      `.then(([e, c]) => { e.register(); c.register(); return import(${JSON.stringify(url.href)}); })`;
    return new Worker(code, { eval: true });
  };
  if (override) {
    const url = typeof override === 'string' ? pathToFileURL(override) : override;
    return url.pathname.endsWith('.ts') ? viaTsx(url) : new Worker(url);
  }
  if (here.endsWith('.ts')) return viaTsx(new URL(`./${source}.ts`, here));
  for (const name of [`./inference-${source}.js`, `./inference-${source}.mjs`, `./${source}.js`]) {
    const url = new URL(name, here);
    if (existsSync(fileURLToPath(url))) return new Worker(url);
  }
  throw new Error(
    `inference worker script "${source}" not found next to ${fileURLToPath(here)} (expected inference-${source}.js): ` +
      `bundle src/main/inference/${source}.ts as a separate entry`,
  );
}
