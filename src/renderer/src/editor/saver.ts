/**
 * Autosave of the open mask as one editing session (`revision:sessionSave`, docs/ARCHITECTURE.md
 * "Revisions"): after `delay` ms without edits the mask is written into the session's *working*
 * revision, rewritten in place by later autosaves; leaving the image (`end`) or an explicit save
 * (`save`, optionally with a message) makes it final, and the next edit starts a new revision. A mask
 * equal to its parent writes nothing. Saves name their parent (the revision the editor loaded or last
 * saved, its own working revision included); when the head moved meanwhile the backend answers
 * CONFLICT, nothing is overwritten and the saver stops in the `conflict` state until the user chooses:
 * - keep mine: my mask is saved on top of their head (theirs stays in the history);
 * - take theirs: my mask is saved *detached* on my parent (kept in the history, can be reverted to),
 *   then their mask replaces mine in the editor as one undoable step.
 * Either way no stroke is lost.
 */
import type { RendererClient } from '../api/client';
import type { RevisionSummary, SessionSaveResult } from '../../../shared/api/types';
import { encodeMask } from '../../../shared/mask/codec';
import type { EditorCore } from './core';

export type SaveState =
  | { kind: 'saved'; revisionId: number | null }
  | { kind: 'dirty' }
  | { kind: 'saving' }
  | { kind: 'conflict'; headRevisionId: number | null }
  | { kind: 'error'; message: string };

function errInfo(err: unknown): { code: string | null; message: string; details: unknown } {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : null,
    message: typeof e.message === 'string' ? e.message : String(err),
    details: e.details,
  };
}

export class Saver {
  /** The revision the editor's mask descends from (the parent of the next save). */
  base: number | null;
  state: SaveState;
  delay: number;
  author: string;
  onState: (s: SaveState) => void = () => undefined;
  /** Told about every save this saver made (the revision panel refreshes). */
  onSaved: (r: SessionSaveResult) => void = () => undefined;
  /** The editing session's token: this saver's saves rewrite one working revision until it ends. */
  readonly session: string;
  /** A working revision of this session may be open (a save since the last end). */
  private open = false;

  /** Note of the next save, then cleared (why the mask changed: e.g. an undone flag accept). */
  nextNote: string | null = null;

  private savedVersion: number;
  private held = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inflight: Promise<void> | null = null;
  private disposed = false;

  constructor(
    private readonly client: RendererClient,
    private readonly imageId: number,
    private readonly core: EditorCore,
    base: number | null,
    opts: { delay: number; author: string; session?: string },
  ) {
    this.base = base;
    this.savedVersion = core.version;
    this.state = { kind: 'saved', revisionId: base };
    this.delay = opts.delay;
    this.author = opts.author;
    this.session = opts.session ?? newSessionId();
  }

  get unsaved(): boolean {
    return this.core.version !== this.savedVersion;
  }

  private set(s: SaveState): void {
    this.state = s;
    this.onState(s);
  }

  /** The mask changed: (re)start the idle timer. */
  changed(): void {
    if (this.state.kind === 'conflict') return;
    if (this.unsaved && this.state.kind !== 'saving') this.set({ kind: 'dirty' });
    else if (!this.unsaved && this.state.kind === 'dirty') this.set({ kind: 'saved', revisionId: this.base });
    this.arm(this.delay);
  }

  /**
   * Keeps the idle timer from saving until the returned release is called (a flag decision that will
   * write this very mask as a revision is on its way); release re-arms the timer.
   */
  hold(): () => void {
    this.held++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.held--;
      if (this.held === 0 && this.unsaved && !this.disposed) this.arm(this.delay);
    };
  }

  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.held > 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
  }

  /** Saves now if anything is unsaved (into the session's working revision). Resolves true when the mask is saved, false on conflict/error. */
  async flush(): Promise<boolean> {
    return this.write(false, null);
  }

  /**
   * Explicit save: the mask becomes a finished revision now, with `message` added to its note; the next
   * edit starts a new revision. Resolves the save's result (outcome `unchanged` or `discarded`: the
   * mask equals its parent, nothing was written), or null on conflict/error.
   */
  async save(message: string | null = null): Promise<SessionSaveResult | null> {
    const note = message?.trim() ? message.trim() : null;
    this.last = null;
    if (!(await this.write(true, note))) return null;
    // Nothing was sent (no edit since the last finished revision): nothing to write.
    return this.last ?? { outcome: 'unchanged', revision: null, headRevisionId: this.base };
  }

  /**
   * The session ends (the image is left): unsaved edits are saved and the working revision becomes
   * final. Resolves false on conflict/error (then nothing ended).
   */
  async end(): Promise<boolean> {
    if (this.unsaved || this.state.kind === 'conflict') return this.write(true, null);
    while (this.inflight) await this.inflight;
    if (!this.open) return true;
    try {
      const r = await this.client.call('revision:finish', { imageId: this.imageId, session: this.session });
      this.open = false;
      this.last = r;
      this.onSaved(r);
      return true;
    } catch (err) {
      this.set({ kind: 'error', message: errInfo(err).message });
      return false;
    }
  }

  /** The result of the latest save or end. */
  last: SessionSaveResult | null = null;

  private async write(finish: boolean, message: string | null): Promise<boolean> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.inflight) await this.inflight;
    if (this.state.kind === 'conflict') return false;
    // Nothing unsaved: an autosave has nothing to do; an explicit save still ends the working revision.
    if (!this.unsaved && !(finish && (this.open || message !== null))) return true;
    this.inflight = this.send(finish, message).finally(() => {
      this.inflight = null;
    });
    await this.inflight;
    return !this.unsaved && this.state.kind === 'saved';
  }

  private async send(finish: boolean, message: string | null): Promise<void> {
    const version = this.core.version;
    const { width, height, data } = this.core.mask;
    const mask = encodeMask(data, width, height);
    const note = [this.nextNote, message].filter((x): x is string => x !== null).join('\n') || null;
    const nextNote = this.nextNote;
    this.set({ kind: 'saving' });
    try {
      const res = await this.client.call('revision:sessionSave', {
        imageId: this.imageId,
        parentId: this.base,
        session: this.session,
        author: this.author,
        mask,
        ...(note !== null && { note }),
        ...(finish && { finish: true }),
      });
      if (this.nextNote === nextNote) this.nextNote = null;
      this.base = res.headRevisionId;
      this.savedVersion = version;
      this.open = !finish && res.revision?.state === 'working';
      this.last = res;
      this.onSaved(res);
      if (this.disposed) return;
      if (this.unsaved) {
        this.set({ kind: 'dirty' });
        this.arm(this.delay);
      } else this.set({ kind: 'saved', revisionId: res.headRevisionId });
    } catch (err) {
      const e = errInfo(err);
      if (e.code === 'CONFLICT') {
        const head = (e.details as { headRevisionId?: number | null } | undefined)?.headRevisionId ?? null;
        this.set({ kind: 'conflict', headRevisionId: head });
        return;
      }
      this.set({ kind: 'error', message: e.message });
      if (!this.disposed) this.arm(5000); // retry; the edits stay in memory meanwhile
    }
  }

  /** Conflict → keep mine: my mask as a new revision on top of their head. */
  async keepMine(headRevisionId: number | null): Promise<void> {
    this.base = headRevisionId;
    this.open = false; // their save went on top of ours: our working revision (if any) is final
    this.set({ kind: 'dirty' });
    this.savedVersion = -1; // force a save even if nothing changed since
    await this.flush();
  }

  /**
   * Conflict → take theirs: my mask is saved detached on my parent (kept in the history), then their
   * mask is loaded into the editor as one undoable step.
   */
  async takeTheirs(headRevisionId: number | null, theirs: Uint8Array): Promise<RevisionSummary | null> {
    const { width, height, data } = this.core.mask;
    let aside: RevisionSummary | null = null;
    if (this.unsaved) {
      aside = await this.client.call('revision:save', {
        imageId: this.imageId,
        parentId: this.base,
        kind: 'human',
        author: this.author,
        note: `set aside in a conflict: head had moved to #${headRevisionId ?? 'none'}; the editor took that version`,
        mask: encodeMask(data, width, height),
        detached: true,
      });
      this.onSaved({ outcome: 'created', revision: aside, headRevisionId: headRevisionId });
    }
    this.core.replace(theirs);
    this.base = headRevisionId;
    this.open = false;
    this.savedVersion = this.core.version;
    this.set({ kind: 'saved', revisionId: headRevisionId });
    return aside;
  }

  /** After a revert or other save done outside the saver: the mask now equals revision `id` (which ended any working revision of ours). */
  adopt(id: number): void {
    this.base = id;
    this.open = false;
    this.savedVersion = this.core.version;
    this.set({ kind: 'saved', revisionId: id });
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** A random token naming one editing session (crypto.randomUUID where the page has it). */
export function newSessionId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string; getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < b.length; i++) b[i] = Math.floor(Math.random() * 256);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
