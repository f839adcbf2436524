/**
 * The service table: every business rule of the app lives in a service method reachable through the
 * contract. Transports (IPC, WebSocket, direct) only bind `dispatch` to their channel.
 *
 * Each domain (`domains/*.ts`) returns its slice of the table from a shared context; this file only
 * assembles them. Adding a domain: write `domains/<name>.ts`, spread it in below.
 */
import { resolve } from 'node:path';
import { EventBus, directClient, type ServiceTable } from './backend';
import { createContext } from './context';
import { appServices } from './domains/app';
import { envServices } from './domains/env';
import { exportServices } from './domains/export';
import { faceServices } from './domains/faces';
import { fsServices } from './domains/fs-browse';
import { imageServices, mediaSource } from './domains/images';
import { importServices } from './domains/import';
import { jobServices } from './domains/jobs';
import { metricsServices } from './domains/metrics';
import { modelServices } from './domains/models';
import { noiseServices } from './domains/noise';
import { projectServices } from './domains/project';
import { promptServices } from './domains/prompt';
import { assistServices } from './domains/assist';
import { revisionServices } from './domains/revisions';
import { sampleServices } from './domains/sample';
import { settingsServices } from './domains/settings';
import { jobLogOf } from './job-log';
import { RecentList } from './recent';
import type { Backend, BackendOptions } from './index';

export function createBackend(opts: BackendOptions): Backend {
  const bus = new EventBus();
  const ctx = createContext(opts, bus);
  // The session's job history listens to the bus from the start (services/job-log.ts).
  jobLogOf(bus, () => ctx.current()?.paths.projectFile ?? null);
  const recent = new RecentList(resolve(opts.userDataDir, 'recent-projects.json'));
  const { openProject, closeProject, ...project } = projectServices(ctx, recent);
  const { jobs: prelabelJobs, ...models } = modelServices(ctx);
  const { prompts, ...prompt } = promptServices(ctx);
  const { assist: assistEngines, ...assist } = assistServices(ctx, prelabelJobs);

  const services: ServiceTable = {
    ...appServices(ctx, recent),
    ...project,
    ...imageServices(ctx),
    ...revisionServices(ctx),
    ...exportServices(ctx),
    ...importServices(ctx),
    ...settingsServices(ctx),
    ...noiseServices(ctx),
    ...metricsServices(ctx),
    ...faceServices(ctx),
    ...envServices(ctx),
    ...jobServices(ctx),
    ...fsServices(ctx),
    ...models,
    ...prompt,
    ...assist,
    // The sample project is made through the other services, like any project.
    ...sampleServices(ctx, () => directClient(services, bus)),
  };

  return {
    services,
    bus,
    media: mediaSource(ctx),
    openProject,
    close: () => {
      // Running pre-labelling jobs stop reading items; what they finished stays stored (resumable).
      void prelabelJobs.stopAll();
      // Promptable models' workers end (their embeddings stay cached on disk).
      void prompts.closeAll();
      // The editor's re-parse / proposal engines end too.
      void assistEngines.closeAll();
      closeProject();
    },
  };
}
