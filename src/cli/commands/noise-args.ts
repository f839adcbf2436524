/** Option parsing shared by `parsel scan`, `parsel flags` and `parsel export-probs`. */
import type { ParselApi } from '../../shared/api/contract';
import { ParselError } from '../../shared/api/errors';
import type { NoiseSelection } from '../../shared/api/methods-noise';
import { IMAGE_STATUSES, type ImageStatus } from '../../shared/api/types';
import { UsageError, type ParsedArgs } from '../command';

export function listOpt(args: ParsedArgs, name: string): string[] | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  const items = String(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${name} needs at least one value`);
  return items;
}

export function numberOpt(args: ParsedArgs, name: string, min: number, max: number, integer: boolean): number | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} ${min}-${max}, got "${v}"`);
  }
  return n;
}

/** `--ids`, `--status`, `--split`, `--source` → a noise selection. */
export function selectionFromArgs(args: ParsedArgs): NoiseSelection {
  const sel: NoiseSelection = {};
  const ids = listOpt(args, 'ids');
  if (ids) {
    sel.imageIds = ids.map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--ids: "${s}" is not an image id`);
      return n;
    });
  }
  const status = listOpt(args, 'status');
  if (status) {
    for (const s of status) if (!(IMAGE_STATUSES as readonly string[]).includes(s)) throw new UsageError(`--status: unknown value "${s}"; known: ${IMAGE_STATUSES.join(', ')}`);
    sel.status = status as ImageStatus[];
  }
  sel.split = listOpt(args, 'split');
  sel.source = listOpt(args, 'source');
  if (!sel.split) delete sel.split;
  if (!sel.source) delete sel.source;
  return sel;
}

export const SELECTION_OPTIONS = {
  ids: { flag: false, help: 'only these image ids (comma-separated)' },
  status: { flag: false, help: `only these statuses: ${IMAGE_STATUSES.join(', ')}` },
  split: { flag: false, help: 'only these stored splits ("none" = no split)' },
  source: { flag: false, help: 'only these sources ("none" = no source)' },
} as const;

/** `--model-set` as an id, or a name looked up with modelSet:list. */
export async function resolveModelSet(api: ParselApi, args: ParsedArgs): Promise<number> {
  const v = args.options['model-set'];
  if (v === undefined || v === true) throw new UsageError('--model-set <name|id> is required');
  const s = String(v).trim();
  if (/^\d+$/.test(s)) return Number(s);
  const sets = await api.call('modelSet:list', {});
  const hit = sets.find((m) => m.name === s);
  if (!hit) {
    throw new ParselError('NOT_FOUND', `no model set named "${s}"; model sets: ${sets.map((m) => `${m.name} (${m.id})`).join(', ') || 'none (create one with parsel models)'}`);
  }
  return hit.id;
}
