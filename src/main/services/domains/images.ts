/** Image services: add a folder, list/filter, details, status; and media (pixels by image id). */
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import type { DomainServices, ServiceContext } from '../context';
import { makeThumb, toBrowserImage } from '../image-io';
import { addFolder } from '../ingest';
import type { MediaSource } from '../media';
import { jobLogOf } from '../job-log';
import { overlayThumb } from '../overlay-thumb';

export function imageServices(ctx: ServiceContext): DomainServices<'image:addFolder' | 'image:list' | 'image:get' | 'image:setStatus'> {
  return {
    'image:addFolder': async ({ folder, recursive }) => {
      const p = ctx.project();
      try {
        return await addFolder(p.store, p.paths, ctx.bus, resolve(folder), recursive);
      } catch (err) {
        // The job id is made inside addFolder: close whatever add-folder run the history shows as running.
        jobLogOf(ctx.bus).endKind('add-folder', 'failed', err instanceof Error ? err.message : String(err));
        throw err;
      }
    },
    'image:list': (q) => ctx.project().store.queryImages(q),
    'image:get': ({ id }) => ctx.project().store.getImage(id),
    'image:setStatus': ({ ids, status }) => {
      const updated = ctx.project().store.setStatus(ids, status);
      ctx.bus.emit('project:changed', { reason: 'status-changed', imageIds: ids });
      return { updated };
    },
  };
}

async function readImageFile(abs: string): Promise<Buffer> {
  try {
    return await fs.readFile(abs);
  } catch (err) {
    throw new ParselError('NOT_FOUND', `image file missing: ${abs} (${(err as NodeJS.ErrnoException).code})`, { path: abs });
  }
}

export function mediaSource(ctx: ServiceContext): MediaSource {
  return {
    async image(imageId) {
      const p = ctx.project();
      const abs = p.paths.toAbsolute(p.store.getImage(imageId).path);
      return toBrowserImage(await readImageFile(abs), abs);
    },
    async thumb(imageId) {
      return { body: await thumbOf(ctx, imageId), mime: 'image/webp' };
    },
    async overlay(revisionId) {
      const p = ctx.project();
      return { body: await overlayThumb(p.store, p.paths, revisionId, (id) => thumbOf(ctx, id)), mime: 'image/webp' };
    },
  };
}

async function thumbOf(ctx: ServiceContext, imageId: number): Promise<Buffer> {
  const p = ctx.project();
  const img = p.store.getImage(imageId);
  const cached = await p.paths.readThumb(img.sha256);
  if (cached) return cached;
  // Cache lost (deleted, project copied without it): rebuild from the image.
  const abs = p.paths.toAbsolute(img.path);
  const thumb = await makeThumb(await readImageFile(abs), abs);
  await p.paths.writeThumb(img.sha256, thumb);
  return thumb;
}
