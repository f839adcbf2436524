/**
 * The jobs panel (`job:history`): every job of this app session — add folder, dataset import, export,
 * pre-labelling, noise scan, probability import, statistics, sample project — running or finished, with
 * its outcome. Kept in main's memory from the `job:progress` events and the end of each cancellable
 * run (services/job-log.ts), newest first; pre-labelling jobs are also stored in the project (`job:list`).
 */
import { z } from 'zod';
import { method } from './define';

export const JOB_OUTCOMES = ['running', 'done', 'failed', 'cancelled'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

export interface JobHistoryEntry {
  /** Unique per run in this session (a job id can be reused by a later run, e.g. a resumed pre-label job). */
  key: number;
  jobId: string;
  kind: string;
  status: JobOutcome;
  /** Last phase reported ('adding', 'writing', 'done', …). */
  phase: string;
  done: number;
  total: number;
  failed: number;
  /** The reason of a failure, or the job's last message. */
  message: string | null;
  /** ISO times; `endedAt` null while running. */
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  /** The project file open when the job started (null: none). */
  project: string | null;
}

export const jobMethods = {
  'job:history': method<JobHistoryEntry[]>()(z.object({}).strict()),
};
