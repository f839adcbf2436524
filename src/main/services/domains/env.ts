/** The environment check (`env:doctor`): doctor.ts over the real machine, or the probes the backend was given. */
import { runDoctor } from '../doctor';
import { realEnvProbes } from '../doctor-probes';
import type { DomainServices, ServiceContext } from '../context';

export function envServices(ctx: ServiceContext): DomainServices<'env:doctor'> {
  return {
    'env:doctor': () => runDoctor(ctx.opts.envProbes ?? realEnvProbes(), { sqliteNativeBinding: ctx.opts.sqliteNativeBinding }),
  };
}
