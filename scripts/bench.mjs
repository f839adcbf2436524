#!/usr/bin/env node
// Runs benchmarks: `npm run bench -- <name> [args]` runs test/bench/<name>.bench.ts with tsx.
// `npm run bench` with no name lists them. Benchmarks print figures; they never assert timings.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'test', 'bench');
const names = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
const [name, ...rest] = process.argv.slice(2);
if (!name) {
  console.log(`benchmarks: ${names.join(', ')}\nrun one with: npm run bench -- <name>`);
  process.exit(0);
}
if (!names.includes(name)) {
  console.error(`unknown benchmark "${name}"; known: ${names.join(', ')}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${name}.bench.ts`), ...rest], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
