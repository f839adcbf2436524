/**
 * Child process for the crash test of editing sessions: opens a project (ending the working revision a
 * killed run left, as `project:open` does), then autosaves image 1 in one session, finishing the
 * session's revision every 7th save. Prints `ACK <revisionId> <step>` only after the save committed.
 * The step is written into the mask (pixels 0..2: base-19 digits), so a test can tell which save a
 * revision holds. Usage: node --import tsx test/tooling/session-writer.ts <project.parsel>
 */
import { randomUUID } from 'node:crypto';
import { ProjectStore } from '../../src/main/store/project-store';
import { finishAllWorking, saveSession } from '../../src/main/store/working-revision';
import { encodeMask } from '../../src/shared/mask/codec';

const file = process.argv[2];
if (!file) {
  console.error('usage: session-writer <project.parsel>');
  process.exit(2);
}
const store = ProjectStore.open(file);
finishAllWorking(store);
const session = randomUUID();
let head = store.getImage(1).headRevisionId;
const start = Number(process.argv[3] ?? 1); // step 0 would be the blank mask: nothing to write
const mask = new Uint8Array(64 * 64);
for (let i = start; ; i++) {
  mask.fill(i % 7);
  mask[0] = i % 19;
  mask[1] = Math.floor(i / 19) % 19;
  mask[2] = Math.floor(i / 361) % 19;
  const res = saveSession(store, {
    imageId: 1,
    parentId: head,
    session,
    author: 'crash-test',
    note: null,
    pixels: mask,
    encoded: encodeMask(mask, 64, 64),
    finish: i % 7 === 6,
    idleMs: 60_000,
  });
  head = res.headRevisionId;
  process.stdout.write(`ACK ${res.revision!.id} ${i}\n`);
}
