/** Model cards (pure): schema, types, parsing with field-named messages. */
export {
  MODEL_CARD_FORMAT,
  CARD_METADATA_KEY,
  modelCardSchema,
  inputSpecSchema,
  outputSpecSchema,
  parseModelCard,
  parseModelCardJson,
} from './card';
export type { ModelCard, ModelCardInput, InputSpec, OutputSpec, CardParseResult } from './card';
