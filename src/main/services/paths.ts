/**
 * Where a project's files live and how image paths are stored.
 *
 * Image paths are stored relative to the project root (the folder holding the `.parsel` file) when
 * the image is inside it, with `/` separators, so a project folder can be moved or copied to another
 * machine as a whole; images elsewhere are stored absolute. Thumbnails are a disposable cache in
 * `<project>.cache/thumbs/`, keyed by content hash.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The project file's extension. */
export const PROJECT_EXTENSION = '.parsel';

export class ProjectPaths {
  readonly root: string;
  readonly cacheDir: string;

  constructor(readonly projectFile: string) {
    this.root = dirname(resolve(projectFile));
    this.cacheDir = `${resolve(projectFile)}.cache`;
  }

  toStored(absPath: string): string {
    const rel = relative(this.root, absPath);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
    return resolve(absPath);
  }

  toAbsolute(stored: string): string {
    return isAbsolute(stored) ? stored : join(this.root, ...stored.split('/'));
  }

  thumbPath(sha256: string): string {
    return join(this.cacheDir, 'thumbs', sha256.slice(0, 2), `${sha256}.webp`);
  }

  async writeThumb(sha256: string, data: Buffer): Promise<void> {
    const p = this.thumbPath(sha256);
    await fs.mkdir(dirname(p), { recursive: true });
    // Unique temp name: two files with the same content may be thumbnailed at the same time.
    const tmp = `${p}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, p);
  }

  async readThumb(sha256: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.thumbPath(sha256));
    } catch {
      return null;
    }
  }
}
