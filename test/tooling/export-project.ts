/**
 * A small project for export tests and the benchmark: synthetic faces (JPEG) added through the
 * services, their exact masks saved as `import` revisions, splits / sources / tags set per image.
 */
import { basename, join } from 'node:path';
import { directClient } from '../../src/main/services/backend';
import { createBackend, type Backend } from '../../src/main/services';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';
import type { ParselApi } from '../../src/shared/api/contract';
import { encodeMask } from '../../src/shared/mask/codec';
import { readIndexPng, writeSyntheticFolder } from './dataset';

export interface ExportProject {
  backend: Backend;
  api: ParselApi;
  file: string;
  /** Image id → mask as saved (project schema). */
  masks: Map<number, Uint8Array>;
  /** Image id → absolute image path. */
  images: Map<number, string>;
  ids: number[];
}

export async function makeExportProject(
  dir: string,
  opts: { count: number; size: number; schemaId: string; seed?: number; userDataDir?: string; mode?: 'direct' | 'browser'; meta?: (i: number) => { split?: string | null; source?: string | null; tags?: string[] } },
): Promise<ExportProject> {
  const written = await writeSyntheticFolder(join(dir, 'faces'), {
    count: opts.count,
    width: opts.size,
    height: opts.size,
    schemaId: opts.schemaId,
    seed: opts.seed ?? 3,
    format: 'jpg',
    masks: 'index-png',
    layout: 'images-masks',
  });
  const backend = createBackend({ mode: opts.mode ?? 'direct', userDataDir: opts.userDataDir ?? join(dir, 'user') });
  const api = directClient(backend.services, backend.bus);
  const info = await api.call('project:create', { path: join(dir, 'proj.parsel'), schemaId: opts.schemaId });
  const report = await api.call('image:addFolder', { folder: written.imagesDir, recursive: true });
  if (report.added !== opts.count) throw new Error(`added ${report.added} of ${opts.count}: ${JSON.stringify(report.failed)}`);
  const page = await api.call('image:list', { limit: 5000 });
  const byName = new Map(written.items.map((it) => [basename(it.imagePath), it]));
  const masks = new Map<number, Uint8Array>();
  const images = new Map<number, string>();
  for (const img of page.items) {
    const item = byName.get(basename(img.path))!;
    const m = await readIndexPng(item.maskPath!);
    masks.set(img.id, m.data);
    images.set(img.id, item.imagePath);
    await api.call('revision:save', { imageId: img.id, parentId: null, kind: 'import', author: 'test', mask: encodeMask(m.data, m.width, m.height) });
  }
  const ids = page.items.map((i) => i.id);
  if (opts.meta) {
    const store = ProjectStore.open(info.path);
    const stmt = storeDb(store).prepare('UPDATE image SET split = ?, source = ?, tags = ? WHERE id = ?');
    storeDb(store).transaction(() => {
      ids.forEach((id, i) => {
        const m = opts.meta!(i);
        stmt.run(m.split ?? null, m.source ?? null, JSON.stringify(m.tags ?? []), id);
      });
    })();
    store.close();
  }
  return { backend, api, file: info.path, masks, images, ids };
}
