/** Shared argument parsing of `parsel agreement` and `parsel stats`: label sources and image selections. */
import type { LabelSource, MetricsSelection } from '../../shared/api/methods-metrics';
import { IMAGE_STATUSES, REVISION_KINDS, type ImageStatus, type RevisionKind } from '../../shared/api/types';
import { field, UsageError, type OptionTable, type ParsedArgs } from '../command';

export const SOURCE_HELP =
  "head | kind:<" + REVISION_KINDS.join('|') + "> | author:<name> | rev:<id,id,...> | model-set:<id>";

const ids = (s: string, what: string): number[] => {
  const xs = s.split(',').map((x) => x.trim()).filter(Boolean);
  if (xs.length === 0) throw new UsageError(`${what} needs at least one id`);
  return xs.map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what}: "${x}" is not a positive integer id`);
    return n;
  });
};

/** Parses a label source: head, kind:human, author:alice, rev:12,13, model-set:2. */
export function parseSource(text: string, opt: string): LabelSource {
  if (text === 'head') return 'head';
  const colon = text.indexOf(':');
  const key = colon > 0 ? text.slice(0, colon) : '';
  const val = text.slice(colon + 1).trim();
  if (colon > 0 && val !== '') {
    if (key === 'kind') {
      if (!(REVISION_KINDS as readonly string[]).includes(val)) throw new UsageError(`--${opt}: unknown revision kind "${val}"; known: ${REVISION_KINDS.join(', ')}`);
      return { kind: val as RevisionKind };
    }
    if (key === 'author') return { author: val };
    if (key === 'rev') return { revisionIds: ids(val, `--${opt} rev:`) };
    if (key === 'model-set') return { modelSet: ids(val, `--${opt} model-set:`)[0] };
  }
  throw new UsageError(`--${opt}: "${text}" is not a label source; use ${SOURCE_HELP}`);
}

const selectionField = (key: string) => field('metrics:stats', 'selection', key);

export const SELECTION_OPTIONS: OptionTable = {
  images: { type: 'string', as: 'numbers', schema: selectionField('imageIds'), help: 'only these image ids (comma-separated)' },
  status: { type: 'string', as: 'list', schema: selectionField('status'), help: `only these statuses: ${IMAGE_STATUSES.join(', ')}` },
  split: { type: 'string', as: 'list', schema: selectionField('split'), help: 'only these stored splits ("none" = no split)' },
  source: { type: 'string', as: 'list', schema: selectionField('source'), help: 'only these image sources ("none" = no source)' },
};

/** `--images`, `--status`, `--split`, `--source` (checked by the metrics selection schema) → a selection. */
export function selectionFromArgs(args: ParsedArgs): MetricsSelection {
  const v = args.values;
  return {
    ...(v.images !== undefined && { imageIds: v.images as number[] }),
    ...(v.status !== undefined && { status: v.status as ImageStatus[] }),
    ...(v.split !== undefined && { split: v.split as string[] }),
    ...(v.source !== undefined && { source: v.source as string[] }),
  };
}
