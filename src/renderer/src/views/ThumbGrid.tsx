/**
 * Virtualised thumbnail grid: virtualised by rows (@tanstack/react-virtual), fixed-size cells so
 * layout never shifts, pages of `image:list` fetched as rows come into view (GridSession caches them).
 * Keyboard: arrows / PageUp / PageDown / Home / End move the selection, Enter opens.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ImageSummary } from '../../../shared/api/types';
import { ErrorBox, STATUS_LABEL, toShownError, useClient } from './common';
import { PAGE_SIZE, splitPath, type GridSession } from './gridSession';

export const CELL_W = 150;
export const CELL_H = 184;
const PAD_LEFT = 8;
/**
 * Above this scroll speed (px/s) newly shown cells get no thumbnail until the grid slows down: during
 * a fling or a scrollbar drag through 30,000 images, decoding thumbnails that are on screen for one
 * frame only costs frames. Wheel and keyboard scrolling stay well below it.
 */
const FAST_SCROLL_PX_PER_S = 6000;
const FAST_SCROLL_SETTLE_MS = 120;

interface Props {
  session: GridSession;
  onOpen: (imageId: number) => void;
}

export function ThumbGrid({ session, onOpen }: Props) {
  useSyncExternalStore(session.subscribe, session.getVersion);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [selected, setSelected] = useState(session.selected);
  const [fast, setFast] = useState(false);
  const lastScroll = useRef({ top: session.scrollTop, t: 0 });
  const settleTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (settleTimer.current) clearTimeout(settleTimer.current);
  }, []);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    el.focus({ preventScroll: true });
    return () => ro.disconnect();
  }, []);

  // Selection resets when the filter changes.
  useEffect(() => setSelected(session.selected), [session, session.filter]);

  const total = session.total ?? 0;
  const cols = Math.max(1, Math.floor((width - PAD_LEFT) / CELL_W));
  const rows = Math.ceil(total / cols);

  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CELL_H,
    overscan: 3,
    initialOffset: session.scrollTop,
  });

  const items = virtualizer.getVirtualItems();
  const firstRow = items.length ? items[0].index : 0;
  const lastRow = items.length ? items[items.length - 1].index : 0;

  useEffect(() => {
    if (session.total === null) session.ensure(0, PAGE_SIZE);
    else if (rows > 0) session.ensure(firstRow * cols, (lastRow + 1) * cols);
  }, [session, session.total, firstRow, lastRow, cols, rows]);

  const select = useCallback(
    (index: number, scroll = true) => {
      if (total === 0) return;
      const i = Math.max(0, Math.min(total - 1, index));
      session.selected = i;
      setSelected(i);
      if (scroll) virtualizer.scrollToIndex(Math.floor(i / cols), { align: 'auto' });
    },
    [session, total, cols, virtualizer],
  );

  const openIndex = useCallback(
    (index: number) => {
      const it = session.get(index);
      if (it) onOpen(it.id);
    },
    [session, onOpen],
  );

  const onKeyDown = (e: KeyboardEvent) => {
    const perPage = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? CELL_H) / CELL_H)) * cols;
    let next: number | null = null;
    switch (e.key) {
      case 'ArrowRight':
        next = selected + 1;
        break;
      case 'ArrowLeft':
        next = selected - 1;
        break;
      case 'ArrowDown':
        next = selected + cols < total ? selected + cols : selected;
        break;
      case 'ArrowUp':
        next = selected - cols >= 0 ? selected - cols : selected;
        break;
      case 'PageDown':
        next = selected + perPage;
        break;
      case 'PageUp':
        next = selected - perPage;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = total - 1;
        break;
      case 'Enter':
        e.preventDefault();
        openIndex(selected);
        return;
      default:
        return;
    }
    e.preventDefault();
    select(next);
  };

  const error = session.error ? toShownError(session.error) : null;

  return (
    <div
      ref={scrollRef}
      className="grid-scroll"
      tabIndex={0}
      role="grid"
      aria-label="Images"
      aria-rowcount={rows}
      data-testid="grid"
      onKeyDown={onKeyDown}
      onScroll={(e) => {
        const top = e.currentTarget.scrollTop;
        session.scrollTop = top;
        const now = performance.now();
        const last = lastScroll.current;
        const speed = last.t ? (Math.abs(top - last.top) * 1000) / Math.max(1, now - last.t) : 0;
        lastScroll.current = { top, t: now };
        if (speed > FAST_SCROLL_PX_PER_S) {
          if (!fast) setFast(true);
          if (settleTimer.current) clearTimeout(settleTimer.current);
          settleTimer.current = setTimeout(() => {
            settleTimer.current = null;
            lastScroll.current.t = 0;
            setFast(false);
          }, FAST_SCROLL_SETTLE_MS);
        }
      }}
    >
      {error && (
        <div style={{ padding: 12 }}>
          <ErrorBox error={error} />
        </div>
      )}
      {session.total === 0 && (
        <div className="empty">
          {session.search
            ? `No image path contains “${session.search}”${session.filter === 'all' ? '' : ` with status “${STATUS_LABEL[session.filter]}”`}.`
            : session.filter === 'all'
              ? 'No images yet — add a folder above.'
              : `No images with status “${STATUS_LABEL[session.filter]}”.`}
        </div>
      )}
      <div className="grid-inner" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((row) => {
          const start = row.index * cols;
          const end = Math.min(total, start + cols);
          const cells = [];
          for (let i = start; i < end; i++) {
            cells.push(
              <Cell
                key={i - start}
                index={i}
                item={session.get(i)}
                selected={i === selected}
                loadThumb={!fast}
                overlay={session.overlay}
                showScore={session.sort === 'noise'}
                onSelect={select}
                onOpen={openIndex}
              />,
            );
          }
          return (
            <div
              key={row.key}
              className="grid-row"
              role="row"
              aria-rowindex={row.index + 1}
              style={{ height: CELL_H, transform: `translateY(${row.start}px)` }}
            >
              {cells}
            </div>
          );
        })}
      </div>
    </div>
  );
}

interface CellProps {
  index: number;
  item: ImageSummary | undefined;
  selected: boolean;
  /** False while the grid scrolls fast: a cell that has not shown its thumbnail yet waits. */
  loadThumb: boolean;
  /** Show the head revision's mask over the thumbnail (images without a revision show the thumbnail). */
  overlay: boolean;
  /** Show the noise score in a corner (the grid is ordered by it). */
  showScore: boolean;
  onSelect: (index: number, scroll?: boolean) => void;
  onOpen: (index: number) => void;
}

const Cell = memo(function Cell({ index, item, selected, loadThumb, overlay, showScore, onSelect, onOpen }: CellProps) {
  const client = useClient();
  // Once a cell has started loading its thumbnail it keeps it, fast scrolling or not (no flicker).
  const shownFor = useRef<number | null>(null);
  if (item && loadThumb) shownFor.current = item.id;
  if (!item) {
    return (
      <div className="cell placeholder" role="gridcell" style={{ width: CELL_W, height: CELL_H }}>
        <div className="frame" />
      </div>
    );
  }
  const { name, folder } = splitPath(item.path);
  const overlayRev = overlay ? item.headRevisionId : null;
  const src = overlayRev !== null ? client.mediaUrl('overlay', overlayRev) : client.mediaUrl('thumb', item.id);
  const score = item.noiseScore !== undefined && item.noiseScore !== null ? ` · noise ${item.noiseScore.toFixed(3)}` : '';
  return (
    <div
      className={selected ? 'cell selected' : 'cell'}
      role="gridcell"
      aria-selected={selected}
      data-index={index}
      data-image-id={item.id}
      style={{ width: CELL_W, height: CELL_H }}
      title={`${item.path}\n${item.width}×${item.height} · ${STATUS_LABEL[item.status]}${item.split ? ` · ${item.split}` : ''}${score}`}
      onClick={() => onSelect(index, false)}
      onDoubleClick={() => onOpen(index)}
    >
      <div className="frame">
        <div className="thumb">
          {shownFor.current === item.id && <img key={src} loading="lazy" decoding="async" draggable={false} alt="" src={src} />}
        </div>
        <div className="caption" data-testid="cell-name">{`\u200E${name}\u200E`}</div>
        <div className="caption folder" data-testid="cell-folder">
          {folder ? `\u200E${folder}/\u200E` : './'}
        </div>
        <span className={`badge s-${item.status}`}>{STATUS_LABEL[item.status]}</span>
        {showScore && item.noiseScore !== undefined && item.noiseScore !== null && (
          <span className="badge score" title="Noise score of the latest scan">
            {item.noiseScore.toFixed(1)}
          </span>
        )}
      </div>
    </div>
  );
});
