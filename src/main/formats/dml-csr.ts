/**
 * DML-CSR training layout: `images/{name}.{ext}`, `labels/{name}.png` (index PNG),
 * `{train,valid,test}_list.txt` (lines `images/x.jpg labels/x.png`; `valid` is the val split) and
 * `label_names.txt` (`bg`, then the class names by index, checked against the project's schema).
 * Images in no list get no split.
 */
import { join } from 'node:path';
import type { ImportProblem } from '../../shared/api/methods-import';
import { type DatasetFormat, type PlanItem, IMAGE_EXTS, ext, isDir, isFile, lines, listDir, none, readText, stem, unsafeName } from './dataset';

const LISTS: readonly [string, string][] = [
  ['train_list.txt', 'train'],
  ['valid_list.txt', 'val'],
  ['test_list.txt', 'test'],
];

export const dmlCsr: DatasetFormat = {
  id: 'dml-csr',
  title: 'DML-CSR training layout',
  datasetSchemaId: () => null,
  async detect(dir) {
    if (!(await isDir(join(dir, 'images'))) || !(await isDir(join(dir, 'labels')))) return none('dml-csr', 'no images/ + labels/ folders');
    const lists = [];
    for (const [f] of LISTS) if (await isFile(join(dir, f))) lists.push(f);
    if (lists.length === 0 && !(await isFile(join(dir, 'label_names.txt')))) return none('dml-csr', 'images/ + labels/ but no *_list.txt or label_names.txt');
    return { format: 'dml-csr', confidence: 0.92, reason: `images/, labels/ and ${lists.length ? lists.join(', ') : 'label_names.txt'}` };
  },
  async scan(dir, opts) {
    const problems: ImportProblem[] = [];
    const namesPath = join(dir, 'label_names.txt');
    const namesText = await readText(namesPath, problems);
    if (namesText !== null) {
      lines(namesText).forEach(({ n, line }, index) => {
        const c = opts.schema.classes.find((k) => k.index === index);
        const ok = c && (index === 0 && line === 'bg' ? c.name === 'background' : [c.name.toLowerCase(), c.title.toLowerCase()].includes(line.toLowerCase()));
        if (!ok) {
          problems.push({
            kind: 'bad-list',
            file: namesPath,
            message: `${namesPath} line ${n}: index ${index} is "${line}" but the project's schema ${opts.schema.id} has ${c ? `"${c.name}"` : 'no class'} there`,
          });
        }
      });
    }
    const splitOf = new Map<string, string>();
    for (const [file, split] of LISTS) {
      const p = join(dir, file);
      const text = await readText(p, problems);
      if (text === null) continue;
      for (const { n, line } of lines(text)) {
        const m = /^images\/(.+?)\s+labels\/(.+)$/.exec(line);
        if (!m) {
          problems.push({ kind: 'bad-list', file: p, message: `${p} line ${n}: expected "images/<name> labels/<name>.png", got "${line.slice(0, 80)}"` });
          continue;
        }
        const why = unsafeName(m[1]) ?? unsafeName(m[2]);
        if (why) {
          problems.push({ kind: 'unsafe-path', file: p, message: `${p} line ${n}: "${line.slice(0, 80)}" ${why}` });
          continue;
        }
        splitOf.set(m[1], split);
      }
    }
    const labels = new Map<string, string>();
    for (const e of await listDir(join(dir, 'labels'), problems)) {
      if (e.isFile && ext(e.name) === '.png') labels.set(stem(e.name), e.path);
      else if (e.isFile) problems.push({ kind: 'extra-file', file: e.path, message: `${e.path}: labels must be .png` });
    }
    const items: PlanItem[] = [];
    const used = new Set<string>();
    const images = new Set<string>();
    for (const e of await listDir(join(dir, 'images'), problems)) {
      if (!e.isFile) continue;
      if (!IMAGE_EXTS.has(ext(e.name))) {
        problems.push({ kind: 'extra-file', file: e.path, message: `${e.path}: not an image` });
        continue;
      }
      const name = stem(e.name);
      const key = `images/${e.name}`;
      images.add(e.name);
      if (used.has(name)) problems.push({ kind: 'duplicate', file: e.path, item: key, message: `${e.path}: another image has the stem ${name} (one label for two images)` });
      used.add(name);
      const label = labels.get(name);
      if (!label) problems.push({ kind: 'missing-file', file: join(dir, 'labels', `${name}.png`), item: key, message: `label labels/${name}.png is missing for ${key}` });
      items.push({ key, image: e.path, mask: { kind: 'index', path: label ?? join(dir, 'labels', `${name}.png`) }, split: splitOf.get(e.name) ?? null });
    }
    for (const [name, p] of labels) if (!used.has(name)) problems.push({ kind: 'extra-file', file: p, message: `${p}: label without an image in images/` });
    for (const name of splitOf.keys()) {
      if (!images.has(name)) problems.push({ kind: 'missing-file', file: join(dir, 'images', name), message: `images/${name} is listed in a split list but not in images/` });
    }
    return { items, problems };
  },
};
