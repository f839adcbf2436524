/**
 * The review step of the self-regulation loop (docs/loop.md) played by a script, on a `parsel demo`
 * project: the curator takes the top N images of the review queue (N = the label-error estimate unless
 * --top says otherwise) and accepts every open flag there (the `A` key, big flags confirmed), in queue
 * order. Before and after, each image's head label is compared with its clean mask (image i of the sample
 * is the generator's face with seed `seed + i`), so the figures say what the review actually fixed:
 *
 *   npx tsx training/loop_review.ts <project.parsel> [--seed 500000] [--size 256] [--top N] [--careful] [--dry-run]
 *
 * `--careful`: the curator looks before keeping an accept: one that does not bring the label closer to
 * the clean mask is taken back (the previous mask saved again, the flag reopened) and dismissed, as a
 * curator who sees the teacher is wrong presses D instead of A. Without it every flag is accepted blindly.
 *
 * Prints one JSON object: images, labels that differ from the clean mask before / after, pixels wrong
 * before / after, flags accepted, images touched, corrupted images among them.
 */
import { basename, join } from 'node:path';
import { createBackend } from '../src/main/services';
import { directClient } from '../src/main/services/backend';
import { decodeMask } from '../src/shared/mask/codec';
import { getSchema } from '../src/shared/schema';
import { generateFace } from '../src/shared/synth';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string | null): string | null => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const seed = Number(opt('seed', '500000'));
const size = Number(opt('size', '256'));
const topArg = opt('top', null);
const dry = args.includes('--dry-run');
const careful = args.includes('--careful');
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: loop_review.ts <project.parsel> [--seed 500000] [--size 256] [--top N] [--dry-run]');
  process.exit(2);
}

async function main(): Promise<void> {
  const backend = createBackend({ mode: 'direct', userDataDir: join(process.env.PARSEL_USER_DATA ?? '/tmp', 'parsel-loop-review') });
  const api = directClient(backend.services, backend.bus);
  try {
    await api.call('project:open', { path: file! });
    const schema = getSchema('celebamask-hq-a');
    const images = (await api.call('image:list', { limit: 5000 })).items;
    const clean = new Map<number, Uint8Array>();
    for (const im of images) {
      const i = Number(/(\d+)\.\w+$/.exec(basename(im.path))![1]);
      clean.set(im.id, generateFace({ seed: seed + i, width: size, height: size, schema }).mask);
    }
    const wrong = async () => {
      let labels = 0;
      let pixels = 0;
      const ids = new Set<number>();
      for (const im of images) {
        const head = (await api.call('image:get', { id: im.id })).headRevisionId!;
        const m = decodeMask(await api.call('revision:mask', { revisionId: head }));
        const c = clean.get(im.id)!;
        let d = 0;
        for (let k = 0; k < c.length; k++) if (m[k] !== c[k]) d++;
        if (d > 0) {
          labels++;
          ids.add(im.id);
        }
        pixels += d;
      }
      return { labels, pixels, ids };
    };
    const before = await wrong();
    const q = await api.call('noise:queue', { limit: 5000 });
    const top = topArg === null ? q.summary.likelyImages : Number(topArg);
    let accepted = 0;
    let dismissed = 0;
    const distance = (m: Uint8Array, c: Uint8Array) => {
      let d = 0;
      for (let k = 0; k < c.length; k++) if (m[k] !== c[k]) d++;
      return d;
    };
    const touched: number[] = [];
    for (const it of q.items.slice(0, top)) {
      touched.push(it.imageId);
      if (dry) continue;
      for (;;) {
        const open = (await api.call('noise:flags', { imageId: it.imageId, status: ['open'] }))[0]?.flags ?? [];
        if (open.length === 0) break;
        const head = (await api.call('image:get', { id: it.imageId })).headRevisionId!;
        const old = await api.call('revision:mask', { revisionId: head });
        let r;
        try {
          r = await api.call('noise:accept', { flagId: open[0].id, author: 'loop-review', parentId: head, confirmed: true });
        } catch {
          // Nothing of the flag's label left in its region (an earlier accept took it): dismiss it.
          await api.call('noise:dismiss', { flagId: open[0].id, author: 'loop-review' });
          dismissed++;
          continue;
        }
        const c = clean.get(it.imageId)!;
        const now = decodeMask(await api.call('revision:mask', { revisionId: r.revisionId }));
        if (careful && distance(now, c) >= distance(decodeMask(old), c)) {
          await api.call('revision:save', { imageId: it.imageId, parentId: r.revisionId, kind: 'human', author: 'loop-review', mask: old });
          await api.call('noise:reopen', { flagId: open[0].id });
          await api.call('noise:dismiss', { flagId: open[0].id, author: 'loop-review' });
          dismissed++;
        } else accepted++;
      }
    }
    const after = await wrong();
    console.log(
      JSON.stringify(
        {
          images: images.length,
          queueTop: top,
          careful,
          flagsAccepted: accepted,
          flagsDismissed: dismissed,
          imagesTouched: touched.length,
          corruptedAmongTouched: touched.filter((id) => before.ids.has(id)).length,
          labelsWrongBefore: before.labels,
          labelsWrongAfter: after.labels,
          pixelsWrongBefore: before.pixels,
          pixelsWrongAfter: after.pixels,
        },
        null,
        2,
      ),
    );
  } finally {
    backend.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
