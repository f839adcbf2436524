import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ParselError } from '../../shared/api/errors';
import { averageFiles, GraphMismatchError } from '../../main/inference/average';
import { EXIT, UsageError, type Command } from '../command';

export const averageCommand: Command = {
  summary: 'weight-averaged self-ensemble: average checkpoints of one graph into a new ONNX (DML-CSR eq. 6)',
  usage:
    'parsel average <out.onnx> <checkpoint.onnx>... [--best <checkpoint.onnx>] [--k 1] [--force] [--json]\n' +
    '       With --best: M = k/(k+1)·M_best + 1/((k+1)·N)·Σ M_n over the N checkpoints; without: the plain mean (N >= 2).\n' +
    '       The checkpoints must share one graph (same nodes, inputs, outputs, attributes, initializer names/shapes/types);\n' +
    '       the first difference is named. Non-float initializers must be identical and are copied.\n' +
    '       Normalisation statistics (BatchNorm running mean/variance) are AVERAGED like the weights, not re-estimated on data.\n' +
    '       The card (ONNX metadata or <name>.card.json of the best/first checkpoint) is copied; "parsel.averaging" records the inputs.',
  options: {
    best: { type: 'string', help: 'the best checkpoint M_best (may also be listed among the checkpoints)' },
    k: { type: 'string', help: 'weight of the best model, a number >= 0 (default 1; needs --best)' },
    force: { type: 'boolean', help: 'overwrite <out.onnx> if it exists' },
    json: { type: 'boolean', help: 'print the averaging record as JSON' },
  },
  async run(args, ctx) {
    const [out, ...ckpts] = args.positional;
    if (!out || ckpts.length === 0) throw new UsageError('missing argument: <out.onnx> <checkpoint.onnx>...');
    if (!/\.onnx$/i.test(out)) throw new UsageError(`<out.onnx> must end in .onnx, got "${out}"`);
    const best = args.options.best as string | undefined;
    let k: number | undefined;
    if (args.options.k !== undefined) {
      if (best === undefined) throw new UsageError('--k weighs the best model: give --best too');
      k = Number(args.options.k);
      if (!Number.isFinite(k) || k < 0) throw new UsageError(`--k must be a number >= 0, got "${args.options.k}"`);
    }
    if (best === undefined && ckpts.length < 2) throw new UsageError('the plain mean needs at least two checkpoints (or give --best)');
    const outPath = resolve(out);
    const inputs = [...ckpts, ...(best !== undefined ? [best] : [])].map((p) => resolve(p));
    if (inputs.includes(outPath)) throw new UsageError(`<out.onnx> ${out} is also an input`);
    for (const p of inputs) if (!existsSync(p)) throw new ParselError('NOT_FOUND', `checkpoint not found: ${p}`);
    if (existsSync(outPath) && !args.options.force) throw new ParselError('ALREADY_EXISTS', `${outPath} exists; pass --force to overwrite it`);
    let result;
    try {
      result = averageFiles(outPath, ckpts.map((p) => resolve(p)), { best: best !== undefined ? resolve(best) : undefined, k });
    } catch (err) {
      if (err instanceof GraphMismatchError || (err instanceof Error && /raw_data|not an ONNX|truncated|unsupported wire/.test(err.message))) {
        throw new ParselError('INVALID_INPUT', err.message);
      }
      throw err;
    }
    if (args.options.json) ctx.out(JSON.stringify({ out: outPath, card: result.card, ...result.record }, null, 2));
    else {
      ctx.out(`wrote ${outPath}: ${result.record.averagedInitializers} float initializers averaged, ${result.record.copiedInitializers} copied`);
      ctx.out(`formula ${result.record.formula}${result.record.k !== null ? `, k = ${result.record.k}, N = ${result.record.checkpoints.length}` : `, N = ${result.record.checkpoints.length}`}`);
      ctx.out('normalisation statistics (BatchNorm running mean/variance) were averaged, not re-estimated');
      if (result.card) ctx.out(`card ${result.card}`);
    }
    return EXIT.ok;
  },
};
