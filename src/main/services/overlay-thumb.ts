/**
 * Mask-overlay thumbnails for the project grid: an image's thumbnail with one revision's mask blended
 * over it in the schema's class colours (background and the ignore value left clear).
 *
 * Addressed by revision id (`/media/overlay/<revisionId>`): revisions are immutable, so a new head
 * revision is a new URL and nothing has to be invalidated in the browser. On disk the overlay is cached
 * in `<project>.parsel.cache/overlays/`, keyed by a hash of the image's content and the revision's mask
 * bytes, so a stale file can never be served for another mask (a project recreated under the same name
 * reuses revision ids).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabelSchema } from '../../shared/api/types';
import { decodeMask } from '../../shared/mask/codec';
import sharp from '../sharp';
import type { ProjectStore } from '../store/project-store';
import type { ProjectPaths } from './paths';

/** Opacity of the class colours over the thumbnail. */
export const OVERLAY_ALPHA = 0.55;

export function overlayPath(paths: ProjectPaths, imageSha256: string, maskBytes: Uint8Array): string {
  const key = createHash('sha256').update(imageSha256).update(maskBytes).digest('hex').slice(0, 40);
  return join(paths.cacheDir, 'overlays', key.slice(0, 2), `${key}.webp`);
}

/**
 * Blends `mask` (maskW × maskH class indices) over an RGB thumbnail in place, sampling the mask with
 * nearest neighbour at each thumbnail pixel's centre. Exported for the unit test.
 */
export function blendMask(
  rgb: Uint8Array,
  tw: number,
  th: number,
  mask: Uint8Array,
  maskW: number,
  maskH: number,
  schema: Pick<LabelSchema, 'classes' | 'ignoreIndex'>,
  alpha = OVERLAY_ALPHA,
): void {
  const lut = new Int16Array(256 * 3).fill(-1);
  for (const c of schema.classes) {
    if (c.index === 0 || c.index === schema.ignoreIndex || c.name === 'background') continue;
    lut[c.index * 3] = c.color[0];
    lut[c.index * 3 + 1] = c.color[1];
    lut[c.index * 3 + 2] = c.color[2];
  }
  for (let y = 0; y < th; y++) {
    const my = Math.min(maskH - 1, Math.floor(((y + 0.5) * maskH) / th));
    for (let x = 0; x < tw; x++) {
      const mx = Math.min(maskW - 1, Math.floor(((x + 0.5) * maskW) / tw));
      const v = mask[my * maskW + mx];
      if (lut[v * 3] < 0) continue;
      const o = (y * tw + x) * 3;
      for (let k = 0; k < 3; k++) rgb[o + k] = Math.round(rgb[o + k] * (1 - alpha) + lut[v * 3 + k] * alpha);
    }
  }
}

/**
 * The overlay of revision `revisionId` as WebP, from the cache or made from `thumb` (the image's
 * thumbnail bytes, fetched only when needed).
 */
export async function overlayThumb(
  store: ProjectStore,
  paths: ProjectPaths,
  revisionId: number,
  thumb: (imageId: number) => Promise<Buffer>,
): Promise<Buffer> {
  const rev = store.getRevision(revisionId);
  const img = store.getImage(rev.imageId);
  const m = store.revisionMask(revisionId);
  const file = overlayPath(paths, img.sha256, m.data);
  try {
    return await fs.readFile(file);
  } catch {
    // not cached yet
  }
  const { data, info } = await sharp(await thumb(rev.imageId)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  blendMask(rgb, info.width, info.height, decodeMask(m), m.width, m.height, store.schema());
  const out = await sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } }).webp({ quality: 80 }).toBuffer();
  await fs.mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, out);
  await fs.rename(tmp, file);
  return out;
}
