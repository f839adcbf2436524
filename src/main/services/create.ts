/**
 * The service table: every business rule of the app lives in a service method reachable through the
 * contract. Transports (IPC, WebSocket, direct) only bind `dispatch` to their channel.
 */
import { promises as fs, existsSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { ParselError } from '../../shared/api/errors';
import type { AppInfo, ProjectInfo, RecentProject } from '../../shared/api/types';
import { decodeMask, encodeMask, MaskCodecError } from '../../shared/mask/codec';
import { checkMaskValues, getSchema, SCHEMAS } from '../../shared/schema';
import { ProjectStore } from '../store/project-store';
import { EventBus, type ServiceTable } from './backend';
import { addFolder } from './ingest';
import { makeThumb, toBrowserImage } from './image-io';
import type { MediaSource } from './media';
import { ProjectPaths } from './paths';
import type { Backend, BackendOptions } from './index';

export const PROJECT_EXTENSION = '.parsel';
const RECENT_MAX = 20;
const APP_VERSION = '0.1.0';

interface OpenProject {
  store: ProjectStore;
  paths: ProjectPaths;
}

class RecentList {
  constructor(private readonly file: string) {}
  async read(): Promise<{ path: string; name: string; openedAt: string }[]> {
    try {
      const data = JSON.parse(await fs.readFile(this.file, 'utf8')) as unknown;
      return Array.isArray(data) ? (data as { path: string; name: string; openedAt: string }[]) : [];
    } catch {
      return []; // missing or unreadable list: start afresh, it is only a convenience
    }
  }
  async touch(path: string, name: string): Promise<void> {
    const list = (await this.read()).filter((r) => r.path !== path);
    list.unshift({ path, name, openedAt: new Date().toISOString() });
    await fs.mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(list.slice(0, RECENT_MAX), null, 2));
    await fs.rename(tmp, this.file);
  }
}

export function createBackend(opts: BackendOptions): Backend {
  const bus = new EventBus();
  const recent = new RecentList(resolve(opts.userDataDir, 'recent-projects.json'));
  let current: OpenProject | null = null;

  const need = (): OpenProject => {
    if (!current) throw new ParselError('NO_PROJECT', 'no project is open: create or open one first');
    return current;
  };

  const projectInfo = (p: OpenProject): ProjectInfo => ({
    path: p.store.path,
    name: p.store.meta('name'),
    schemaId: p.store.meta('schema_id'),
    createdAt: p.store.meta('created_at'),
    root: p.paths.root,
    counts: p.store.counts(),
  });

  const closeCurrent = (): boolean => {
    if (!current) return false;
    current.store.close();
    current = null;
    bus.emit('project:changed', { reason: 'closed' });
    return true;
  };

  const openStore = async (file: string, store: ProjectStore): Promise<ProjectInfo> => {
    closeCurrent();
    current = { store, paths: new ProjectPaths(file) };
    const info = projectInfo(current);
    await recent.touch(file, info.name);
    bus.emit('project:changed', { reason: 'opened' });
    return info;
  };

  const openProject = async (path: string): Promise<ProjectInfo> => {
    const file = resolve(path);
    const store = ProjectStore.open(file, { nativeBinding: opts.sqliteNativeBinding });
    return openStore(file, store);
  };

  const services: ServiceTable = {
    'app:info': (): AppInfo => ({
      version: opts.version ?? APP_VERSION,
      mode: opts.mode,
      capabilities: { nativeDialogs: opts.pickPath !== undefined },
      project: current ? projectInfo(current) : null,
    }),

    'app:recent': async (): Promise<RecentProject[]> =>
      (await recent.read()).map((r) => ({ ...r, exists: existsSync(r.path) })),

    'schema:list': () => [...SCHEMAS],

    'project:create': async ({ path, schemaId, name }) => {
      let file = resolve(path);
      if (extname(file) !== PROJECT_EXTENSION) file += PROJECT_EXTENSION;
      let schema;
      try {
        schema = getSchema(schemaId);
      } catch (err) {
        throw new ParselError('BAD_REQUEST', (err as Error).message, { schemaId });
      }
      if (existsSync(file)) throw new ParselError('ALREADY_EXISTS', `a file already exists at ${file}`, { path: file });
      if (!existsSync(dirname(file))) {
        throw new ParselError('NOT_FOUND', `folder does not exist: ${dirname(file)}`, { path: dirname(file) });
      }
      const store = ProjectStore.create(file, schema, name?.trim() || basename(file, PROJECT_EXTENSION), {
        nativeBinding: opts.sqliteNativeBinding,
      });
      return openStore(file, store);
    },

    'project:open': ({ path }) => openProject(path),
    'project:close': () => ({ closed: closeCurrent() }),
    'project:info': () => projectInfo(need()),

    'image:addFolder': async ({ folder, recursive }) => {
      const p = need();
      return addFolder(p.store, p.paths, bus, resolve(folder), recursive);
    },

    'image:list': ({ status, split, offset, limit }) => need().store.listImages({ status, split, offset, limit }),
    'image:get': ({ id }) => need().store.getImage(id),
    'image:setStatus': ({ ids, status }) => {
      const updated = need().store.setStatus(ids, status);
      bus.emit('project:changed', { reason: 'status-changed', imageIds: ids });
      return { updated };
    },

    'revision:list': ({ imageId }) => need().store.listRevisions(imageId),
    'revision:mask': ({ revisionId }) => {
      const m = need().store.revisionMask(revisionId);
      return { revisionId, ...m };
    },
    'revision:save': ({ imageId, parentId, kind, author, note, mask }) => {
      const p = need();
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
      });
      bus.emit('project:changed', { reason: 'revision-saved', imageIds: [imageId] });
      return saved;
    },

    'dialog:pick': async ({ kind }) => {
      if (!opts.pickPath) {
        throw new ParselError('UNSUPPORTED', 'native file dialogs are not available in this mode; type the path instead');
      }
      return { path: await opts.pickPath(kind) };
    },
  };

  const media: MediaSource = {
    async image(imageId) {
      const p = need();
      const img = p.store.getImage(imageId);
      const abs = p.paths.toAbsolute(img.path);
      let buf: Buffer;
      try {
        buf = await fs.readFile(abs);
      } catch (err) {
        throw new ParselError('NOT_FOUND', `image file missing: ${abs} (${(err as NodeJS.ErrnoException).code})`, { path: abs });
      }
      return toBrowserImage(buf, abs);
    },
    async thumb(imageId) {
      const p = need();
      const img = p.store.getImage(imageId);
      const cached = await p.paths.readThumb(img.sha256);
      if (cached) return { body: cached, mime: 'image/webp' };
      // Cache lost (deleted, project copied without it): rebuild from the image.
      const abs = p.paths.toAbsolute(img.path);
      let buf: Buffer;
      try {
        buf = await fs.readFile(abs);
      } catch (err) {
        throw new ParselError('NOT_FOUND', `image file missing: ${abs} (${(err as NodeJS.ErrnoException).code})`, { path: abs });
      }
      const thumb = await makeThumb(buf, abs);
      await p.paths.writeThumb(img.sha256, thumb);
      return { body: thumb, mime: 'image/webp' };
    },
  };

  return {
    services,
    bus,
    media,
    openProject,
    close: () => {
      closeCurrent();
    },
  };
}
