/** Agreement metrics and dataset statistics for label maps (pure; see FORMATS.md "Evaluation conventions"). */
export {
  ConfusionMatrix,
  DEFAULT_IGNORE,
  perClassF1,
  perClassIoU,
  meanF1,
  meanIoU,
  groupF1,
  nanMean,
  helenOverallF1,
  helenOverallGroup,
  HELEN_OVERALL_NAMES,
} from './confusion';
export { agreement, summarize, AgreementAccumulator } from './agreement';
export type { AgreementOptions, AgreementSummary } from './agreement';
export { StatsAccumulator, datasetStats } from './stats';
export type { DatasetStats } from './stats';
