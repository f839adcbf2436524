/**
 * The folder an export writes into: every file goes through `write`, which refuses unsafe relative
 * paths, creates parent folders once, and records size and SHA-256 for the manifest.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { unsafeRelativePath } from '../../../shared/dataset/names';

export interface WrittenFile {
  path: string;
  bytes: number;
  sha256: string;
}

export class OutputTree {
  private readonly dirs = new Set<string>();
  private readonly files = new Map<string, WrittenFile>();

  constructor(readonly root: string) {}

  async write(rel: string, data: Uint8Array | string): Promise<void> {
    const why = unsafeRelativePath(rel);
    if (why) throw new Error(`export: refusing to write "${rel}": ${why}`);
    if (this.files.has(rel)) throw new Error(`export: two files would be written to "${rel}"`);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.files.set(rel, { path: rel, bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') });
    const abs = join(this.root, ...rel.split('/'));
    const dir = dirname(abs);
    if (!this.dirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      this.dirs.add(dir);
    }
    await fs.writeFile(abs, buf, { flag: 'wx' });
  }

  /** Written files sorted by path (byte order), for the manifest. */
  list(): WrittenFile[] {
    return [...this.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
