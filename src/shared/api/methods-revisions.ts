/**
 * Editing sessions (issue 13): the editor autosaves into one *working* revision per session, rewritten
 * in place, and ends it when the image is left, on an explicit save (with an optional message) or when
 * the project's idle time passed. Rules: docs/ARCHITECTURE.md, "Revisions". `revision:save` stays the
 * one-shot write of a final revision (CLI, conflict resolution, tools).
 */
import { z } from 'zod';
import { method } from './define';
import { encodedMaskSchema } from './mask-schema';
import type { SessionSaveResult } from './types';

export interface RevisionSettings {
  /** A session's working revision not autosaved for this long ends; the next edit starts a new revision. */
  sessionIdleMinutes: number;
}

export const DEFAULT_REVISION_SETTINGS: RevisionSettings = { sessionIdleMinutes: 5 };

const id = z.number().int().positive();
/** An opaque token the editor makes per image it opens (e.g. a random UUID). */
const session = z.string().trim().min(8, 'session must be at least 8 characters').max(100);
const idleMinutes = z.number().min(0.1).max(24 * 60);

export const revisionMethods = {
  /**
   * Autosave (finish false) or explicit save (finish true) of an editing session. CONFLICT (nothing
   * written) when the image's head is not `parentId`.
   */
  'revision:sessionSave': method<SessionSaveResult>()(
    z
      .object({
        imageId: id,
        parentId: id.nullable(),
        session,
        author: z.string().trim().min(1, 'author must not be empty').max(200),
        mask: encodedMaskSchema,
        /** Added to the revision's note: the save message, or why the mask changed. */
        note: z.string().max(10000).nullable().default(null),
        finish: z.boolean().default(false),
      })
      .strict(),
  ),
  /** Ends the session's working revision on the image (it becomes final); nothing when there is none. */
  'revision:finish': method<SessionSaveResult>()(z.object({ imageId: id, session }).strict()),
  'revision:settings': method<RevisionSettings>()(z.object({}).strict()),
  'revision:setSettings': method<RevisionSettings>()(z.object({ sessionIdleMinutes: idleMinutes.optional() }).strict()),
} as const;
