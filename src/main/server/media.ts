/**
 * Media addressing shared by the two renderer-facing transports: browser mode serves
 * `/media/<kind>/<id>`, Electron serves `parsel-media://<kind>/<id>`. Both resolve by image id only,
 * so nothing but images registered in the open project can ever be served.
 */
import { ParselError } from '../../shared/api/errors';
import type { MediaResponse, MediaSource } from '../services/media';

/** `image` and `thumb` are addressed by image id, `overlay` by revision id (see overlay-thumb.ts). */
export type MediaKind = 'image' | 'thumb' | 'overlay';
export const MEDIA_KINDS: readonly MediaKind[] = ['image', 'thumb', 'overlay'];

export const MEDIA_SCHEME = 'parsel-media';

/** A positive integer id written in plain decimal (no sign, no leading zeros, no exponent). */
export function parseId(text: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** Parses the path of a browser-mode media URL: `/media/<kind>/<id>` (no trailing parts). */
export function parseMediaPath(pathname: string): { kind: MediaKind; id: number } | null {
  const m = /^\/media\/(image|thumb|overlay)\/([^/]+)$/.exec(pathname);
  if (!m) return null;
  const id = parseId(m[2]);
  return id === null ? null : { kind: m[1] as MediaKind, id };
}

/**
 * Parses an Electron media URL: `parsel-media://<kind>/<id>`. The scheme is registered as standard, so
 * the kind is the URL's host and the id its path. Query strings and fragments are not allowed.
 */
export function parseMediaUrl(url: string): { kind: MediaKind; id: number } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${MEDIA_SCHEME}:` || u.search !== '' || u.hash !== '' || u.username || u.password || u.port) {
    return null;
  }
  const kind = u.hostname;
  if (kind !== 'image' && kind !== 'thumb' && kind !== 'overlay') return null;
  const m = /^\/([^/]+)$/.exec(u.pathname);
  if (!m) return null;
  const id = parseId(m[1]);
  return id === null ? null : { kind, id };
}

/** HTTP status for a media lookup failure. */
export function mediaErrorStatus(err: unknown): number {
  if (err instanceof ParselError) {
    if (err.code === 'NOT_FOUND' || err.code === 'NO_PROJECT') return 404;
    if (err.code === 'BAD_REQUEST' || err.code === 'INVALID_INPUT') return 422;
  }
  return 500;
}

export function fetchMedia(media: MediaSource, kind: MediaKind, id: number): Promise<MediaResponse> {
  return kind === 'image' ? media.image(id) : kind === 'thumb' ? media.thumb(id) : media.overlay(id);
}
