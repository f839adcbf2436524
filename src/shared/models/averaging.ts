/**
 * The record a weight-averaged model carries in its ONNX metadata (`parsel.averaging`, written by
 * `parsel average`, main/inference/average.ts): which checkpoints and best model, the formula, and the
 * note that normalisation statistics were averaged, not re-estimated. Read back when a model is checked
 * or added, so the Models dialog and `parsel models` can say what the model is.
 */
import { z } from 'zod';

export const AVERAGING_METADATA_KEY = 'parsel.averaging';

const fileRef = z.object({ name: z.string(), sha256: z.string() });

export const averagingRecordSchema = z.object({
  formula: z.string(),
  k: z.number().nullable(),
  best: fileRef.nullable(),
  checkpoints: z.array(fileRef).min(1),
  averagedInitializers: z.number().int().min(0),
  copiedInitializers: z.number().int().min(0),
  normalisation: z.string(),
});

export type AveragingRecord = z.infer<typeof averagingRecordSchema>;

/**
 * The record in a model's metadata: null when there is none; a metadata value that is not a record
 * of this shape is reported as a problem (the model still loads: the record is documentation).
 */
export function readAveragingRecord(metadata: Record<string, string>): { record: AveragingRecord | null; problem: string | null } {
  const text = metadata[AVERAGING_METADATA_KEY];
  if (text === undefined) return { record: null, problem: null };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { record: null, problem: `metadata "${AVERAGING_METADATA_KEY}" is not JSON: ${(err as Error).message}` };
  }
  const r = averagingRecordSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    return { record: null, problem: `metadata "${AVERAGING_METADATA_KEY}": ${i.path.join('.') || '(record)'}: ${i.message}` };
  }
  return { record: r.data, problem: null };
}

/** One line for people: "weight-averaged from 5 checkpoints + best (k = 1); BatchNorm statistics averaged, not re-estimated". */
export function describeAveraging(r: AveragingRecord): string {
  const n = r.checkpoints.length;
  const what = r.best ? `${n} checkpoint${n === 1 ? '' : 's'} and best model ${r.best.name} (k = ${r.k}, DML-CSR eq. 6)` : `${n} checkpoints (plain mean)`;
  return `Weight-averaged self-ensemble of ${what}; normalisation statistics (BatchNorm) averaged, not re-estimated on data.`;
}
