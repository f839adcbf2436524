import { EXIT, field, need, UsageError, withProject, type Command } from '../command';

export const importProbsCommand: Command = {
  summary: 'import soft predictions made elsewhere (pred_probs.npy + index) as a new model set without models',
  usage: 'parsel import-probs <project.parsel> <dir> --name <set> [--index <file>] [--tolerance <t>] [--json] [--quiet]',
  options: {
    name: { type: 'string', help: 'name of the new model set (refused when a set has it); scan with it: parsel scan --model-set <name>' },
    index: {
      type: 'string',
      help: 'the file naming the image of each row (relative to <dir>); default index.json (what export-probs writes), else index.txt (one image id, path or file name per line)',
    },
    tolerance: { type: 'string', as: 'number', schema: field('noise:importProbs', 'tolerance'), help: 'largest |sum of a pixel\'s K probabilities - 1| accepted, 0-1 (default 0.01; for an export-probs folder K·(0.5/255 + 2^-12))' },
    json: { type: 'boolean', help: 'print the result as JSON' },
    quiet: { type: 'boolean', help: 'no progress on stderr' },
  },
  async run(args, ctx) {
    const [project, dir] = need(args, 2, '<project.parsel> <dir>');
    const name = args.options.name;
    if (name === undefined || name === true || String(name).trim() === '') throw new UsageError('--name <set> is required: the name of the new model set');
    const tolerance = args.values.tolerance as number | undefined;
    const index = args.options.index === undefined ? undefined : String(args.options.index);
    return withProject(ctx, project, async (api) => {
      const off = args.options.quiet
        ? () => {}
        : api.on('job:progress', (p) => {
            if (p.kind === 'import-probs' && process.stderr.isTTY) process.stderr.write(`\r${p.phase} ${p.done}/${p.total}`);
          });
      let r;
      try {
        r = await api.call('noise:importProbs', { dir, name: String(name), ...(index !== undefined ? { index } : {}), ...(tolerance !== undefined ? { tolerance } : {}) });
      } finally {
        off();
        if (!args.options.quiet && process.stderr.isTTY) process.stderr.write('\n');
      }
      if (args.options.json) ctx.out(JSON.stringify(r, null, 2));
      else if (r.modelSet) {
        ctx.out(
          `imported ${r.images} images (${r.classes} classes, ${r.height}×${r.width} ${r.dtype}; ${r.resized} resized to their image) as model set ${r.modelSet.id} "${r.modelSet.name}"`,
        );
        ctx.out(`rows named by ${r.index} (${r.indexKind === 'parsel' ? 'a parsel export-probs index' : 'a list of images'}); row sums checked to ±${r.tolerance}`);
        ctx.out(`scan with it: parsel scan ${project} --model-set "${r.modelSet.name}"`);
      }
      return r.status === 'done' ? EXIT.ok : EXIT.partial;
    });
  },
};
