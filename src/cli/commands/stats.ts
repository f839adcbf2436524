import { EXIT, need, withProject, type Command } from '../command';
import { parseSource, selectionFromArgs, SELECTION_OPTIONS, SOURCE_HELP } from './metrics-args';

export const statsCommand: Command = {
  summary: 'dataset statistics: per-class pixel ratios and class presence counts over a selection',
  usage:
    'parsel stats <project.parsel> [--images ids] [--status ...] [--split ...] [--source ...] [--of <source>] [--json]\n' +
    `       <source> (default head): ${SOURCE_HELP}\n` +
    '       Ratios are shares of the labelled pixels (ignore pixels counted apart); presence = images containing the class.',
  options: {
    ...SELECTION_OPTIONS,
    of: { type: 'string', help: 'which label map of each image to count (default head)' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  async run(args, ctx) {
    const [project] = need(args, 1, '<project.parsel>');
    const source = args.options.of !== undefined ? parseSource(String(args.options.of), 'of') : 'head';
    const selection = selectionFromArgs(args);
    return withProject(ctx, project, async (api) => {
      const r = await api.call('metrics:stats', { selection, source });
      if (args.options.json) ctx.out(JSON.stringify(r, null, 2));
      else {
        ctx.out(`schema ${r.schemaId}; ${r.images} images (${r.withoutMask} without a mask), ${r.pixels} labelled pixels, ${r.ignoredPixels} ignore, ${r.outOfRangePixels} out of range`);
        ctx.out('class        pixel ratio   images  presence');
        for (const c of r.classes) {
          ctx.out(`${c.name.padEnd(12)} ${(100 * c.ratio).toFixed(3).padStart(9)} %  ${String(c.presentIn).padStart(7)}  ${(100 * c.presence).toFixed(1).padStart(6)} %`);
        }
      }
      return EXIT.ok;
    });
  },
};
