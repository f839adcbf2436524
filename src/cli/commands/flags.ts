import { FLAG_STATUSES, type FlagStatus, type ImageFlags } from '../../shared/api/methods-noise';
import type { LabelSchema } from '../../shared/api/types';
import { EXIT, need, UsageError, withProject, type Command } from '../command';
import { listOpt, numberOpt } from './noise-args';

function print(items: ImageFlags[], schema: LabelSchema, out: (s: string) => void): void {
  const name = (k: number) => schema.classes.find((c) => c.index === k)?.name ?? String(k);
  if (items.length === 0) out('no flags (run parsel scan first)');
  for (const it of items) {
    const stale = it.headRevisionId !== it.revisionId ? ` (head is now revision ${it.headRevisionId}; rescan to update)` : '';
    out(`image ${it.imageId}  score ${it.score.toFixed(1)}  open ${it.openFlags}  fixed ${it.fixedFlags}  dismissed ${it.dismissedFlags}  ${it.path}  revision ${it.revisionId}${stale}`);
    for (const f of it.flags) {
      out(`  flag ${f.id}  ${f.status.padEnd(9)} ${name(f.labelClass)} -> ${name(f.suggestedClass)}  area ${f.area}  score ${f.score.toFixed(1)}  bbox ${f.bbox.join(',')}`);
    }
  }
}

export const flagsCommand: Command = {
  summary: 'label-noise flags: the top images by noise score, or one image, with their flags',
  usage: 'parsel flags <project.parsel> [--top N] [--image id] [--status open,fixed,dismissed] [--json]',
  options: {
    top: { flag: false, help: 'the N images with the highest noise score (default 20)' },
    image: { flag: false, help: 'one image id instead of the top list' },
    status: { flag: false, help: `only flags with these statuses: ${FLAG_STATUSES.join(', ')}` },
    json: { flag: true, help: 'print as JSON' },
  },
  async run(args, ctx) {
    const [project] = need(args, 1, '<project.parsel>');
    const top = numberOpt(args, 'top', 1, 10000, true);
    const image = numberOpt(args, 'image', 1, Number.MAX_SAFE_INTEGER, true);
    if (top !== undefined && image !== undefined) throw new UsageError('give --top or --image, not both');
    const status = listOpt(args, 'status');
    if (status) for (const s of status) if (!(FLAG_STATUSES as readonly string[]).includes(s)) throw new UsageError(`--status: unknown value "${s}"; known: ${FLAG_STATUSES.join(', ')}`);
    return withProject(ctx, project, async (api) => {
      const req = image !== undefined ? { imageId: image } : { top: top ?? 20 };
      const items = await api.call('noise:flags', { ...req, ...(status && { status: status as FlagStatus[] }) });
      if (args.options.json) ctx.out(JSON.stringify(items, null, 2));
      else {
        const schemas = await api.call('schema:list', {});
        const info = await api.call('project:info', {});
        print(items, schemas.find((s) => s.id === info.schemaId)!, ctx.out);
      }
      return EXIT.ok;
    });
  },
};
