import type { AgreementFigures } from '../../shared/api/methods-metrics';
import { EXIT, need, UsageError, withProject, type Command } from '../command';
import { parseSource, selectionFromArgs, SELECTION_OPTIONS, SOURCE_HELP } from './metrics-args';

const pct = (v: number | null) => (v === null ? '   -  ' : (100 * v).toFixed(2).padStart(6));

function printFigures(f: AgreementFigures, out: (s: string) => void): void {
  out(`pixels ${f.pixels}  mean F1 (no background) ${pct(f.meanF1)}  mIoU ${pct(f.mIoU)}  pixel accuracy ${pct(f.pixelAccuracy)}` + (f.helenOverallF1 !== null ? `  Helen overall F1 ${pct(f.helenOverallF1)}` : ''));
  out('class          F1      IoU');
  for (const c of f.classes) out(`${c.name.padEnd(12)} ${pct(c.f1)}  ${pct(c.iou)}`);
}

export const agreementCommand: Command = {
  summary: 'agreement (per-class F1 and IoU, mean F1, mIoU, Helen overall F1) between two label sources',
  usage:
    'parsel agreement <project.parsel> --a <source> --b <source> [--images ids] [--status ...] [--split ...] [--source ...] [--per-image] [--json]\n' +
    `       <source>: ${SOURCE_HELP}\n` +
    '       Figures over the selection come from one confusion matrix summed over its images (FORMATS.md); --a is the reference (rows).\n' +
    '       Images without a map on either side are skipped and counted; exit 3 when no image can be compared.',
  options: {
    a: { type: 'string', help: `reference label source: ${SOURCE_HELP}` },
    b: { type: 'string', help: 'the other label source (same forms)' },
    ...SELECTION_OPTIONS,
    'per-image': { type: 'boolean', help: 'also print each image\'s mean F1 and mIoU' },
    json: { type: 'boolean', help: 'print the result as JSON (per-image figures included)' },
  },
  async run(args, ctx) {
    const [project] = need(args, 1, '<project.parsel>');
    if (args.options.a === undefined || args.options.b === undefined) throw new UsageError('--a and --b are both required');
    const a = parseSource(String(args.options.a), 'a');
    const b = parseSource(String(args.options.b), 'b');
    const selection = selectionFromArgs(args);
    const perImage = Boolean(args.options.json || args.options['per-image']);
    return withProject(ctx, project, async (api) => {
      const r = await api.call('metrics:agreement', { a, b, selection, perImage });
      if (args.options.json) ctx.out(JSON.stringify(r, null, 2));
      else {
        ctx.out(`schema ${r.schemaId}; ${r.images} images compared, ${r.skippedCount} skipped`);
        printFigures(r.overall, ctx.out);
        if (args.options['per-image']) {
          for (const p of r.perImage) ctx.out(`image ${p.imageId}  a ${p.a ?? 'prediction'}  b ${p.b ?? 'prediction'}  mean F1 ${pct(p.figures.meanF1)}  mIoU ${pct(p.figures.mIoU)}`);
        }
      }
      for (const s of r.skipped.slice(0, 20)) ctx.err(`skipped image ${s.imageId}: ${s.reason}`);
      if (r.skippedCount > 20) ctx.err(`… ${r.skippedCount - 20} more skipped`);
      if (r.images === 0) {
        ctx.err('no image of the selection has a map on both sides');
        return EXIT.refused;
      }
      return EXIT.ok;
    });
  },
};
