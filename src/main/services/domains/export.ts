/**
 * Export services: preview a spec's counts, run an export (atomic, cancellable, with a manifest and a
 * row in the `export` table), reproduce one from its manifest, cancel, list past exports.
 */
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import type { ExportFormatId, ExportRecord, ExportSpec } from '../../../shared/api/methods-export';
import { ManifestError, parseManifest } from '../../../shared/dataset/manifest';
import { planFromManifest, planFromSpec, previewOf, runExport, type PresenceCache } from '../exporter';
import { insertExport, listExports } from '../../store/export-repo';
import type { DomainServices, ServiceContext } from '../context';
import { jobRegistry } from '../job-registry';
import { APP_VERSION } from './app';

async function readManifest(file: string) {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ParselError('NOT_FOUND', `manifest not found: ${file} (${(err as NodeJS.ErrnoException).code})`, { path: file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ParselError('INVALID_INPUT', `${file}: not JSON: ${(err as Error).message}`);
  }
  try {
    return parseManifest(json, file);
  } catch (err) {
    if (err instanceof ManifestError) throw new ParselError('INVALID_INPUT', err.message);
    throw err;
  }
}

export function exportServices(ctx: ServiceContext): DomainServices<'export:preview' | 'export:run' | 'export:cancel' | 'export:list'> {
  const cache: PresenceCache = new Map();
  const jobs = jobRegistry((id) => `export job ${id} is already running`, { bus: ctx.bus, kind: 'export' });

  return {
    'export:preview': ({ spec }) => previewOf(planFromSpec(ctx.project().store, spec, cache, true)),

    'export:run': async ({ dir, spec, fromManifest, jobId }) => {
      const p = ctx.project();
      if ((spec === undefined) === (fromManifest === undefined)) {
        throw new ParselError('BAD_REQUEST', 'export:run: give either a spec or fromManifest (exactly one)');
      }
      // A running id is refused before planning (reading a manifest); the id is taken once the plan is made.
      const id = jobs.free(jobId);
      let reproducedFrom: string | null = null;
      let plan;
      if (fromManifest !== undefined) {
        const file = resolve(fromManifest);
        const m = await readManifest(file);
        plan = planFromManifest(p.store, m, file);
        reproducedFrom = m.createdAt;
      } else {
        plan = planFromSpec(p.store, spec as ExportSpec, cache, false);
      }
      const dest = resolve(dir);
      return jobs.run(id, async (_, cancelled) => {
        const out = await runExport(plan, {
          store: p.store,
          paths: p.paths,
          bus: ctx.bus,
          jobId: id,
          dest,
          appVersion: ctx.opts.version ?? APP_VERSION,
          reproducedFrom,
          isCancelled: cancelled,
        });
        if (out.status === 'cancelled' || !out.manifest) {
          return { jobId: id, status: 'cancelled', dir: dest, manifestPath: null, exportId: null, images: 0, files: 0, bySplit: {}, ignore: null, staleRemoved: out.staleRemoved };
        }
        const exportId = insertExport(p.store, { ...plan.spec, dir: dest, fromManifest: fromManifest ? resolve(fromManifest) : null }, out.manifest, out.manifest.createdAt);
        return {
          jobId: id,
          status: 'done',
          dir: dest,
          manifestPath: out.manifestPath,
          exportId,
          images: out.manifest.counts.images,
          files: out.manifest.counts.files,
          bySplit: out.manifest.counts.bySplit,
          ignore: out.manifest.ignore,
          staleRemoved: out.staleRemoved,
        };
      });
    },

    'export:cancel': ({ jobId }) => jobs.cancel(jobId),

    'export:list': (): ExportRecord[] =>
      listExports(ctx.project().store).map((r) => {
        const spec = JSON.parse(r.spec) as ExportSpec & { dir: string; fromManifest: string | null };
        return {
          id: r.id,
          createdAt: r.created_at,
          format: spec.format as ExportFormatId,
          dir: spec.dir,
          images: r.images,
          outputSchemaId: r.output_schema,
          seed: spec.seed,
          fromManifest: spec.fromManifest !== null && spec.fromManifest !== undefined,
        };
      }),
  };
}
