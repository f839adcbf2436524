import { basename, resolve } from 'node:path';
import type { ParselApi } from '../../shared/api/contract';
import { ParselError } from '../../shared/api/errors';
import type { JobRecord, PrelabelStarted } from '../../shared/api/methods-models';
import { providerNotes } from '../../shared/models/provider-notes';
import { IMAGE_STATUSES, type ImageStatus, type JobProgress } from '../../shared/api/types';
import { EXIT, UsageError, field, withProject, type Command, type Ctx, type ParsedArgs } from '../command';
import { cardOption, faceModeOption, marginOption, SET_CHECKS, ttaOption } from './models';
import { resolveModelSet } from './noise-args';

/** Models given with `--model a.onnx [b.onnx ...]`: added to the project (or found there) and put in a set. */
async function adHocSet(api: ParselApi, args: ParsedArgs, paths: string[], ctx: Ctx): Promise<number> {
  const card = cardOption(args);
  if (card && paths.length > 1) throw new UsageError('--card describes one model; give a .card.json beside each model instead');
  const tta = ttaOption(args) ?? 'none';
  const mode = faceModeOption(args) ?? 'whole';
  const margin = marginOption(args) ?? 0.25;
  const detectorRef = args.options.detector;
  if (mode === 'detector' && detectorRef === undefined) throw new UsageError('--faces detector needs --detector <model name|id|detector.onnx>');
  if (mode !== 'detector' && detectorRef !== undefined) throw new UsageError('--detector goes with --faces detector');
  const detectorModelId = detectorRef === undefined ? undefined : await detectorIdOf(api, String(detectorRef), ctx);
  const existing = await api.call('models:list', {});
  const ids: number[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    const known = existing.find((m) => m.path === abs);
    if (known) {
      ids.push(known.id);
      continue;
    }
    const name = basename(abs).replace(/\.onnx$/i, '');
    const r = await api.call('models:add', { path: abs, name: existing.some((m) => m.name === name) ? `${name} (${ids.length + existing.length + 1})` : name, ...(card ? { card } : {}) });
    ctx.err(`added model ${r.model.id} "${r.model.name}" (${r.model.labels}, card from ${r.check.cardSource === 'file' ? r.check.cardPath : r.check.cardSource})`);
    ids.push(r.model.id);
  }
  // The same models with the same settings reuse one set, so its cached predictions are shared.
  const setName = `models ${ids.join('+')}${tta === 'flip' ? ' flip' : ''}${mode !== 'whole' ? ` ${mode} ${margin}` : ''}${detectorModelId !== undefined ? ` model ${detectorModelId}` : ''}`;
  const sets = await api.call('modelSet:list', {});
  const same = sets.find((s) => s.name === setName);
  if (same) return same.id;
  const s = await api.call('modelSet:create', { name: setName, modelIds: ids, tta, faces: { mode, margin, ...(detectorModelId !== undefined ? { detectorModelId } : {}) } });
  ctx.err(`created model set ${s.id} "${s.name}"`);
  return s.id;
}

/**
 * `--detector <ref>`: a model of the project by id, name or path; a path to an .onnx file not added yet
 * is added (its card beside it or in its metadata). Whether it is a detector is the set's check.
 */
async function detectorIdOf(api: ParselApi, ref: string, ctx: Ctx): Promise<number> {
  const models = await api.call('models:list', {});
  const hit = /^\d+$/.test(ref) ? models.find((m) => m.id === Number(ref)) : (models.find((m) => m.name === ref) ?? models.find((m) => m.path === resolve(ref)));
  if (hit) return hit.id;
  if (!/\.onnx$/i.test(ref)) {
    throw new ParselError('NOT_FOUND', `--detector: no model "${ref}" in this project; models: ${models.map((m) => `${m.name} (${m.id})`).join(', ') || 'none'}; or give the detector's .onnx path`);
  }
  const name = basename(ref).replace(/\.onnx$/i, '');
  const r = await api.call('models:add', { path: resolve(ref), name: models.some((m) => m.name === name) ? `${name} (${models.length + 1})` : name });
  ctx.err(`added model ${r.model.id} "${r.model.name}" (${r.model.kind === 'detector' ? 'face detector' : r.model.labels}, card from ${r.check.cardSource === 'file' ? r.check.cardPath : r.check.cardSource})`);
  return r.model.id;
}

function fmtEta(s: number | null | undefined): string {
  if (s === null || s === undefined) return '…';
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export const prelabelCommand: Command = {
  summary: 'pre-label images with a model set (cached soft predictions + model revisions; resumable)',
  usage:
    'parsel prelabel <project.parsel> (--model-set <name|id> | --model <model.onnx> [more.onnx ...] | --resume <jobId> [--retry-failed]) ' +
    '[--card c.json] [--tta flip] [--faces whole|landmarks|box|detector] [--detector <model>] [--margin 0.25] [--force] [--status s,...] [--split s] [--provider cuda,cpu] [--json] [--quiet]',
  options: {
    'model-set': { type: 'string', help: 'model set to run (name or id; see parsel models list)' },
    model: { type: 'string', help: 'run these ONNX models (more paths may follow the first): added to the project and put in a set' },
    card: { type: 'string', help: 'with one --model: its card JSON (default: beside the model or in its metadata)' },
    tta: { type: 'string', ...SET_CHECKS.tta, help: 'with --model: flip (horizontal flip, left/right classes swapped back) or none' },
    faces: { type: 'string', ...SET_CHECKS.faces, help: 'with --model and face-crop models: whole, landmarks, box (the face boxes drawn in the editor; images without one are skipped) or detector (the faces found by --detector)' },
    margin: { type: 'string', ...SET_CHECKS.margin, help: 'with --model: fraction of the face box added on each side (default 0.25)' },
    detector: { type: 'string', help: 'with --faces detector: the face-detector model (name, id, or an .onnx path with its detector card; added if new); images where it finds no face are skipped' },
    force: { type: 'boolean', help: 'also write model revisions over human/import/fix revisions (default: keep them, cache the prediction only)' },
    resume: { type: 'string', help: 'continue job <jobId> (killed, cancelled) with the images it has not done' },
    'retry-failed': { type: 'boolean', help: 'with --resume: also run the images that failed in that job again (e.g. after restoring a file)' },
    status: { type: 'string', as: 'list', schema: field('prelabel:start', 'filter', 'status'), help: `only images with these statuses (comma-separated: ${IMAGE_STATUSES.join(', ')})` },
    split: { type: 'string', help: 'only images of this split' },
    provider: { type: 'string', help: 'execution providers to try in order, comma-separated (default: the platform order; cpu is always last)' },
    json: { type: 'boolean', help: 'print the finished job as JSON' },
    quiet: { type: 'boolean', help: 'no progress on stderr' },
  },
  async run(args, ctx) {
    const [project, ...more] = args.positional;
    if (!project) throw new UsageError('missing argument: <project.parsel>');
    const modelOpt = args.options.model;
    const setOpt = args.options['model-set'];
    const resumeOpt = args.options.resume;
    const given = [modelOpt, setOpt, resumeOpt].filter((v) => v !== undefined).length;
    if (given !== 1) throw new UsageError('give exactly one of --model-set, --model or --resume');
    if (more.length && modelOpt === undefined) throw new UsageError(`unexpected argument: ${more[0]}`);
    if (modelOpt === undefined) {
      for (const o of ['card', 'tta', 'faces', 'margin', 'detector']) if (args.options[o] !== undefined) throw new UsageError(`--${o} goes with --model (a model set has its own settings)`);
    }
    let resumeId: number | undefined;
    if (resumeOpt !== undefined) {
      if (!/^\d+$/.test(String(resumeOpt))) throw new UsageError(`--resume needs a job id, got "${String(resumeOpt)}"`);
      resumeId = Number(resumeOpt);
      for (const o of ['force', 'status', 'split']) if (args.options[o] !== undefined) throw new UsageError(`--${o} cannot change a job being resumed`);
    } else if (args.options['retry-failed'] !== undefined) {
      throw new UsageError('--retry-failed goes with --resume <jobId>');
    }
    const status = args.values.status as ImageStatus[] | undefined;
    const split = args.options.split === undefined ? undefined : String(args.options.split);
    const providers = args.options.provider === undefined ? undefined : String(args.options.provider).split(',').map((s) => s.trim().toLowerCase());
    const quiet = Boolean(args.options.quiet);

    return withProject(ctx, project, async (api) => {
      let jobId: string | null = null;
      let finish: (p: JobProgress) => void = () => {};
      const ended = new Promise<JobProgress>((r) => (finish = r));
      const seen: JobProgress[] = [];
      let lastStep = -1;
      const off = api.on('job:progress', (p) => {
        if (p.kind !== 'prelabel') return;
        if (jobId === null) {
          seen.push(p);
          return;
        }
        if (p.jobId !== jobId) return;
        if (p.status && p.status !== 'running') finish(p);
        if (quiet || p.status !== 'running') return;
        const line = `prelabel ${p.done}/${p.total}${p.failed ? `, ${p.failed} failed` : ''}, ETA ${fmtEta(p.etaSeconds)}`;
        if (process.stderr.isTTY) process.stderr.write(`\r${line}   `);
        else {
          // Not a terminal (a log file): one line per tenth of the job.
          const step = Math.floor((10 * p.done) / Math.max(1, p.total));
          if (step !== lastStep) {
            lastStep = step;
            ctx.err(line);
          }
        }
      });
      let started: PrelabelStarted;
      // Ctrl-C before the job is known (its engine is still starting) cancels it as soon as it is.
      let cancelAsked = false;
      const onSigint = () => {
        if (jobId !== null) void api.call('prelabel:cancel', { jobId: Number(jobId) });
        else cancelAsked = true;
      };
      process.once('SIGINT', onSigint);
      try {
        if (resumeId !== undefined) {
          started = await api.call('prelabel:resume', { jobId: resumeId, retryFailed: Boolean(args.options['retry-failed']), ...(providers ? { providers } : {}) });
          ctx.err(`resuming job ${started.jobId}: ${started.todo} of ${started.total} images left`);
        } else {
          const modelSetId = modelOpt !== undefined ? await adHocSet(api, args, [String(modelOpt), ...more], ctx) : await resolveModelSet(api, args);
          started = await api.call('prelabel:start', {
            modelSetId,
            force: Boolean(args.options.force),
            ...(status || split !== undefined ? { filter: { ...(status ? { status } : {}), ...(split !== undefined ? { split } : {}) } } : {}),
            ...(providers ? { providers } : {}),
          });
          ctx.err(`job ${started.jobId}: ${started.total} images`);
        }
        ctx.err(`provider: ${started.provider}`);
        // One plain line per provider that did not start; ONNX Runtime's own text with --verbose.
        for (const n of providerNotes(started.warnings, started.provider)) {
          ctx.err(`warning: ${n.plain}`);
          if (process.env.PARSEL_VERBOSE === '1' && n.raw !== n.plain) ctx.err(`  ${n.raw}`);
        }
        jobId = String(started.jobId);
        if (cancelAsked) await api.call('prelabel:cancel', { jobId: started.jobId });
        const early = seen.find((p) => p.jobId === jobId && p.status && p.status !== 'running');
        if (early) finish(early);
        await ended;
      } finally {
        process.off('SIGINT', onSigint);
        off();
        if (!quiet && process.stderr.isTTY) process.stderr.write('\n');
      }
      const job = (await api.call('job:list', { kind: 'prelabel' })).find((j) => j.id === started.jobId) as JobRecord;
      if (!job) throw new ParselError('INTERNAL', `job ${started.jobId} disappeared`);
      if (args.options.json) ctx.out(JSON.stringify(job, null, 2));
      else {
        // Skipped: kept someone's revision (prediction cached), or left alone with a reason (no face box drawn, ...).
        const kept = job.skipped - job.skipReasons.reduce((n, r) => n + r.images, 0);
        ctx.out(
          `${job.status}: ${job.done} of ${job.total} images pre-labelled on ${job.provider ?? started.provider} ` +
            `(${job.done - job.skipped} model revisions, ${kept} kept their human/import revision${kept === 1 ? '' : 's'}` +
            `${job.skipReasons.map((r) => `, ${r.images} skipped: ${r.reason}`).join('')}, ${job.failed} failed)`,
        );
        if (job.message) ctx.out(job.message);
        if (job.status === 'cancelled') ctx.out(`resume with: parsel prelabel ${project} --resume ${job.id}`);
      }
      for (const f of job.failures) ctx.err(`failed: image ${f.imageId}: ${f.error}`);
      for (const k of job.skips) ctx.err(`skipped: image ${k.imageId}: ${k.reason}`);
      if (job.status === 'failed') return EXIT.internal;
      return job.failed > 0 || job.status !== 'done' ? EXIT.partial : EXIT.ok;
    });
  },
};
