/**
 * Model cards: what Parsel needs to know to run a face-parsing ONNX model correctly.
 *
 * A card is JSON stored beside the model (`<model>.card.json`) or in the ONNX file's metadata under
 * the key `parsel.card` (see `src/main/inference/onnx-proto.ts`). `parseModelCard` validates it with
 * zod, fills the defaults and returns messages that name the field. Whether the card matches the actual
 * graph (input name, rank, channels, class count) is checked by `checkCard` in src/main/inference.
 *
 * Pre-processing defined by a card, per pixel p (0..255, in the card's `colorOrder`), channel c:
 *     x_c = (p_c * input.scale - input.mean[c]) / input.std[c]
 * `mean` and `std` are listed in the model's channel order (after the colour reordering). With the
 * default scale 1/255 they are on the 0..1 scale (torchvision style: mean [0.485, 0.456, 0.406]);
 * with scale 1 they are on the 0..255 scale (mmseg/caffe style: mean [123.675, 116.28, 103.53]).
 *
 * Pure TypeScript: no Node, DOM or Electron imports.
 */
import { z } from 'zod';
import { SCHEMAS } from '../schema';

export const MODEL_CARD_FORMAT = 'parsel-model-card/1';
/** ONNX metadata_props key holding a card as JSON. */
export const CARD_METADATA_KEY = 'parsel.card';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const triple = (what: string) =>
  z.tuple([finite, finite, finite], { error: `${what} must be three numbers, one per channel` });
const size = (what: string) =>
  z
    .number({ error: `${what} must be a number of pixels` })
    .int(`${what} must be a whole number of pixels`)
    .min(1, `${what} must be at least 1`)
    .max(8192, `${what} must be at most 8192`);

export const inputSpecSchema = z
  .strictObject({
    /** Name of the graph input fed with the image tensor. */
    name: z.string().min(1, 'input.name must name a graph input'),
    /** Model input width and height in pixels (what the image or crop is resized to). */
    width: size('input.width'),
    height: size('input.height'),
    /** Tensor layout: NCHW (PyTorch exports) or NHWC (TensorFlow exports). */
    layout: z.enum(['NCHW', 'NHWC'], { error: 'input.layout must be "NCHW" or "NHWC"' }).default('NCHW'),
    /** Channel order the model was trained with (OpenCV-trained models are often BGR). */
    colorOrder: z.enum(['RGB', 'BGR'], { error: 'input.colorOrder must be "RGB" or "BGR"' }).default('RGB'),
    /** Multiplier applied to 0..255 pixel values before mean/std (1/255 or 1). */
    scale: finite.default(1 / 255),
    /** Per-channel mean in the model's channel order, on the scaled range. */
    mean: triple('input.mean').default([0, 0, 0]),
    /** Per-channel std in the model's channel order, on the scaled range; all > 0. */
    std: triple('input.std')
      .refine((s) => s.every((v) => v > 0), 'input.std values must all be > 0')
      .default([1, 1, 1]),
    /**
     * How an image (or crop) is brought to width x height:
     *  - 'stretch': resize both axes independently, ignoring aspect (BiSeNet, most face parsers: they
     *    are trained on square 512x512 crops, so a square input is unchanged in aspect),
     *  - 'letterbox': keep aspect, scale to fit, centre, pad with `padValue` (a 0..255 pixel value).
     */
    resize: z.enum(['stretch', 'letterbox'], { error: 'input.resize must be "stretch" or "letterbox"' }).default('stretch'),
    /** Resampling kernel used for the image resize (what the training pipeline used). */
    interpolation: z
      .enum(['bilinear', 'bicubic', 'nearest', 'lanczos3'], {
        error: 'input.interpolation must be "bilinear", "bicubic", "nearest" or "lanczos3"',
      })
      .default('bilinear'),
    /** Pixel value (0..255, same in every channel) used for letterbox padding and crops outside the image. */
    padValue: z.number().int().min(0).max(255).default(0),
  });

export const outputSpecSchema = z.strictObject({
  /** Graph output holding the per-class map; default: the first output. */
  name: z.string().min(1).optional(),
  /** 'logits' (softmax is applied) or 'probabilities' (used as is, e.g. a graph ending in Softmax). */
  kind: z.enum(['logits', 'probabilities'], { error: 'output.kind must be "logits" or "probabilities"' }),
  /** Output layout: NCHW ([1, K, h, w], PyTorch) or NHWC ([1, h, w, K]). */
  layout: z.enum(['NCHW', 'NHWC'], { error: 'output.layout must be "NCHW" or "NHWC"' }).default('NCHW'),
});

const schemaIds = SCHEMAS.map((s) => s.id);

/** Fields every card starts with: format (optional in JSON), display name, description. */
const cardHead = {
  format: z
    .literal(MODEL_CARD_FORMAT, { error: `format must be "${MODEL_CARD_FORMAT}" (or left out)` })
    .default(MODEL_CARD_FORMAT),
  /** Display name. */
  name: z.string().min(1, 'name must not be empty').max(200),
  description: z.string().max(4000).default(''),
};

/** Provenance: where the weights come from, licence, how the ONNX file was exported. */
const sourceSchema = z
  .strictObject({
    weights: z.string().max(2000).optional(),
    license: z.string().max(200).optional(),
    export: z.string().max(4000).optional(),
    notes: z.string().max(4000).optional(),
  })
  .default({});

export const modelCardSchema = z.strictObject({
  ...cardHead,
  /** What the model does. Only 'face-parsing' models are run by the engine. */
  task: z.literal('face-parsing', { error: 'task must be "face-parsing"' }).default('face-parsing'),
  input: inputSpecSchema,
  output: outputSpecSchema,
  /** Label schema id of the output channels (channel k = class index k). */
  labels: z.string().refine((id) => schemaIds.includes(id), {
    error: (iss) => `labels: unknown label schema "${String(iss.input)}"; known: ${schemaIds.join(', ')}`,
  }),
  /**
   * What the model expects to see:
   *  - 'image': the whole image (resized per input.resize),
   *  - 'face': a face crop: a face box expanded by `crop.margin` on every side, made square
   *    (`crop.square`), parsed, and pasted back (region-based parsing, as in STN-iCNN).
   */
  expects: z.enum(['image', 'face'], { error: 'expects must be "image" or "face"' }).default('image'),
  crop: z
    .strictObject({
      /** Fraction of the box size added on each side (0.25 → the crop is 1.5× the box). */
      margin: z.number().min(0, 'crop.margin must be >= 0').max(4, 'crop.margin must be <= 4').default(0.25),
      /** Make the expanded crop square (side = the larger of width and height) before resizing. */
      square: z.boolean().default(true),
    })
    .default({ margin: 0.25, square: true }),
  source: sourceSchema,
});

export type ModelCard = z.output<typeof modelCardSchema>;
/** A card as written in JSON: defaults may be left out. */
export type ModelCardInput = z.input<typeof modelCardSchema>;
export type InputSpec = ModelCard['input'];
export type OutputSpec = ModelCard['output'];

export type CardParseResult = { ok: true; card: ModelCard } | { ok: false; problems: string[] };

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** zod issues → one message per problem, naming its field. */
function problemsOf(value: unknown, issues: z.core.$ZodIssue[]): string[] {
  return issues.map((iss) => {
    const where = pathOf(iss.path);
    if (iss.code === 'unrecognized_keys') {
      return `${where ? where + ': ' : ''}unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    if (iss.code === 'invalid_type' && valueAt(value, iss.path) === undefined) return `${where}: required field is missing`;
    return iss.message.startsWith(where) || where === '' ? iss.message : `${where}: ${iss.message}`;
  });
}

/** Validates a parsed JSON value as a (face-parsing) model card; every problem is one message naming its field. */
export function parseModelCard(value: unknown): CardParseResult {
  const task = value !== null && typeof value === 'object' ? (value as Record<string, unknown>).task : undefined;
  if (task === DETECTOR_TASK) {
    return { ok: false, problems: [`task: this is a face-detector card ("task": "${DETECTOR_TASK}"); a face-parsing model card is needed here`] };
  }
  if (task === PROMPTABLE_TASK) {
    return { ok: false, problems: [`task: this is a promptable-segmentation card ("task": "${PROMPTABLE_TASK}"); a face-parsing model card is needed here`] };
  }
  const r = modelCardSchema.safeParse(value);
  if (r.success) return { ok: true, card: r.data };
  return { ok: false, problems: problemsOf(value, r.error.issues) };
}

/** Parses JSON text as a card; a JSON syntax error is one problem naming `origin` (a file name). */
export function parseModelCardJson(text: string, origin = 'card'): CardParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [`${origin}: not valid JSON (${(e as Error).message})`] };
  }
  const r = parseModelCard(value);
  return r.ok ? r : { ok: false, problems: r.problems.map((p) => `${origin}: ${p}`) };
}

// ---------------------------------------------------------------------------------------------------
// Face-detector cards

/** `task` of a face-detector card. */
export const DETECTOR_TASK = 'face-detection';

const tensorName = (what: string) => z.string({ error: `${what} must name a graph output` }).min(1, `${what} must name a graph output`);
const fraction = (what: string) =>
  z.number({ error: `${what} must be a number between 0 and 1` }).min(0, `${what} must be >= 0`).max(1, `${what} must be <= 1`);

/**
 * A face detector whose graph outputs decoded boxes and per-box scores (no anchor decoding):
 *   boxes  [1, N, 4] (or [N, 4]), one box per candidate, in `boxes.format` and `boxes.units`;
 *   scores [1, N, C] (or [N, C]), channel `scores.faceIndex` is the face probability
 *          (UltraFace / RFB-320: C = 2, [background, face], index 1).
 * Candidates scoring below `scoreThreshold` are dropped, the rest are reduced by greedy non-maximum
 * suppression (IoU > `nmsIouThreshold` with a better-scoring kept box), and at most `maxFaces` are kept.
 * Boxes are mapped back to image pixels through the input's resize rule (stretch or letterbox).
 */
export const detectorCardSchema = z.strictObject({
  ...cardHead,
  task: z.literal(DETECTOR_TASK, { error: `task must be "${DETECTOR_TASK}" for a face-detector card` }),
  input: inputSpecSchema,
  output: z.strictObject({
    boxes: z.strictObject({
      /** Graph output holding the boxes. */
      name: tensorName('output.boxes.name'),
      /**
       * 'xyxy': left, top, right, bottom; 'xywh': left, top, width, height;
       * 'cxcywh': centre x, centre y, width, height.
       */
      format: z.enum(['xyxy', 'xywh', 'cxcywh'], { error: 'output.boxes.format must be "xyxy", "xywh" or "cxcywh"' }).default('xyxy'),
      /** 'normalized': 0..1 of the model input's width/height; 'pixels': model-input pixels. */
      units: z.enum(['normalized', 'pixels'], { error: 'output.boxes.units must be "normalized" or "pixels"' }).default('normalized'),
    }),
    scores: z.strictObject({
      /** Graph output holding the per-box class scores (already softmax/sigmoid: used as they are). */
      name: tensorName('output.scores.name'),
      /** Channel of the face score in the last dimension (UltraFace: 1, after background 0). */
      faceIndex: z
        .number({ error: 'output.scores.faceIndex must be a channel index' })
        .int('output.scores.faceIndex must be a whole number')
        .min(0, 'output.scores.faceIndex must be >= 0')
        .max(1023, 'output.scores.faceIndex must be <= 1023')
        .default(1),
    }),
  }),
  /** Candidates with a face score below this are not faces. */
  scoreThreshold: fraction('scoreThreshold').default(0.7),
  /** A candidate overlapping a better kept box with IoU above this is a duplicate. */
  nmsIouThreshold: fraction('nmsIouThreshold').default(0.3),
  /** At most this many faces per image (the best-scoring). */
  maxFaces: z
    .number({ error: 'maxFaces must be a number' })
    .int('maxFaces must be a whole number')
    .min(1, 'maxFaces must be at least 1')
    .max(256, 'maxFaces must be at most 256')
    .default(16),
  source: sourceSchema,
});

export type DetectorCard = z.output<typeof detectorCardSchema>;
export type DetectorCardInput = z.input<typeof detectorCardSchema>;
/**
 * Any card the models table stores: a face parser, a face detector or a promptable segmenter (told
 * apart by `task`; the promptable card is defined below).
 */
export type AnyModelCard = ModelCard | DetectorCard | PromptableCard;

export function isDetectorCard(card: AnyModelCard): card is DetectorCard {
  return card.task === DETECTOR_TASK;
}

/** A face-parsing card (the only kind a model set's members and pre-labelling take). */
export function isParserCard(card: AnyModelCard): card is ModelCard {
  return card.task === 'face-parsing';
}

export type DetectorCardParseResult = { ok: true; card: DetectorCard } | { ok: false; problems: string[] };
export type AnyCardParseResult = { ok: true; card: AnyModelCard } | { ok: false; problems: string[] };

/** Validates a parsed JSON value as a face-detector card (field-named messages). */
export function parseDetectorCard(value: unknown): DetectorCardParseResult {
  const task = value !== null && typeof value === 'object' ? (value as Record<string, unknown>).task : undefined;
  if (task === undefined || task === 'face-parsing') {
    return { ok: false, problems: [`task: this is a face-parsing model card; a face-detector card says "task": "${DETECTOR_TASK}"`] };
  }
  const r = detectorCardSchema.safeParse(value);
  if (r.success) return { ok: true, card: r.data };
  return { ok: false, problems: problemsOf(value, r.error.issues) };
}

/**
 * A parser, detector or promptable card, chosen by `task` ("face-detection" → detector,
 * "promptable-segmentation" → promptable, else parser).
 */
export function parseAnyCard(value: unknown): AnyCardParseResult {
  const task = value !== null && typeof value === 'object' ? (value as Record<string, unknown>).task : undefined;
  if (task === PROMPTABLE_TASK) return parsePromptableCard(value);
  return task === DETECTOR_TASK ? parseDetectorCard(value) : parseModelCard(value);
}

/** `parseAnyCard` of JSON text; a syntax error is one problem naming `origin`. */
export function parseAnyCardJson(text: string, origin = 'card'): AnyCardParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [`${origin}: not valid JSON (${(e as Error).message})`] };
  }
  const r = parseAnyCard(value);
  return r.ok ? r : { ok: false, problems: r.problems.map((p) => `${origin}: ${p}`) };
}

// ---------------------------------------------------------------------------------------------------
// Promptable segmentation cards (the SAM family: an image encoder and a prompt decoder, two ONNX files)

/** `task` of a promptable-segmentation card. */
export const PROMPTABLE_TASK = 'promptable-segmentation';

const graphName = (what: string) => z.string({ error: `${what} must name a graph tensor` }).min(1, `${what} must name a graph tensor`).max(200);
const optionalName = (what: string, dflt: string) => graphName(what).nullable().default(dflt);

/**
 * A promptable segmenter exported as two ONNX files, as SAM's, MobileSAM's, EfficientSAM's and SAM 2's
 * ONNX exports are: an image encoder run once per image (its outputs are cached on disk), and a
 * prompt decoder run per prompt (clicks, a box) on the cached embedding.
 *
 * The model file added to a project is the DECODER; the card names the encoder file (`encoder.file`,
 * relative to the decoder's folder or absolute). When the model is added, the stored card gets the
 * encoder's absolute path and sha256, so a changed encoder is noticed like a changed decoder.
 *
 * Encoder pre-processing, per pixel p (0..255, `colorOrder`), channel c: x_c = (p_c·scale − mean_c) / std_c
 * (defaults: SAM's mean/std on the 0..255 scale). `resize`:
 *  - 'longest-side' (SAM, MobileSAM): the longer side becomes `size`, the other int(side·s + 0.5); the
 *    tensor is padded at the bottom and right with zeros AFTER normalisation (SAM's `preprocess`),
 *  - 'stretch' (SAM 2's and EfficientSAM's predictors): both sides become `size`.
 *
 * Prompts (the API takes continuous image pixels, pixel (i, j) covering [i, i+1) × [j, j+1)):
 *  - `prompt.pixelCentres` 'integer' (SAM's convention: the centre of pixel i is i, so 0.5 is taken
 *    off) or 'half' (used as given);
 *  - `prompt.coordinates` 'input' (scaled into the encoder's input frame: x·newW/W, y·newH/H, SAM's
 *    `apply_coords`) or 'image' (image pixels; decoders that scale themselves);
 *  - labels: 1 positive click, 0 negative click, 2 / 3 a box's top-left / bottom-right corner; without a
 *    box and with `prompt.padPoint`, a point (0, 0) labelled −1 is appended (SAM's ONNX export).
 *
 * Decoder outputs: `masks` [1, M, h, w] logits and `scores` [1, M] (predicted IoU). `maskFrame`
 * 'image': the masks are at the image size (decoders fed `orig_im_size`); 'input': they cover the
 * encoder's input frame (e.g. 256² low-res logits): scaled bilinearly to size², the content part cut
 * out and scaled to the image. A pixel is in a mask when its logit is > `maskThreshold`. With M > 1,
 * `multimask` 'sam' offers first what SAM's `select_masks` picks (mask 0 when more than 2.5 points are
 * fed, counting the padding point, else the best-scoring of masks 1..M−1), then the rest by score;
 * 'score' orders them by score alone.
 */
export const promptableCardSchema = z.strictObject({
  ...cardHead,
  task: z.literal(PROMPTABLE_TASK, { error: `task must be "${PROMPTABLE_TASK}" for a promptable-segmentation card` }),
  /** Which export family the files come from (informational; the fields below decide how they run). */
  family: z.enum(['sam', 'mobile-sam', 'efficient-sam', 'sam2', 'other'], { error: 'family must be "sam", "mobile-sam", "efficient-sam", "sam2" or "other"' }).default('other'),
  encoder: z.strictObject({
    /** The encoder ONNX file: relative to the decoder's folder, or absolute. */
    file: z.string({ error: 'encoder.file must name the encoder ONNX file' }).min(1, 'encoder.file must name the encoder ONNX file').max(4096),
    /** sha256 of the encoder file (filled in when the model is added; checked when given). */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'encoder.sha256 must be 64 lower-case hex digits').optional(),
    /** Graph input fed with the image tensor [1, 3, size, size] (NCHW float32). */
    input: graphName('encoder.input').default('image'),
    /** Side of the encoder's square input. */
    size: size('encoder.size').default(1024),
    resize: z.enum(['longest-side', 'stretch'], { error: 'encoder.resize must be "longest-side" or "stretch"' }).default('longest-side'),
    interpolation: z
      .enum(['bilinear', 'bicubic', 'nearest', 'lanczos3'], { error: 'encoder.interpolation must be "bilinear", "bicubic", "nearest" or "lanczos3"' })
      .default('bilinear'),
    colorOrder: z.enum(['RGB', 'BGR'], { error: 'encoder.colorOrder must be "RGB" or "BGR"' }).default('RGB'),
    scale: finite.default(1),
    mean: triple('encoder.mean').default([123.675, 116.28, 103.53]),
    std: triple('encoder.std')
      .refine((s) => s.every((v) => v > 0), 'encoder.std values must all be > 0')
      .default([58.395, 57.12, 57.375]),
    /** Encoder outputs handed to the decoder (cached per image). */
    outputs: z.array(graphName('encoder.outputs[]')).min(1, 'encoder.outputs must name at least one output').max(8).default(['image_embeddings']),
  }),
  decoder: z
    .strictObject({
      /** Decoder inputs fed with the encoder outputs, in the same order (default: the same names). */
      embeddings: z.array(graphName('decoder.embeddings[]')).min(1).max(8).optional(),
      pointCoords: graphName('decoder.pointCoords').default('point_coords'),
      pointLabels: graphName('decoder.pointLabels').default('point_labels'),
      /** Previous-mask input (fed zeros) and its flag (fed 0); null when the graph has none. */
      maskInput: optionalName('decoder.maskInput', 'mask_input'),
      hasMaskInput: optionalName('decoder.hasMaskInput', 'has_mask_input'),
      /** The image's [height, width]; null when the graph has none. */
      origImSize: optionalName('decoder.origImSize', 'orig_im_size'),
      masks: graphName('decoder.masks').default('masks'),
      scores: optionalName('decoder.scores', 'iou_predictions'),
      maskFrame: z.enum(['image', 'input'], { error: 'decoder.maskFrame must be "image" or "input"' }).default('image'),
      maskThreshold: finite.default(0),
      multimask: z.enum(['sam', 'score'], { error: 'decoder.multimask must be "sam" or "score"' }).default('sam'),
    })
    .default({
      pointCoords: 'point_coords',
      pointLabels: 'point_labels',
      maskInput: 'mask_input',
      hasMaskInput: 'has_mask_input',
      origImSize: 'orig_im_size',
      masks: 'masks',
      scores: 'iou_predictions',
      maskFrame: 'image',
      maskThreshold: 0,
      multimask: 'sam',
    }),
  prompt: z
    .strictObject({
      coordinates: z.enum(['input', 'image'], { error: 'prompt.coordinates must be "input" or "image"' }).default('input'),
      pixelCentres: z.enum(['integer', 'half'], { error: 'prompt.pixelCentres must be "integer" or "half"' }).default('integer'),
      padPoint: z.boolean().default(true),
    })
    .default({ coordinates: 'input', pixelCentres: 'integer', padPoint: true }),
  source: sourceSchema,
});

export type PromptableCard = z.output<typeof promptableCardSchema>;
export type PromptableCardInput = z.input<typeof promptableCardSchema>;
export type PromptableCardParseResult = { ok: true; card: PromptableCard } | { ok: false; problems: string[] };

export function isPromptableCard(card: { task: string }): card is PromptableCard {
  return card.task === PROMPTABLE_TASK;
}

/** Validates a parsed JSON value as a promptable-segmentation card (field-named messages). */
export function parsePromptableCard(value: unknown): PromptableCardParseResult {
  const r = promptableCardSchema.safeParse(value);
  if (r.success) {
    const c = r.data;
    const problems: string[] = [];
    if (c.decoder.embeddings && c.decoder.embeddings.length !== c.encoder.outputs.length) {
      problems.push(`decoder.embeddings: ${c.decoder.embeddings.length} names for ${c.encoder.outputs.length} encoder output${c.encoder.outputs.length > 1 ? 's' : ''} (one decoder input per encoder output, in order)`);
    }
    if (c.decoder.maskFrame === 'image' && c.decoder.origImSize === null) {
      problems.push('decoder.maskFrame: "image" needs decoder.origImSize (the decoder must be told the image size to return masks at it); use "input" for masks in the encoder\'s frame');
    }
    if ((c.decoder.maskInput === null) !== (c.decoder.hasMaskInput === null)) problems.push('decoder.maskInput and decoder.hasMaskInput: name both or neither');
    return problems.length ? { ok: false, problems } : { ok: true, card: c };
  }
  return { ok: false, problems: problemsOf(value, r.error.issues) };
}

/** The decoder input names fed with the encoder outputs (card order). */
export function embeddingInputs(card: PromptableCard): string[] {
  return card.decoder.embeddings ?? card.encoder.outputs;
}
