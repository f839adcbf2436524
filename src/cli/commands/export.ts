import { EXPORT_FORMATS, type ExportFormatId, type ExportPreview, type ExportSpecInput } from '../../shared/api/methods-export';
import { IMAGE_STATUSES, REVISION_KINDS, type ImageStatus, type RevisionKind } from '../../shared/api/types';
import { parseOverrides, RemapError } from '../../shared/dataset/remap';
import { EXIT, UsageError, field, need, withProject, type Command, type Ctx, type ParsedArgs } from '../command';

const spec = (...path: string[]) => field('export:preview', 'spec', ...path);
const filterField = (key: string) => spec('filter', key);

/** A checked list or number option (the schema named in the option table), or undefined. */
const v = <T>(args: ParsedArgs, name: string) => args.values[name] as T | undefined;

/** `--noise-min` / `--noise-max`: image noise score range of the latest `parsel scan` (unscanned images are left out). */
function noiseRange(args: ParsedArgs): { min?: number; max?: number } | undefined {
  const min = v<number>(args, 'noise-min');
  const max = v<number>(args, 'noise-max');
  if (min === undefined && max === undefined) return undefined;
  if (min !== undefined && max !== undefined && min > max) throw new UsageError(`--noise-min ${min} is above --noise-max ${max}`);
  return { ...(min !== undefined && { min }), ...(max !== undefined && { max }) };
}

/** Build the export spec from the command line (everything validated again by the service). */
export function specFromArgs(args: ParsedArgs): ExportSpecInput {
  const format = args.options.format as string | undefined;
  if (!format) throw new UsageError(`--format is required: ${EXPORT_FORMATS.join(', ')}`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format "${format}"; known: ${EXPORT_FORMATS.join(', ')}`);
  const target = args.options.remap as string | undefined;
  const ignoreIndex = v<number>(args, 'ignore-index');
  let overrides: Record<string, string> = {};
  if (args.options.override !== undefined) {
    if (!target) throw new UsageError('--override needs --remap <target-schema>');
    try {
      overrides = parseOverrides(String(args.options.override));
    } catch (err) {
      if (err instanceof RemapError) throw new UsageError(`--override: ${err.message}`);
      throw err;
    }
  }
  if (ignoreIndex !== undefined && !target) throw new UsageError('--ignore-index needs --remap <target-schema>');
  let mix: Record<string, number> | undefined;
  const mixList = v<string[]>(args, 'mix');
  if (mixList) {
    mix = {};
    for (const part of mixList) {
      const eq = part.lastIndexOf('=');
      const r = Number(part.slice(eq + 1));
      if (eq <= 0 || !(r > 0)) throw new UsageError(`--mix: "${part}" must be source=ratio with a positive ratio (e.g. synthetic=1,real=1)`);
      const src = part.slice(0, eq);
      if (src in mix) throw new UsageError(`--mix: source "${src}" is given twice`);
      mix[src] = r;
    }
  }
  let splits: ExportSpecInput['splits'] = { mode: 'keep' };
  if (args.options.splits !== undefined) {
    const r = String(args.options.splits).split(',').map(Number);
    if (r.length !== 3 || r.some((x) => !(x >= 0)) || r[0] + r[1] + r[2] <= 0) {
      throw new UsageError(`--splits must be three non-negative numbers train,val,test (e.g. 0.8,0.1,0.1), got "${args.options.splits}"`);
    }
    splits = { mode: 'assign', ratios: [r[0], r[1], r[2]] };
  }
  const ignoreAs = args.options['ignore-as'];
  if (ignoreAs !== undefined && (typeof ignoreAs !== 'string' || ignoreAs.trim() === '')) throw new UsageError('--ignore-as needs a class name (e.g. background)');
  return {
    format: format as ExportFormatId,
    remap: target ? { target, ignoreIndex: ignoreIndex ?? 255, overrides } : null,
    ignoreAs: ignoreAs === undefined ? null : String(ignoreAs).trim(),
    filter: {
      status: v<ImageStatus[]>(args, 'status'),
      revisionKind: v<RevisionKind[]>(args, 'kind'),
      revisionAuthor: v<string[]>(args, 'author'),
      split: v<string[]>(args, 'split'),
      source: v<string[]>(args, 'source'),
      tagsAny: v<string[]>(args, 'tags'),
      classesPresent: v<string[]>(args, 'classes-present'),
      classesAbsent: v<string[]>(args, 'classes-absent'),
      noiseScore: noiseRange(args),
    },
    sampling: { limit: v<number>(args, 'limit'), stratifyBy: v<string[]>(args, 'stratify'), mix },
    splits,
    seed: v<number>(args, 'seed') ?? 0,
  };
}

function printPreview(p: ExportPreview, ctx: Ctx): void {
  const kv = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ') || '-';
  ctx.out(`images ${p.total} (matched ${p.matched}, without a mask ${p.withoutMask}); masks in ${p.outputSchemaId}`);
  ctx.out(`split  ${kv(p.bySplit)}`);
  ctx.out(`source ${kv(p.bySource)}`);
  ctx.out(`class  ${kv(p.byClass)}`);
  ctx.out(`ignore ${p.ignore.note}`);
  if (p.remap) ctx.out(`remap  ${p.remap.source} → ${p.remap.target}${p.remap.sides ? `; ${p.remap.sides}` : ''}`);
  for (const pr of p.problems) ctx.err(`problem: ${pr}`);
}

const FILTER_FLAGS = ['noise-min', 'noise-max', 'status', 'kind', 'author', 'split', 'source', 'tags', 'classes-present', 'classes-absent', 'stratify', 'limit', 'mix', 'splits', 'seed', 'remap', 'override', 'ignore-index', 'ignore-as', 'format'];

export const exportCommand: Command = {
  summary: 'export a dataset (LaPa, Helen, CelebAMask-HQ, iBugMask, FaceSynthetics, index/colour PNG, COCO, DML-CSR)',
  usage:
    'parsel export <project.parsel> <dir> --format f [--remap target-schema] [--ignore-index 255] [--override a=b,...] [--ignore-as class] ' +
    '[--status ...] [--kind ...] [--author ...] [--split ...] [--source ...] [--tags ...] [--classes-present ...] [--classes-absent ...] [--noise-min x] [--noise-max y] ' +
    '[--stratify classes] [--limit N] [--mix source=ratio,...] [--splits 0.8,0.1,0.1] [--seed N] [--dry-run] [--json]\n' +
    '       parsel export <project.parsel> <dir> --from-manifest m.json [--json]',
  options: {
    format: { type: 'string', help: `output format: ${EXPORT_FORMATS.join(', ')}` },
    remap: { type: 'string', help: 'target schema id (e.g. lapa-11); classes are matched by canonical name' },
    'ignore-index': { type: 'string', as: 'number', schema: spec('remap', 'ignoreIndex'), help: 'value for classes with no target (default 255); must not be a target class' },
    override: { type: 'string', help: 'remap overrides source=target or source=ignore, comma-separated' },
    'ignore-as': {
      type: 'string',
      help: 'class (of the output schema) that ignore pixels become, e.g. background; required by Helen, COCO and CelebAMask-HQ when ignore pixels can occur',
    },
    status: { type: 'string', as: 'list', schema: filterField('status'), help: `only these statuses: ${IMAGE_STATUSES.join(', ')}` },
    kind: { type: 'string', as: 'list', schema: filterField('revisionKind'), help: `only images whose head revision is of these kinds: ${REVISION_KINDS.join(', ')}` },
    author: { type: 'string', as: 'list', schema: filterField('revisionAuthor'), help: 'only images whose head revision is by these authors' },
    split: { type: 'string', as: 'list', schema: filterField('split'), help: 'only these stored splits ("none" = no split)' },
    source: { type: 'string', as: 'list', schema: filterField('source'), help: 'only these sources ("none" = no source)' },
    tags: { type: 'string', as: 'list', schema: filterField('tagsAny'), help: 'only images with at least one of these tags' },
    'classes-present': { type: 'string', as: 'list', schema: filterField('classesPresent'), help: 'only masks containing all these classes (project schema names)' },
    'classes-absent': { type: 'string', as: 'list', schema: filterField('classesAbsent'), help: 'only masks containing none of these classes' },
    'noise-min': { type: 'string', as: 'number', schema: spec('filter', 'noiseScore', 'min'), help: 'only images whose latest parsel scan noise score is at least this (never-scanned images are left out)' },
    'noise-max': { type: 'string', as: 'number', schema: spec('filter', 'noiseScore', 'max'), help: 'only images whose latest parsel scan noise score is at most this (never-scanned images are left out)' },
    stratify: { type: 'string', as: 'list', schema: spec('sampling', 'stratifyBy'), help: 'classes whose presence pattern sampling and split assignment keep in proportion' },
    limit: { type: 'string', as: 'number', schema: spec('sampling', 'limit'), help: 'at most N images (seeded, stratified sample)' },
    mix: { type: 'string', as: 'list', help: 'source ratios, e.g. synthetic=1,real=1; an error says which source falls short' },
    splits: { type: 'string', help: 'assign train,val,test by these ratios (seeded); default: keep stored splits' },
    seed: { type: 'string', as: 'number', schema: spec('seed'), help: 'seed for sampling and split assignment (default 0)' },
    'from-manifest': { type: 'string', help: 'reproduce an earlier export from its parsel-manifest.json (same revisions, same bytes)' },
    'dry-run': { type: 'boolean', help: 'print the counts the export would have; write nothing' },
    json: { type: 'boolean', help: 'print the result as JSON' },
    quiet: { type: 'boolean', help: 'no progress on stderr' },
  },
  async run(args, ctx) {
    const [project, dir] = need(args, 2, '<project.parsel> <dir>');
    const fromManifest = args.options['from-manifest'] as string | undefined;
    if (fromManifest !== undefined) {
      const clash = FILTER_FLAGS.filter((f) => args.options[f] !== undefined);
      if (clash.length > 0) throw new UsageError(`--from-manifest takes everything from the manifest; drop --${clash.join(', --')}`);
      if (args.options['dry-run']) throw new UsageError('--dry-run does not apply to --from-manifest');
    }
    const spec = fromManifest === undefined ? specFromArgs(args) : undefined;
    return withProject(ctx, project, async (api) => {
      if (args.options['dry-run']) {
        const p = await api.call('export:preview', { spec: spec! });
        if (args.options.json) ctx.out(JSON.stringify(p, null, 2));
        else printPreview(p, ctx);
        return p.problems.length > 0 ? EXIT.refused : EXIT.ok;
      }
      const off = args.options.quiet
        ? () => {}
        : api.on('job:progress', (p) => {
            if (p.kind === 'export' && process.stderr.isTTY) process.stderr.write(`\r${p.phase} ${p.done}/${p.total}`);
          });
      let r;
      try {
        r = await api.call('export:run', fromManifest !== undefined ? { dir, fromManifest } : { dir, spec });
      } finally {
        off();
        if (!args.options.quiet && process.stderr.isTTY) process.stderr.write('\n');
      }
      if (args.options.json) ctx.out(JSON.stringify(r, null, 2));
      else {
        for (const s of r.staleRemoved) ctx.out(`removed ${s.path}: temporary folder of an export that did not finish (${s.reason})`);
        if (r.status === 'done') {
          ctx.out(`exported ${r.images} images (${r.files} files) to ${r.dir}`);
          ctx.out(`split ${Object.entries(r.bySplit).map(([k, v]) => `${k} ${v}`).join(', ')}`);
          if (r.ignore) ctx.out(`ignore ${r.ignore.note}`);
          ctx.out(`manifest ${r.manifestPath}`);
        } else ctx.out('export cancelled; nothing was written');
      }
      return EXIT.ok;
    });
  },
};
