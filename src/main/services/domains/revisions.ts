/** Revision services: history, masks, and saving a new revision on top of a known parent. */
import { ParselError } from '../../../shared/api/errors';
import { decodeMask, encodeMask, MaskCodecError } from '../../../shared/mask/codec';
import { checkMaskValues } from '../../../shared/schema';
import type { DomainServices, ServiceContext } from '../context';

export function revisionServices(ctx: ServiceContext): DomainServices<'revision:list' | 'revision:mask' | 'revision:save'> {
  return {
    'revision:list': ({ imageId }) => ctx.project().store.listRevisions(imageId),
    'revision:mask': ({ revisionId }) => ({ revisionId, ...ctx.project().store.revisionMask(revisionId) }),
    'revision:save': ({ imageId, parentId, kind, author, note, mask, detached }) => {
      const p = ctx.project();
      const image = p.store.getImage(imageId);
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
      const schema = p.store.schema();
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
  };
}
