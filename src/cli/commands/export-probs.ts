import { EXIT, need, withProject, type Command } from '../command';
import { resolveModelSet, selectionFromArgs, SELECTION_OPTIONS } from './noise-args';

export const exportProbsCommand: Command = {
  summary: "export the teacher's soft predictions and the labels as .npy (cleanlab.segmentation shapes)",
  usage: 'parsel export-probs <project.parsel> <dir> --model-set <name|id> [--float16] [--ids ...] [--status ...] [--split ...] [--source ...] [--json]',
  options: {
    'model-set': { type: 'string', help: 'model set whose cached predictions are exported (name or id)' },
    float16: { type: 'boolean', help: 'write pred_probs as float16 (half the size) instead of float32' },
    ...SELECTION_OPTIONS,
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  async run(args, ctx) {
    const [project, dir] = need(args, 2, '<project.parsel> <dir>');
    const selection = selectionFromArgs(args);
    return withProject(ctx, project, async (api) => {
      const modelSetId = await resolveModelSet(api, args);
      const r = await api.call('noise:exportProbs', { dir, modelSetId, selection, dtype: args.options.float16 ? 'float16' : 'float32' });
      if (args.options.json) ctx.out(JSON.stringify(r, null, 2));
      else {
        ctx.out(`wrote ${r.dir}: pred_probs.npy ${r.images}×${r.classes}×${r.height}×${r.width} ${r.dtype}, labels.npy ${r.images}×${r.height}×${r.width} uint8, index.json`);
        if (r.withoutPrediction > 0) ctx.out(`${r.withoutPrediction} images of the selection have no cached prediction and were left out`);
      }
      return EXIT.ok;
    });
  },
};
