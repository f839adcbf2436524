import { isAbsolute, relative } from 'node:path';
import { directClient } from '../../main/services/backend';
import { createSampleProject, type SamplePhase } from '../../main/services/sample-project';
import { SAMPLE_DEFAULTS, SAMPLE_SCHEMA_ID } from '../../shared/sample';
import { EXIT, UsageError, defaultDemoModelsDir, need, type Command, type ParsedArgs } from '../command';

function numberOption(args: ParsedArgs, name: string, fallback: number, integer: boolean, min: number, max: number): number {
  const v = args.options[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (String(v).trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${String(v)}"`);
  }
  return n;
}

const PHASES: Record<SamplePhase, string> = {
  images: 'making {count} images…',
  importing: 'importing them with their labels…',
  models: 'adding the demo models…',
};

export const demoCommand: Command = {
  summary: 'create the sample project: synthetic faces, some labels corrupted on purpose, the demo models',
  usage:
    `parsel demo <file.parsel> [--count ${SAMPLE_DEFAULTS.count}] [--size ${SAMPLE_DEFAULTS.size}] [--noise ${SAMPLE_DEFAULTS.noise}] [--seed ${SAMPLE_DEFAULTS.seed}] [--no-models] [--models-dir DIR]`,
  options: {
    count: { type: 'string', help: `number of images (default ${SAMPLE_DEFAULTS.count})` },
    size: { type: 'string', help: `width and height of each image in px (default ${SAMPLE_DEFAULTS.size})` },
    noise: { type: 'string', help: `share of images whose label is corrupted, 0 to 1 (default ${SAMPLE_DEFAULTS.noise})` },
    seed: { type: 'string', help: `seed of image 0; image i is the generator's face with seed + i (default ${SAMPLE_DEFAULTS.seed})` },
    'no-models': { type: 'boolean', help: 'do not register the demo models' },
    'models-dir': { type: 'string', help: 'folder with demo.json and the models it names (default: models/demo of this checkout)' },
  },
  async run(args, ctx) {
    const [file] = need(args, 1, '<file.parsel>');
    const count = numberOption(args, 'count', SAMPLE_DEFAULTS.count, true, 1, 100_000);
    const size = numberOption(args, 'size', SAMPLE_DEFAULTS.size, true, 32, 2048);
    const noise = numberOption(args, 'noise', SAMPLE_DEFAULTS.noise, false, 0, 1);
    const seed = numberOption(args, 'seed', SAMPLE_DEFAULTS.seed, true, 0, 2 ** 31 - 1);
    const noModels = args.options['no-models'] === true;
    if (noModels && args.options['models-dir'] !== undefined) throw new UsageError('--models-dir and --no-models exclude each other');
    const modelsDir = typeof args.options['models-dir'] === 'string' ? args.options['models-dir'] : defaultDemoModelsDir();

    const backend = ctx.backend('direct');
    try {
      const api = directClient(backend.services, backend.bus);
      let lastPhase = '';
      const r = await createSampleProject(api, file, {
        count,
        size,
        noise,
        seed,
        models: !noModels,
        modelsDir,
        onProgress: (phase) => {
          if (phase === lastPhase) return;
          lastPhase = phase;
          ctx.err(PHASES[phase].replace('{count}', String(count)));
        },
      });
      // Paths in the suggested commands: relative when under the working folder, else absolute.
      const rel = (p: string) => {
        const r = relative(process.cwd(), p);
        return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
      };
      ctx.out(`created ${r.project.path} (schema ${SAMPLE_SCHEMA_ID}) in ${r.seconds.toFixed(1)} s`);
      ctx.out(`images: ${r.images} (${size}×${size} JPEG) with their labels (index PNG) in ${r.facesDir}, imported: each label is an import revision`);
      ctx.out(`corrupted on purpose: ${r.corrupted} of ${r.images} labels (--noise ${noise}); ground truth: ${r.groundTruth}`);
      const p = rel(r.project.path);
      if (r.models?.set) {
        const s = r.models.set;
        ctx.out(`model set "${s.name}" (id ${s.id}): ${s.modelIds.length} models, TTA ${s.tta}, from ${r.models.dir}`);
        ctx.out('next:');
        ctx.out(`  parsel prelabel ${p} --model-set ${s.name}   # predictions of the demo models (the labels stay as they are)`);
        ctx.out(`  parsel scan ${p} --model-set ${s.name}       # flag labels the models confidently disagree with`);
        ctx.out(`  parsel flags ${p}                        # the review queue, most suspect images first`);
        ctx.out(`  parsel serve ${p}                        # review in the browser (or open it in the app)`);
      } else {
        if (r.models) {
          ctx.out(`No demo models were found (${r.models.missing}), so no model set was made.`);
          ctx.out(`Add models with \`parsel models add ${p} <model.onnx>\``);
          ctx.out(`and make a set with \`parsel models set ${p} <set name> <model name|id>... --tta flip\` (see docs/demo.md).`);
        }
        ctx.out('next:');
        ctx.out(`  parsel serve ${p}                        # look at the images and labels in the browser (or open it in the app)`);
        ctx.out(`  parsel export ${p} <folder> --format dml-csr --splits 0.8,0.1,0.1`);
      }
      return EXIT.ok;
    } finally {
      backend.close();
    }
  },
};
