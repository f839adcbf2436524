import { describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_A, LAPA_11 } from '../schema';
import { generateFace } from '../synth';
import { corrupt, CORRUPTION_TYPES, type CorruptionType } from './corrupt';
import { edgeBand } from './edge';
import { connectedComponents, maskArea, maskHas } from './regions';

const S = 192;
const schema = CELEBAMASK_HQ_A;
const idx = (name: string) => schema.classes.find((c) => c.name === name)!.index;
const ALL_ACC = { glasses: 1, hat: 0, earring: 1, necklace: 1 };
const faces = [0, 1, 2].map((i) => generateFace({ seed: 70 + i, width: S, height: S, schema, accessories: ALL_ACC }).mask);

function changed(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

function run(type: CorruptionType, face: Uint8Array, seed: number) {
  const r = corrupt(face, S, S, schema, { type, seed });
  expect(r.regions).toHaveLength(1);
  const reg = r.regions[0];
  const diff = changed(face, r.label);
  // The reported region is exactly the changed pixels.
  expect(reg.area).toBe(diff.length);
  expect(maskArea(reg.mask)).toBe(diff.length);
  for (const i of diff) expect(maskHas(reg.mask, i % S, Math.floor(i / S))).toBe(true);
  expect(reg.type).toBe(type);
  return { r, reg, diff };
}

const seeds = [1, 2, 3, 4, 5, 6];
const cases = faces.flatMap((face, f) => seeds.map((seed) => ({ face, seed: seed + 10 * f })));

describe('corrupt', () => {
  it('class_swap relabels part of one component of a class as its confusable class', () => {
    for (const { face, seed } of cases) {
      const { reg, diff } = run('class_swap', face, seed);
      const { r } = { r: corrupt(face, S, S, schema, { type: 'class_swap', seed }) };
      for (const i of diff) {
        expect(face[i]).toBe(reg.fromClass);
        expect(r.label[i]).toBe(reg.toClass);
      }
      expect(reg.what).toBe(`${schema.classes[reg.fromClass].name} -> ${schema.classes[reg.toClass].name}`);
      // All changed pixels lie in ONE component of the original class.
      const sel = face.map((v) => (v === reg.fromClass ? 1 : 0));
      const { ids } = connectedComponents(sel, S, S);
      expect(new Set(diff.map((i) => ids[i])).size).toBe(1);
      // Big components are cut by a disc of about maxSwapArea (radius up to 1.3x).
      expect(diff.length).toBeLessThanOrEqual(Math.ceil(4000 * 1.3 * 1.3) + 200);
    }
  });

  it('lr_swap and lip_swap exchange the two classes of a pair everywhere and nothing else', () => {
    for (const type of ['lr_swap', 'lip_swap'] as const) {
      for (const { face, seed } of cases) {
        const { r, reg, diff } = run(type, face, seed);
        const [a, b] = [reg.fromClass, reg.toClass];
        if (type === 'lip_swap') expect([a, b]).toEqual([idx('u_lip'), idx('l_lip')]);
        for (let i = 0; i < face.length; i++) {
          const want = face[i] === a ? b : face[i] === b ? a : face[i];
          if (r.label[i] !== want) throw new Error(`${type} pixel ${i}: ${r.label[i]} != ${want}`);
        }
        expect(diff.length).toBe(face.filter((v) => v === a || v === b).length);
      }
    }
  });

  it('drop_part paints the largest component of a part as skin (ears: background)', () => {
    for (const { face, seed } of cases) {
      const { r, reg, diff } = run('drop_part', face, seed);
      const part = schema.classes[reg.fromClass].name;
      expect(reg.toClass).toBe(part.endsWith('_ear') ? idx('background') : idx('skin'));
      for (const i of diff) {
        expect(face[i]).toBe(reg.fromClass);
        expect(r.label[i]).toBe(reg.toClass);
      }
      const { ids, count } = connectedComponents(face.map((v) => (v === reg.fromClass ? 1 : 0)), S, S);
      const area = new Array<number>(count).fill(0);
      for (const id of ids) if (id >= 0) area[id]++;
      expect(diff.length).toBe(Math.max(...area));
    }
  });

  it('shift_part moves a part by 5-15 px: the new part is the old one translated', () => {
    for (const { face, seed } of cases) {
      const { r, reg } = run('shift_part', face, seed);
      const m = /shifted by \((-?\d+), (-?\d+)\)/.exec(reg.what)!;
      const dx = Number(m[1]);
      const dy = Number(m[2]);
      const d = Math.hypot(dx, dy);
      expect(d).toBeGreaterThanOrEqual(5 - 0.75);
      expect(d).toBeLessThanOrEqual(15 + 0.75);
      const cls = reg.fromClass;
      const want = new Uint8Array(S * S);
      for (let i = 0; i < face.length; i++) {
        if (face[i] !== cls) continue;
        const x = (i % S) + dx;
        const y = Math.floor(i / S) + dy;
        if (x >= 0 && y >= 0 && x < S && y < S) want[y * S + x] = 1;
      }
      for (let i = 0; i < face.length; i++) if ((r.label[i] === cls ? 1 : 0) !== want[i]) throw new Error(`shift pixel ${i}`);
    }
  });

  it('dilate_erode grows a part by at most r px, or shrinks it keeping only its inside', () => {
    let grew = 0;
    let shrank = 0;
    for (const { face, seed } of cases) {
      const { r, reg, diff } = run('dilate_erode', face, seed);
      const m = /(dilated|eroded) by (\d+)px/.exec(reg.what)!;
      const rad = Number(m[2]);
      expect(rad).toBeGreaterThanOrEqual(3);
      expect(rad).toBeLessThanOrEqual(8);
      // Every changed pixel is within ~r px (chamfer 3-4 overestimates by at most 8%) of the part's edge.
      const sel = face.map((v) => (v === (m[1] === 'dilated' ? reg.toClass : reg.fromClass) ? 1 : 0));
      const near = edgeBand(sel, S, S, Math.ceil(rad * 1.08) + 1);
      for (const i of diff) expect(near[i]).toBe(1);
      if (m[1] === 'dilated') {
        grew++;
        for (const i of diff) expect(r.label[i]).toBe(reg.toClass);
        for (let i = 0; i < face.length; i++) if (face[i] === reg.toClass) expect(r.label[i]).toBe(reg.toClass);
      } else {
        shrank++;
        for (const i of diff) {
          expect(face[i]).toBe(reg.fromClass);
          expect(r.label[i]).not.toBe(reg.fromClass);
        }
        expect(r.label.some((v) => v === reg.fromClass)).toBe(true);
      }
    }
    expect(grew).toBeGreaterThan(0);
    expect(shrank).toBeGreaterThan(0);
  });

  it('tail_removed fills every earring or necklace pixel from the surrounding labels', () => {
    for (const { face, seed } of cases) {
      const { r, reg, diff } = run('tail_removed', face, seed);
      expect([idx('ear_r'), idx('neck_l')]).toContain(reg.fromClass);
      expect(r.label.includes(reg.fromClass)).toBe(false);
      expect(diff.length).toBe(face.filter((v) => v === reg.fromClass).length);
      for (const i of diff) expect(r.label[i]).not.toBe(255);
    }
  });

  it('boundary_jitter changes only pixels within `jitter` px of a boundary', () => {
    for (const jitter of [1, 2, 4]) {
      for (const { face, seed } of cases.slice(0, 6)) {
        const r = corrupt(face, S, S, schema, { type: 'boundary_jitter', seed, jitter });
        const diff = changed(face, r.label);
        expect(diff.length).toBeGreaterThan(0);
        const band = edgeBand(face, S, S, jitter);
        for (const i of diff) expect(band[i]).toBe(1);
        expect(r.regions[0].fromClass).toBe(-1);
      }
    }
  });

  it('is deterministic by seed, and different seeds give different corruptions', () => {
    for (const type of CORRUPTION_TYPES) {
      const a = corrupt(faces[0], S, S, schema, { type, seed: 42 });
      const b = corrupt(faces[0], S, S, schema, { type, seed: 42 });
      expect(b.label).toEqual(a.label);
      expect(b.regions).toEqual(a.regions);
      const outs = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => changed(faces[0], corrupt(faces[0], S, S, schema, { type, seed }).label).join(',')));
      // One possible outcome: lip_swap (u_lip <-> l_lip), tail_removed (this face has a necklace and no
      // visible earring). Every other type draws something from the seed.
      if (type === 'lip_swap' || type === 'tail_removed') expect(outs.size).toBe(1);
      else expect(outs.size).toBeGreaterThan(1);
    }
  });

  it('never changes or paints ignore pixels', () => {
    const face = faces[1].slice();
    // An ignore band across the middle of the face.
    for (let y = 90; y < 100; y++) for (let x = 0; x < S; x++) face[y * S + x] = 255;
    for (const type of CORRUPTION_TYPES) {
      for (const seed of [1, 2, 3]) {
        const r = corrupt(face, S, S, schema, { type, seed });
        for (let i = 0; i < face.length; i++) if ((face[i] === 255) !== (r.label[i] === 255)) throw new Error(`${type}: ignore changed at ${i}`);
      }
    }
  });

  it('applies `count` instances in sequence, and nothing when the schema lacks the classes', () => {
    const r = corrupt(faces[0], S, S, schema, { type: 'class_swap', seed: 3, count: 3 });
    expect(r.regions.length).toBe(3);
    // LaPa has no earring or necklace.
    const lapaFace = generateFace({ seed: 1, width: 64, height: 64, schema: LAPA_11 }).mask;
    expect(corrupt(lapaFace, 64, 64, LAPA_11, { type: 'tail_removed', seed: 1 })).toEqual({ label: lapaFace, regions: [] });
    expect(() => corrupt(faces[0], S, S, schema, { type: 'smudge' as CorruptionType, seed: 1 })).toThrow(/unknown type "smudge"/);
    expect(() => corrupt(new Uint8Array(3), S, S, schema, { type: 'lr_swap', seed: 1 })).toThrow(/3 pixels/);
  });
});
