/** Pure formatting of job history entries (unit-tested in format.test.ts). */
import type { JobHistoryEntry } from '../../../../shared/api/methods-jobs';

const KIND_LABEL: Record<string, string> = {
  'add-folder': 'Add folder',
  import: 'Import dataset',
  export: 'Export',
  prelabel: 'Pre-label',
  'noise-scan': 'Noise scan',
  'import-probs': 'Import probabilities',
  metrics: 'Statistics',
  sample: 'Sample project',
};

export function jobKindLabel(kind: string): string {
  return KIND_LABEL[kind] ?? kind;
}

/** "0.4 s", "12 s", "3 min 05 s", "1 h 02 min". */
export function fmtDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** "30 / 30", "28 / 30 · 2 failed", "—" when the job reported no count. */
export function fmtCounts(e: Pick<JobHistoryEntry, 'done' | 'total' | 'failed'>): string {
  if (e.total === 0 && e.done === 0) return e.failed > 0 ? `${e.failed} failed` : '—';
  const base = `${e.done.toLocaleString('en-US')} / ${e.total.toLocaleString('en-US')}`;
  return e.failed > 0 ? `${base} · ${e.failed.toLocaleString('en-US')} failed` : base;
}

/** One line for the status bar: "Export done · 1.2 s", "Pre-label failed: model file missing". */
export function jobSummary(e: JobHistoryEntry): string {
  const kind = jobKindLabel(e.kind);
  if (e.status === 'running') return `${kind} running · ${fmtCounts(e)}`;
  if (e.status === 'failed') return `${kind} failed${e.message ? `: ${e.message}` : ''}`;
  return `${kind} ${e.status} · ${fmtDuration(e.durationMs)}`;
}
