import { describe, expect, it } from 'vitest';
import { getSchema } from '../schema';
import { applyProbRemap, buildProbRemap, describeProbRemap } from './prob-remap';

const CELEB = getSchema('celebamask-hq-a');
const LAPA = getSchema('lapa-11');
const idx = (s: typeof CELEB, n: string) => s.classes.find((c) => c.name === n)!.index;

describe('buildProbRemap', () => {
  it('is null for the same schema', () => {
    expect(buildProbRemap(LAPA, LAPA)).toBeNull();
  });

  it('CelebAMask-HQ → LaPa: same names kept, missing parts where an annotator puts them, accessories beneath', () => {
    const r = buildProbRemap(CELEB, LAPA)!;
    const to = (n: string) => r.entries.find((e) => e.fromName === n)!;
    for (const n of ['background', 'skin', 'nose', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'mouth', 'u_lip', 'l_lip', 'hair']) {
      expect(to(n)).toMatchObject({ to: idx(LAPA, n), toName: n, rule: 'same-name' });
    }
    for (const n of ['l_ear', 'r_ear', 'neck', 'cloth', 'hat']) expect(to(n)).toMatchObject({ to: 0, toName: 'background', rule: 'fallback' });
    for (const n of ['eye_g', 'ear_r', 'neck_l']) expect(to(n)).toMatchObject({ to: -1, toName: 'beneath', rule: 'beneath' });
    expect(r.targetClasses).toBe(11);
    expect(Array.from(r.to)).toEqual(CELEB.classes.map((c) => to(c.name).to));
    expect(describeProbRemap(r)).toBe(
      'celebamask-hq-a → lapa-11: eye_g → beneath, l_ear → background, r_ear → background, hat → background, ear_r → beneath, neck_l → beneath, neck → background, cloth → background',
    );
  });

  it('LaPa → CelebAMask-HQ order B: every class has its name (only the indices move)', () => {
    const b = getSchema('celebamask-hq-b');
    const r = buildProbRemap(LAPA, b)!;
    for (const e of r.entries) expect(e).toMatchObject({ rule: 'same-name', to: idx(b, e.fromName) });
  });

  it('FaceSynthetics → Helen: beard goes to skin, facewear beneath', () => {
    const r = buildProbRemap(getSchema('facesynthetics'), getSchema('helen-11'))!;
    expect(r.entries.find((e) => e.fromName === 'beard')).toMatchObject({ toName: 'skin', rule: 'fallback' });
    expect(r.entries.find((e) => e.fromName === 'facewear')).toMatchObject({ to: -1, rule: 'beneath' });
  });
});

describe('applyProbRemap', () => {
  it('adds the probabilities of classes mapped together and renormalises what a dropped class held', () => {
    const r = buildProbRemap(CELEB, LAPA)!;
    const n = 3;
    const p = new Float32Array(19 * n);
    const set = (name: string, px: number, v: number) => (p[idx(CELEB, name) * n + px] = v);
    // px 0: hat 0.3 + neck 0.2 + background 0.1 → background 0.6; skin 0.4.
    set('hat', 0, 0.3);
    set('neck', 0, 0.2);
    set('background', 0, 0.1);
    set('skin', 0, 0.4);
    // px 1: glasses 0.6 over an eye: l_eye 0.3, skin 0.1 → renormalised over 0.4 kept.
    set('eye_g', 1, 0.6);
    set('l_eye', 1, 0.3);
    set('skin', 1, 0.1);
    // px 2: all mass on the necklace: background.
    set('neck_l', 2, 1);
    const out = applyProbRemap(p, n, r);
    const at = (name: string, px: number) => out[idx(LAPA, name) * n + px];
    expect(at('background', 0)).toBeCloseTo(0.6, 6);
    expect(at('skin', 0)).toBeCloseTo(0.4, 6);
    expect(at('l_eye', 1)).toBeCloseTo(0.75, 6);
    expect(at('skin', 1)).toBeCloseTo(0.25, 6);
    expect(at('background', 2)).toBe(1);
    for (let px = 0; px < n; px++) {
      let sum = 0;
      for (let t = 0; t < 11; t++) sum += out[t * n + px];
      expect(sum).toBeCloseTo(1, 6);
    }
  });
});
