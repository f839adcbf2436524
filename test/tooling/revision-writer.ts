/**
 * Child process for the crash test: opens a project and appends revisions to image 1 in a loop,
 * printing `ACK <revisionId>` only after `saveRevision` returned (i.e. after the commit).
 * Usage: node --import tsx test/tooling/revision-writer.ts <project.parsel>
 */
import { ProjectStore } from '../../src/main/store/project-store';

const file = process.argv[2];
if (!file) {
  console.error('usage: revision-writer <project.parsel>');
  process.exit(2);
}
const store = ProjectStore.open(file);
let head = store.getImage(1).headRevisionId;
const mask = new Uint8Array(64 * 64);
for (let i = 0; ; i++) {
  mask.fill(i % 19);
  mask[i % mask.length] = (i + 1) % 19;
  const rev = store.saveRevision({
    imageId: 1,
    parentId: head,
    kind: 'human',
    author: 'crash-test',
    note: `step ${i}`,
    width: 64,
    height: 64,
    encoding: 'raw',
    mask,
  });
  head = rev.id;
  process.stdout.write(`ACK ${rev.id}\n`);
}
