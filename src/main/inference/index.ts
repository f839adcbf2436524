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
 *   detector: InferenceEngine.create({ …, detector: {path, card: DetectorCard} }) → items without faces
 *     get boxes from it (Prediction.detections); checkDetectorCard(card, graph); decodeDetections(…)
 */
export type {
  Box,
  ModelSpec,
  DetectorSpec,
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
export type { ModelCard, ModelCardInput, InputSpec, OutputSpec, DetectorCard, DetectorCardInput, AnyModelCard } from '../../shared/models/card';
export { parseModelCard, parseModelCardJson, CARD_METADATA_KEY, MODEL_CARD_FORMAT } from '../../shared/models/card';

/** The engine: a worker thread owning the sessions (see engine.ts). */
export { InferenceEngine } from './engine';
/** Graph signature, card loading (beside the model or in ONNX metadata) and card-vs-graph checks. */
export { inspectModel, loadModelCard, checkCard, checkDetectorCard, checkPromptableCard, cardPathFor, probeClassCount } from './inspect';
/** Face detection post-processing (pure): threshold, box format/units, resize undone, NMS, max faces. */
export { decodeDetections, nms, iou } from './detect';
export type { Detection, RawTensor } from './detect';
export type { GraphInfo, TensorInfo } from './inspect';
/** Execution providers: platform order, supported backends, session creation with reported fallback. */
export { listSupportedBackends, defaultProviderOrder, createSession, sessionOptions, providerHint, defaultIntraOpThreads } from './providers';
export type { SupportedBackend, CreatedSession, SessionSettings } from './providers';
/** Face-crop geometry. */
export { expandBox, boxFromLandmarks, placeImage, frameOfPlacement } from './preprocess';
export type { Frame, Placement } from './preprocess';
/** Small ONNX protobuf writer/reader: metadata (cards), initializers (weight averaging). */
export { appendOnnxMetadata, readOnnxMetadata, readInitializers, DataType } from './onnx-proto';
export type { InitializerInfo } from './onnx-proto';
