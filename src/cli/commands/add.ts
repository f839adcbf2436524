import { EXIT, need, withProject, type Command } from '../command';

export const addCommand: Command = {
  summary: 'add a folder of images (recursive; duplicates by content skipped)',
  usage: 'parsel add <project.parsel> <folder> [--no-recursive] [--json]',
  options: {
    'no-recursive': { type: 'boolean', help: 'only the folder itself, not its subfolders' },
    json: { type: 'boolean', help: 'print the report as JSON' },
    quiet: { type: 'boolean', help: 'no progress on stderr' },
  },
  async run(args, ctx) {
    const [project, folder] = need(args, 2, '<project.parsel> <folder>');
    const report = await withProject(ctx, project, async (api) => {
      const off = args.options.quiet
        ? () => {}
        : api.on('job:progress', (p) => {
            if (p.phase === 'adding' && process.stderr.isTTY) process.stderr.write(`\r${p.done}/${p.total} files`);
          });
      try {
        return await api.call('image:addFolder', { folder, recursive: !args.options['no-recursive'] });
      } finally {
        off();
        if (!args.options.quiet && process.stderr.isTTY) process.stderr.write('\n');
      }
    });
    if (args.options.json) {
      ctx.out(JSON.stringify(report, null, 2));
    } else {
      ctx.out(`scanned ${report.scanned}, added ${report.added}, duplicates ${report.duplicates.length}, failed ${report.failed.length}`);
      for (const d of report.duplicates) ctx.out(`duplicate  ${d.path}  (same content as ${d.existingPath})`);
      for (const f of report.failed) ctx.err(`failed     ${f.path}: ${f.reason}`);
    }
    return report.failed.length > 0 ? EXIT.partial : EXIT.ok;
  },
};
