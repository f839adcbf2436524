export {
  CANONICAL_NAMES,
  GROUP_OF,
  IGNORE_COLOR,
  SCHEMAS,
  CELEBAMASK_HQ_A,
  CELEBAMASK_HQ_B,
  CELEBAMASK_HQ_C,
  LAPA_11,
  HELEN_11,
  IBUGMASK_11,
  FACESYNTHETICS,
  getSchema,
  findClass,
  paletteLut,
  flipPartnerLut,
  checkMaskValues,
} from './schemas';
export type { CanonicalName, MaskValueReport } from './schemas';
