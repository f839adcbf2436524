/**
 * Revision services: history, masks, saving a final revision on top of a known parent, and editing
 * sessions (one working revision per session, `store/working-revision.ts`).
 */
import { ParselError } from '../../../shared/api/errors';
import { DEFAULT_REVISION_SETTINGS, type RevisionSettings } from '../../../shared/api/methods-revisions';
import type { EncodedMask } from '../../../shared/api/types';
import { decodeMask, encodeMask, MaskCodecError } from '../../../shared/mask/codec';
import { checkMaskValues } from '../../../shared/schema';
import type { ProjectStore } from '../../store/project-store';
import { finishSession, saveSession } from '../../store/working-revision';
import type { DomainServices, ServiceContext } from '../context';

const IDLE_KEY = 'revision.session_idle_minutes';

/** The project's revision settings (meta table), defaults for what was never set. */
export function revisionSettings(store: ProjectStore): RevisionSettings {
  const v = store.setting(IDLE_KEY);
  if (v === undefined) return { ...DEFAULT_REVISION_SETTINGS };
  const n = Number(v);
  if (!(n > 0)) throw new ParselError('INVALID_INPUT', `${store.path}: project setting ${IDLE_KEY} is "${v}", not a positive number of minutes`);
  return { sessionIdleMinutes: n };
}

/** Checks a mask sent for image `imageId` (size, codec, values in the schema); returns its pixels. */
function checkedPixels(store: ProjectStore, imageId: number, mask: EncodedMask): Uint8Array {
  const image = store.getImage(imageId);
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new ParselError(
      'INVALID_INPUT',
      `mask is ${mask.width}×${mask.height} but image ${imageId} (${image.path}) is ${image.width}×${image.height}`,
      { imageId, mask: [mask.width, mask.height], image: [image.width, image.height] },
    );
  }
  let pixels: Uint8Array;
  try {
    pixels = decodeMask(mask);
  } catch (err) {
    if (err instanceof MaskCodecError) {
      throw new ParselError('INVALID_INPUT', `mask for image ${imageId}: ${(err as Error).message}`);
    }
    throw err;
  }
  const schema = store.schema();
  const check = checkMaskValues(pixels, schema);
  if (!check.ok) {
    const list = check.unknown
      .map((u) => `value ${u.value} (${u.count} px, first at x=${u.firstIndex % mask.width}, y=${Math.floor(u.firstIndex / mask.width)})`)
      .join(', ');
    throw new ParselError('INVALID_INPUT', `mask for image ${imageId} has pixel values not in schema ${schema.id}: ${list}`, {
      imageId,
      unknown: check.unknown,
    });
  }
  return pixels;
}

export function revisionServices(
  ctx: ServiceContext,
): DomainServices<
  'revision:list' | 'revision:mask' | 'revision:save' | 'revision:sessionSave' | 'revision:finish' | 'revision:settings' | 'revision:setSettings'
> {
  return {
    'revision:list': ({ imageId }) => ctx.project().store.listRevisions(imageId),
    'revision:mask': ({ revisionId }) => ({ revisionId, ...ctx.project().store.revisionMask(revisionId) }),
    'revision:save': ({ imageId, parentId, kind, author, note, mask, detached }) => {
      const p = ctx.project();
      const pixels = checkedPixels(p.store, imageId, mask);
      const encoded = encodeMask(pixels, mask.width, mask.height);
      const saved = p.store.saveRevision({
        imageId,
        parentId,
        kind,
        author: author.trim(),
        note: note ?? null,
        width: encoded.width,
        height: encoded.height,
        encoding: encoded.encoding,
        mask: encoded.data,
        detached: detached === true,
      });
      ctx.bus.emit('project:changed', { reason: 'revision-saved', imageIds: [imageId] });
      return saved;
    },
    'revision:sessionSave': ({ imageId, parentId, session, author, mask, note, finish }) => {
      const { store } = ctx.project();
      const pixels = checkedPixels(store, imageId, mask);
      const res = saveSession(store, {
        imageId,
        parentId,
        session,
        author: author.trim(),
        note,
        pixels,
        encoded: encodeMask(pixels, mask.width, mask.height),
        finish,
        idleMs: revisionSettings(store).sessionIdleMinutes * 60_000,
      });
      if (res.outcome !== 'unchanged') ctx.bus.emit('project:changed', { reason: 'revision-saved', imageIds: [imageId] });
      return res;
    },
    'revision:finish': ({ imageId, session }) => {
      const res = finishSession(ctx.project().store, imageId, session);
      if (res.outcome !== 'unchanged') ctx.bus.emit('project:changed', { reason: 'revision-saved', imageIds: [imageId] });
      return res;
    },
    'revision:settings': () => revisionSettings(ctx.project().store),
    'revision:setSettings': ({ sessionIdleMinutes }) => {
      const { store } = ctx.project();
      if (sessionIdleMinutes !== undefined) {
        store.setSetting(IDLE_KEY, String(sessionIdleMinutes));
      }
      return revisionSettings(store);
    },
  };
}
