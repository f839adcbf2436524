/**
 * `app:openSample`: the sample project at a fixed place in the user-data folder (the folder of the
 * recent-projects list), made on first use (sample-project.ts, default options) and opened. When the
 * demo models appear after the sample was made (or it was made without them), opening it registers
 * them. One call at a time: a second call while the first is making the project waits for it.
 */
import { existsSync, promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ParselApi } from '../../../shared/api/contract';
import type { SampleOpened } from '../../../shared/api/types';
import { SAMPLE_DEFAULTS } from '../../../shared/sample';
import type { DomainServices, ServiceContext } from '../context';
import { jobLogOf } from '../job-log';
import { createSampleProject, readDemoManifest, registerDemoModels, samplePaths, type SampleGroundTruth, type SamplePhase } from '../sample-project';

/** Where the sample project lives in the user-data folder. */
export function sampleProjectFile(userDataDir: string): string {
  return join(resolve(userDataDir), 'sample', 'sample.parsel');
}

const NO_MODELS_DIR = 'this build has no models folder';
const PHASE_TEXT: Record<SamplePhase, string> = {
  images: 'making the images',
  importing: 'importing them with their labels',
  models: 'adding the demo models',
};

export function sampleServices(ctx: ServiceContext, api: () => ParselApi): DomainServices<'app:openSample'> {
  let running: Promise<SampleOpened> | null = null;

  const open = async (): Promise<SampleOpened> => {
    const file = sampleProjectFile(ctx.opts.userDataDir);
    const paths = samplePaths(file);
    const modelsDir = ctx.opts.sampleModelsDir;
    if (!existsSync(file)) {
      await fs.mkdir(resolve(file, '..'), { recursive: true });
      // A folder of images left without its project (the app was killed while making it) is made again.
      await fs.rm(paths.facesDir, { recursive: true, force: true });
      const r = await createSampleProject(api(), file, {
        ...SAMPLE_DEFAULTS,
        models: modelsDir !== undefined,
        modelsDir: modelsDir ?? '',
        onProgress: (phase, done, total) =>
          ctx.bus.emit('job:progress', { jobId: 'sample', kind: 'sample', phase: PHASE_TEXT[phase], done, total, status: 'running' }),
      });
      ctx.bus.emit('job:progress', { jobId: 'sample', kind: 'sample', phase: 'done', done: r.images, total: r.images, status: 'done' });
      return {
        project: r.project,
        created: true,
        groundTruth: r.groundTruth,
        images: r.images,
        corrupted: r.corrupted,
        modelSet: r.models?.set?.name ?? null,
        modelsNote: r.models ? r.models.missing : NO_MODELS_DIR,
      };
    }

    let project = await api().call('project:open', { path: file });
    let truth: SampleGroundTruth | null = null;
    try {
      truth = JSON.parse(await fs.readFile(paths.groundTruth, 'utf8')) as SampleGroundTruth;
    } catch {
      truth = null; // removed by hand: the project still opens
    }
    let modelSet: string | null = null;
    let modelsNote: string | null = NO_MODELS_DIR;
    if (modelsDir !== undefined) {
      const manifest = readDemoManifest(modelsDir);
      const sets = await api().call('modelSet:list', {});
      const wanted = manifest?.set.name ?? 'demo';
      if (sets.some((s) => s.name === wanted)) {
        modelSet = wanted;
        modelsNote = null;
      } else {
        const m = await registerDemoModels(api(), modelsDir);
        modelSet = m.set?.name ?? null;
        modelsNote = m.missing;
        if (m.set) project = await api().call('project:info', {});
      }
    }
    return {
      project,
      created: false,
      groundTruth: paths.groundTruth,
      images: project.counts.total,
      corrupted: truth?.corrupted ?? 0,
      modelSet,
      modelsNote,
    };
  };

  return {
    'app:openSample': () => {
      running ??= open()
        .catch((err: unknown) => {
          // The job history shows the sample job as failed with the reason (job-log.ts).
          jobLogOf(ctx.bus).endKind('sample', 'failed', err instanceof Error ? err.message : String(err));
          throw err;
        })
        .finally(() => {
          running = null;
        });
      return running;
    },
  };
}
