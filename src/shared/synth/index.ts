/** Deterministic synthetic face-parsing data (image + exact index mask) for tests and benchmarks. */
export { generateFace } from './face';
export type { SynthFace, SynthFaceInfo, SynthOptions } from './face';
export { Rng, hash32, mix32 } from './rng';
export { resolveLabels, PARTS, BENEATH } from './labels';
export type { LabelMap, Part } from './labels';
