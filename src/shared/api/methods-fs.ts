/**
 * Browsing the server's folders (`fs:list`, issue 13): the file/folder picker of browser mode, where no
 * native dialog exists. Only folders under the allowed roots are listed (the home folder and the open
 * project's folder by default; `parsel serve --root` replaces them). Refused with FORBIDDEN: relative
 * paths, `..` segments, absolute paths outside the roots, and symbolic links resolving outside them
 * (checked on the real path). Links that lead out of the roots are left out of listings.
 */
import { z } from 'zod';
import { method } from './define';

export interface FsRoot {
  path: string;
  label: string;
}

export interface FsEntry {
  name: string;
  /** Absolute path, as the user addresses it (under the listed folder). */
  path: string;
  kind: 'folder' | 'file';
  /** Bytes, for files. */
  size: number | null;
}

export interface FsListing {
  /** The folder listed; null when the roots themselves are listed. */
  path: string | null;
  /** The folder above when it is inside a root too; null at a root (go back to the roots list). */
  parent: string | null;
  roots: FsRoot[];
  /** Folders first, then files, each by name. */
  entries: FsEntry[];
  /** What a typed relative path means: the open project's folder, else the first root. */
  base: string;
}

export const fsMethods = {
  'fs:list': method<FsListing>()(
    z
      .object({
        /** Absolute folder to list; omitted: the roots. */
        path: z.string().min(1).max(4096).optional(),
        /** `folders`: leave files out. */
        show: z.enum(['all', 'folders']).default('all'),
        /** Files kept (lower case, with the dot, e.g. ".parsel"); omitted: every file. */
        extensions: z.array(z.string().min(2).max(16).regex(/^\.[a-z0-9.]+$/)).max(16).optional(),
        /** Names starting with a dot are left out unless true. */
        hidden: z.boolean().default(false),
      })
      .strict(),
  ),
} as const;
