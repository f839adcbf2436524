/** The recent-projects list, shared by the desktop app and the CLI (a JSON file in the user data folder). */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

const RECENT_MAX = 20;

export interface RecentEntry {
  path: string;
  name: string;
  openedAt: string;
}

export class RecentList {
  constructor(private readonly file: string) {}

  async read(): Promise<RecentEntry[]> {
    try {
      const data = JSON.parse(await fs.readFile(this.file, 'utf8')) as unknown;
      return Array.isArray(data) ? (data as RecentEntry[]) : [];
    } catch {
      return []; // missing or unreadable list: start afresh, it is only a convenience
    }
  }

  async touch(path: string, name: string): Promise<void> {
    const list = (await this.read()).filter((r) => r.path !== path);
    list.unshift({ path, name, openedAt: new Date().toISOString() });
    await fs.mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(list.slice(0, RECENT_MAX), null, 2));
    await fs.rename(tmp, this.file);
  }
}
