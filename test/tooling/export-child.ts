/**
 * Child process for "an export killed mid-way" tests: opens a project through the services, runs
 * `export:run` into `<dest>` (LaPa with a remap, one item at a time) and prints one JSON line per
 * progress event (`{"done":…,"phase":…}`) until it ends or is killed.
 * Usage: node --import tsx test/tooling/export-child.ts <project.parsel> <dest> <userDataDir>
 */
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';

const [file, dest, userDataDir] = process.argv.slice(2);
if (!file || !dest || !userDataDir) {
  console.error('usage: export-child <project.parsel> <dest> <userDataDir>');
  process.exit(2);
}
const backend = createBackend({ mode: 'direct', userDataDir });
const api = directClient(backend.services, backend.bus);
async function main(): Promise<void> {
  await api.call('project:open', { path: file });
  api.on('job:progress', (e) => process.stdout.write(`${JSON.stringify({ done: e.done, phase: e.phase })}\n`));
  const r = await api.call('export:run', { dir: dest, spec: { format: 'lapa', remap: { target: 'lapa-11', ignoreIndex: 255 } } });
  process.stdout.write(`${JSON.stringify({ status: r.status })}\n`);
  backend.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
