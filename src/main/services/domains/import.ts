/** Dataset import services: detect, plan (dry run), run (validated, batched, resumable), cancel. */
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import { detectFormat } from '../../formats/registry';
import type { DomainServices, ServiceContext } from '../context';
import { jobRegistry } from '../job-registry';
import { runImport } from '../importer';

export function importServices(ctx: ServiceContext): DomainServices<'import:detect' | 'import:plan' | 'import:run' | 'import:cancel'> {
  const jobs = jobRegistry((id) => `an import with job id ${id} is already running`, { bus: ctx.bus, kind: 'import' });
  return {
    'import:detect': async ({ path }) => {
      const dir = resolve(path);
      const st = await fs.stat(dir).catch(() => null);
      if (!st) throw new ParselError('NOT_FOUND', `folder not found: ${dir}`, { path: dir });
      if (!st.isDirectory()) throw new ParselError('INVALID_INPUT', `not a folder: ${dir}`, { path: dir });
      return detectFormat(dir);
    },
    'import:plan': async ({ path, format, celebaOrder, helenThreshold, ignoreValue }) => {
      const p = ctx.project();
      const { jobId: _j, status: _s, imported: _i, skipped: _k, ...plan } = await runImport(
        p.store,
        p.paths,
        ctx.bus,
        { path, format, celebaOrder, helenThreshold, ignoreValue },
        null,
      );
      return plan;
    },
    'import:run': async ({ path, format, celebaOrder, helenThreshold, ignoreValue, onProblem, jobId }) => {
      const p = ctx.project();
      return jobs.run(jobId, (id, cancelled) =>
        runImport(p.store, p.paths, ctx.bus, { path, format, celebaOrder, helenThreshold, ignoreValue }, { onProblem, control: { jobId: id, cancelled } }),
      );
    },
    'import:cancel': ({ jobId }) => jobs.cancel(jobId),
  };
}
