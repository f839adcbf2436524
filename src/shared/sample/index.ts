/**
 * The sample project's content (`parsel demo`, "Open the sample project"): synthetic faces whose labels
 * are exact, a documented share of them corrupted with the corruption injector, and the ground truth of
 * what was corrupted. Pure and deterministic: image i of a sample with seed s is the generator's face
 * with seed s + i, and the same options always give the same images, labels and corruptions.
 *
 * Which images are corrupted: exactly round(noise × count) of them, picked by a seeded shuffle. Each
 * corrupted image gets ONE instance of one of SAMPLE_CORRUPTIONS, the type chosen by seed among those
 * that apply to its label map (a face without an earring or a necklace cannot lose its tail, ...).
 * boundary_jitter is left out: it models annotation imprecision, not an error a flag should report.
 */
import type { LabelSchema } from '../api/types';
import { corrupt, ERROR_TYPES, type CorruptionType } from '../noise/corrupt';
import { Rng, hash32 } from '../random';
import { generateFace } from '../synth';

/** The corruption types a sample label can get: every label error of the injector (not boundary jitter). */
export const SAMPLE_CORRUPTIONS: readonly CorruptionType[] = ERROR_TYPES;

/**
 * The default seed keeps the sample project's faces (seeds 500000–500119) out of the demo models'
 * training data (models/demo/REPORT.md: `parsel demo --seed 7`, faces 7–2006) and out of the noise
 * benchmark's faces: its flags are measured on faces the models never saw.
 */
export const SAMPLE_DEFAULTS = { count: 120, size: 256, noise: 0.2, seed: 500000 } as const;
/** The schema of every sample project. */
export const SAMPLE_SCHEMA_ID = 'celebamask-hq-a';

export interface SampleOptions {
  count: number;
  /** Width and height of every image, px. */
  size: number;
  /** Share of images whose label is corrupted, 0..1. */
  noise: number;
  seed: number;
}

/** One corruption as the ground-truth file lists it. */
export interface SampleCorruption {
  type: CorruptionType;
  /** Human-readable, e.g. "l_eye -> eye_g". */
  what: string;
  /** Pixels whose label it changed (exactly the pixels where the stored label differs from the clean one). */
  area: number;
}

export interface SampleItem {
  index: number;
  seed: number;
  width: number;
  height: number;
  /** width*height*3 RGB. */
  rgb: Uint8Array;
  /** The generator's exact label map. */
  clean: Uint8Array;
  /** The label stored in the project: `clean`, or `clean` with one corruption. */
  label: Uint8Array;
  corruptions: SampleCorruption[];
}

/** The file name of image i (zero-padded so names sort in index order). */
export function sampleFileName(i: number): string {
  return `face_${String(i).padStart(5, '0')}.jpg`;
}

/** Throws a message naming the option when an option is out of range. */
export function checkSampleOptions(o: SampleOptions): void {
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 100_000) throw new RangeError(`count must be an integer from 1 to 100000, got ${o.count}`);
  if (!Number.isInteger(o.size) || o.size < 32 || o.size > 2048) throw new RangeError(`size must be an integer from 32 to 2048, got ${o.size}`);
  if (!Number.isFinite(o.noise) || o.noise < 0 || o.noise > 1) throw new RangeError(`noise must be a number from 0 to 1, got ${o.noise}`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 2 ** 31 - 1) throw new RangeError(`seed must be an integer from 0 to 2147483647, got ${o.seed}`);
}

/** Indices of the images to corrupt: exactly round(noise × count), by a seeded shuffle. */
export function pickCorrupted(o: SampleOptions): Set<number> {
  const n = Math.round(o.noise * o.count);
  const order = Array.from({ length: o.count }, (_, i) => i);
  const rng = new Rng(hash32(o.seed, 0x5a3e));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return new Set(order.slice(0, n));
}

/**
 * Image i of a sample. `corrupted`: whether this image is one of pickCorrupted(o). When no type applies
 * to its label map (never seen with the generator's faces) the image stays clean and `corruptions` is
 * empty: the ground truth then says so.
 */
export function makeSampleItem(i: number, o: SampleOptions, schema: LabelSchema, corrupted: boolean): SampleItem {
  const seed = o.seed + i;
  const face = generateFace({ seed, width: o.size, height: o.size, schema });
  let label = face.mask;
  const corruptions: SampleCorruption[] = [];
  if (corrupted) {
    const rng = new Rng(hash32(o.seed, i, 0xc0));
    const types = [...SAMPLE_CORRUPTIONS];
    for (let k = types.length - 1; k > 0; k--) {
      const j = Math.floor(rng.next() * (k + 1));
      [types[k], types[j]] = [types[j], types[k]];
    }
    for (const type of types) {
      const r = corrupt(face.mask, face.width, face.height, schema, { type, seed: hash32(o.seed, i, 0xc1) });
      if (r.regions.length === 0) continue;
      label = r.label;
      corruptions.push(...r.regions.map((g) => ({ type: g.type, what: g.what, area: g.area })));
      break;
    }
  }
  return { index: i, seed, width: face.width, height: face.height, rgb: face.rgb, clean: face.mask, label, corruptions };
}
