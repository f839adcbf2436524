import { describe, expect, it } from 'vitest';
import type { JobHistoryEntry } from '../../../../shared/api/methods-jobs';
import { fmtCounts, fmtDuration, jobKindLabel, jobSummary } from './format';

const entry = (over: Partial<JobHistoryEntry>): JobHistoryEntry => ({
  key: 1,
  jobId: 'j',
  kind: 'export',
  status: 'done',
  phase: 'done',
  done: 3,
  total: 3,
  failed: 0,
  message: null,
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:01.200Z',
  durationMs: 1200,
  project: null,
  ...over,
});

describe('job formatting', () => {
  it('durations', () => {
    expect(fmtDuration(null)).toBe('—');
    expect(fmtDuration(400)).toBe('0.4 s');
    expect(fmtDuration(12_400)).toBe('12 s');
    expect(fmtDuration(185_000)).toBe('3 min 05 s');
    expect(fmtDuration(3_720_000)).toBe('1 h 02 min');
  });
  it('counts', () => {
    expect(fmtCounts({ done: 0, total: 0, failed: 0 })).toBe('—');
    expect(fmtCounts({ done: 28, total: 1200, failed: 2 })).toBe('28 / 1,200 · 2 failed');
  });
  it('summaries and labels', () => {
    expect(jobSummary(entry({}))).toBe('Export done · 1.2 s');
    expect(jobSummary(entry({ kind: 'prelabel', status: 'failed', message: 'model file missing' }))).toBe('Pre-label failed: model file missing');
    expect(jobSummary(entry({ kind: 'noise-scan', status: 'running', done: 1, total: 4 }))).toBe('Noise scan running · 1 / 4');
    expect(jobKindLabel('something-new')).toBe('something-new');
  });
});
