/** Model cards (pure): schema, types, parsing with field-named messages. */
export {
  MODEL_CARD_FORMAT,
  CARD_METADATA_KEY,
  modelCardSchema,
  inputSpecSchema,
  outputSpecSchema,
  parseModelCard,
  parseModelCardJson,
  DETECTOR_TASK,
  detectorCardSchema,
  isDetectorCard,
  parseDetectorCard,
  parseAnyCard,
  parseAnyCardJson,
  isParserCard,
  PROMPTABLE_TASK,
  promptableCardSchema,
  isPromptableCard,
  parsePromptableCard,
  embeddingInputs,
} from './card';
export type { PromptableCard, PromptableCardInput, PromptableCardParseResult } from './card';
export type { ModelCard, ModelCardInput, InputSpec, OutputSpec, CardParseResult, DetectorCard, DetectorCardInput, AnyModelCard, AnyCardParseResult, DetectorCardParseResult } from './card';
export { AVERAGING_METADATA_KEY, averagingRecordSchema, readAveragingRecord, describeAveraging } from './averaging';
export type { AveragingRecord } from './averaging';
export { formatShape, formatDim, isFixedDim } from './shape';
