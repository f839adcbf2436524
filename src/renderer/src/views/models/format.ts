/**
 * Pure formatting for the models and pre-labelling views (unit-tested in format.test.ts): ETA,
 * execution provider names, card summaries, job states, and problem lists carried by API errors.
 */
import type { FaceSpec, JobRecord, ModelRecord, ModelSetRecord } from '../../../../shared/api/methods-models';
import type { JobProgress } from '../../../../shared/api/types';

/** Estimated time left: "—" until the job can estimate it, then "< 1 s", "42 s", "3 min 05 s", "2 h 07 min". */
export function fmtEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return '< 1 s';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  }
  const totalMin = Math.round(s / 60);
  const h = Math.floor(totalMin / 60);
  return `${h} h ${String(totalMin % 60).padStart(2, '0')} min`;
}

const PROVIDER_NAMES: Record<string, string> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  tensorrt: 'TensorRT',
  dml: 'DirectML',
  directml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
  rocm: 'ROCm',
  migraphx: 'MIGraphX',
  openvino: 'OpenVINO',
};

/** onnxruntime's provider id ('cpu', 'cuda', 'dml', …) as a user reads it ("CPU", "CUDA", "DirectML"). */
export function providerLabel(provider: string | null | undefined): string {
  if (!provider) return '—';
  return PROVIDER_NAMES[provider.toLowerCase()] ?? provider.toUpperCase();
}

/** Percentage of a done/total pair, clamped to 0..100 (0 when total is 0). */
export function percent(done: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, (100 * done) / total));
}

export const FINAL_JOB_STATES = ['done', 'cancelled', 'failed'] as const;

/** True when a progress event (or job status) says the job has stopped. */
export function isFinalStatus(status: string | null | undefined): boolean {
  return status !== undefined && status !== null && (FINAL_JOB_STATES as readonly string[]).includes(status);
}

/** "512×512 NCHW RGB" — the card's input as one line. */
export function inputLabel(m: Pick<ModelRecord, 'card'>): string {
  if (m.card.task === 'promptable-segmentation') {
    const e = m.card.encoder;
    return `${e.size}² ${e.resize} ${e.colorOrder}`;
  }
  const i = m.card.input;
  return `${i.width}×${i.height} ${i.layout} ${i.colorOrder}`;
}

/** Whole image or face crop (with the card's margin). */
export function expectsLabel(m: Pick<ModelRecord, 'card'>): string {
  const c = m.card;
  if (c.task === 'face-detection') return `finds faces (score ≥ ${c.scoreThreshold}, NMS IoU ${c.nmsIouThreshold}, at most ${c.maxFaces})`;
  if (c.task === 'promptable-segmentation') return `clicks and a box in the editor (mask logit > ${c.decoder.maskThreshold})`;
  return c.expects === 'face' ? `face crop (margin ${c.crop.margin})` : 'whole image';
}

const FACE_MODE_LABEL: Record<FaceSpec['mode'], string> = {
  whole: 'whole image',
  box: 'drawn boxes',
  landmarks: 'landmarks',
  detector: 'detector',
};

/** How a set finds faces, e.g. "landmarks, margin 0.25" or "detector #3, margin 0.4". */
export function facesLabel(set: Pick<ModelSetRecord, 'faces' | 'expects'>, modelName?: (id: number) => string | undefined): string {
  if (set.expects === 'image') return 'whole image';
  const f = set.faces;
  let s = FACE_MODE_LABEL[f.mode];
  if (f.mode === 'detector' && f.detectorModelId !== undefined) s += ` ${modelName?.(f.detectorModelId) ?? `#${f.detectorModelId}`}`;
  return `${s}, margin ${f.margin}`;
}

/**
 * A job's state as a user reads it: a job the database says is running but that is not running in
 * this app was interrupted (the app or the CLI was killed while it ran, or it runs in another process).
 */
export function jobState(j: Pick<JobRecord, 'status' | 'active'>): string {
  return j.status === 'running' && !j.active ? 'interrupted' : j.status;
}

/**
 * One line for a job: "12 / 40 done · 1 failed · paused". `skipped` counts among `done`: images whose
 * prediction was cached but whose human/import/fix revision was kept (no `force`).
 */
export function jobLine(j: Pick<JobRecord, 'done' | 'total' | 'failed' | 'skipped'> & { status: string }): string {
  const parts = [`${j.done.toLocaleString('en-US')} / ${j.total.toLocaleString('en-US')} done`];
  if (j.failed > 0) parts.push(`${j.failed.toLocaleString('en-US')} failed`);
  if (j.skipped > 0) parts.push(`${j.skipped.toLocaleString('en-US')} kept their human revision`);
  parts.push(j.status);
  return parts.join(' · ');
}

/** The compact running-job text of the status bar: "Pre-labelling 12 / 40 · ETA 8 s". */
export function progressLine(p: Pick<JobProgress, 'done' | 'total' | 'failed' | 'etaSeconds'>): string {
  let s = `Pre-labelling ${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')}`;
  if (p.failed) s += ` · ${p.failed.toLocaleString('en-US')} failed`;
  s += ` · ETA ${fmtEta(p.etaSeconds)}`;
  return s;
}

/**
 * The list of problems an API error carries in `details` (a card refused by the graph check lists
 * one message per problem), or [] when it carries none.
 */
export function detailProblems(err: unknown): string[] {
  if (typeof err !== 'object' || err === null) return [];
  const details = (err as { details?: unknown }).details;
  if (typeof details !== 'object' || details === null) return [];
  const d = details as { problems?: unknown; check?: { problems?: unknown } };
  const list = Array.isArray(d.problems) ? d.problems : Array.isArray(d.check?.problems) ? d.check.problems : [];
  return list.filter((p): p is string => typeof p === 'string');
}

/** Parses the optional card JSON typed by the user: undefined when empty, an object, or an error message. */
export function parseCardText(text: string): { card?: Record<string, unknown> } | { error: string } {
  const t = text.trim();
  if (!t) return {};
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (err) {
    return { error: `card: not valid JSON (${(err as Error).message})` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'card: must be a JSON object ({ "name": …, "input": …, … })' };
  return { card: v as Record<string, unknown> };
}
