/**
 * Label-noise flags, pure core (issue 5; docs/noise.md): teacher probabilities in the cache format
 * (probs.ts), confident-learning class thresholds, the DML-CSR boundary band, image scoring with
 * regions and a class-pair summary, the softmin baseline, and the corruption injector used to measure
 * all of it (corrupt.ts; docs/bench/noise.md).
 */
export { quantizeProbs, checkProbs, argmaxProbs } from './probs';
export { firstProbProblem } from './float-probs';
export type { ProbProblem } from './float-probs';
export { edgeBand, inEdgeBand } from './edge';
export { ThresholdAccumulator, estimateClassThresholds, fixedThresholds } from './thresholds';
export type { ClassThresholds, ThresholdOptions, ThresholdSample } from './thresholds';
export { scoreImage, poolScores, suspectPixels, DEFAULT_SCORE_OPTIONS } from './score';
export type { ScoreOptions, NoiseScore, NoiseRegion, ClassPair, Pooling } from './score';
export { softminBaseline } from './baseline';
export type { SoftminOptions } from './baseline';
export { connectedComponents, cropMask, maskFromSelection, maskHas, maskArea, maskIoU, paintMask } from './regions';
export type { BBox, RegionMask } from './regions';
export { corrupt, CORRUPTION_TYPES, ERROR_TYPES } from './corrupt';
export type { CorruptionType, CorruptOptions, CorruptResult, CorruptedRegion } from './corrupt';
export { teacherCheck, likelyErrors, DEFAULT_MIN_TEACHER_F1, LIKELY_ERROR_SHARE } from './teacher-check';
export type { TeacherCheck } from './teacher-check';
