/**
 * The session's job history (`job:history`, the jobs panel): one entry per run, made from the
 * `job:progress` events every job emits and closed by the job's final event or, for cancellable runs
 * (job-registry.ts), by the end of the run itself — so a job that throws without a final event is
 * recorded as failed with its reason instead of staying "running" or vanishing.
 *
 * One log per event bus (per backend), attached on first use; at most MAX_ENTRIES kept, oldest
 * finished dropped first.
 */
import type { JobHistoryEntry, JobOutcome } from '../../shared/api/methods-jobs';
import type { JobProgress } from '../../shared/api/types';
import type { EventBus } from './backend';

const MAX_ENTRIES = 200;
const FINAL = new Set<JobOutcome>(['done', 'failed', 'cancelled']);

/** The outcome an event reports: its `status`, else a final-sounding phase; null while running. */
export function finalOutcome(p: Pick<JobProgress, 'status' | 'phase'>): JobOutcome | null {
  const s = (p.status ?? p.phase ?? '').toLowerCase();
  if (s === 'done' || s === 'completed') return 'done';
  if (s === 'failed' || s === 'error' || s === 'aborted') return 'failed';
  if (s === 'cancelled' || s === 'canceled') return 'cancelled';
  if (p.status === 'paused' || p.status === 'interrupted') return 'cancelled';
  return null;
}

export class JobLog {
  private readonly entries: JobHistoryEntry[] = [];
  private nextKey = 1;

  constructor(
    bus: EventBus,
    private readonly projectOf: () => string | null = () => null,
    private readonly now: () => number = Date.now,
  ) {
    bus.subscribe((name, payload) => {
      if (name === 'job:progress') this.progress(payload as JobProgress);
    });
  }

  /** Newest first (copies). */
  list(): JobHistoryEntry[] {
    return this.entries
      .slice()
      .reverse()
      .map((e) => ({ ...e }));
  }

  private running(jobId: string): JobHistoryEntry | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e.jobId === jobId && e.status === 'running') return e;
    }
    return undefined;
  }

  /** The running entry of `jobId`, or a new one. */
  begin(jobId: string, kind: string): JobHistoryEntry {
    const cur = this.running(jobId);
    if (cur) return cur;
    const e: JobHistoryEntry = {
      key: this.nextKey++,
      jobId,
      kind,
      status: 'running',
      phase: 'starting',
      done: 0,
      total: 0,
      failed: 0,
      message: null,
      startedAt: new Date(this.now()).toISOString(),
      endedAt: null,
      durationMs: null,
      project: this.projectOf(),
    };
    this.entries.push(e);
    this.trim();
    return e;
  }

  private progress(p: JobProgress): void {
    const outcome = finalOutcome(p);
    // A final event for a job never seen running (e.g. an instant job) still makes an entry.
    const e = this.begin(p.jobId, p.kind);
    e.kind = p.kind;
    e.phase = p.phase;
    e.done = p.done;
    e.total = p.total;
    if (p.failed !== undefined) e.failed = p.failed;
    if (p.message) e.message = p.message;
    if (outcome) this.close(e, outcome);
  }

  /**
   * Ends the running entry of `jobId` (made if none) unless a final event already did: `failed` with
   * the reason, `cancelled`, or `done`.
   */
  end(jobId: string, kind: string, outcome: JobOutcome, message?: string): void {
    const e = this.running(jobId) ?? this.begin(jobId, kind);
    if (message) e.message = message;
    this.close(e, outcome);
  }

  /** Ends every running entry of a kind (a call that failed before it learnt its job id). */
  endKind(kind: string, outcome: JobOutcome, message?: string): void {
    for (const e of this.entries) {
      if (e.kind === kind && e.status === 'running') {
        if (message) e.message = message;
        this.close(e, outcome);
      }
    }
  }

  private close(e: JobHistoryEntry, outcome: JobOutcome): void {
    if (e.status !== 'running' || !FINAL.has(outcome)) return;
    e.status = outcome;
    const t = this.now();
    e.endedAt = new Date(t).toISOString();
    e.durationMs = Math.max(0, t - Date.parse(e.startedAt));
  }

  private trim(): void {
    while (this.entries.length > MAX_ENTRIES) {
      const i = this.entries.findIndex((e) => e.status !== 'running');
      this.entries.splice(i >= 0 ? i : 0, 1);
    }
  }
}

const logs = new WeakMap<EventBus, JobLog>();

/** The job log of a bus, made (and subscribed) on first use. */
export function jobLogOf(bus: EventBus, projectOf?: () => string | null): JobLog {
  let log = logs.get(bus);
  if (!log) {
    log = new JobLog(bus, projectOf);
    logs.set(bus, log);
  }
  return log;
}
