import { FLAG_STATUSES, SCORE_SORTS, type FlagStatus, type ImageFlags, type QueueItem, type ScoreSort } from '../../shared/api/methods-noise';
import type { LabelSchema } from '../../shared/api/types';
import { EXIT, field, need, UsageError, withProject, type Command } from '../command';

/** One image's line: score, flag counts, path, scanned revision (and whether the head moved since). */
function imageLine(it: QueueItem): string {
  const stale = it.headRevisionId !== it.revisionId ? ` (head is now revision ${it.headRevisionId}; rescan to update)` : '';
  return `image ${it.imageId}  score ${it.score.toFixed(1)}  open ${it.openFlags}  fixed ${it.fixedFlags}  dismissed ${it.dismissedFlags}  ${it.path}  revision ${it.revisionId}${stale}`;
}

function print(items: ImageFlags[], schema: LabelSchema, out: (s: string) => void): void {
  const name = (k: number) => schema.classes.find((c) => c.index === k)?.name ?? String(k);
  if (items.length === 0) out('no flags (run parsel scan first)');
  for (const it of items) {
    out(imageLine(it));
    for (const f of it.flags) {
      out(`  flag ${f.id}  ${f.status.padEnd(9)} ${name(f.labelClass)} -> ${name(f.suggestedClass)}  area ${f.area}  score ${f.score.toFixed(1)}  bbox ${f.bbox.join(',')}${f.lowConfidence ? '  low-confidence (teacher check)' : ''}`);
    }
  }
}

/** `--pair from:to` with class names or indexes of the project schema → a pair filter. */
function parsePair(v: string, schema: LabelSchema): { from: number; to: number } {
  const parts = v.split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`--pair needs label:suggested (class names or indexes), got "${v}"`);
  const [from, to] = parts.map((t) => {
    const byName = schema.classes.find((c) => c.name === t);
    if (byName) return byName.index;
    if (/^\d+$/.test(t) && schema.classes.some((c) => c.index === Number(t))) return Number(t);
    throw new UsageError(`--pair: "${t}" is not a class of schema ${schema.id}; classes: ${schema.classes.map((c) => `${c.index} ${c.name}`).join(', ')}`);
  });
  if (from === to) throw new UsageError(`--pair: label and suggested class are the same (${v})`);
  return { from, to };
}

export const flagsCommand: Command = {
  summary: 'label-noise flags: the top images by noise score, or one image, with their flags; or every scanned image\'s score',
  usage:
    'parsel flags <project.parsel> [--top N | --image id | --all [--sort score|name|flags] | --summary] [--status open,fixed,dismissed] [--pair label:suggested] [--json]',
  options: {
    summary: {
      type: 'boolean',
      help: 'the label-error estimate of the latest scans (how many images likely have a label error) and the teacher check',
    },
    top: { type: 'string', as: 'number', schema: field('noise:flags', 'top'), help: 'the N scanned images with the highest noise score, flagged or not, with their flags (default 20)' },
    all: { type: 'boolean', help: 'every scanned image, one line each: score, open / fixed / dismissed flags of the scanned revision, path' },
    sort: { type: 'string', help: `with --all: ${SCORE_SORTS.join(' | ')} (score: highest first, the default; name: by path; flags: most open flags first)` },
    image: { type: 'string', as: 'number', schema: field('noise:flags', 'imageId'), help: 'one image id instead of the top list' },
    status: { type: 'string', as: 'list', schema: field('noise:flags', 'status'), help: `only flags with these statuses: ${FLAG_STATUSES.join(', ')}` },
    pair: { type: 'string', help: 'only flags whose label is the first class and whose suggestion the second, e.g. eye_g:l_eye (names or indexes); with --top, the top images that have one' },
    json: { type: 'boolean', help: 'print as JSON' },
  },
  async run(args, ctx) {
    const [project] = need(args, 1, '<project.parsel>');
    const top = args.values.top as number | undefined;
    const image = args.values.image as number | undefined;
    const all = args.options.all === true;
    const summary = args.options.summary === true;
    if ([top !== undefined, image !== undefined, all, summary].filter(Boolean).length > 1) throw new UsageError('give one of --top, --image, --all and --summary');
    if (summary) {
      if (args.options.status !== undefined || args.options.pair !== undefined || args.options.sort !== undefined) throw new UsageError('--summary takes no --status, --pair or --sort');
      return withProject(ctx, project, async (api) => {
        const s = (await api.call('noise:queue', { limit: 1 })).summary;
        if (args.options.json) ctx.out(JSON.stringify(s, null, 2));
        else if (s.scanned === 0) ctx.out('no scanned image (run parsel scan first)');
        else {
          ctx.out(`about ${s.likelyImages} of ${s.scanned} scanned images likely have a label error (${s.likelyRegions} regions)`);
          const t = s.teacher;
          if (t) {
            ctx.out(
              `teacher check (latest scan): mean F1 without background ${t.meanF1.toFixed(3)} over ${t.images} images, ` +
                (t.ok ? `at least ${t.minMeanF1}: ok` : `below ${t.minMeanF1}: the flags are low-confidence`),
            );
          }
          ctx.out(`the images: parsel flags <project> --top ${Math.max(1, s.likelyImages)}`);
        }
        return EXIT.ok;
      });
    }
    const sortArg = args.options.sort === undefined ? undefined : String(args.options.sort);
    if (sortArg !== undefined && !all) throw new UsageError('--sort orders the --all listing; --top is by score');
    if (sortArg !== undefined && !(SCORE_SORTS as readonly string[]).includes(sortArg)) throw new UsageError(`--sort: unknown order "${sortArg}"; known: ${SCORE_SORTS.join(', ')}`);
    if (all && (args.options.status !== undefined || args.options.pair !== undefined)) throw new UsageError('--status and --pair filter flags; --all lists image scores');
    if (all) {
      return withProject(ctx, project, async (api) => {
        const page = await api.call('noise:scores', { sort: (sortArg ?? 'score') as ScoreSort });
        if (args.options.json) ctx.out(JSON.stringify(page.items, null, 2));
        else if (page.items.length === 0) ctx.out('no scanned image (run parsel scan first)');
        else for (const it of page.items) ctx.out(imageLine(it));
        return EXIT.ok;
      });
    }
    const status = args.values.status as FlagStatus[] | undefined;
    const pairArg = args.options.pair === undefined ? undefined : String(args.options.pair);
    return withProject(ctx, project, async (api) => {
      const schemas = await api.call('schema:list', {});
      const info = await api.call('project:info', {});
      const schema = schemas.find((s) => s.id === info.schemaId)!;
      const pair = pairArg === undefined ? undefined : parsePair(pairArg, schema);
      const req = image !== undefined ? { imageId: image } : { top: top ?? 20 };
      const items = await api.call('noise:flags', { ...req, ...(status && { status }), ...(pair && { pair }) });
      if (args.options.json) ctx.out(JSON.stringify(items, null, 2));
      else print(items, schema, ctx.out);
      return EXIT.ok;
    });
  },
};
