/**
 * The grid's data and UI state for one open project, kept outside React so it survives going to the
 * viewer and back: the status filter, the order, the search text, the selection, the scroll offset,
 * the overlay toggle and a page cache over `image:list` (which sorts and searches: the backend query,
 * never the renderer, orders 30,000 images).
 *
 * Pages are fetched as rows come into view (a few hundred images per request), deduplicated while in
 * flight, and kept. A `project:changed` event marks every page stale; stale pages are still shown
 * (no flicker) and refetched when next needed.
 */
import type { RendererClient } from '../api/client';
import type { ImageSort, ImageStatus, ImageSummary } from '../../../shared/api/types';

export const PAGE_SIZE = 300;

/** Split a stored path into file name and folder ('' at the project root); `/` or `\\` separators. */
export function splitPath(path: string): { name: string; folder: string } {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? { name: path, folder: '' } : { name: path.slice(cut + 1), folder: path.slice(0, cut) };
}

export type StatusFilter = ImageStatus | 'all';

interface Page {
  items: ImageSummary[];
  stale: boolean;
}

const OVERLAY_KEY = 'parsel.grid.overlay';

export class GridSession {
  filter: StatusFilter = 'all';
  sort: ImageSort = 'added';
  reverse = false;
  /** Path substring (trimmed); '' for none. */
  search = '';
  /** Cells show the head revision's mask over the thumbnail (remembered across projects and reloads). */
  overlay = readOverlay();
  selected = 0;
  scrollTop = 0;
  /** Total images under the current filter; null until the first page answered. */
  total: number | null = null;

  private pages = new Map<number, Page>();
  private inflight = new Map<number, Promise<void>>();
  /** Bumped on filter change: answers for an older generation are dropped. */
  private generation = 0;
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private readonly offChanged: () => void;
  private lastRange: [number, number] = [0, 0];
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  /** Last error from `image:list`, shown by the grid. */
  error: unknown = null;

  constructor(
    private readonly client: RendererClient,
    readonly projectPath: string,
  ) {
    this.offChanged = client.on('project:changed', (ev) => {
      if (ev.reason === 'closed' || ev.reason === 'opened') return;
      this.scheduleRefresh();
    });
  }

  dispose(): void {
    this.offChanged();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.listeners.clear();
  }

  /** React subscription (useSyncExternalStore). */
  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getVersion = (): number => this.version;

  private emit(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  setFilter(filter: StatusFilter): void {
    if (filter === this.filter) return;
    this.filter = filter;
    this.restart();
  }

  setSort(sort: ImageSort, reverse = this.reverse): void {
    if (sort === this.sort && reverse === this.reverse) return;
    this.sort = sort;
    this.reverse = reverse;
    this.restart();
  }

  setSearch(text: string): void {
    const t = text.trim();
    if (t === this.search) return;
    this.search = t;
    this.restart();
  }

  setOverlay(on: boolean): void {
    if (on === this.overlay) return;
    this.overlay = on;
    try {
      localStorage.setItem(OVERLAY_KEY, on ? '1' : '0');
    } catch {
      // storage unavailable: the toggle still works for this session
    }
    this.emit();
  }

  /** A new query: drop the pages, go back to the top. */
  private restart(): void {
    this.generation++;
    this.pages.clear();
    this.inflight.clear();
    this.total = null;
    this.selected = 0;
    this.scrollTop = 0;
    this.emit();
    this.ensure(0, PAGE_SIZE);
  }

  get(index: number): ImageSummary | undefined {
    const page = this.pages.get(Math.floor(index / PAGE_SIZE));
    return page?.items[index % PAGE_SIZE];
  }

  /** Make sure the images in [start, end) are loaded or loading. */
  ensure(start: number, end: number): void {
    this.lastRange = [start, end];
    const first = Math.floor(Math.max(0, start) / PAGE_SIZE);
    const last = Math.floor(Math.max(0, end - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      const page = this.pages.get(p);
      if (page && !page.stale) continue;
      if (this.total !== null && p * PAGE_SIZE >= this.total && p > 0) continue;
      void this.fetchPage(p);
    }
  }

  /** The image at an index of the filtered list, fetching its page if needed. */
  async getAt(index: number): Promise<ImageSummary | null> {
    if (index < 0 || (this.total !== null && index >= this.total)) return null;
    const hit = this.get(index);
    if (hit) return hit;
    await this.fetchPage(Math.floor(index / PAGE_SIZE));
    return this.get(index) ?? null;
  }

  /** Where an image sits in the loaded pages, or -1. */
  indexOf(imageId: number): number {
    for (const [p, page] of this.pages) {
      const i = page.items.findIndex((it) => it.id === imageId);
      if (i >= 0) return p * PAGE_SIZE + i;
    }
    return -1;
  }

  private fetchPage(p: number): Promise<void> {
    const existing = this.inflight.get(p);
    if (existing) return existing;
    const gen = this.generation;
    const status = this.filter === 'all' ? undefined : [this.filter];
    const query = { status, sort: this.sort, reverse: this.reverse, ...(this.search ? { search: this.search } : {}) };
    const promise = this.client
      .call('image:list', { ...query, offset: p * PAGE_SIZE, limit: PAGE_SIZE })
      .then((res) => {
        if (gen !== this.generation) return;
        this.error = null;
        this.total = res.total;
        this.pages.set(p, { items: res.items, stale: false });
        this.emit();
      })
      .catch((err: unknown) => {
        if (gen !== this.generation) return;
        this.error = err;
        this.emit();
      })
      .finally(() => {
        if (this.inflight.get(p) === promise) this.inflight.delete(p);
      });
    this.inflight.set(p, promise);
    return promise;
  }

  /** Coalesces bursts of change events (an import emits many) into one refresh. */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.invalidate();
    }, 200);
  }

  invalidate(): void {
    for (const page of this.pages.values()) page.stale = true;
    this.inflight.clear();
    this.generation++;
    // Keep showing stale rows; refetch what is on screen now (and the first page, for the total).
    const [s, e] = this.lastRange;
    void this.fetchPage(0);
    this.ensure(s, e);
  }
}

function readOverlay(): boolean {
  try {
    return localStorage.getItem(OVERLAY_KEY) === '1';
  } catch {
    return false;
  }
}
