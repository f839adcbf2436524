import { describe, expect, it } from 'vitest';
import type { LabelSchema } from '../api/types';
import { getSchema } from '../schema';
import { Rng } from '../random';
import { applyRemap, buildRemap, describeRemap, identityRemap, parseOverrides, RemapError } from './remap';

const A = getSchema('celebamask-hq-a');
const B = getSchema('celebamask-hq-b');
const LAPA = getSchema('lapa-11');
const FS = getSchema('facesynthetics');

/** Brute force: per pixel, look the class up by name in the target, else override, else ignore. */
function reference(src: LabelSchema, dst: LabelSchema, mask: Uint8Array, ignore: number, overrides: Record<string, string> = {}): Uint8Array {
  return mask.map((v) => {
    if (src.ignoreIndex === v) return ignore;
    const name = src.classes.find((c) => c.index === v)!.name;
    const o = overrides[name];
    if (o === 'ignore') return ignore;
    const t = dst.classes.find((c) => c.name === (o ?? name));
    return t ? t.index : ignore;
  });
}

function randomMask(schema: LabelSchema, n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const values = schema.classes.map((c) => c.index).concat(schema.ignoreIndex !== null ? [schema.ignoreIndex] : []);
  return Uint8Array.from({ length: n }, () => rng.pick(values));
}

describe('remap', () => {
  it('CelebAMask-HQ A → LaPa-11 by canonical name; parts LaPa lacks go to the ignore index', () => {
    const r = buildRemap(A, LAPA, 255);
    const m = randomMask(A, 5000, 1);
    expect(applyRemap(r, m, 100)).toEqual(reference(A, LAPA, m, 255));
    const byName = Object.fromEntries(r.entries.map((e) => [e.fromName, e]));
    expect(byName.l_brow).toMatchObject({ from: 6, to: 2, rule: 'same-name' });
    expect(byName.hat).toMatchObject({ to: 255, toName: 'ignore', rule: 'no-target' });
    expect(r.unreachable).toEqual([]);
  });

  it('between CelebAMask-HQ orders it is a pure permutation', () => {
    const r = buildRemap(A, B, 255);
    expect(r.entries.every((e) => e.rule === 'same-name')).toBe(true);
    const m = randomMask(A, 3000, 2);
    expect(applyRemap(r, m, 30)).toEqual(reference(A, B, m, 255));
    // and back again is the identity
    expect(applyRemap(buildRemap(B, A, 255), applyRemap(r, m, 30), 30)).toEqual(m);
  });

  it('FaceSynthetics → LaPa: the source ignore value 255 and extra classes go to a chosen ignore index (11)', () => {
    const r = buildRemap(FS, LAPA, 11);
    const m = randomMask(FS, 4000, 3);
    expect(applyRemap(r, m, 40)).toEqual(reference(FS, LAPA, m, 11));
    expect(r.entries.find((e) => e.rule === 'source-ignore')).toMatchObject({ from: 255, to: 11 });
  });

  it('overrides win, including to ignore', () => {
    const o = { eye_g: 'skin', hair: 'ignore' };
    const r = buildRemap(A, LAPA, 255, o);
    const m = randomMask(A, 3000, 4);
    expect(applyRemap(r, m, 30)).toEqual(reference(A, LAPA, m, 255, o));
    expect(describeRemap(r)).toMatchObject({ source: 'celebamask-hq-a', target: 'lapa-11', ignoreIndex: 255, overrides: o });
  });

  it('lists target classes no source reaches', () => {
    expect(buildRemap(LAPA, A, 255).unreachable).toEqual(['eye_g', 'l_ear', 'r_ear', 'hat', 'ear_r', 'neck_l', 'neck', 'cloth']);
  });

  it('refuses invalid and ambiguous maps with specific messages', () => {
    expect(() => buildRemap(A, LAPA, 3)).toThrow(/ignore index 3 is class "r_brow" in target schema lapa-11/);
    expect(() => buildRemap(A, LAPA, 256)).toThrow(/0-255, got 256/);
    expect(() => buildRemap(A, LAPA, 255, { beard: 'skin' })).toThrow(/"beard" is not a class of source schema celebamask-hq-a/);
    expect(() => buildRemap(A, LAPA, 255, { hat: 'helmet' })).toThrow(/"helmet" is not a class of target schema lapa-11/);
    const dup: LabelSchema = { ...LAPA, id: 'dup', classes: [...LAPA.classes, { ...LAPA.classes[1], index: 11 }] };
    expect(() => buildRemap(A, dup, 255)).toThrow(/target schema dup is ambiguous: class name "skin" is used by indices 1 and 11/);
    expect(() => parseOverrides('hat=skin,hat=hair')).toThrow(/ambiguous: both "skin" and "hair"/);
    expect(() => parseOverrides('hat')).toThrow(/source=target/);
    expect(parseOverrides(' hat=skin , eye_g=ignore,')).toEqual({ hat: 'skin', eye_g: 'ignore' });
  });

  it('refuses a mask value the source schema does not define, naming it and its pixel', () => {
    const m = new Uint8Array(20);
    m[13] = 77;
    expect(() => applyRemap(buildRemap(A, LAPA, 255), m, 5)).toThrow(RemapError);
    expect(() => applyRemap(identityRemap(LAPA), m, 5)).toThrow(/mask value 77 \(first at x=3, y=2\) is not a class of schema lapa-11/);
  });
});
