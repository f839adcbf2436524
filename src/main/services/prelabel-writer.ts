/**
 * Pre-labelling writer (worker_threads): its own connection to the project file commits each image's
 * prediction, model revision and job item (prelabel-commit.ts). A commit writes a blob of megabytes and
 * fsyncs it (`synchronous = FULL`), and WAL checkpoints run on the committing connection: tens to
 * hundreds of milliseconds that would otherwise stall the main (IPC/UI) thread once per image.
 * Requests are handled one at a time, in order (synchronously). Protocol: inference/worker-rpc.ts, requests
 *   { type: 'open', path, nativeBinding? } | { type: 'item', write } → ItemOutcome
 *   | { type: 'fail', jobId, imageId, error } | { type: 'skip', jobId, imageId, reason } → boolean | { type: 'close' }
 * (see WriterHandle in prelabel.ts).
 */
import { parentPort } from 'node:worker_threads';
import { serve } from '../inference/worker-rpc';
import { ProjectStore } from '../store/project-store';
import { commitFailure, commitItem, commitSkip, type ItemWrite } from './prelabel-commit';

type InMsg =
  | { id: number; type: 'open'; path: string; nativeBinding?: string }
  | { id: number; type: 'item'; write: ItemWrite }
  | { id: number; type: 'fail'; jobId: number; imageId: number; error: string }
  | { id: number; type: 'skip'; jobId: number; imageId: number; reason: string }
  | { id: number; type: 'close' };

const port = parentPort;
if (!port) throw new Error('prelabel-writer.ts must run in a worker thread');

let store: ProjectStore | null = null;

function open(): ProjectStore {
  if (!store) throw new Error('writer: no project open');
  return store;
}

serve<InMsg>(port, (m) => {
  if (m.type === 'open') store = ProjectStore.open(m.path, m.nativeBinding ? { nativeBinding: m.nativeBinding } : {});
  else if (m.type === 'item') return commitItem(open(), m.write);
  else if (m.type === 'fail') return commitFailure(open(), m.jobId, m.imageId, m.error);
  else if (m.type === 'skip') return commitSkip(open(), m.jobId, m.imageId, m.reason);
  else {
    store?.close();
    store = null;
  }
  return null;
});
