/**
 * Parser-driven editing help (`assist:parse`, contract in shared/api/methods-assist.ts): runs a model
 * set on the open image or on a box of it for the editor's re-parse and proposal tools. One engine per
 * set is kept while the project is open (started on first use). Nothing is written: no revision, no
 * cached prediction.
 *
 * A box with a whole-image model: the box's pixels (decoded here: sharp, or our BMP decoder) are parsed
 * as an image of their own. A box with a face-crop model: the image is parsed with the box as its face
 * box (expanded by the set's margin, as pre-labelling does), and the box's part of the labels returned.
 * The whole image with a face-crop model: the faces the set's mode names (drawn boxes, landmarks, the
 * detector; 'whole': the image as one face).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ParselError } from '../../../shared/api/errors';
import type { AssistParsed } from '../../../shared/api/methods-assist';
import type { FaceSpec } from '../../../shared/api/methods-models';
import { encodeMask } from '../../../shared/mask/codec';
import { decodeBmp, isBmp, rgbOf } from '../../formats/bmp';
import { boxFromLandmarks, type Box, type InferenceEngine, type Prediction } from '../../inference';
import sharp from '../../sharp';
import type { ProjectStore } from '../../store/project-store';
import type { DomainServices, ServiceContext } from '../context';
import { memberCards, setRow, type PrelabelJobs } from '../prelabel';

/** Smallest box side parsed (pixels): a smaller one is refused with its size. */
export const MIN_PARSE_BOX = 4;

export class AssistEngines {
  private engines = new Map<number, Promise<InferenceEngine>>();
  private store: ProjectStore | null = null;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly jobs: PrelabelJobs,
  ) {}

  async engine(store: ProjectStore, setId: number): Promise<InferenceEngine> {
    if (this.store !== store) {
      await this.closeAll();
      this.store = store;
    }
    const have = this.engines.get(setId);
    if (have) return have;
    const e = this.jobs.engineFor(store, setRow(store, setId), undefined);
    this.engines.set(setId, e);
    e.catch(() => {
      if (this.engines.get(setId) === e) this.engines.delete(setId);
    });
    return e;
  }

  async closeAll(): Promise<void> {
    const all = [...this.engines.values()];
    this.engines.clear();
    await Promise.all(all.map((e) => e.then((x) => x.close(), () => undefined)));
  }

  async parse(imageId: number, modelSetId: number, box: { x0: number; y0: number; x1: number; y1: number } | null): Promise<AssistParsed> {
    const { store, paths } = this.ctx.project();
    const img = store.getImage(imageId);
    const set = setRow(store, modelSetId);
    const faceModel = memberCards(store, set)[0]?.card.expects === 'face';
    let region = { x: 0, y: 0, w: img.width, h: img.height };
    if (box) {
      const x0 = Math.max(0, Math.floor(Math.min(box.x0, box.x1)));
      const y0 = Math.max(0, Math.floor(Math.min(box.y0, box.y1)));
      const x1 = Math.min(img.width, Math.ceil(Math.max(box.x0, box.x1)));
      const y1 = Math.min(img.height, Math.ceil(Math.max(box.y0, box.y1)));
      if (x1 - x0 < MIN_PARSE_BOX || y1 - y0 < MIN_PARSE_BOX) {
        throw new ParselError(
          'INVALID_INPUT',
          `box [${box.x0}, ${box.y0}, ${box.x1}, ${box.y1}] covers ${Math.max(0, x1 - x0)}×${Math.max(0, y1 - y0)} pixels of image ${imageId} (${img.width}×${img.height}); a region to parse needs at least ${MIN_PARSE_BOX}×${MIN_PARSE_BOX}`,
          { imageId, box },
        );
      }
      region = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
    }
    const abs = paths.toAbsolute(img.path);
    const engine = await this.engine(store, modelSetId);
    const t0 = performance.now();
    let pred: Prediction;
    const fail = (e: unknown): never => {
      throw new ParselError('INVALID_INPUT', `image ${imageId} (${img.path}), model set ${modelSetId}: ${e instanceof Error ? e.message : String(e)}`, { imageId, modelSetId });
    };
    const rgb = await readRgb(abs).catch(fail);
    if (rgb.width !== img.width || rgb.height !== img.height) {
      throw new ParselError('INVALID_INPUT', `image ${imageId} (${img.path}) is ${rgb.width}×${rgb.height} on disk but ${img.width}×${img.height} in the project: the file changed since it was added`, { imageId });
    }
    if (box && !faceModel) {
      const crop = cropRgb(rgb.rgb, rgb.width, region);
      pred = await engine.predict({ rgb: crop, width: region.w, height: region.h }, { probs: false, transfer: true }).catch(fail);
    } else {
      let faces: Box[] | undefined;
      if (faceModel) faces = box ? [[region.x, region.y, region.x + region.w, region.y + region.h]] : facesOf(store, imageId, set.faces, img.width, img.height);
      pred = await engine.predict({ rgb: rgb.rgb, width: rgb.width, height: rgb.height }, { probs: false, transfer: true, ...(faces ? { faces } : {}) }).catch(fail);
      if (box) pred = { ...pred, labels: cropRgbPlane(pred.labels, pred.width, region), width: region.w, height: region.h };
    }
    return {
      imageId,
      modelSetId,
      ...region,
      classes: pred.classes,
      labels: encodeMask(pred.labels, region.w, region.h),
      provider: engine.provider,
      ms: performance.now() - t0,
    };
  }
}

/** The faces a face-crop set parses on the whole image, by its mode (undefined: the detector finds them). */
function facesOf(store: ProjectStore, imageId: number, spec: Partial<FaceSpec>, width: number, height: number): Box[] | undefined {
  const faces = { mode: 'whole', ...spec } as FaceSpec;
  if (faces.mode === 'detector') return undefined;
  if (faces.mode === 'box') {
    const drawn = store.faces.of(imageId);
    if (drawn.length === 0) throw new ParselError('INVALID_INPUT', `image ${imageId} has no face box drawn; the model set parses drawn face boxes (draw one, or re-parse a box)`, { imageId });
    return drawn.map((b): Box => [b.x0, b.y0, b.x1, b.y1]);
  }
  if (faces.mode === 'landmarks') {
    const sets = store.landmarks(imageId).filter((p) => p.length > 0);
    if (sets.length === 0) throw new ParselError('INVALID_INPUT', `image ${imageId} has no landmarks; the model set finds faces from landmarks`, { imageId });
    return sets.map((p) => boxFromLandmarks(p));
  }
  return [[0, 0, width, height]];
}

async function readRgb(abs: string): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const buf = await readFile(abs);
  if (extname(abs).toLowerCase() === '.bmp' && isBmp(buf)) {
    const d = decodeBmp(buf);
    return { rgb: rgbOf(d), width: d.width, height: d.height };
  }
  const { data, info } = await sharp(buf).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

function cropRgb(rgb: Uint8Array, width: number, r: { x: number; y: number; w: number; h: number }): Uint8Array {
  const out = new Uint8Array(r.w * r.h * 3);
  for (let y = 0; y < r.h; y++) out.set(rgb.subarray(((r.y + y) * width + r.x) * 3, ((r.y + y) * width + r.x + r.w) * 3), y * r.w * 3);
  return out;
}

function cropRgbPlane(plane: Uint8Array, width: number, r: { x: number; y: number; w: number; h: number }): Uint8Array {
  const out = new Uint8Array(r.w * r.h);
  for (let y = 0; y < r.h; y++) out.set(plane.subarray((r.y + y) * width + r.x, (r.y + y) * width + r.x + r.w), y * r.w);
  return out;
}

export function assistServices(ctx: ServiceContext, jobs: PrelabelJobs, engines = new AssistEngines(ctx, jobs)): DomainServices<'assist:parse'> & { assist: AssistEngines } {
  return {
    assist: engines,
    'assist:parse': ({ imageId, modelSetId, box }) => engines.parse(imageId, modelSetId, box),
  };
}
