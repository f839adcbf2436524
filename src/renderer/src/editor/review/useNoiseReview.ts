/**
 * The editor's side of the label-noise review: the image's flags (latest scan), the selected flag
 * (selecting zooms to it), accept / dismiss (A / D), then on to the next open flag or the next image in
 * the review queue, and the disagreement heat map / model overlay canvases.
 *
 * Accept goes through `noise:accept` with the editor's base revision as the parent, so it is a `fix`
 * revision saved like any other (CONFLICT if another client moved the head): unsaved edits are saved
 * first, then the new revision's mask is loaded into the editor as one undoable step and adopted as the
 * saver's base. Editing by hand stays possible; the next scan closes a flag whose region was fixed.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { samePair, type ClassPair, type FlagInfo, type ImageFlags } from '../../../../shared/api/methods-noise';
import type { LabelSchema } from '../../../../shared/api/types';
import { decodeMask } from '../../../../shared/mask/codec';
import { paletteLut } from '../../../../shared/schema';
import type { RendererClient } from '../../api/client';
import { reviewQueue } from '../../views/review/queueStore';
import { toShownError, type ShownError } from '../../views/common';
import type { EditorCore } from '../core';
import type { Saver } from '../saver';

export type ReviewOverlayKind = 'none' | 'heat' | 'model';

export interface NoiseReview {
  /** The latest scan of this image (null while loading or never scanned). */
  scan: ImageFlags | null;
  flags: FlagInfo[];
  selectedId: number | null;
  select(id: number): void;
  accept(): Promise<void>;
  dismiss(): Promise<void>;
  busy: boolean;
  error: ShownError | null;
  message: string | null;
  overlay: ReviewOverlayKind;
  setOverlay(k: ReviewOverlayKind): void;
  /** Image-sized canvas of the current overlay (null when none or loading). */
  overlayCanvas: HTMLCanvasElement | null;
  /** Inclusive bbox of the selected flag, or null. */
  selectedBox: [number, number, number, number] | null;
  queuePosition: { index: number; total: number } | null;
  /**
   * The queue's label → suggested pair filter when this image was reached through it: A / D go through
   * that pair's open flags, then on to the next image of the (filtered) queue. Null otherwise.
   */
  focusPair: ClassPair | null;
}

interface Params {
  client: RendererClient;
  imageId: number;
  schema: LabelSchema | null;
  core: EditorCore | null;
  saver: Saver | null;
  author: string;
  zoomToRect: (x0: number, y0: number, x1: number, y1: number) => void;
  onNavigate: (imageId: number) => void;
}

/**
 * Heat map as a spotlight: where the teacher agrees with the label the photo is dimmed; where it
 * disagrees the pixel glows yellow → red with the disagreement, whatever the class colours are.
 */
function heatCanvas(v: Uint8Array, w: number, h: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  const d = img.data;
  for (let i = 0; i < v.length; i++) {
    const t = v[i] / 255;
    const o = i * 4;
    if (t < 0.15) {
      d[o + 3] = 170; // black: dims agreeing pixels
      continue;
    }
    d[o] = 255;
    d[o + 1] = Math.round(235 * (1 - t));
    d[o + 2] = 0;
    d[o + 3] = Math.round(120 + 135 * t);
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

function classCanvas(m: Uint8Array, w: number, h: number, schema: LabelSchema): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  const lut = paletteLut(schema);
  const px = new Uint32Array(img.data.buffer);
  for (let i = 0; i < m.length; i++) px[i] = lut[m[i]];
  ctx.putImageData(img, 0, 0);
  return c;
}

export function useNoiseReview({ client, imageId, schema, core, saver, author, zoomToRect, onNavigate }: Params): NoiseReview {
  const [scan, setScan] = useState<ImageFlags | null>(null);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [overlay, setOverlayState] = useState<ReviewOverlayKind>('none');
  const [overlayCanvas, setOverlayCanvas] = useState<HTMLCanvasElement | null>(null);

  const refresh = useCallback(async (): Promise<ImageFlags | null> => {
    try {
      const r = await client.call('noise:flags', { imageId });
      const s = r[0] ?? null;
      setScan(s);
      return s;
    } catch (err) {
      setError(toShownError(err));
      return null;
    }
  }, [client, imageId]);

  // The queue's pair filter applies to images opened from the (filtered) queue.
  const focusPair = reviewQueue.position(imageId) ? reviewQueue.pair : null;
  const inFocus = useCallback(
    (f: FlagInfo) => f.status === 'open' && (!focusPair || samePair(focusPair, { from: f.labelClass, to: f.suggestedClass })),
    [focusPair],
  );

  useEffect(() => {
    setScan(null);
    setSelectedId(null);
    setError(null);
    setMessage(null);
    void refresh().then((s) => {
      const first = s?.flags.find(inFocus) ?? s?.flags.find((f) => f.status === 'open');
      if (first) setSelectedId(first.id);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- on a new image only (inFocus follows it)
  }, [refresh]);

  const flags = useMemo(() => scan?.flags ?? [], [scan]);

  const zoomRef = useRef(zoomToRect);
  zoomRef.current = zoomToRect;
  const select = useCallback(
    (id: number) => {
      setSelectedId(id);
      const f = flags.find((x) => x.id === id);
      if (f) zoomRef.current(f.bbox[0], f.bbox[1], f.bbox[2] + 1, f.bbox[3] + 1);
    },
    [flags],
  );

  /**
   * After a decision: the next open flag (in list order after `doneId`; of the focus pair when there is
   * one), else the next queued image; at the queue's end, any open flag left on this image.
   */
  const advance = useCallback(
    (s: ImageFlags | null, doneId: number) => {
      const list = s?.flags ?? [];
      const goTo = (next: FlagInfo) => {
        setSelectedId(next.id);
        zoomRef.current(next.bbox[0], next.bbox[1], next.bbox[2] + 1, next.bbox[3] + 1);
      };
      const focus = list.filter(inFocus);
      if (focus.length > 0) {
        const at = list.findIndex((f) => f.id === doneId);
        goTo(list.slice(at + 1).find(inFocus) ?? focus[0]);
        return;
      }
      const nextImage = reviewQueue.next(imageId);
      if (nextImage !== null) {
        setSelectedId(null);
        onNavigate(nextImage);
        return;
      }
      const open = list.find((f) => f.status === 'open');
      if (open) goTo(open);
      else setSelectedId(null);
      setMessage(focusPair && open ? 'No open flag of the filtered pair left in the queue; other flags of this image remain.' : 'No open flag left on this image.');
    },
    [imageId, onNavigate, inFocus, focusPair],
  );

  const current = (): FlagInfo | null => {
    const f = flags.find((x) => x.id === selectedId) ?? null;
    if (!f) setMessage('Select a flag first.');
    else if (f.status !== 'open') setMessage(`Flag ${f.id} is already ${f.status}.`);
    return f && f.status === 'open' ? f : null;
  };

  const accept = async () => {
    const f = current();
    if (!f || !core || !saver || busy) return;
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      if (!(await saver.flush())) throw new Error('the editor could not save its changes first (see the save state)');
      const r = await client.call('noise:accept', { flagId: f.id, author, parentId: saver.base ?? f.revisionId });
      const payload = await client.call('revision:mask', { revisionId: r.revisionId });
      core.replace(decodeMask(payload));
      saver.adopt(r.revisionId); // the revision panel refreshes on the project:changed event of the save
      setMessage(`Accepted: ${r.changedPixels} px changed (revision ${r.revisionId}).`);
      advance(await refresh(), f.id);
    } catch (err) {
      setError(toShownError(err));
    } finally {
      setBusy(false);
    }
  };

  const dismiss = async () => {
    const f = current();
    if (!f || busy) return;
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      await client.call('noise:dismiss', { flagId: f.id, author });
      setMessage(`Dismissed flag ${f.id}.`);
      advance(await refresh(), f.id);
    } catch (err) {
      setError(toShownError(err));
    } finally {
      setBusy(false);
    }
  };

  // Overlays follow the image's current head (the heat map compares it with the teacher).
  const head = saver?.base ?? null;
  useEffect(() => {
    if (overlay === 'none' || !scan || !schema) {
      setOverlayCanvas(null);
      return;
    }
    let cancelled = false;
    client
      .call('noise:heatmap', { imageId, modelSetId: scan.modelSetId, kind: overlay === 'heat' ? 'disagreement' : 'argmax', ...(head !== null && { revisionId: head }) })
      .then((p) => {
        if (cancelled) return;
        const data = decodeMask(p);
        setOverlayCanvas(overlay === 'heat' ? heatCanvas(data, p.width, p.height) : classCanvas(data, p.width, p.height, schema));
      })
      .catch((err: unknown) => {
        if (!cancelled) setError(toShownError(err));
      });
    return () => {
      cancelled = true;
    };
  }, [client, imageId, overlay, scan, schema, head]);

  return {
    scan,
    flags,
    selectedId,
    select,
    accept,
    dismiss,
    busy,
    error,
    message,
    overlay,
    setOverlay: setOverlayState,
    overlayCanvas,
    selectedBox: flags.find((f) => f.id === selectedId)?.bbox ?? null,
    queuePosition: reviewQueue.position(imageId),
    focusPair,
  };
}
