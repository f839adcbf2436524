import { IMAGE_STATUSES, type ProjectInfo } from '../../shared/api/types';
import { EXIT, need, withProject, type Command } from '../command';

function formatCounts(info: ProjectInfo): string {
  const lines = [
    `project  ${info.name}`,
    `file     ${info.path}`,
    `schema   ${info.schemaId}`,
    `created  ${info.createdAt}`,
    `images   ${info.counts.total}`,
    'status',
    ...IMAGE_STATUSES.map((s) => `  ${s.padEnd(12)} ${info.counts.byStatus[s]}`),
    'split',
    ...Object.entries(info.counts.bySplit).map(([k, v]) => `  ${k.padEnd(12)} ${v}`),
  ];
  return lines.join('\n');
}

export const infoCommand: Command = {
  summary: 'counts by status and split',
  usage: 'parsel info <project.parsel> [--json]',
  options: { json: { type: 'boolean', help: 'print as JSON' } },
  async run(args, ctx) {
    const [project] = need(args, 1, '<project.parsel>');
    const info = await withProject(ctx, project, (api) => api.call('project:info', {}));
    ctx.out(args.options.json ? JSON.stringify(info, null, 2) : formatCounts(info));
    return EXIT.ok;
  },
};
