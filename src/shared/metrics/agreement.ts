/**
 * Agreement between two label maps, per image and over a selection, with the dataset conventions of
 * FORMATS.md. Use `agreement` for one pair; for a selection use `AgreementAccumulator`, which sums ONE
 * confusion matrix over every image (the convention) and can also keep the per-image summaries.
 */
import type { LabelSchema } from '../api/types';
import {
  ConfusionMatrix,
  DEFAULT_IGNORE,
  helenOverallGroup,
  groupF1,
  meanF1,
  meanIoU,
  perClassF1,
  perClassIoU,
} from './confusion';

export interface AgreementOptions {
  /** Class count K (default: the schema's class count, else 256 − 1). */
  k?: number;
  /** Ignore value dropped from both maps (default the schema's ignoreIndex, else 255). */
  ignore?: number | null;
  /** Background index excluded from mean F1 (default 0; null = include every class). */
  background?: number | null;
  /** Classes merged for the Helen overall F1 (default: brows/eyes/nose/mouth of `schema` by name). */
  helenGroup?: readonly number[];
}

export interface AgreementSummary {
  /** Pixels compared (neither map ignore, both < K). */
  pixels: number;
  /** Per-class F1 and IoU (NaN = class absent from both maps). */
  f1: number[];
  iou: number[];
  /** Mean F1 without background. */
  meanF1: number;
  /** mIoU over all classes including background. */
  mIoU: number;
  /** Helen overall F1 over the merged group; NaN when the schema has none of its classes. */
  helenOverallF1: number;
  /** Fraction of compared pixels where the maps agree. */
  pixelAccuracy: number;
}

interface Resolved {
  k: number;
  ignore: number | null;
  background: number | null;
  group: readonly number[];
}

function resolve(schema: LabelSchema | null, opts: AgreementOptions): Resolved {
  const k = opts.k ?? (schema ? schema.classes.length : 255);
  const ignore = opts.ignore !== undefined ? opts.ignore : schema ? (schema.ignoreIndex ?? DEFAULT_IGNORE) : DEFAULT_IGNORE;
  const background = opts.background !== undefined ? opts.background : 0;
  const group = opts.helenGroup ?? (schema ? helenOverallGroup(schema) : []);
  return { k, ignore, background, group };
}

/** The summary of an accumulated matrix. */
export function summarize(cm: ConfusionMatrix, background: number | null, group: readonly number[]): AgreementSummary {
  const pixels = cm.total();
  let diag = 0;
  for (let c = 0; c < cm.k; c++) diag += cm.m[c * cm.k + c];
  return {
    pixels,
    f1: Array.from(perClassF1(cm)),
    iou: Array.from(perClassIoU(cm)),
    meanF1: meanF1(cm, background),
    mIoU: meanIoU(cm),
    helenOverallF1: group.length ? groupF1(cm, group) : NaN,
    pixelAccuracy: pixels === 0 ? NaN : diag / pixels,
  };
}

/** Agreement of one pair of maps (`reference` = rows, e.g. the human labels). */
export function agreement(
  reference: Uint8Array,
  other: Uint8Array,
  schema: LabelSchema | null,
  opts: AgreementOptions = {},
): AgreementSummary {
  const r = resolve(schema, opts);
  const cm = new ConfusionMatrix(r.k).add(reference, other, r.ignore);
  return summarize(cm, r.background, r.group);
}

/** Sums one confusion matrix over a selection; optionally keeps the per-image summaries. */
export class AgreementAccumulator {
  readonly cm: ConfusionMatrix;
  readonly perImage: { id: string; summary: AgreementSummary }[] = [];
  images = 0;
  private readonly r: Resolved;
  private readonly keepPerImage: boolean;

  constructor(schema: LabelSchema | null, opts: AgreementOptions & { keepPerImage?: boolean } = {}) {
    this.r = resolve(schema, opts);
    this.keepPerImage = opts.keepPerImage ?? false;
    this.cm = new ConfusionMatrix(this.r.k);
  }

  add(reference: Uint8Array, other: Uint8Array, id = String(this.images)): void {
    const one = new ConfusionMatrix(this.r.k).add(reference, other, this.r.ignore);
    this.cm.merge(one);
    this.images++;
    if (this.keepPerImage) this.perImage.push({ id, summary: summarize(one, this.r.background, this.r.group) });
  }

  /** Figures over the whole selection (from the summed matrix). */
  result(): AgreementSummary {
    return summarize(this.cm, this.r.background, this.r.group);
  }
}
