/** Project services: create, open, close, info. One project is open per backend. */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import type { ProjectInfo } from '../../../shared/api/types';
import { getSchema } from '../../../shared/schema';
import { ProjectStore } from '../../store/project-store';
import { finishAllWorking } from '../../store/working-revision';
import type { DomainServices, OpenProject, ServiceContext } from '../context';
import { PROJECT_EXTENSION, ProjectPaths } from '../paths';
import type { RecentList } from '../recent';

export { PROJECT_EXTENSION };

export function projectInfo(p: OpenProject): ProjectInfo {
  return {
    path: p.store.path,
    name: p.store.meta('name'),
    schemaId: p.store.meta('schema_id'),
    createdAt: p.store.meta('created_at'),
    root: p.paths.root,
    counts: p.store.counts(),
    ignoreIndex: p.store.schema().ignoreIndex,
  };
}

export function projectServices(
  ctx: ServiceContext,
  recent: RecentList,
): DomainServices<'project:create' | 'project:open' | 'project:close' | 'project:info'> & {
  openProject(path: string): Promise<ProjectInfo>;
  closeProject(): boolean;
} {
  const closeProject = (): boolean => {
    if (!ctx.current()) return false;
    ctx.setCurrent(null);
    ctx.bus.emit('project:changed', { reason: 'closed' });
    return true;
  };

  const adopt = async (file: string, store: ProjectStore): Promise<ProjectInfo> => {
    closeProject();
    const p: OpenProject = { store, paths: new ProjectPaths(file) };
    ctx.setCurrent(p);
    const info = projectInfo(p);
    await recent.touch(file, info.name);
    ctx.bus.emit('project:changed', { reason: 'opened' });
    return info;
  };

  const openProject = async (path: string): Promise<ProjectInfo> => {
    const file = resolve(path);
    const store = ProjectStore.open(file, { nativeBinding: ctx.opts.sqliteNativeBinding });
    // No editing session of an earlier run continues: their working revisions (a killed app's last autosave) are final.
    finishAllWorking(store);
    return adopt(file, store);
  };

  return {
    openProject,
    closeProject,

    'project:create': async ({ path, schemaId, name }) => {
      let file = resolve(path);
      if (extname(file) !== PROJECT_EXTENSION) file += PROJECT_EXTENSION;
      let schema;
      try {
        schema = getSchema(schemaId);
      } catch (err) {
        throw new ParselError('BAD_REQUEST', (err as Error).message, { schemaId });
      }
      if (existsSync(file)) throw new ParselError('ALREADY_EXISTS', `a file already exists at ${file}`, { path: file });
      if (!existsSync(dirname(file))) {
        throw new ParselError('NOT_FOUND', `folder does not exist: ${dirname(file)}`, { path: dirname(file) });
      }
      const store = ProjectStore.create(file, schema, name?.trim() || basename(file, PROJECT_EXTENSION), {
        nativeBinding: ctx.opts.sqliteNativeBinding,
      });
      return adopt(file, store);
    },
    'project:open': ({ path }) => openProject(path),
    'project:close': () => ({ closed: closeProject() }),
    'project:info': () => projectInfo(ctx.project()),
  };
}
