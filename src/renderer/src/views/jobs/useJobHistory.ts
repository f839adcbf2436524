/**
 * The session's job history (`job:history`) for the status bar and the jobs panel: fetched when shown,
 * again (coalesced) after `job:progress` events, and every 2 s while a job runs — a run that ends by
 * throwing sends no final event, the history still records it (services/job-log.ts).
 */
import { useEffect, useState } from 'react';
import type { JobHistoryEntry } from '../../../../shared/api/methods-jobs';
import { useClient } from '../common';

const COALESCE_MS = 300;
const POLL_MS = 2000;

export function useJobHistory(): JobHistoryEntry[] {
  const client = useClient();
  const [entries, setEntries] = useState<JobHistoryEntry[]>([]);
  const running = entries.some((e) => e.status === 'running');

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = () => {
      client
        .call('job:history', {})
        .then((h) => !cancelled && setEntries(h))
        .catch(() => undefined);
    };
    load();
    const off = client.on('job:progress', () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        load();
      }, COALESCE_MS);
    });
    return () => {
      cancelled = true;
      off();
      if (timer) clearTimeout(timer);
    };
  }, [client]);

  useEffect(() => {
    if (!running) return;
    let cancelled = false;
    const t = setInterval(() => {
      client
        .call('job:history', {})
        .then((h) => !cancelled && setEntries(h))
        .catch(() => undefined);
    }, POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(t);
    };
  }, [client, running]);

  return entries;
}
