/**
 * One image's editing session, outside the canvas: loading the image, its head mask and history;
 * the autosave (saver.ts) and its state; a conflict with a revision saved elsewhere (keep mine / take
 * theirs); revert to an older revision; the image's status; and leaving (which saves first).
 *
 * Saving rules live in saver.ts: idle autosave after `settings.autosaveMs`, a save on leaving the
 * image (`leave`, unmount, page hide), and a conflict when the head moved under us.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ImageDetail, RevisionSummary } from '../../../shared/api/types';
import { decodeMask, encodeMask } from '../../../shared/mask/codec';
import type { Settings } from '../../../shared/settings';
import type { RendererClient } from '../api/client';
import { toShownError, type ShownError } from '../views/common';
import { EditorCore } from './core';
import type { ConflictInfo } from './panels/ConflictDialog';
import { Saver, type SaveState } from './saver';
import { loadSettings } from './settingsStore';
import { maskDiff } from './tools';

export type Loaded =
  | { kind: 'loading' }
  | { kind: 'ready'; core: EditorCore; saver: Saver; created: boolean }
  | { kind: 'error'; error: ShownError };

export interface HistoryInfo {
  undo: number;
  redo: number;
  bytes: number;
}

export interface EditorSession {
  detail: ImageDetail | null;
  img: HTMLImageElement | null;
  loaded: Loaded;
  core: EditorCore | null;
  saver: Saver | null;
  revisions: RevisionSummary[];
  refreshRevisions(): void;
  saveState: SaveState;
  history: HistoryInfo;
  /** An error to show over the stage (load failure, failed call). */
  error: ShownError | null;
  setError(e: ShownError | null): void;
  /** A passing message (auto-dismissed). */
  notice: string | null;
  setNotice(n: string | null): void;
  conflict: ConflictInfo | null;
  conflictBusy: boolean;
  conflictError: ShownError | null;
  resolveConflict(choice: 'mine' | 'theirs'): Promise<void>;
  /** Saves A's mask as a new revision on top of the head (after saving pending edits). */
  revert(id: number): Promise<void>;
  revBusy: boolean;
  setRevBusy(b: boolean): void;
  fetchMask(id: number): Promise<Uint8Array>;
  setStatus(status: 'in_progress' | 'done'): Promise<void>;
  /** Mark done / in progress from the latest requested status (two quick presses toggle twice). */
  toggleDone(): void;
  /** Saves what is unsaved, then runs `then`; on failure shows why and stays. */
  leave(then: () => void): Promise<void>;
}

export function useEditorSession(client: RendererClient, imageId: number, settings: Settings): EditorSession {
  const [detail, setDetail] = useState<ImageDetail | null>(null);
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [error, setError] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [revisions, setRevisions] = useState<RevisionSummary[]>([]);
  const [saveState, setSaveState] = useState<SaveState>({ kind: 'saved', revisionId: null });
  const [history, setHistory] = useState<HistoryInfo>({ undo: 0, redo: 0, bytes: 0 });
  const [conflict, setConflict] = useState<ConflictInfo | null>(null);
  const [conflictBusy, setConflictBusy] = useState(false);
  const [conflictError, setConflictError] = useState<ShownError | null>(null);
  const [revBusy, setRevBusy] = useState(false);

  const core = loaded.kind === 'ready' ? loaded.core : null;
  const saver = loaded.kind === 'ready' ? loaded.saver : null;
  const live = useRef({ core, saver });
  useLayoutEffect(() => {
    live.current = { core, saver };
  });

  /** The image's status as last set or loaded; read by the toggle shortcut (see setStatus). */
  const statusRef = useRef<ImageDetail['status'] | null>(null);
  const detailStatus = detail?.status ?? null;
  useLayoutEffect(() => {
    statusRef.current = detailStatus;
  }, [detailStatus]);

  // ---- loading -------------------------------------------------------------------------------
  useEffect(() => {
    let cancelled = false;
    let made: { core: EditorCore; saver: Saver } | null = null;
    (async () => {
      try {
        const [d, st] = await Promise.all([client.call('image:get', { id: imageId }), loadSettings(client)]);
        if (cancelled) return;
        setDetail(d);
        const imgEl = new Image();
        imgEl.decoding = 'async';
        imgEl.src = client.mediaUrl('image', imageId);
        const maskP = (async () => {
          const revs = await client.call('revision:list', { imageId });
          if (d.headRevisionId === null) return { data: new Uint8Array(d.width * d.height), revs, created: true };
          const payload = await client.call('revision:mask', { revisionId: d.headRevisionId });
          if (payload.width !== d.width || payload.height !== d.height) {
            throw new Error(`the head mask is ${payload.width}×${payload.height} but the image is ${d.width}×${d.height}`);
          }
          return { data: decodeMask(payload), revs, created: false };
        })();
        await imgEl.decode().catch(() => {
          throw new Error(`the image could not be loaded (${d.path})`);
        });
        const m = await maskP;
        if (cancelled) return;
        const c = new EditorCore(d.width, d.height, m.data);
        const s = new Saver(client, imageId, c, d.headRevisionId, { delay: st.autosaveMs, author: st.authorName });
        made = { core: c, saver: s };
        setImg(imgEl);
        setRevisions(m.revs);
        setLoaded({ kind: 'ready', core: c, saver: s, created: m.created });
      } catch (err) {
        if (!cancelled) {
          setError(toShownError(err));
          setLoaded({ kind: 'error', error: toShownError(err) });
        }
      }
    })();
    return () => {
      cancelled = true;
      // Leaving the image: whatever is unsaved is saved (navigation paths already awaited this).
      if (made) {
        const { core: c, saver: s } = made;
        void s.flush().finally(() => {
          s.dispose();
          c.dispose();
        });
      }
    };
  }, [client, imageId]);

  // Closing or reloading the page: send what is unsaved (the WebSocket frame leaves before unload).
  useEffect(() => {
    if (!saver) return;
    const onHide = () => void saver.flush();
    window.addEventListener('pagehide', onHide);
    return () => window.removeEventListener('pagehide', onHide);
  }, [saver]);

  useEffect(() => {
    if (!saver) return;
    saver.delay = settings.autosaveMs;
    saver.author = settings.authorName;
  }, [saver, settings.autosaveMs, settings.authorName]);

  const refreshRevisions = useCallback(() => {
    client
      .call('revision:list', { imageId })
      .then(setRevisions)
      .catch(() => undefined);
    client
      .call('image:get', { id: imageId })
      .then(setDetail)
      .catch(() => undefined);
  }, [client, imageId]);

  // Another window or client saved this image: refresh the history (the conflict shows on our save).
  useEffect(
    () =>
      client.on('project:changed', (ev) => {
        if ((ev.reason === 'revision-saved' || ev.reason === 'status-changed') && ev.imageIds?.includes(imageId)) refreshRevisions();
      }),
    [client, imageId, refreshRevisions],
  );

  // ---- conflict ------------------------------------------------------------------------------------
  const openConflict = useCallback(
    (headRevisionId: number | null) => {
      setConflictError(null);
      setConflict({ headRevisionId, head: null, theirs: null, changed: null });
      (async () => {
        const [revs, payload] = await Promise.all([
          client.call('revision:list', { imageId }),
          headRevisionId === null ? Promise.resolve(null) : client.call('revision:mask', { revisionId: headRevisionId }),
        ]);
        setRevisions(revs);
        const c = live.current.core!;
        const theirs = payload ? decodeMask(payload) : new Uint8Array(c.mask.data.length);
        setConflict({
          headRevisionId,
          head: revs.find((r) => r.id === headRevisionId) ?? null,
          theirs,
          changed: maskDiff(c.mask.data, theirs, c.mask.width).count,
        });
      })().catch((err) => setConflictError(toShownError(err)));
    },
    [client, imageId],
  );

  // ---- core / saver wiring -------------------------------------------------------------------------
  useEffect(() => {
    if (!core || !saver) return;
    core.onChange = () => {
      saver.changed();
      setHistory({ undo: core.history.undoDepth, redo: core.history.redoDepth, bytes: core.history.bytes });
    };
    saver.onState = (s) => {
      setSaveState(s);
      if (s.kind === 'conflict') openConflict(s.headRevisionId);
    };
    saver.onSaved = () => refreshRevisions();
    setSaveState(saver.state);
  }, [core, saver, openConflict, refreshRevisions]);

  const resolveConflict = useCallback(
    async (choice: 'mine' | 'theirs') => {
      const s = live.current.saver;
      if (!s || !conflict) return;
      setConflictBusy(true);
      setConflictError(null);
      try {
        if (choice === 'mine') await s.keepMine(conflict.headRevisionId);
        else if (conflict.theirs) {
          const aside = await s.takeTheirs(conflict.headRevisionId, conflict.theirs);
          if (aside) setNotice(`Your version was kept in the history as #${aside.id} (Ctrl+Z also brings it back)`);
        }
        if (s.state.kind === 'conflict') openConflict(s.state.headRevisionId);
        else setConflict(null);
        refreshRevisions();
      } catch (err) {
        setConflictError(toShownError(err));
      } finally {
        setConflictBusy(false);
      }
    },
    [conflict, openConflict, refreshRevisions],
  );

  // ---- revert --------------------------------------------------------------------------------------
  const fetchMask = useCallback(async (id: number) => decodeMask(await client.call('revision:mask', { revisionId: id })), [client]);

  const revert = useCallback(
    async (id: number) => {
      const { core: c, saver: s } = live.current;
      if (!c || !s) return;
      setRevBusy(true);
      try {
        if (!(await s.flush())) throw new Error('the current edits could not be saved first; nothing was reverted');
        const old = await fetchMask(id);
        const rev = await client.call('revision:save', {
          imageId,
          parentId: s.base,
          kind: 'human',
          author: s.author,
          note: `revert to #${id}`,
          mask: encodeMask(old, c.mask.width, c.mask.height),
        });
        c.replace(old);
        s.adopt(rev.id);
        refreshRevisions();
        setNotice(`Reverted to #${id} as revision #${rev.id}`);
      } catch (err) {
        setError(toShownError(err));
      } finally {
        setRevBusy(false);
      }
    },
    [client, imageId, fetchMask, refreshRevisions],
  );

  // ---- status and leaving --------------------------------------------------------------------------
  const setStatus = useCallback(
    async (status: 'in_progress' | 'done') => {
      // The status the user asked for is the truth for the next keypress at once: a second Shift+D
      // pressed before React re-renders must toggle from this value, not from the stale detail.
      const previous = statusRef.current;
      statusRef.current = status;
      try {
        await live.current.saver?.flush();
        await client.call('image:setStatus', { ids: [imageId], status });
        setDetail((d) => (d ? { ...d, status } : d));
      } catch (err) {
        statusRef.current = previous;
        setError(toShownError(err));
      }
    },
    [client, imageId],
  );
  const toggleDone = useCallback(() => void setStatus(statusRef.current === 'done' ? 'in_progress' : 'done'), [setStatus]);

  const leave = useCallback(async (then: () => void) => {
    const s = live.current.saver;
    if (s && !(await s.flush())) {
      setNotice(s.state.kind === 'error' ? `Not saved: ${s.state.message}` : 'Resolve the conflict before leaving this image');
      return;
    }
    then();
  }, []);

  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice(null), 6000);
    return () => clearTimeout(t);
  }, [notice]);

  return {
    detail,
    img,
    loaded,
    core,
    saver,
    revisions,
    refreshRevisions,
    saveState,
    history,
    error,
    setError,
    notice,
    setNotice,
    conflict,
    conflictBusy,
    conflictError,
    resolveConflict,
    revert,
    revBusy,
    setRevBusy,
    fetchMask,
    setStatus,
    toggleDone,
    leave,
  };
}
