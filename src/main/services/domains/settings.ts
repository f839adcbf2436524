/**
 * Settings services: one JSON file (`settings.json`) in the user data folder. Reads never fail (a
 * missing or damaged file gives the defaults); writes are validated, then atomic (temp file + rename).
 */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import {
  DEFAULT_SETTINGS,
  findConflicts,
  isShortcutAction,
  normalizeCombo,
  resolveShortcuts,
  type Settings,
  type ShortcutMap,
} from '../../../shared/settings';
import type { DomainServices, ServiceContext } from '../context';

function merge(stored: Partial<Settings>): Settings {
  return {
    authorName: typeof stored.authorName === 'string' && stored.authorName.trim() ? stored.authorName : DEFAULT_SETTINGS.authorName,
    autosaveMs: typeof stored.autosaveMs === 'number' ? stored.autosaveMs : DEFAULT_SETTINGS.autosaveMs,
    brush: stored.brush && typeof stored.brush === 'object' ? { ...DEFAULT_SETTINGS.brush, ...stored.brush } : { ...DEFAULT_SETTINGS.brush },
    shortcuts: stored.shortcuts && typeof stored.shortcuts === 'object' ? stored.shortcuts : {},
  };
}

/** Normalises a shortcut override map; throws INVALID_INPUT naming unknown actions, bad combos, conflicts. */
export function checkShortcuts(overrides: ShortcutMap): ShortcutMap {
  const out: ShortcutMap = {};
  const problems: string[] = [];
  for (const [action, combos] of Object.entries(overrides)) {
    if (!isShortcutAction(action)) {
      problems.push(`unknown action "${action}"`);
      continue;
    }
    const list: string[] = [];
    for (const c of combos) {
      const n = normalizeCombo(c);
      if (n === null) problems.push(`"${c}" (for ${action}) is not a key combination`);
      else if (!list.includes(n)) list.push(n);
    }
    out[action] = list;
  }
  if (problems.length) throw new ParselError('INVALID_INPUT', `shortcuts: ${problems.join('; ')}`, { problems });
  const conflicts = findConflicts(resolveShortcuts(out));
  if (conflicts.length) {
    throw new ParselError(
      'INVALID_INPUT',
      `shortcuts: ${conflicts.map((c) => `${c.combo} is bound to ${c.actions.join(' and ')}`).join('; ')}`,
      { conflicts },
    );
  }
  return out;
}

export function settingsServices(ctx: ServiceContext): DomainServices<'settings:get' | 'settings:set'> {
  const file = resolve(ctx.opts.userDataDir, 'settings.json');
  let queue: Promise<unknown> = Promise.resolve();

  const read = async (): Promise<Settings> => {
    try {
      return merge(JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Settings>);
    } catch {
      return merge({});
    }
  };

  return {
    'settings:get': () => read(),
    'settings:set': (patch) => {
      // Serialised: two quick updates must not both start from the same old file.
      const run = queue.then(async () => {
        const cur = await read();
        const next: Settings = {
          authorName: patch.authorName?.trim() ?? cur.authorName,
          autosaveMs: patch.autosaveMs ?? cur.autosaveMs,
          brush: patch.brush ?? cur.brush,
          shortcuts: patch.shortcuts ? checkShortcuts(patch.shortcuts) : cur.shortcuts,
        };
        await fs.mkdir(dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
        await fs.writeFile(tmp, JSON.stringify(next, null, 2));
        await fs.rename(tmp, file);
        return next;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
