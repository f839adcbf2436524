import { DEFAULT_MATCH_IOU, type ScanOptions } from '../../shared/api/methods-noise';
import { DEFAULT_SCORE_OPTIONS as D } from '../../shared/noise/score';
import { DEFAULT_MIN_TEACHER_F1 } from '../../shared/noise/teacher-check';
import { EXIT, need, withProject, type Command } from '../command';
import { numberOpt, resolveModelSet, selectionFromArgs, SELECTION_OPTIONS } from './noise-args';

export const scanCommand: Command = {
  summary: 'label-noise scan: flag regions where a model set confidently disagrees with the labels',
  usage:
    `parsel scan <project.parsel> --model-set <name|id> [--band ${D.bandRadius}] [--band-weight ${D.bandWeight}] [--min-firm ${D.minFirmShare}] [--min-area ${D.minRegionArea}] [--min-score ${D.minRegionScore}] [--match-iou ${DEFAULT_MATCH_IOU}] [--min-teacher-f1 ${DEFAULT_MIN_TEACHER_F1}] ` +
    '[--ids ...] [--status ...] [--split ...] [--source ...] [--json] [--quiet]',
  options: {
    'model-set': { flag: false, help: 'model set whose cached predictions are the teacher (name or id; run parsel prelabel first)' },
    band: { flag: false, help: `boundary band radius in pixels around label edges, down-weighted (default ${D.bandRadius})` },
    'band-weight': { flag: false, help: `weight of suspect pixels inside the band, 0-1 (default ${D.bandWeight})` },
    'min-firm': {
      flag: false,
      help: `regions with a smaller share of pixels outside the band are boundary imprecision and not flagged, 0-1; 0 keeps every region (default ${D.minFirmShare})`,
    },
    'min-area': { flag: false, help: `smallest flagged region, pixels (default ${D.minRegionArea})` },
    'min-score': { flag: false, help: `smallest flagged region score (default ${D.minRegionScore})` },
    'match-iou': { flag: false, help: `a new region is an earlier flag (dismissal kept) at this IoU or more (default ${DEFAULT_MATCH_IOU})` },
    'min-teacher-f1': {
      flag: false,
      help: `teacher check: below this mean F1 (no background) of the model set against the labels, flags are marked low-confidence, 0-1 (default ${DEFAULT_MIN_TEACHER_F1})`,
    },
    ...SELECTION_OPTIONS,
    json: { flag: true, help: 'print the result as JSON' },
    quiet: { flag: true, help: 'no progress on stderr' },
  },
  async run(args, ctx) {
    const [project] = need(args, 1, '<project.parsel>');
    const options: ScanOptions = {};
    const band = numberOpt(args, 'band', 0, 64, true);
    const bandWeight = numberOpt(args, 'band-weight', 0, 1, false);
    const minFirm = numberOpt(args, 'min-firm', 0, 1, false);
    const minArea = numberOpt(args, 'min-area', 1, 1_000_000, true);
    const minScore = numberOpt(args, 'min-score', 0, 1e9, false);
    const matchIoU = numberOpt(args, 'match-iou', 0.001, 1, false);
    const minTeacher = numberOpt(args, 'min-teacher-f1', 0, 1, false);
    if (band !== undefined) options.bandRadius = band;
    if (bandWeight !== undefined) options.bandWeight = bandWeight;
    if (minFirm !== undefined) options.minFirmShare = minFirm;
    if (minArea !== undefined) options.minRegionArea = minArea;
    if (minScore !== undefined) options.minRegionScore = minScore;
    if (matchIoU !== undefined) options.matchIoU = matchIoU;
    if (minTeacher !== undefined) options.minTeacherF1 = minTeacher;
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
