/**
 * The layers the editor can compare: the mask being edited, any revision of the image, and a model
 * set's cached prediction (its arg-max, `prediction:get`). Ids are strings so a select can hold them.
 */
import type { ModelSetRecord } from '../../../../shared/api/methods-models';
import type { RevisionSummary } from '../../../../shared/api/types';
import { decodeMask } from '../../../../shared/mask/codec';
import type { RendererClient } from '../../api/client';

export type LayerId = 'mask' | `rev:${number}` | `model:${number}`;

export interface LayerOption {
  id: LayerId;
  label: string;
}

export function layerOptions(revisions: readonly RevisionSummary[], sets: readonly ModelSetRecord[]): LayerOption[] {
  return [
    { id: 'mask', label: 'Current mask (editing)' },
    ...revisions.map((r) => ({ id: `rev:${r.id}` as const, label: `#${r.id} ${r.kind} · ${r.author}` })),
    ...sets.map((s) => ({ id: `model:${s.id}` as const, label: `Model: ${s.name} (cached prediction)` })),
  ];
}

export function layerLabel(id: LayerId, options: readonly LayerOption[]): string {
  return options.find((o) => o.id === id)?.label ?? id;
}

/** A layer's index map (w×h), fetched; 'mask' is the caller's (it changes while editing). */
export async function loadLayer(client: RendererClient, imageId: number, id: Exclude<LayerId, 'mask'>, w: number, h: number): Promise<Uint8Array> {
  const [kind, n] = id.split(':') as ['rev' | 'model', string];
  const num = Number(n);
  const data =
    kind === 'rev'
      ? decodeMask(await client.call('revision:mask', { revisionId: num }))
      : decodeMask((await client.call('prediction:get', { imageId, modelSetId: num })).labels);
  if (data.length !== w * h) throw new Error(`layer ${id} is not ${w}×${h} (${data.length} pixels)`);
  return data;
}
