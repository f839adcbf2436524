/** App-level services: version and mode, recent projects, schemas, native dialogs. */
import { existsSync } from 'node:fs';
import { ParselError } from '../../../shared/api/errors';
import type { AppInfo, RecentProject } from '../../../shared/api/types';
import { SCHEMAS } from '../../../shared/schema';
import type { DomainServices, ServiceContext } from '../context';
import { projectInfo } from './project';
import type { RecentList } from '../recent';

export const APP_VERSION = '0.1.0';

export function appServices(
  ctx: ServiceContext,
  recent: RecentList,
): DomainServices<'app:info' | 'app:recent' | 'schema:list' | 'dialog:pick'> {
  return {
    'app:info': (): AppInfo => {
      const p = ctx.current();
      return {
        version: ctx.opts.version ?? APP_VERSION,
        mode: ctx.opts.mode,
        capabilities: { nativeDialogs: ctx.opts.pickPath !== undefined },
        project: p ? projectInfo(p) : null,
      };
    },

    'app:recent': async (): Promise<RecentProject[]> =>
      (await recent.read()).map((r) => ({ ...r, exists: existsSync(r.path) })),

    'schema:list': () => [...SCHEMAS],

    'dialog:pick': async ({ kind }) => {
      if (!ctx.opts.pickPath) {
        throw new ParselError('UNSUPPORTED', 'native file dialogs are not available in this mode; type the path instead');
      }
      return { path: await ctx.opts.pickPath(kind) };
    },
  };
}
