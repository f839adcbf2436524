/**
 * Inference engine public API (issue 4). Sessions live in a worker thread; see engine.ts.
 *
 * Shape (stable):
 *   InferenceEngine.create({ models: {path, card}[], tta?: 'none'|'flip', providers?, intraOpThreads? })
 *     → engine with .provider, .warnings, .classes, .schemaId
 *   engine.predict({ rgb, width, height }, { faces?, probs? }) → Prediction (labels H×W, probs K×H×W)
 *   engine.run(AsyncIterable<BatchItem>, { concurrency, probs?, onResult, signal? }) → RunSummary
 *   engine.close()
 *   loadModelCard(onnxPath) / inspectModel(onnxPath) / checkCard(card, graph) → problems[]
 *   listSupportedBackends() / defaultProviderOrder() / createSession(path, {providers}) → {session, provider, warnings}
 *   boxFromLandmarks(points), expandBox(box, margin, square)
 */
export type {
  Box,
  ModelSpec,
  TtaMode,
  ProviderName,
  EngineOptions,
  RgbImage,
  PredictOptions,
  Prediction,
  BatchItem,
  BatchResult,
  RunOptions,
  RunSummary,
} from './types';
export type { ModelCard, ModelCardInput, InputSpec, OutputSpec } from '../../shared/models/card';
export { parseModelCard, parseModelCardJson, CARD_METADATA_KEY, MODEL_CARD_FORMAT } from '../../shared/models/card';
