/**
 * Child process for "resume after the app was killed" tests: opens a project through the services,
 * starts a pre-labelling job of a model set over the whole project on CPU, and prints one JSON line per
 * progress event (`{"jobId":…,"done":…,"status":…}`) until it is killed.
 * Usage: node --import tsx test/tooling/prelabel-child.ts <project.parsel> <modelSetId> <userDataDir>
 */
import { createBackend } from '../../src/main/services';
import { directClient } from '../../src/main/services/backend';

const [file, setId, userDataDir] = process.argv.slice(2);
if (!file || !setId || !userDataDir) {
  console.error('usage: prelabel-child <project.parsel> <modelSetId> <userDataDir>');
  process.exit(2);
}
const backend = createBackend({ mode: 'direct', userDataDir });
const api = directClient(backend.services, backend.bus);
async function main(): Promise<void> {
  await api.call('project:open', { path: file });
  api.on('job:progress', (e) => process.stdout.write(`${JSON.stringify({ jobId: Number(e.jobId), done: e.done, status: e.status })}\n`));
  const started = await api.call('prelabel:start', { modelSetId: Number(setId), providers: ['cpu'] });
  process.stdout.write(`${JSON.stringify({ started: started.jobId, total: started.total })}\n`);
  // Stay alive until killed (the job runs in the background).
  setInterval(() => undefined, 1000);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
