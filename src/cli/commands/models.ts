import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ParselError } from '../../shared/api/errors';
import { describeAveraging } from '../../shared/models/averaging';
import { formatShape } from '../../shared/models/shape';
import { type FaceMode, type ModelCheck, type ModelRecord } from '../../shared/api/methods-models';
import type { AnyModelCard } from '../../shared/models/card';
import { directClient } from '../../main/services/backend';
import { EXIT, UsageError, field, withProject, type Command, type Ctx, type OptionSpec, type ParsedArgs } from '../command';

/** Reads `--card <file>` as JSON (its syntax errors name the file). */
export function cardOption(args: ParsedArgs): Record<string, unknown> | undefined {
  const file = args.options.card;
  if (file === undefined) return undefined;
  const abs = resolve(String(file));
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new ParselError('NOT_FOUND', `card file not found: ${abs} (${(err as NodeJS.ErrnoException).code})`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new ParselError('INVALID_INPUT', `${abs}: not valid JSON (${(err as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ParselError('INVALID_INPUT', `${abs}: a model card is a JSON object`);
  return v as Record<string, unknown>;
}

/** How --tta, --faces and --margin (of `models set` and `prelabel --model`) are checked: modelSet:create's schema. */
export const SET_CHECKS = {
  tta: { schema: field('modelSet:create', 'tta') },
  faces: { schema: field('modelSet:create', 'faces', 'mode') },
  margin: { as: 'number', schema: field('modelSet:create', 'faces', 'margin') },
} as const satisfies Record<string, Partial<OptionSpec>>;

export const faceModeOption = (args: ParsedArgs) => args.values.faces as FaceMode | undefined;
export const marginOption = (args: ParsedArgs) => args.values.margin as number | undefined;
export const ttaOption = (args: ParsedArgs) => args.values.tta as 'none' | 'flip' | undefined;

/** One line about a card: a parser's schema, crop mode, input and output; a detector's outputs and thresholds. */
function cardSummary(card: AnyModelCard): string {
  if (card.task === 'promptable-segmentation') {
    const e = card.encoder;
    const d = card.decoder;
    return (
      `promptable segmenter (${card.family}), encoder ${e.file} input "${e.input}" ${e.size}² ${e.resize} → ${e.outputs.join(', ')}; ` +
      `decoder masks "${d.masks}" (${d.maskFrame} frame, logit > ${d.maskThreshold}, ${d.multimask} order), prompts in ${card.prompt.coordinates} coordinates`
    );
  }
  const i = card.input;
  const input = `input ${i.width}×${i.height} ${i.layout}`;
  if (card.task === 'face-detection') {
    const o = card.output;
    return (
      `face detector, ${input} ${i.resize}, boxes "${o.boxes.name}" (${o.boxes.format}, ${o.boxes.units}), scores "${o.scores.name}" [face index ${o.scores.faceIndex}], ` +
      `score ≥ ${card.scoreThreshold}, NMS IoU ${card.nmsIouThreshold}, at most ${card.maxFaces} faces`
    );
  }
  return `${card.labels}, ${card.expects === 'face' ? 'face crops' : 'whole image'}, ${input}, output ${card.output.kind}`;
}

function printCheck(c: ModelCheck, ctx: Ctx): void {
  const src = c.cardSource === 'file' ? c.cardPath : c.cardSource === 'metadata' ? 'ONNX metadata' : c.cardSource === 'request' ? '--card' : 'none';
  ctx.out(`card: ${src}${c.card ? ` — "${c.card.name}", ${cardSummary(c.card)}` : ''}`);
  if (c.graph) {
    const t = (x: { name: string; shape: (number | string)[] }) => `${x.name} ${formatShape(x.shape)}`;
    ctx.out(`graph: inputs ${c.graph.inputs.map(t).join(', ')}; outputs ${c.graph.outputs.map(t).join(', ')}`);
  }
  if (c.encoder?.graph) {
    const t = (x: { name: string; shape: (number | string)[] }) => `${x.name} ${formatShape(x.shape)}`;
    ctx.out(`encoder graph (${c.encoder.path}): inputs ${c.encoder.graph.inputs.map(t).join(', ')}; outputs ${c.encoder.graph.outputs.map(t).join(', ')}`);
  }
  if (c.averaging) ctx.out(`averaged: ${describeAveraging(c.averaging)}`);
  if (c.ok) ctx.out('ok: the card fits the graph');
  else for (const p of c.problems) ctx.err(`problem: ${p}`);
}

function printModel(m: ModelRecord, ctx: Ctx): void {
  const c = m.card;
  const what =
    c.task === 'promptable-segmentation'
      ? `promptable segmenter (${c.family}) ${c.encoder.size}²`
      : `${c.task === 'face-detection' ? 'face detector' : `${c.labels} (${m.classes} classes)  ${c.expects === 'face' ? 'face crops' : 'whole image'}`} ${c.input.width}×${c.input.height}`;
  ctx.out(
    `${String(m.id).padStart(3)}  ${m.name}  ${what}` +
      `  ${m.path}${m.available ? '' : `  [${m.unavailableReason}]`}${m.usedBy.length ? `  used by set${m.usedBy.length > 1 ? 's' : ''} ${m.usedBy.join(', ')}` : ''}` +
      `${m.averaging ? `  [weight-averaged: ${m.averaging.checkpoints.length} checkpoints${m.averaging.best ? ' + best' : ''}]` : ''}`,
  );
}

async function modelIdOf(api: Parameters<Parameters<typeof withProject>[2]>[0], ref: string): Promise<number> {
  const models = await api.call('models:list', {});
  const hit = /^\d+$/.test(ref) ? models.find((m) => m.id === Number(ref)) : models.find((m) => m.name === ref || m.path === resolve(ref));
  if (!hit) throw new ParselError('NOT_FOUND', `no model "${ref}" in this project; models: ${models.map((m) => `${m.name} (${m.id})`).join(', ') || 'none (parsel models add)'}`);
  return hit.id;
}

export const modelsCommand: Command = {
  summary: 'ONNX models (face parsers, face detectors, promptable SAM-family segmenters): add (card checked against the graph), list, check, make a model set',
  usage: [
    'parsel models add <project.parsel> <model.onnx> [--card card.json] [--name n] [--json]',
    '       parsel models list <project.parsel> [--json]',
    '       parsel models check <model.onnx> [--card card.json] [--json]',
    '       parsel models set <project.parsel> <set name> <model name|id>... [--tta flip] [--faces whole|landmarks|box|detector] [--detector <model name|id>] [--margin 0.25] [--json]',
  ].join('\n'),
  options: {
    card: { type: 'string', help: 'model card JSON (default: <model>.card.json beside the model, else the ONNX metadata "parsel.card")' },
    name: { type: 'string', help: 'model name in the project (default: the card\'s name)' },
    tta: { type: 'string', ...SET_CHECKS.tta, help: 'set: test-time augmentation, flip or none (default none)' },
    faces: { type: 'string', ...SET_CHECKS.faces, help: 'set: where face crops come from for face-crop models: whole, landmarks, box (drawn in the editor) or detector (--detector)' },
    detector: { type: 'string', help: 'set, with --faces detector: the face-detector model (name or id of a model added with a face-detector card)' },
    margin: { type: 'string', ...SET_CHECKS.margin, help: 'set: fraction of the face box added on each side (default 0.25)' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  async run(args, ctx) {
    const [sub, ...rest] = args.positional;
    const json = Boolean(args.options.json);
    const want = (n: number, names: string) => {
      if (rest.length < n) throw new UsageError(`missing argument: ${names}`);
    };
    switch (sub) {
      case 'check': {
        want(1, '<model.onnx>');
        if (rest.length > 1) throw new UsageError(`unexpected argument: ${rest[1]}`);
        const card = cardOption(args);
        const backend = ctx.backend('direct');
        try {
          const c = await directClient(backend.services, backend.bus).call('models:check', { path: rest[0], ...(card ? { card } : {}) });
          if (json) ctx.out(JSON.stringify(c, null, 2));
          else printCheck(c, ctx);
          return c.ok ? EXIT.ok : EXIT.refused;
        } finally {
          backend.close();
        }
      }
      case 'add': {
        want(2, '<project.parsel> <model.onnx>');
        if (rest.length > 2) throw new UsageError(`unexpected argument: ${rest[2]}`);
        const card = cardOption(args);
        const name = args.options.name === undefined ? undefined : String(args.options.name);
        return withProject(ctx, rest[0], async (api) => {
          const r = await api.call('models:add', { path: rest[1], ...(name ? { name } : {}), ...(card ? { card } : {}) });
          if (json) ctx.out(JSON.stringify(r, null, 2));
          else {
            printCheck(r.check, ctx);
            ctx.out(`added model ${r.model.id} "${r.model.name}"`);
          }
          return EXIT.ok;
        });
      }
      case 'list': {
        want(1, '<project.parsel>');
        return withProject(ctx, rest[0], async (api) => {
          const models = await api.call('models:list', {});
          const sets = await api.call('modelSet:list', {});
          if (json) ctx.out(JSON.stringify({ models, sets }, null, 2));
          else {
            if (models.length === 0) ctx.out('no models (parsel models add <project> <model.onnx>)');
            for (const m of models) printModel(m, ctx);
            for (const s of sets) {
              ctx.out(
                s.imported
                  ? `set ${s.id} "${s.name}": imported predictions (no models) from ${s.imported.dir}, ${s.predictions} cached predictions`
                  : `set ${s.id} "${s.name}": models ${s.modelIds.join(', ')}, tta ${s.tta}, ${s.expects === 'face' ? `faces ${s.faces.mode} margin ${s.faces.margin}` : 'whole image'}, ${s.predictions} cached predictions` +
                      (s.remap ? `; classes remapped ${s.remap.text}` : ''),
              );
            }
          }
          return EXIT.ok;
        });
      }
      case 'set': {
        want(3, '<project.parsel> <set name> <model name|id>...');
        const [project, setName, ...refs] = rest;
        const tta = ttaOption(args);
        const mode = faceModeOption(args);
        const margin = marginOption(args);
        const detectorRef = args.options.detector;
        if (mode === 'detector' && detectorRef === undefined) throw new UsageError('--faces detector needs --detector <model name|id> (a model added with a face-detector card)');
        if (mode !== 'detector' && detectorRef !== undefined) throw new UsageError('--detector goes with --faces detector');
        return withProject(ctx, project, async (api) => {
          const modelIds: number[] = [];
          for (const r of refs) modelIds.push(await modelIdOf(api, r));
          const detectorModelId = detectorRef === undefined ? undefined : await modelIdOf(api, String(detectorRef));
          const s = await api.call('modelSet:create', {
            name: setName,
            modelIds,
            ...(tta ? { tta } : {}),
            ...(mode || margin !== undefined ? { faces: { mode: mode ?? 'whole', margin: margin ?? 0.25, ...(detectorModelId !== undefined ? { detectorModelId } : {}) } } : {}),
          });
          if (json) ctx.out(JSON.stringify(s, null, 2));
          else ctx.out(`created model set ${s.id} "${s.name}" (models ${s.modelIds.join(', ')}, tta ${s.tta})`);
          return EXIT.ok;
        });
      }
      case undefined:
        throw new UsageError('missing subcommand: add, list, check or set');
      default:
        throw new UsageError(`unknown subcommand "${sub}": add, list, check or set`);
    }
  },
};
