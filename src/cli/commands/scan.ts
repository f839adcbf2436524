import { DEFAULT_MATCH_IOU, type ScanOptions } from '../../shared/api/methods-noise';
import { DEFAULT_SCORE_OPTIONS as D } from '../../shared/noise/score';
import { DEFAULT_MIN_TEACHER_F1 } from '../../shared/noise/teacher-check';
import { EXIT, field, need, withProject, type Command } from '../command';
import { resolveModelSet, selectionFromArgs, SELECTION_OPTIONS } from './noise-args';

/** Scan options: CLI name → field of noise:scan's `options`, whose schema checks the value. */
const SCAN_OPTIONS = {
  band: 'bandRadius',
  'band-weight': 'bandWeight',
  'min-firm': 'minFirmShare',
  'min-area': 'minRegionArea',
  'min-score': 'minRegionScore',
  'min-share': 'minRegionShare',
  'match-iou': 'matchIoU',
  'min-teacher-f1': 'minTeacherF1',
} as const satisfies Record<string, keyof ScanOptions>;
const scanOption = (key: keyof ScanOptions) => field('noise:scan', 'options', key);

export const scanCommand: Command = {
  summary: 'label-noise scan: flag regions where a model set confidently disagrees with the labels',
  usage:
    `parsel scan <project.parsel> --model-set <name|id> [--band ${D.bandRadius}] [--band-weight ${D.bandWeight}] [--min-firm ${D.minFirmShare}] [--min-area ${D.minRegionArea}] [--min-score ${D.minRegionScore}] [--min-share ${D.minRegionShare}] [--match-iou ${DEFAULT_MATCH_IOU}] [--min-teacher-f1 ${DEFAULT_MIN_TEACHER_F1}] ` +
    '[--ids ...] [--status ...] [--split ...] [--source ...] [--json] [--quiet]',
  options: {
    'model-set': { type: 'string', help: 'model set whose cached predictions are the teacher (name or id; run parsel prelabel first)' },
    band: { type: 'string', as: 'number', schema: scanOption('bandRadius'), help: `boundary band radius in pixels around label edges, down-weighted (default ${D.bandRadius})` },
    'band-weight': { type: 'string', as: 'number', schema: scanOption('bandWeight'), help: `weight of suspect pixels inside the band, 0-1 (default ${D.bandWeight})` },
    'min-firm': {
      type: 'string',
      as: 'number',
      schema: scanOption('minFirmShare'),
      help: `regions with a smaller share of pixels outside the band are boundary imprecision and not flagged, 0-1; 0 keeps every region (default ${D.minFirmShare})`,
    },
    'min-area': { type: 'string', as: 'number', schema: scanOption('minRegionArea'), help: `smallest flagged region, pixels (default ${D.minRegionArea})` },
    'min-score': { type: 'string', as: 'number', schema: scanOption('minRegionScore'), help: `smallest flagged region score, absolute (default ${D.minRegionScore}; the larger of this and --min-share applies)` },
    'min-share': {
      type: 'string',
      as: 'number',
      schema: scanOption('minRegionShare'),
      help: `smallest flagged region score as a share of the image's pixels (default ${D.minRegionShare}: ${Math.round(D.minRegionShare * 65536)} at 256², ${Math.round(D.minRegionShare * 262144)} at 512²)`,
    },
    'match-iou': { type: 'string', as: 'number', schema: scanOption('matchIoU'), help: `a new region is an earlier flag (dismissal kept) at this IoU or more (default ${DEFAULT_MATCH_IOU})` },
    'min-teacher-f1': {
      type: 'string',
      as: 'number',
      schema: scanOption('minTeacherF1'),
      help: `teacher check: below this mean F1 (no background) of the model set against the labels, flags are marked low-confidence, 0-1 (default ${DEFAULT_MIN_TEACHER_F1})`,
    },
    ...SELECTION_OPTIONS,
    json: { type: 'boolean', help: 'print the result as JSON' },
    quiet: { type: 'boolean', help: 'no progress on stderr' },
  },
  async run(args, ctx) {
    const [project] = need(args, 1, '<project.parsel>');
    const options: ScanOptions = {};
    for (const [opt, key] of Object.entries(SCAN_OPTIONS)) if (args.values[opt] !== undefined) options[key] = args.values[opt] as number;
    const selection = selectionFromArgs(args);
    return withProject(ctx, project, async (api) => {
      const modelSetId = await resolveModelSet(api, args);
      const off = args.options.quiet
        ? () => {}
        : api.on('job:progress', (p) => {
            if (p.kind === 'noise-scan' && process.stderr.isTTY) process.stderr.write(`\r${p.phase} ${p.done}/${p.total}`);
          });
      let r;
      try {
        r = await api.call('noise:scan', { modelSetId, selection, options });
      } finally {
        off();
        if (!args.options.quiet && process.stderr.isTTY) process.stderr.write('\n');
      }
      if (args.options.json) ctx.out(JSON.stringify(r, null, 2));
      else {
        ctx.out(`scanned ${r.scanned} of ${r.selected} images with a mask (${r.withoutPrediction} without a cached prediction of model set ${modelSetId})`);
        ctx.out(`flags: ${r.openFlags} open, ${r.keptDismissed} kept dismissed, ${r.closed} earlier flags closed as fixed`);
        if (r.scanned > 0) ctx.out(`estimate: about ${r.likelyImages} of ${r.scanned} images likely have a label error (${r.likelyRegions} regions)`);
        ctx.out('review them with: parsel flags <project> --top 20, or the Review queue in the app');
      }
      if (r.teacher && !r.teacher.ok && r.teacher.images > 0) {
        ctx.err(
          `warning: model set ${modelSetId} agrees poorly with the labels (mean F1 without background ${r.teacher.meanF1.toFixed(2)} < ${r.teacher.minMeanF1} over ${r.teacher.images} images): ` +
            'its flags are kept but marked low-confidence. Check that the model labels this schema in this order and knows these images (parsel agreement).',
        );
      }
      for (const f of r.failed) ctx.err(`failed: ${f.reason}`);
      if (r.status === 'done' && r.selected > 0 && r.withoutPrediction === r.selected) {
        ctx.err(`model set ${modelSetId} has no cached prediction for any of the ${r.selected} selected images: run parsel prelabel with it first`);
        return EXIT.refused;
      }
      return r.failed.length > 0 ? EXIT.partial : EXIT.ok;
    });
  },
};
