/**
 * Synthetic face generator (image + exact index mask), deterministic per seed. PRODUCT code: it makes
 * the sample project's faces (shared/sample, `parsel demo`, "Open the sample project") and the
 * training data of models/demo; tests and benchmarks use it too. The seeded PRNG lives in
 * shared/random.ts and the part -> class rule in shared/schema/parts.ts (re-exported here).
 */
export { generateFace } from './face';
export type { SynthFace, SynthFaceInfo, SynthOptions } from './face';
export { Rng, hash32, mix32 } from '../random';
export { resolveLabels, PARTS, BENEATH } from '../schema/parts';
export type { LabelMap, Part } from '../schema/parts';
