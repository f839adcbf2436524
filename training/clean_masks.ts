/**
 * Clean masks for a DML-CSR export of a `parsel demo` project (or any project of synthetic faces named
 * face_NNNNN): image i is the generator's face with seed `seed + i` (docs/demo.md), so its exact label
 * map can be made again. Writes `<export>/clean_labels/<name>.png` for the images of the chosen lists
 * and compares each with the exported label: with `--ground-truth`, an image the ground truth calls clean
 * must match the export exactly and a corrupted one must differ (else the seed or size is wrong).
 *
 *   npx tsx training/clean_masks.ts <export-dir> [--seed 7] [--size 256] [--splits test,valid,train]
 *                                   [--ground-truth <stem>-faces/ground-truth.json]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePngSync, encodePng, samplesToIndex } from '../src/main/formats/png';
import { getSchema } from '../src/shared/schema';
import { generateFace } from '../src/shared/synth';

function fail(msg: string): never {
  console.error(`error: ${msg}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = args[i + 1];
  if (v === undefined) fail(`--${name} needs a value`);
  args.splice(i, 2);
  return v;
};
const seed = Number(opt('seed', '7'));
const size = Number(opt('size', '256'));
const splits = opt('splits', 'test').split(',');
const gtPath = opt('ground-truth', '');
const dir = args[0];
if (!dir || args.length !== 1) fail('usage: clean_masks.ts <export-dir> [--seed 7] [--size 256] [--splits test] [--ground-truth file]');
if (!Number.isInteger(seed) || seed < 0) fail(`--seed must be a whole number >= 0, got ${seed}`);
if (!Number.isInteger(size) || size < 1) fail(`--size must be a whole number of pixels, got ${size}`);

const schema = getSchema('celebamask-hq-a');
const names = readFileSync(join(dir, 'label_names.txt'), 'utf8').trim().split('\n');
const expected = schema.classes.map((c) => (c.index === 0 ? 'bg' : c.name));
if (names.join(',') !== expected.join(',')) fail(`${join(dir, 'label_names.txt')}: not the celebamask-hq-a classes (${names.join(' ')})`);

const corruptedByName = new Map<string, boolean>();
if (gtPath) {
  const gt = JSON.parse(readFileSync(gtPath, 'utf8')) as { generator?: { seed?: number; size?: number }; images: { file: string; corrupted: boolean }[] };
  if (gt.generator?.seed !== undefined && gt.generator.seed !== seed) fail(`${gtPath} says seed ${gt.generator.seed}; pass --seed ${gt.generator.seed}`);
  if (gt.generator?.size !== undefined && gt.generator.size !== size) fail(`${gtPath} says size ${gt.generator.size}; pass --size ${gt.generator.size}`);
  for (const im of gt.images) corruptedByName.set(im.file.replace(/\.[^.]+$/, ''), im.corrupted);
}

mkdirSync(join(dir, 'clean_labels'), { recursive: true });
let same = 0;
let differ = 0;
const problems: string[] = [];
for (const split of splits) {
  const list = join(dir, `${split}_list.txt`);
  const rows = readFileSync(list, 'utf8').split('\n').filter((l) => l.trim());
  for (const row of rows) {
    const [img, lbl] = row.trim().split(/\s+/);
    const name = img.replace(/^.*\//, '').replace(/\.[^.]+$/, '');
    const m = /^face_(\d+)$/.exec(name);
    if (!m) fail(`${list}: "${name}" is not a face_NNNNN name; cannot tell which generator seed made it`);
    const face = generateFace({ seed: seed + Number(m[1]), width: size, height: size, schema });
    writeFileSync(join(dir, 'clean_labels', `${name}.png`), encodePng(face.mask, size, size, 1));
    const stored = samplesToIndex(decodePngSync(readFileSync(join(dir, lbl)), lbl), lbl);
    if (stored.width !== size || stored.height !== size) fail(`${lbl}: ${stored.width}x${stored.height}, expected ${size}x${size} (--size)`);
    let diff = 0;
    for (let p = 0; p < face.mask.length; p++) if (face.mask[p] !== stored.data[p]) diff++;
    if (diff === 0) same++;
    else differ++;
    const c = corruptedByName.get(name);
    if (c === false && diff > 0) problems.push(`${name}: clean in the ground truth, but ${diff} pixels differ from the regenerated mask`);
    if (c === true && diff === 0) problems.push(`${name}: corrupted in the ground truth, but identical to the regenerated mask`);
  }
}
console.log(`clean masks: ${same + differ} written to ${join(dir, 'clean_labels')} (${splits.join(', ')}); ` +
  `${same} identical to the exported label, ${differ} differ (corrupted)`);
if (problems.length) fail(`${problems.length} disagreements with the ground truth, e.g.\n  ${problems.slice(0, 5).join('\n  ')}`);
