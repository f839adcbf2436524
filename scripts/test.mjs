#!/usr/bin/env node
// `npm test`: build, lint, typecheck, then every test (unit, integration, browser end-to-end, Electron
// end-to-end where an Electron binary exists). Prints one closing line `tests: N passed, N failed, N skipped`.
// Options: --no-build (reuse out/), --no-lint, and any further arguments go to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (f) => {
  const i = args.indexOf(f);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const noBuild = flag('--no-build');
const noLint = flag('--no-lint');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function step(title, cmd, cmdArgs) {
  const t0 = Date.now();
  console.log(`\n== ${title}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`== ${title} failed (exit ${r.status ?? r.signal}) after ${secs}s`);
    console.log('tests: 0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`== ${title} ok (${secs}s)`);
}

if (!noBuild) {
  step('build: electron-vite (main, preload, renderer)', bin('electron-vite'), ['build']);
  step('build: CLI bundle', process.execPath, [join(root, 'scripts/build-cli.mjs')]);
}
if (!noLint) {
  step('lint (includes the layer boundaries)', bin('eslint'), ['.', '--max-warnings', '0']);
  // tsconfig.json only references the two projects (electron-vite layout): check each.
  step('typecheck: node (main, preload, CLI, scripts, tests)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']);
  step('typecheck: web (renderer, no Node types)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']);
}

const resultsDir = join(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, 'vitest.json');
rmSync(resultsFile, { force: true });
console.log('\n== tests (vitest)');
const r = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});

let summary = null;
if (existsSync(resultsFile)) {
  const j = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  summary = { passed: j.numPassedTests, failed: j.numFailedTests, skipped };
  // A suite that failed to load has no test counted as failed: count it, so the closing line never lies.
  const brokenSuites = (j.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
  summary.failed += brokenSuites;
}
const status = r.status ?? 1;
if (!summary) {
  console.log('tests: 0 passed, 1 failed');
  process.exit(status || 1);
}
if (summary.passed === 0) console.error('no test ran');
console.log(`tests: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
process.exit(summary.failed > 0 || summary.passed === 0 ? 1 : status);
