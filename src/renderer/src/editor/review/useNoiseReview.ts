/**
 * The editor's side of the label-noise review: the image's flags (latest scan), the selected flag
 * (selecting zooms to it), accept / dismiss / reopen (A / D / Shift+R), then on to the next open flag
 * or the next image in the review queue, and the disagreement heat map / model overlay canvases.
 *
 * Accept goes through `noise:accept` with the editor's base revision as the parent, so it is a `fix`
 * revision saved like any other (CONFLICT if another client moved the head): unsaved edits are saved
 * first, then the new revision's mask is loaded into the editor as one undoable step, tagged with the
 * flag, and adopted as the saver's base. A big flag (`size.big`) asks first: A / Enter again confirms,
 * Esc cancels, *Edit by hand* sets the brush up for the region instead.
 *
 * Undo of that step (Ctrl+Z) puts the pixels back, saves them at once as a `human` revision on top of
 * the fix ("undo of accepting noise flag N") and reopens the flag (`noise:reopen`): the head's mask is
 * the mask before the accept again and the flag is open, as if it had never been accepted (the fix
 * revision stays in the history). Redo accepts it again (`noise:accept` on that head: the same pixels,
 * a new `fix` revision). Undo / redo pressed while a decision is being sent wait for its answer. docs/review.md.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { samePair, type ClassPair, type FlagInfo, type ImageFlags } from '../../../../shared/api/methods-noise';
import type { LabelSchema } from '../../../../shared/api/types';
import { decodeMask } from '../../../../shared/mask/codec';
import { paletteLut } from '../../../../shared/schema';
import type { RendererClient } from '../../api/client';
import { reviewQueue } from '../../views/review/queueStore';
import { toShownError, type ShownError } from '../../views/common';
import type { EditorCore, EditTag } from '../core';
import type { Saver } from '../saver';
import { editorPrefs, useEditorPrefs } from '../prefs';
import { HEAT_MIN, heatRgb } from '../overlayColours';

export type ReviewOverlayKind = 'none' | 'heat' | 'model';

export interface NoiseReview {
  /** The latest scan of this image (null while loading or never scanned). */
  scan: ImageFlags | null;
  flags: FlagInfo[];
  selectedId: number | null;
  select(id: number): void;
  accept(): Promise<void>;
  dismiss(): Promise<void>;
  /** Reopens the selected dismissed flag. */
  reopen(): Promise<void>;
  /** The big flag waiting for confirmation (A / Enter accepts it, Esc cancels), or null. */
  confirming: FlagInfo | null;
  cancelConfirm(): void;
  /** Instead of accepting a big flag: the brush with its suggested class, only over its label class, zoomed to it. */
  editByHand(): void;
  busy: boolean;
  /** True from the moment a decision (or the undo / redo of an accept) starts until it is answered. */
  busyNow(): boolean;
  /** Runs `fn` now, or once the decisions on their way are answered (Ctrl+Z pressed meanwhile is not lost). */
  afterDecisions(fn: () => void): void;
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
  /** Sets the editor up to paint a flag's region by hand (tool, class, lock). */
  editRegion?: (f: FlagInfo) => void;
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
    if (t < HEAT_MIN) {
      d[o + 3] = 170; // black: dims agreeing pixels
      continue;
    }
    // A ramp in colours no class uses (overlayColours.ts; legend: HeatLegend).
    const c = heatRgb(t);
    d[o] = c[0];
    d[o + 1] = c[1];
    d[o + 2] = c[2];
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

export function useNoiseReview({ client, imageId, schema, core, saver, author, zoomToRect, onNavigate, editRegion }: Params): NoiseReview {
  const [scan, setScan] = useState<ImageFlags | null>(null);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  // The overlay kind is an editor preference (remembered per project, prefs.ts).
  const overlay = useEditorPrefs().reviewOverlay;
  const setOverlayState = useCallback((k: ReviewOverlayKind) => editorPrefs.set({ reviewOverlay: k }), []);
  const [overlayCanvas, setOverlayCanvas] = useState<HTMLCanvasElement | null>(null);
  const [confirmingId, setConfirmingId] = useState<number | null>(null);
  const busyRef = useRef(false);
  const chain = useRef<Promise<void>>(Promise.resolve());

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
    setConfirmingId(null);
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
      setConfirmingId(null);
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
    (s: ImageFlags | null, doneId: number, after: 'accept' | 'dismiss') => {
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
      if (nextImage !== null && after === 'accept') {
        // Stay: the accept is the last step of this image's undo history (Ctrl+Z); A / D move on.
        setMessage('No open flag left here. Ctrl+Z undoes the accept; A or D goes on to the next image of the queue.');
        return;
      }
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

  /** Runs server work one after the other (accepts, and the undo / redo of accepts), busy meanwhile. */
  const run = useCallback((fn: () => Promise<void>): Promise<void> => {
    busyRef.current = true;
    setBusy(true);
    setError(null);
    const p: Promise<void> = chain.current
      .then(fn)
      .catch((err: unknown) => setError(toShownError(err)))
      .finally(() => {
        if (chain.current !== p) return; // more work was queued behind this
        busyRef.current = false;
        setBusy(false);
      });
    chain.current = p;
    return p;
  }, []);

  /** With no open flag (of the focus pair) left here, A / D go on to the next image of the queue. */
  const moveOn = (): boolean => {
    if (flags.some(inFocus)) return false;
    const next = reviewQueue.next(imageId);
    if (next === null) return false;
    setSelectedId(null);
    onNavigate(next);
    return true;
  };

  const current = (): FlagInfo | null => {
    const f = flags.find((x) => x.id === selectedId) ?? null;
    if (f && f.status === 'open') return f;
    if (moveOn()) return null;
    if (!f) setMessage('Select a flag first.');
    else setMessage(`Flag ${f.id} is already ${f.status}${f.status === 'dismissed' ? ' (Reopen to decide again)' : ''}.`);
    return null;
  };

  const confirming = flags.find((x) => x.id === confirmingId && x.status === 'open') ?? null;

  const accept = async () => {
    if (busyRef.current || !core || !saver) return;
    const f = current();
    if (!f) return;
    if (f.size?.big && confirmingId !== f.id) {
      // A big flag: not in one key. The panel asks (A / Enter accepts, Esc cancels, or edit by hand).
      setConfirmingId(f.id);
      setMessage(null);
      return;
    }
    setConfirmingId(null);
    setMessage(null);
    await run(async () => {
      if (!(await saver.flush())) throw new Error('the editor could not save its changes first (see the save state)');
      let r;
      try {
        r = await client.call('noise:accept', { flagId: f.id, author, parentId: saver.base ?? f.revisionId, confirmed: !!f.size?.big });
      } catch (err) {
        // Big by the service's rule although not by the listing (settings changed meanwhile): ask.
        if ((err as { details?: { needsConfirmation?: boolean } }).details?.needsConfirmation) {
          await refresh();
          setConfirmingId(f.id);
          return;
        }
        throw err;
      }
      const payload = await client.call('revision:mask', { revisionId: r.revisionId });
      core.replace(decodeMask(payload), { kind: 'flag-accept', flagId: f.id, revisionId: r.revisionId });
      saver.adopt(r.revisionId); // the revision panel refreshes on the project:changed event of the save
      setMessage(`Accepted: ${r.changedPixels} px changed (revision ${r.revisionId}). Ctrl+Z undoes it.`);
      advance(await refresh(), f.id, 'accept');
    });
  };

  const dismiss = async () => {
    if (busyRef.current) return;
    const f = current();
    if (!f) return;
    setConfirmingId(null);
    setMessage(null);
    await run(async () => {
      await client.call('noise:dismiss', { flagId: f.id, author });
      setMessage(`Dismissed flag ${f.id}.`);
      advance(await refresh(), f.id, 'dismiss');
    });
  };

  const reopen = async () => {
    if (busyRef.current) return;
    const f = flags.find((x) => x.id === selectedId) ?? null;
    if (!f) return setMessage('Select a flag first.');
    if (f.status === 'open') return setMessage(`Flag ${f.id} is open.`);
    if (f.status === 'fixed') return setMessage(`Flag ${f.id} is fixed: Ctrl+Z right after accepting reopens it, or edit the region back by hand and rescan.`);
    setMessage(null);
    await run(async () => {
      await client.call('noise:reopen', { flagId: f.id });
      await refresh();
      setMessage(`Reopened flag ${f.id}: it is open again, and a rescan keeps it open.`);
    });
  };

  const editRef = useRef(editRegion);
  editRef.current = editRegion;
  const editByHand = () => {
    const f = confirming ?? flags.find((x) => x.id === selectedId && x.status === 'open');
    setConfirmingId(null);
    if (!f) return;
    zoomRef.current(f.bbox[0], f.bbox[1], f.bbox[2] + 1, f.bbox[3] + 1);
    editRef.current?.(f);
    setMessage(`Paint the region by hand (brush, only over its current class); the next scan closes the flag once it is fixed.`);
  };

  // Undo / redo of an accept in the editor's history: the flag follows the pixels (see the top).
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  useEffect(() => {
    if (!core || !saver) return;
    core.onTagged = (op: 'undo' | 'redo', tag: EditTag) => {
      if (tag.kind !== 'flag-accept') return;
      setConfirmingId(null);
      setMessage(null);
      if (op === 'undo') {
        void run(async () => {
          saver.nextNote = `undo of accepting noise flag ${tag.flagId} (revision ${tag.revisionId})`;
          if (!(await saver.flush())) throw new Error(`the undone accept of flag ${tag.flagId} could not be saved (see the save state); the flag stays fixed`);
          await client.call('noise:reopen', { flagId: tag.flagId });
          await refreshRef.current();
          setSelectedId(tag.flagId);
          setMessage(`Accept of flag ${tag.flagId} undone: the region is back (revision ${saver.base}) and the flag is open again.`);
        });
        return;
      }
      // Redo: the pixels are the accepted ones again; the server writes the same fix on the saved head.
      const release = saver.hold();
      void run(async () => {
        try {
          const r = await client.call('noise:accept', { flagId: tag.flagId, author, parentId: saver.base ?? undefined, confirmed: true });
          const theirs = decodeMask(await client.call('revision:mask', { revisionId: r.revisionId }));
          const mine = core.mask.data;
          let same = theirs.length === mine.length;
          for (let i = 0; same && i < mine.length; i++) same = theirs[i] === mine[i];
          tag.revisionId = r.revisionId;
          if (same) saver.adopt(r.revisionId);
          else {
            // Not expected (redo restores exactly the accepted mask); the editor's mask is saved on top.
            saver.base = r.revisionId;
            saver.changed();
          }
          await refreshRef.current();
          setSelectedId(tag.flagId);
          setMessage(`Accept of flag ${tag.flagId} redone (revision ${r.revisionId}).`);
        } finally {
          release();
        }
      });
    };
    return () => {
      core.onTagged = () => undefined;
    };
  }, [core, saver, client, author, run]);

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
    reopen,
    confirming,
    cancelConfirm: () => setConfirmingId(null),
    editByHand,
    busy,
    busyNow: () => busyRef.current,
    afterDecisions: (fn: () => void) => {
      if (busyRef.current) void run(async () => fn());
      else fn();
    },
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
