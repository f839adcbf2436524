/**
 * Promptable segmentation in the editor (`prompt:*`, issue 14): a SAM-family model (a `promptable`
 * model card: encoder + decoder ONNX) turns clicks and a box into candidate masks.
 *
 * - `prompt:prepare` computes the image embedding of (image, model) once — in a worker thread, with
 *   `job:progress` events of kind 'prompt-encode' while it runs — and caches it on disk under
 *   `<project>.parsel.cache/embeddings/`; later calls (and other sessions) read it back.
 * - `prompt:decode` runs the decoder on that embedding for one prompt and returns the candidate masks,
 *   best first (the card's `decoder.multimask` rule), each cropped to its bounding box. It prepares the
 *   embedding itself when needed.
 *
 * Coordinates are continuous image pixels, as for face boxes: pixel (i, j) covers [i, i+1) × [j, j+1),
 * the image is [0, W] × [0, H]; a click in the middle of pixel (i, j) is (i + 0.5, j + 0.5). The card
 * says how they are handed to the model (shared/models/card.ts, promptable cards).
 *
 * Nothing here writes a revision: the editor paints a committed candidate like a brush stroke (one undo
 * step) and saves it like any edit.
 */
import { z } from 'zod';
import { method } from './define';

/** At most this many clicks in one prompt. */
export const MAX_PROMPT_POINTS = 32;

export interface PromptPoint {
  x: number;
  y: number;
  /** true: part of the object (label 1); false: not (label 0). */
  positive: boolean;
}

export interface PromptBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface PromptPrepared {
  modelId: number;
  imageId: number;
  width: number;
  height: number;
  /**
   * Where the embedding came from: 'memory' (the worker holds it), 'disk' (the cache file), 'encoded'
   * (the encoder ran now).
   */
  source: 'memory' | 'disk' | 'encoded';
  /** Encoder time in ms when it ran now, else null. */
  encodeMs: number | null;
  /** Execution provider of the encoder's session, and any fallback warnings. */
  provider: string;
  warnings: string[];
}

/** One candidate mask, cropped to its bounding box (x, y, w, h in image pixels; w = h = 0 when empty). */
export interface PromptMask {
  /** The decoder's predicted IoU (its `scores` output), or null when the card names none. */
  score: number | null;
  /** Index of this mask among the decoder's outputs. */
  index: number;
  /** Pixels in the mask. */
  area: number;
  x: number;
  y: number;
  w: number;
  h: number;
  /** w×h bytes, row-major, 1 inside the mask, 0 outside. */
  bits: Uint8Array;
}

export interface PromptResult {
  modelId: number;
  imageId: number;
  width: number;
  height: number;
  /** Candidates, the one to show first at index 0 (see the card's `decoder.multimask`). */
  candidates: PromptMask[];
  /** Where the embedding came from for this call (see PromptPrepared.source). */
  source: PromptPrepared['source'];
  /** Decoder session time and the whole call in the worker (feeds, run, thresholds, crops), ms. */
  decodeMs: number;
  workerMs: number;
}

const id = z.number().int().positive();
const coord = z.number().refine(Number.isFinite, 'coordinates must be finite numbers').refine((v) => Math.abs(v) <= 1e6, 'coordinates must be within ±1e6');
const pointSchema = z.object({ x: coord, y: coord, positive: z.boolean() }).strict();
const boxSchema = z.object({ x0: coord, y0: coord, x1: coord, y1: coord }).strict();

export const promptMethods = {
  'prompt:prepare': method<PromptPrepared>()(
    z
      .object({
        modelId: id,
        imageId: id,
        /** Follow the encoder with `job:progress` events of this job id (kind 'prompt-encode'). */
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
  ),
  'prompt:decode': method<PromptResult>()(
    z
      .object({
        modelId: id,
        imageId: id,
        points: z.array(pointSchema).max(MAX_PROMPT_POINTS, `at most ${MAX_PROMPT_POINTS} clicks in one prompt`).default([]),
        box: boxSchema.nullable().default(null),
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
  ),
} as const;
