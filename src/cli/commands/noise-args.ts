/** Options shared by `parsel scan`, `parsel flags` and `parsel export-probs`. */
import type { ParselApi } from '../../shared/api/contract';
import { ParselError } from '../../shared/api/errors';
import type { NoiseSelection } from '../../shared/api/methods-noise';
import { IMAGE_STATUSES, type ImageStatus } from '../../shared/api/types';
import { field, UsageError, type OptionTable, type ParsedArgs } from '../command';

/** `--ids`, `--status`, `--split`, `--source` (checked by noise:scan's selection schema) → a noise selection. */
export function selectionFromArgs(args: ParsedArgs): NoiseSelection {
  const v = args.values;
  return {
    ...(v.ids !== undefined && { imageIds: v.ids as number[] }),
    ...(v.status !== undefined && { status: v.status as ImageStatus[] }),
    ...(v.split !== undefined && { split: v.split as string[] }),
    ...(v.source !== undefined && { source: v.source as string[] }),
  };
}

const selectionField = (key: string) => field('noise:scan', 'selection', key);

export const SELECTION_OPTIONS: OptionTable = {
  ids: { type: 'string', as: 'numbers', schema: selectionField('imageIds'), help: 'only these image ids (comma-separated)' },
  status: { type: 'string', as: 'list', schema: selectionField('status'), help: `only these statuses: ${IMAGE_STATUSES.join(', ')}` },
  split: { type: 'string', as: 'list', schema: selectionField('split'), help: 'only these stored splits ("none" = no split)' },
  source: { type: 'string', as: 'list', schema: selectionField('source'), help: 'only these sources ("none" = no source)' },
};

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
