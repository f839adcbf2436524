/**
 * Label schemas of the face-parsing datasets Parsel imports and exports (see FORMATS.md).
 *
 * Indices are the datasets' own and are never "fixed" by name: left/right naming differs between
 * datasets and loaders, so every schema records its mirror partners explicitly. `name` is the
 * canonical part name shared by all schemas (remaps and the synthetic generator match on it);
 * `title` is the dataset's own spelling.
 *
 * Pure TypeScript: no Node, DOM or Electron imports.
 */
import type { LabelClass, LabelSchema, Rgb } from '../api/types';

/** Canonical part names shared by all schemas. */
export const CANONICAL_NAMES = [
  'background',
  'skin',
  'nose',
  'eye_g',
  'l_eye',
  'r_eye',
  'l_brow',
  'r_brow',
  'l_ear',
  'r_ear',
  'mouth',
  'u_lip',
  'l_lip',
  'hair',
  'hat',
  'ear_r',
  'neck_l',
  'neck',
  'cloth',
  'beard',
  'facewear',
] as const;
export type CanonicalName = (typeof CANONICAL_NAMES)[number];

/** Coarse group of each canonical name (used by metrics and the UI). */
export const GROUP_OF: Readonly<Record<CanonicalName, string>> = {
  background: 'background',
  skin: 'skin',
  nose: 'nose',
  eye_g: 'glasses',
  l_eye: 'eyes',
  r_eye: 'eyes',
  l_brow: 'brows',
  r_brow: 'brows',
  l_ear: 'ears',
  r_ear: 'ears',
  mouth: 'mouth',
  u_lip: 'mouth',
  l_lip: 'mouth',
  hair: 'hair',
  hat: 'accessories',
  ear_r: 'accessories',
  neck_l: 'accessories',
  neck: 'neck',
  cloth: 'cloth',
  beard: 'beard',
  facewear: 'accessories',
};

/** Mirror partner of each left/right canonical name. */
const MIRROR: Partial<Record<CanonicalName, CanonicalName>> = {
  l_eye: 'r_eye',
  r_eye: 'l_eye',
  l_brow: 'r_brow',
  r_brow: 'l_brow',
  l_ear: 'r_ear',
  r_ear: 'l_ear',
};

/** Grey used for the ignore index in palettes (no schema uses it for a class). */
export const IGNORE_COLOR: Rgb = [128, 128, 128];

type ClassDef = readonly [name: CanonicalName, title: string, color: Rgb];

/**
 * Builds a schema from its classes in index order (index = position). Partners are derived from the
 * canonical names (l_x <-> r_x) within the schema, so they are always between l_/r_ names.
 */
function build(
  meta: Omit<LabelSchema, 'classes' | 'ignoreIndex'> & { ignoreIndex?: number | null },
  defs: readonly ClassDef[],
): LabelSchema {
  const indexOf = new Map<string, number>();
  defs.forEach(([name], i) => {
    if (indexOf.has(name)) throw new Error(`schema ${meta.id}: duplicate class name ${name}`);
    indexOf.set(name, i);
  });
  const classes: LabelClass[] = defs.map(([name, title, color], index) => {
    const mirror = MIRROR[name];
    const partner = mirror !== undefined ? (indexOf.get(mirror) ?? null) : null;
    return { index, name, title, color, partner, group: GROUP_OF[name] };
  });
  // Frozen: these objects are shared by every caller; copy before changing.
  for (const c of classes) Object.freeze(c);
  return Object.freeze({
    id: meta.id,
    name: meta.name,
    description: meta.description,
    classes: Object.freeze(classes) as LabelClass[],
    ignoreIndex: meta.ignoreIndex ?? null,
    source: meta.source,
  });
}

/** CelebAMask-HQ official `g_color.py` palette, by part name (order A). */
const CELEBA_COLOR: Readonly<Record<CanonicalName, Rgb>> = {
  background: [0, 0, 0],
  skin: [204, 0, 0],
  nose: [76, 153, 0],
  eye_g: [204, 204, 0],
  l_eye: [51, 51, 255],
  r_eye: [204, 0, 204],
  l_brow: [0, 255, 255],
  r_brow: [255, 204, 204],
  l_ear: [102, 51, 0],
  r_ear: [255, 0, 0],
  mouth: [102, 204, 0],
  u_lip: [255, 255, 0],
  l_lip: [0, 0, 153],
  hair: [0, 0, 204],
  hat: [255, 51, 153],
  ear_r: [0, 204, 204],
  neck_l: [0, 51, 0],
  neck: [255, 153, 51],
  cloth: [0, 204, 0],
  // Not in CelebAMask-HQ; chosen to be distinct from all of the above and from IGNORE_COLOR.
  beard: [153, 102, 51],
  facewear: [153, 0, 255],
};

const A_ORDER: readonly CanonicalName[] = [
  'background',
  'skin',
  'nose',
  'eye_g',
  'l_eye',
  'r_eye',
  'l_brow',
  'r_brow',
  'l_ear',
  'r_ear',
  'mouth',
  'u_lip',
  'l_lip',
  'hair',
  'hat',
  'ear_r',
  'neck_l',
  'neck',
  'cloth',
];

export const CELEBAMASK_HQ_A: LabelSchema = build(
  {
    id: 'celebamask-hq-a',
    name: 'CelebAMask-HQ (order A, official)',
    description:
      'CelebAMask-HQ 19 classes in the official g_mask.py order (also used by DML-CSR): background 0, ' +
      'then the 18 part suffixes. Overlapping part masks are painted in index order, so the higher ' +
      'index wins (cloth beats neck, the eyes beat glasses).',
    source:
      'switchablenorms/CelebAMask-HQ face_parsing/Data_preprocessing/g_mask.py (order) and g_color.py (palette)',
  },
  A_ORDER.map((n): ClassDef => [n, n, CELEBA_COLOR[n]]),
);

const B_ORDER: readonly CanonicalName[] = [
  'background',
  'skin',
  'l_brow',
  'r_brow',
  'l_eye',
  'r_eye',
  'eye_g',
  'l_ear',
  'r_ear',
  'ear_r',
  'nose',
  'mouth',
  'u_lip',
  'l_lip',
  'neck',
  'neck_l',
  'cloth',
  'hair',
  'hat',
];

/** BiSeNet face-parsing.PyTorch `part_colors`, indices 0-18 (background black). */
const B_COLORS: readonly Rgb[] = [
  [0, 0, 0],
  [255, 85, 0],
  [255, 170, 0],
  [255, 0, 85],
  [255, 0, 170],
  [0, 255, 0],
  [85, 255, 0],
  [170, 255, 0],
  [0, 255, 85],
  [0, 255, 170],
  [0, 0, 255],
  [85, 0, 255],
  [170, 0, 255],
  [0, 85, 255],
  [0, 170, 255],
  [255, 255, 0],
  [255, 255, 85],
  [255, 255, 170],
  [255, 0, 255],
];

export const CELEBAMASK_HQ_B: LabelSchema = build(
  {
    id: 'celebamask-hq-b',
    name: 'CelebAMask-HQ (order B, BiSeNet)',
    description:
      'CelebAMask-HQ 19 classes in the order of zllrunning/face-parsing.PyTorch (`atts`), the order ' +
      'most public BiSeNet ONNX exports output. Higher index wins on overlap (hat beats hair, glasses ' +
      'beat the eyes).',
    source: 'zllrunning/face-parsing.PyTorch prepropess_data.py (atts) and test.py (part_colors)',
  },
  B_ORDER.map((n, i): ClassDef => [n, n, B_COLORS[i]]),
);

/** Order C with facer's label_names (FaRL swaps the side letters relative to the file suffixes). */
const C_DEFS: readonly (readonly [CanonicalName, string])[] = [
  ['background', 'background'],
  ['neck', 'neck'],
  ['skin', 'face'],
  ['cloth', 'cloth'],
  ['l_ear', 'rr'],
  ['r_ear', 'lr'],
  ['l_brow', 'rb'],
  ['r_brow', 'lb'],
  ['l_eye', 're'],
  ['r_eye', 'le'],
  ['nose', 'nose'],
  ['mouth', 'imouth'],
  ['l_lip', 'llip'],
  ['u_lip', 'ulip'],
  ['hair', 'hair'],
  ['eye_g', 'eyeg'],
  ['hat', 'hat'],
  ['ear_r', 'earr'],
  ['neck_l', 'neck_l'],
];

export const CELEBAMASK_HQ_C: LabelSchema = build(
  {
    id: 'celebamask-hq-c',
    name: 'CelebAMask-HQ (order C, FaRL/facer "celebm")',
    description:
      'CelebAMask-HQ 19 classes in the FaRL / facer "celebm" order. Canonical names follow the ' +
      'CelebAMask-HQ file suffix each index is loaded from; FaRL names the sides the other way round ' +
      '(index 4 is loaded from *_l_ear.png and called "rr" by facer), shown in the titles. Higher index ' +
      'wins on overlap (the necklace beats everything).',
    source:
      'FacePerceiver/FaRL celebamask_hq dataset (suffix order) and facer farl.py label_names. Palette: ' +
      'FORMATS.md gives none, so each part uses its CelebAMask-HQ g_color.py colour (same colours as order A).',
  },
  C_DEFS.map(([n, t]): ClassDef => [n, n === t ? t : `${n} (facer: ${t})`, CELEBA_COLOR[n]]),
);

/** LaPa-style 11 classes: names and LaPa titles in index order. */
const LAPA_DEFS: readonly (readonly [CanonicalName, string])[] = [
  ['background', 'background'],
  ['skin', 'skin'],
  ['l_brow', 'left eyebrow'],
  ['r_brow', 'right eyebrow'],
  ['l_eye', 'left eye'],
  ['r_eye', 'right eye'],
  ['nose', 'nose'],
  ['u_lip', 'upper lip'],
  ['mouth', 'inner mouth'],
  ['l_lip', 'lower lip'],
  ['hair', 'hair'],
];

const LAPA_COLORS: readonly Rgb[] = [
  [0, 0, 0],
  [0, 153, 255],
  [102, 255, 153],
  [0, 204, 153],
  [255, 255, 102],
  [255, 255, 204],
  [255, 153, 0],
  [255, 102, 255],
  [102, 0, 51],
  [255, 204, 255],
  [255, 0, 102],
];

/** hhj1897/face_parsing palette for Helen / iBugMask. */
const HELEN_COLORS: readonly Rgb[] = [
  [0, 0, 0],
  [255, 255, 0],
  [139, 76, 57],
  [139, 54, 38],
  [0, 205, 0],
  [0, 138, 0],
  [154, 50, 205],
  [72, 118, 255],
  [255, 165, 0],
  [0, 0, 139],
  [255, 0, 0],
];

export const LAPA_11: LabelSchema = build(
  {
    id: 'lapa-11',
    name: 'LaPa (11 classes)',
    description:
      'LaPa 11 classes: background, skin, left/right eyebrow, left/right eye, nose, upper lip, inner ' +
      'mouth, lower lip, hair. Single-channel index PNGs.',
    source: 'JDAI-CV/lapa-dataset labelmap.txt (classes) and colormap.txt (palette)',
  },
  LAPA_DEFS.map(([n, t], i): ClassDef => [n, t, LAPA_COLORS[i]]),
);

const HELEN_TITLES = [
  'background',
  'face skin',
  'left eyebrow',
  'right eyebrow',
  'left eye',
  'right eye',
  'nose',
  'upper lip',
  'inner mouth',
  'lower lip',
  'hair',
];

export const HELEN_11: LabelSchema = build(
  {
    id: 'helen-11',
    name: 'Helen (11 classes, Smith et al. 2013)',
    description:
      'Helen labels of Smith et al. 2013: one probability map per class (_lbl00 ... _lbl10), indexed by ' +
      'arg-max with ties to the lower index. Face skin excludes ears and neck. Same indices as LaPa.',
    source: 'SmithCVPR2013_dataset labels (classes); hhj1897/face_parsing (palette)',
  },
  LAPA_DEFS.map(([n], i): ClassDef => [n, HELEN_TITLES[i], HELEN_COLORS[i]]),
);

export const IBUGMASK_11: LabelSchema = build(
  {
    id: 'ibugmask-11',
    name: 'iBugMask (11 classes)',
    description:
      'iBugMask: LaPa indices, but skin covers the face AND the scalp (hair-covered skin is not ' +
      'separated from the face), unlike LaPa and Helen.',
    source: 'hhj1897/face_parsing (iBugMask release; classes and palette)',
  },
  LAPA_DEFS.map(([n, t], i): ClassDef => [n, i === 1 ? 'skin (face and scalp)' : t, HELEN_COLORS[i]]),
);

const FS_DEFS: readonly (readonly [CanonicalName, string])[] = [
  ['background', 'BACKGROUND'],
  ['skin', 'SKIN'],
  ['nose', 'NOSE'],
  ['r_eye', 'RIGHT_EYE'],
  ['l_eye', 'LEFT_EYE'],
  ['r_brow', 'RIGHT_BROW'],
  ['l_brow', 'LEFT_BROW'],
  ['r_ear', 'RIGHT_EAR'],
  ['l_ear', 'LEFT_EAR'],
  ['mouth', 'MOUTH_INTERIOR'],
  ['u_lip', 'TOP_LIP'],
  ['l_lip', 'BOTTOM_LIP'],
  ['neck', 'NECK'],
  ['hair', 'HAIR'],
  ['beard', 'BEARD'],
  ['cloth', 'CLOTHING'],
  ['eye_g', 'GLASSES'],
  ['hat', 'HEADWEAR'],
  ['facewear', 'FACEWEAR'],
];

export const FACESYNTHETICS: LabelSchema = build(
  {
    id: 'facesynthetics',
    name: 'FaceSynthetics (19 classes + ignore)',
    description:
      'Microsoft FaceSynthetics (Wood et al. 2021): classes 0-18 and 255 = IGNORE (e.g. brow pixels ' +
      'beyond the face outline). RIGHT precedes LEFT in this dataset; indices are kept as defined. ' +
      'Opaque lenses are GLASSES, transparent ones the class behind.',
    ignoreIndex: 255,
    source:
      'microsoft/FaceSynthetics README (classes). Palette: FORMATS.md gives none, so each part uses its ' +
      'CelebAMask-HQ g_color.py colour; BEARD and FACEWEAR got new distinct colours; IGNORE is grey.',
  },
  FS_DEFS.map(([n, t]): ClassDef => [n, t, CELEBA_COLOR[n]]),
);

/** All built-in schemas, in the order the UI lists them. */
export const SCHEMAS: readonly LabelSchema[] = [
  CELEBAMASK_HQ_A,
  CELEBAMASK_HQ_B,
  CELEBAMASK_HQ_C,
  LAPA_11,
  HELEN_11,
  IBUGMASK_11,
  FACESYNTHETICS,
];

const BY_ID = new Map(SCHEMAS.map((s) => [s.id, s]));

/** The schema with this id; throws an Error naming the id and listing the known ones. */
export function getSchema(id: string): LabelSchema {
  const s = BY_ID.get(id);
  if (!s) {
    throw new Error(`unknown label schema "${id}"; known schemas: ${SCHEMAS.map((x) => x.id).join(', ')}`);
  }
  return s;
}

/** The class with this canonical name in the schema, or undefined. */
export function findClass(schema: LabelSchema, name: string): LabelClass | undefined {
  return schema.classes.find((c) => c.name === name);
}

function packRgba(c: Rgb, alpha: number): number {
  // Little-endian Uint32 view of [r, g, b, a] bytes, as ImageData.data viewed through a Uint32Array
  // on little-endian hosts (every platform Electron supports).
  return ((alpha << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;
}

/**
 * 256-entry colour lookup table: RGBA packed little-endian (R in the low byte), alpha 255 for defined
 * classes and for the ignore index (grey), 0 (transparent black) for values the schema does not define.
 */
export function paletteLut(schema: LabelSchema): Uint32Array {
  const lut = new Uint32Array(256);
  for (const c of schema.classes) lut[c.index] = packRgba(c.color, 255);
  if (schema.ignoreIndex !== null) lut[schema.ignoreIndex] = packRgba(IGNORE_COLOR, 255);
  return lut;
}

/** 256-entry map from each index to its mirror partner (identity for everything else). */
export function flipPartnerLut(schema: LabelSchema): Uint8Array {
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = i;
  for (const c of schema.classes) if (c.partner !== null) lut[c.index] = c.partner;
  return lut;
}

export interface MaskValueReport {
  ok: boolean;
  /** Values not in the schema (and not its ignore index), ascending, with pixel count and first offset. */
  unknown: { value: number; count: number; firstIndex: number }[];
}

/** Finds the mask values the schema does not define (the ignore index counts as defined). */
export function checkMaskValues(mask: Uint8Array, schema: LabelSchema): MaskValueReport {
  const known = new Uint8Array(256);
  for (const c of schema.classes) known[c.index] = 1;
  if (schema.ignoreIndex !== null) known[schema.ignoreIndex] = 1;
  const hist = new Uint32Array(256);
  for (let i = 0; i < mask.length; i++) hist[mask[i]]++;
  const unknown: MaskValueReport['unknown'] = [];
  let pending = 0;
  for (let v = 0; v < 256; v++) {
    if (hist[v] > 0 && !known[v]) {
      unknown.push({ value: v, count: hist[v], firstIndex: -1 });
      pending++;
    }
  }
  if (pending > 0) {
    const slot = new Int16Array(256).fill(-1);
    unknown.forEach((u, k) => (slot[u.value] = k));
    for (let i = 0; i < mask.length && pending > 0; i++) {
      const k = slot[mask[i]];
      if (k >= 0 && unknown[k].firstIndex < 0) {
        unknown[k].firstIndex = i;
        pending--;
      }
    }
  }
  return { ok: unknown.length === 0, unknown };
}
