import { describe, expect, it } from 'vitest';
import {
  SCHEMAS,
  checkMaskValues,
  findClass,
  flipPartnerLut,
  getSchema,
  paletteLut,
  CANONICAL_NAMES,
} from './index';

// FORMATS.md, CelebAMask-HQ index orders, written out independently of the implementation.
// Row = index 1..18: [A official g_mask.py, B BiSeNet atts, C FaRL celebm].
const CELEBA_TABLE: [string, string, string][] = [
  ['skin', 'skin', 'neck'],
  ['nose', 'l_brow', 'skin'],
  ['eye_g', 'r_brow', 'cloth'],
  ['l_eye', 'l_eye', 'l_ear'],
  ['r_eye', 'r_eye', 'r_ear'],
  ['l_brow', 'eye_g', 'l_brow'],
  ['r_brow', 'l_ear', 'r_brow'],
  ['l_ear', 'r_ear', 'l_eye'],
  ['r_ear', 'ear_r', 'r_eye'],
  ['mouth', 'nose', 'nose'],
  ['u_lip', 'mouth', 'mouth'],
  ['l_lip', 'u_lip', 'l_lip'],
  ['hair', 'l_lip', 'u_lip'],
  ['hat', 'neck', 'hair'],
  ['ear_r', 'neck_l', 'eye_g'],
  ['neck_l', 'cloth', 'hat'],
  ['neck', 'hair', 'ear_r'],
  ['cloth', 'hat', 'neck_l'],
];

function parsePalette(s: string): [number, number, number][] {
  return s.split(';').map((t) => t.trim().split(',').map(Number) as [number, number, number]);
}

// FORMATS.md palettes, copied as text.
const PALETTE_A = parsePalette(
  '0,0,0; 204,0,0; 76,153,0; 204,204,0; 51,51,255; 204,0,204; 0,255,255; 255,204,204; 102,51,0; 255,0,0; ' +
    '102,204,0; 255,255,0; 0,0,153; 0,0,204; 255,51,153; 0,204,204; 0,51,0; 255,153,51; 0,204,0',
);
const PALETTE_B = [
  [0, 0, 0],
  ...parsePalette(
    '255,85,0; 255,170,0; 255,0,85; 255,0,170; 0,255,0; 85,255,0; 170,255,0; 0,255,85; 0,255,170; 0,0,255; ' +
      '85,0,255; 170,0,255; 0,85,255; 0,170,255; 255,255,0; 255,255,85; 255,255,170; 255,0,255',
  ),
];
const PALETTE_LAPA = parsePalette(
  '0,0,0; 0,153,255; 102,255,153; 0,204,153; 255,255,102; 255,255,204; 255,153,0; 255,102,255; 102,0,51; ' +
    '255,204,255; 255,0,102',
);
const PALETTE_HELEN = parsePalette(
  '0,0,0; 255,255,0; 139,76,57; 139,54,38; 0,205,0; 0,138,0; 154,50,205; 72,118,255; 255,165,0; 0,0,139; 255,0,0',
);

const LAPA_NAMES = ['background', 'skin', 'l_brow', 'r_brow', 'l_eye', 'r_eye', 'nose', 'u_lip', 'mouth', 'l_lip', 'hair'];
const FS_TITLES = [
  'BACKGROUND', 'SKIN', 'NOSE', 'RIGHT_EYE', 'LEFT_EYE', 'RIGHT_BROW', 'LEFT_BROW', 'RIGHT_EAR', 'LEFT_EAR',
  'MOUTH_INTERIOR', 'TOP_LIP', 'BOTTOM_LIP', 'NECK', 'HAIR', 'BEARD', 'CLOTHING', 'GLASSES', 'HEADWEAR', 'FACEWEAR',
];
const FS_NAMES = [
  'background', 'skin', 'nose', 'r_eye', 'l_eye', 'r_brow', 'l_brow', 'r_ear', 'l_ear',
  'mouth', 'u_lip', 'l_lip', 'neck', 'hair', 'beard', 'cloth', 'eye_g', 'hat', 'facewear',
];

const SIDED = /^[lr]_(eye|brow|ear)$/;

const EXPECTED_IDS = [
  'celebamask-hq-a',
  'celebamask-hq-b',
  'celebamask-hq-c',
  'lapa-11',
  'helen-11',
  'ibugmask-11',
  'facesynthetics',
];

const names = (id: string) => getSchema(id).classes.map((c) => c.name);
const colors = (id: string) => getSchema(id).classes.map((c) => [...c.color]);

describe('schema set', () => {
  it('has exactly the expected ids', () => {
    expect(SCHEMAS.map((s) => s.id)).toEqual(EXPECTED_IDS);
  });

  it('getSchema throws naming the unknown id and listing known ids', () => {
    expect(() => getSchema('celeba-zz')).toThrow(/celeba-zz/);
    expect(() => getSchema('celeba-zz')).toThrow(/lapa-11/);
    expect(() => getSchema('celeba-zz')).toThrow(/facesynthetics/);
    expect(getSchema('lapa-11').id).toBe('lapa-11');
  });
});

describe.each(EXPECTED_IDS)('schema %s', (id) => {
  const s = getSchema(id);

  it('has contiguous indices from 0 and background at 0', () => {
    expect(s.classes.map((c) => c.index)).toEqual(s.classes.map((_, i) => i));
    expect(s.classes[0].name).toBe('background');
  });

  it('has unique canonical names from the vocabulary, titles and groups', () => {
    const ns = s.classes.map((c) => c.name);
    expect(new Set(ns).size).toBe(ns.length);
    for (const n of ns) expect(CANONICAL_NAMES as readonly string[]).toContain(n);
    for (const c of s.classes) {
      expect(c.title.length).toBeGreaterThan(0);
      expect(c.group.length).toBeGreaterThan(0);
    }
  });

  it('has unique, valid colours that differ from the ignore grey', () => {
    const keys = s.classes.map((c) => c.color.join(','));
    expect(new Set(keys).size).toBe(keys.length);
    for (const c of s.classes) {
      expect(c.color).toHaveLength(3);
      for (const v of c.color) expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true);
    }
    const lut = paletteLut(s);
    const packed = new Set(s.classes.map((c) => lut[c.index]));
    if (s.ignoreIndex !== null) expect(packed.has(lut[s.ignoreIndex])).toBe(false);
  });

  it('has symmetric partners, only between l_x and r_x', () => {
    for (const c of s.classes) {
      if (c.partner === null) {
        // l_lip is the lower lip, not a side: only eyes, brows and ears are sided
        expect(c.name).not.toMatch(SIDED);
        continue;
      }
      const p = s.classes[c.partner];
      expect(p).toBeDefined();
      expect(p.partner).toBe(c.index);
      expect(p.index).not.toBe(c.index);
      expect(c.name).toMatch(SIDED);
      const side = c.name.slice(0, 2);
      expect(p.name).toBe((side === 'l_' ? 'r_' : 'l_') + c.name.slice(2));
      expect(p.group).toBe(c.group);
    }
    // every schema here has the three pairs
    expect(s.classes.filter((c) => c.partner !== null)).toHaveLength(
      s.classes.some((c) => c.name === 'l_ear') ? 6 : 4,
    );
  });

  it('flipPartnerLut is an involution that swaps exactly the partners', () => {
    const lut = flipPartnerLut(s);
    expect(lut).toHaveLength(256);
    for (let i = 0; i < 256; i++) expect(lut[lut[i]]).toBe(i);
    for (let i = 0; i < 256; i++) {
      const c = s.classes[i];
      expect(lut[i]).toBe(c && c.partner !== null ? c.partner : i);
    }
  });

  it('paletteLut packs RGBA little-endian, transparent for undefined values', () => {
    const lut = paletteLut(s);
    expect(lut).toHaveLength(256);
    const bytes = new Uint8Array(lut.buffer);
    const le = new Uint8Array(new Uint32Array([0x01020304]).buffer)[0] === 0x04;
    for (let i = 0; i < 256; i++) {
      const c = s.classes[i];
      const rgba = le ? [...bytes.subarray(i * 4, i * 4 + 4)] : [...bytes.subarray(i * 4, i * 4 + 4)].reverse();
      if (c) expect(rgba).toEqual([...c.color, 255]);
      else if (i === s.ignoreIndex) expect(rgba).toEqual([128, 128, 128, 255]);
      else expect(rgba[3]).toBe(0);
    }
  });

  it('checkMaskValues accepts every defined value', () => {
    const mask = new Uint8Array(s.classes.length * 3);
    for (let i = 0; i < mask.length; i++) mask[i] = i % s.classes.length;
    if (s.ignoreIndex !== null) mask[1] = s.ignoreIndex;
    expect(checkMaskValues(mask, s)).toEqual({ ok: true, unknown: [] });
  });

  it('checkMaskValues finds exactly the injected bad values with counts and first offsets', () => {
    const n = s.classes.length;
    const mask = new Uint8Array(10_000);
    for (let i = 0; i < mask.length; i++) mask[i] = (i * 7) % n;
    // inject: value n (first undefined) x3, 200 x1, 254 x5 (250..254 are undefined in every schema)
    const inject: [number, number[]][] = [
      [n, [5000, 17, 9999]],
      [200, [42]],
      [254, [300, 301, 302, 8000, 1]],
    ];
    for (const [v, at] of inject) for (const i of at) mask[i] = v;
    const r = checkMaskValues(mask, s);
    expect(r.ok).toBe(false);
    expect(r.unknown).toEqual([
      { value: n, count: 3, firstIndex: 17 },
      { value: 200, count: 1, firstIndex: 42 },
      { value: 254, count: 5, firstIndex: 1 },
    ]);
  });
});

describe('CelebAMask-HQ orders (FORMATS.md table)', () => {
  it.each([
    ['celebamask-hq-a', 0],
    ['celebamask-hq-b', 1],
    ['celebamask-hq-c', 2],
  ] as const)('%s matches column %i', (id, col) => {
    expect(names(id)).toEqual(['background', ...CELEBA_TABLE.map((r) => r[col])]);
    expect(getSchema(id).ignoreIndex).toBeNull();
  });

  it('order B flip pairs are (2,3), (4,5), (7,8)', () => {
    const s = getSchema('celebamask-hq-b');
    const pairs = s.classes.filter((c) => c.partner !== null && c.index < c.partner).map((c) => [c.index, c.partner]);
    expect(pairs).toEqual([
      [2, 3],
      [4, 5],
      [7, 8],
    ]);
  });

  it('palettes A and B match FORMATS.md; C uses the A colour of each part', () => {
    expect(colors('celebamask-hq-a')).toEqual(PALETTE_A);
    expect(colors('celebamask-hq-b')).toEqual(PALETTE_B);
    const a = getSchema('celebamask-hq-a');
    for (const c of getSchema('celebamask-hq-c').classes) {
      expect([...c.color]).toEqual([...findClass(a, c.name)!.color]);
    }
  });

  it('order C titles carry facer label names (sides swapped)', () => {
    const c = getSchema('celebamask-hq-c');
    expect(c.classes[4].title).toContain('rr');
    expect(c.classes[2].title).toContain('face');
  });
});

describe('LaPa, Helen, iBugMask', () => {
  it.each(['lapa-11', 'helen-11', 'ibugmask-11'])('%s uses LaPa indices', (id) => {
    expect(names(id)).toEqual(LAPA_NAMES);
    expect(getSchema(id).ignoreIndex).toBeNull();
  });
  it('palettes match FORMATS.md', () => {
    expect(colors('lapa-11')).toEqual(PALETTE_LAPA);
    expect(colors('helen-11')).toEqual(PALETTE_HELEN);
    expect(colors('ibugmask-11')).toEqual(PALETTE_HELEN);
  });
  it('iBugMask says skin covers face and scalp', () => {
    expect(getSchema('ibugmask-11').description).toMatch(/scalp/);
  });
});

describe('FaceSynthetics', () => {
  const s = getSchema('facesynthetics');
  it('keeps the dataset indices (RIGHT before LEFT) and maps names by side', () => {
    expect(s.classes.map((c) => c.title)).toEqual(FS_TITLES);
    expect(s.classes.map((c) => c.name)).toEqual(FS_NAMES);
    expect(s.ignoreIndex).toBe(255);
    expect(findClass(s, 'r_eye')!.index).toBe(3);
    expect(findClass(s, 'l_eye')!.index).toBe(4);
    expect(findClass(s, 'r_eye')!.partner).toBe(4);
  });
  it('ignore value 255 is not reported as unknown, 19 is', () => {
    const r = checkMaskValues(new Uint8Array([0, 255, 255, 18, 19]), s);
    expect(r).toEqual({ ok: false, unknown: [{ value: 19, count: 1, firstIndex: 4 }] });
  });
  it('source says the palette was chosen here', () => {
    expect(s.source).toMatch(/FORMATS\.md gives none/);
  });
});

describe('findClass', () => {
  it('finds by canonical name and returns undefined otherwise', () => {
    expect(findClass(getSchema('celebamask-hq-b'), 'hair')!.index).toBe(17);
    expect(findClass(getSchema('lapa-11'), 'hat')).toBeUndefined();
  });
});
