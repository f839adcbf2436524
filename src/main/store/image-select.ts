/**
 * The one image-selection query of the project: by id, status, split and source. Every selection in
 * the app (the image grid, pre-label's filter, the noise scan and its exports, metrics) goes through it,
 * so "images without a split" mean the same everywhere: the value `none` (what exports write for them,
 * shared/dataset/subset.ts) selects images whose split is NULL; likewise for the source.
 */
import type { ImageStatus } from '../../shared/api/types';

/** The split / source value that selects images without one. */
export const NO_VALUE = 'none';

export interface ImageFilter {
  /** Only these image ids (ids that do not exist select nothing: see ProjectStore.missingImageIds). */
  ids?: readonly number[];
  status?: readonly ImageStatus[];
  /** One split or any of several; `none` = no split. */
  split?: string | readonly string[];
  /** One source or any of several; `none` = no source. */
  source?: string | readonly string[];
}

/** One selected image: its row without tags. */
export interface ImageSelectRow {
  id: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
  status: ImageStatus;
  split: string | null;
  source: string | null;
  head_revision_id: number | null;
}

export const IMAGE_SELECT_COLUMNS = 'id, path, sha256, width, height, status, split, source, head_revision_id';

/** `WHERE …` (or '') and its arguments for a filter over table `image` (named `alias` in the query, if given). */
export function imageWhere(f: ImageFilter, alias?: string): { where: string; args: string[] } {
  const c = (col: string) => (alias ? `${alias}.${col}` : col);
  const parts: string[] = [];
  const args: string[] = [];
  const anyOf = (col: string, xs: string | readonly (string | number)[] | undefined) => {
    if (xs === undefined) return;
    parts.push(`${col} IN (SELECT value FROM json_each(?))`);
    args.push(JSON.stringify(typeof xs === 'string' ? [xs] : xs));
  };
  anyOf(c('id'), f.ids);
  anyOf(c('status'), f.status);
  anyOf(`coalesce(${c('split')}, '${NO_VALUE}')`, f.split);
  anyOf(`coalesce(${c('source')}, '${NO_VALUE}')`, f.source);
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}
