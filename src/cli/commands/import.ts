import { IMPORT_FORMATS, type ImportFormatId, type ImportPlanReport, type ImportProblemKind } from '../../shared/api/methods-import';
import { EXIT, UsageError, field, need, withProject, type Command, type Ctx } from '../command';

const ORDERS: Record<string, 'celebamask-hq-a' | 'celebamask-hq-b' | 'celebamask-hq-c'> = {
  a: 'celebamask-hq-a',
  b: 'celebamask-hq-b',
  c: 'celebamask-hq-c',
};

function printReport(r: ImportPlanReport, ctx: Ctx): void {
  ctx.out(`format ${r.format}, schema ${r.schemaId}${r.paintOrder ? `, paint order ${r.paintOrder}` : ''}`);
  ctx.out(
    `items ${r.items}: importable ${r.importable}, already imported ${r.alreadyImported}, with problems ${r.badItems}; ` +
      `splits ${Object.entries(r.bySplit).map(([k, v]) => `${k} ${v}`).join(', ')}; with landmarks ${r.withLandmarks}`,
  );
  if (r.manifest) ctx.out(`manifest ${r.manifest} (splits of files without one, ignore value)`);
  if (r.ignoreValue !== null) ctx.out(`ignore value ${r.ignoreValue}`);
  if (r.skippedFiles.length > 0) {
    ctx.out(`skipped ${r.skippedFiles.length} files that are not dataset content:`);
    for (const f of r.skippedFiles) ctx.out(`  ${f.file} (${f.reason})`);
  }
  const kinds = Object.entries(r.problemCounts) as [ImportProblemKind, number][];
  if (kinds.length === 0) return;
  ctx.err(`${r.problems.length} problems: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  for (const [kind] of kinds) for (const p of r.problems) if (p.kind === kind) ctx.err(`${kind.padEnd(14)} ${p.message}`);
}

export const importCommand: Command = {
  summary: 'import a dataset (CelebAMask-HQ, LaPa, Helen, iBugMask, FaceSynthetics, index/colour PNG folders, COCO RLE, DML-CSR)',
  usage:
    'parsel import <project.parsel> <folder> [--format f] [--order a|b|c] [--helen-threshold] [--ignore-value v] [--dry-run] [--on-problem skip|abort] [--json]',
  options: {
    format: { type: 'string', help: `dataset format (default: detected): ${IMPORT_FORMATS.join(', ')}` },
    order: { type: 'string', help: "CelebAMask-HQ paint order a, b or c (default: the project's schema if it is one)" },
    'helen-threshold': { type: 'boolean', help: 'Helen: threshold maps at 127 instead of arg-max' },
    'ignore-value': {
      type: 'string',
      as: 'number',
      schema: field('import:run', 'ignoreValue'),
      help: "mask value meaning ignore (default: the one the dataset's parsel-manifest.json names); a project without one takes it",
    },
    'dry-run': { type: 'boolean', help: 'validate and report; write nothing' },
    'on-problem': { type: 'string', schema: field('import:run', 'onProblem'), help: 'skip: import the good items and report the bad; abort (default): import nothing if any problem' },
    json: { type: 'boolean', help: 'print the report as JSON' },
    quiet: { type: 'boolean', help: 'no progress on stderr' },
  },
  async run(args, ctx) {
    const [project, folder] = need(args, 2, '<project.parsel> <folder>');
    const format = args.options.format as string | undefined;
    if (format !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(`unknown format "${format}"; known: ${IMPORT_FORMATS.join(', ')}`);
    }
    const orderOpt = args.options.order as string | undefined;
    const celebaOrder = orderOpt === undefined ? undefined : ORDERS[orderOpt.toLowerCase()];
    if (orderOpt !== undefined && !celebaOrder) throw new UsageError(`--order must be a, b or c, got "${orderOpt}"`);
    const onProblem = (args.values['on-problem'] as 'skip' | 'abort' | undefined) ?? 'abort';
    const ignoreValue = args.values['ignore-value'] as number | undefined;
    const common = {
      path: folder,
      ...(ignoreValue !== undefined ? { ignoreValue } : {}),
      ...(format ? { format: format as ImportFormatId } : {}),
      ...(celebaOrder ? { celebaOrder } : {}),
      helenThreshold: Boolean(args.options['helen-threshold']),
    };
    return withProject(ctx, project, async (api) => {
      const off = args.options.quiet
        ? () => {}
        : api.on('job:progress', (p) => {
            if (p.kind === 'import' && process.stderr.isTTY) process.stderr.write(`\r${p.phase} ${p.done}/${p.total}`);
          });
      try {
        if (args.options['dry-run']) {
          const plan = await api.call('import:plan', common);
          if (args.options.json) ctx.out(JSON.stringify(plan, null, 2));
          else printReport(plan, ctx);
          return plan.problems.length > 0 ? EXIT.partial : EXIT.ok;
        }
        const r = await api.call('import:run', { ...common, onProblem });
        if (args.options.json) ctx.out(JSON.stringify(r, null, 2));
        else {
          printReport(r, ctx);
          if (r.status === 'aborted') ctx.err(`aborted: ${r.problems.length} problems, nothing imported (use --on-problem skip to import the good items)`);
          else ctx.out(`${r.status}: imported ${r.imported}, skipped ${r.skipped}, already imported ${r.alreadyImported}`);
        }
        if (r.status === 'aborted') return EXIT.refused;
        return r.skipped > 0 || r.problems.length > 0 ? EXIT.partial : EXIT.ok;
      } finally {
        off();
        if (!args.options.quiet && process.stderr.isTTY) process.stderr.write('\n');
      }
    });
  },
};
