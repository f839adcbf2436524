/** The session's job history (the jobs panel): services/job-log.ts. */
import type { DomainServices, ServiceContext } from '../context';
import { jobLogOf } from '../job-log';

export function jobServices(ctx: ServiceContext): DomainServices<'job:history'> {
  return {
    'job:history': () => jobLogOf(ctx.bus).list(),
  };
}
