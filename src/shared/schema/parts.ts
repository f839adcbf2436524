/**
 * Canonical face-part names -> schema indices: the rule by which a part is labelled in a schema that
 * has it or lacks it. The synthetic generator paints with it; model-set class remapping
 * (shared/models/prob-remap.ts) follows the same rule.
 *
 * Each part is looked up in the schema by `LabelClass.name`.
 * A part the schema lacks is painted with the class an annotator of that dataset would use:
 *
 *   part missing            painted as                      why
 *   ----------------------  ------------------------------  -------------------------------------------
 *   nose, brows, eyes, lips skin                            (every built-in schema has them)
 *   mouth (inner)           l_lip, else skin
 *   l_ear / r_ear           background                      LaPa/Helen/iBugMask do not label ears
 *   neck, cloth             background                      LaPa/Helen/iBugMask: "face skin excludes neck"
 *   hat                     background                      a hat is not hair; annotators leave it out
 *   eye_g (glasses)         the class beneath               frames and lenses are see-through for labels:
 *                                                           the eye / skin / brow under them stays
 *   ear_r, neck_l           the class beneath               small jewellery is painted through
 *   hair                    background
 *   anything else           background
 *
 * "The class beneath" is returned as -1 (BENEATH): the rasteriser then keeps the mask value and only
 * changes the image.
 */
import type { LabelSchema } from '../api/types';
import { CANONICAL_NAMES, type CanonicalName } from './schemas';

/** The parts the generator draws: every canonical name but the two no generated face has (beard, facewear), in canonical order. */
export type Part = Exclude<CanonicalName, 'beard' | 'facewear'>;
export const PARTS: readonly Part[] = CANONICAL_NAMES.filter((n): n is Part => n !== 'beard' && n !== 'facewear');

export const BENEATH = -1;

const FALLBACK: Record<Part, Part | 'beneath'> = {
  background: 'background',
  skin: 'background',
  nose: 'skin',
  eye_g: 'beneath',
  l_eye: 'skin',
  r_eye: 'skin',
  l_brow: 'skin',
  r_brow: 'skin',
  l_ear: 'background',
  r_ear: 'background',
  mouth: 'l_lip',
  u_lip: 'skin',
  l_lip: 'skin',
  hair: 'background',
  hat: 'background',
  ear_r: 'beneath',
  neck_l: 'beneath',
  neck: 'background',
  cloth: 'background',
};

/**
 * Schemas whose convention labels transparent (clear) lenses as the class behind them and only frames
 * and opaque lenses as glasses (FaceSynthetics README).
 */
const CLEAR_LENS_IS_BENEATH = new Set(['facesynthetics']);

export interface LabelMap {
  /** Mask value per part, or BENEATH. */
  of: Record<Part, number>;
  /** Whether the schema has a class for the part itself (no fallback). */
  has: Record<Part, boolean>;
  /** Label of a clear (see-through) lens. */
  clearLens: number;
  /**
   * True when eyes seen through a clear lens keep their eye label: in CelebAMask-HQ the binary part
   * masks are merged in index order (later wins), so an eye with a higher index than eye_g (order A)
   * shows through the glasses, while in orders B and C the glasses cover the eyes.
   */
  eyesOverLens: boolean;
}

export function resolveLabels(schema: LabelSchema): LabelMap {
  const byName = new Map<string, number>();
  for (const c of schema.classes) if (!byName.has(c.name)) byName.set(c.name, c.index);
  const has = {} as Record<Part, boolean>;
  const of = {} as Record<Part, number>;
  for (const p of PARTS) has[p] = byName.has(p);
  const resolve = (p: Part, depth: number): number => {
    const idx = byName.get(p);
    if (idx !== undefined) return idx;
    if (p === 'background') return 0;
    if (depth > 8) return byName.get('background') ?? 0;
    const f = FALLBACK[p];
    return f === 'beneath' ? BENEATH : resolve(f, depth + 1);
  };
  for (const p of PARTS) of[p] = resolve(p, 0);
  const clearLens = CLEAR_LENS_IS_BENEATH.has(schema.id) ? BENEATH : of.eye_g;
  const eyesOverLens =
    has.eye_g && clearLens !== BENEATH && has.l_eye && has.r_eye && of.l_eye > of.eye_g && of.r_eye > of.eye_g;
  return { of, has, clearLens, eyesOverLens };
}
