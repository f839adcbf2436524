/**
 * User settings (`settings:*`): author name for human revisions, keyboard shortcuts, brush defaults,
 * autosave delay. Stored as JSON in the user data folder (one file for the app, not per project).
 * `settings:set` takes a partial update; unknown keys are refused, and a shortcut map in which one
 * combo is bound to two actions is refused with the conflicts listed (INVALID_INPUT, details.conflicts).
 */
import { z } from 'zod';
import { method } from './define';
import type { Settings } from '../settings';

export type { Settings } from '../settings';

const combo = z.string().min(1).max(40);

export const settingsPatchSchema = z
  .object({
    authorName: z.string().trim().min(1, 'author name must not be empty').max(200).optional(),
    autosaveMs: z.number().int().min(200).max(600_000).optional(),
    brush: z
      .object({ size: z.number().int().min(1).max(500), shape: z.enum(['round', 'square']) })
      .strict()
      .optional(),
    /** Action → combos; replaces the stored overrides as a whole. An empty list unbinds the action. */
    shortcuts: z.record(z.string().min(1).max(40), z.array(combo).max(4)).optional(),
  })
  .strict();

export const settingsMethods = {
  'settings:get': method<Settings>()(z.object({}).strict()),
  'settings:set': method<Settings>()(settingsPatchSchema),
} as const;
