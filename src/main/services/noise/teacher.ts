/**
 * Where a scan gets the teacher's probabilities: image id → K class-major uint8 planes at the image's
 * H×W (shared/noise/probs.ts), or null when the model set has none for the image. The service reads the
 * prediction cache (services/predictions.ts); tests may inject another source.
 *
 * A cached prediction of other image content than the image now has (its sha256 changed) is stale and
 * counts as none.
 */
import type { ProjectStore } from '../../store/project-store';
import { readPrediction } from '../predictions';

export interface TeacherPlanes {
  width: number;
  height: number;
  classes: number;
  probs: Uint8Array;
}

export type TeacherSource = (imageId: number, modelSetId: number) => TeacherPlanes | null;

export function cacheTeacher(store: ProjectStore): TeacherSource {

  return (imageId, modelSetId) => {
    const p = readPrediction(store, imageId, modelSetId);
    if (!p) return null;
    if (p.imageSha256 !== store.imageRow(imageId)?.sha256) return null;
    return p;
  };
}
