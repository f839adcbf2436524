/**
 * A job this view starts and follows: a job id made here, the job's `job:progress` events while it
 * runs (subscribed before the call goes out, so none is missed), and cancel. Used by the import,
 * export, statistics and noise-scan dialogs, which each repeated this.
 *
 *   const job = useJob('export', (client, jobId) => client.call('export:cancel', { jobId }));
 *   const result = await job.start((jobId) => client.call('export:run', { ..., jobId }));
 *   job.running  // the job id while running, else null;  job.progress  // its latest event
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobProgress } from '../../../shared/api/types';
import type { RendererClient } from '../api/client';
import { useClient } from './common';

export interface Job {
  /** The running job's id, or null. */
  running: string | null;
  /** Its latest progress event (null before the first and once it ended). */
  progress: JobProgress | null;
  /** Runs `call` with a new job id; resolves / rejects with it. One job at a time per hook. */
  start<R>(call: (jobId: string) => Promise<R>): Promise<R>;
  /** Asks the running job to stop (errors of the request are ignored: the job's end says it). */
  cancel(): Promise<void>;
}

export function newJobId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function useJob(
  prefix: string,
  cancelCall: (client: RendererClient, jobId: string) => Promise<unknown>,
  opts: { /** Closing the view stops the job it started. */ cancelOnUnmount?: boolean } = {},
): Job {
  const client = useClient();
  const [running, setRunning] = useState<string | null>(null);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const current = useRef<string | null>(null);
  const cancelRef = useRef(cancelCall);
  useEffect(() => {
    cancelRef.current = cancelCall;
  });

  const start = useCallback(
    async <R>(call: (jobId: string) => Promise<R>): Promise<R> => {
      const jobId = newJobId(prefix);
      current.current = jobId;
      setRunning(jobId);
      setProgress(null);
      const off = client.on('job:progress', (p) => {
        if (p.jobId === jobId && current.current === jobId) setProgress(p);
      });
      try {
        return await call(jobId);
      } finally {
        off();
        if (current.current === jobId) {
          current.current = null;
          setRunning(null);
          setProgress(null);
        }
      }
    },
    [client, prefix],
  );

  const cancel = useCallback(async () => {
    const id = current.current;
    if (id) await cancelRef.current(client, id).catch(() => undefined);
  }, [client]);

  const cancelOnUnmount = opts.cancelOnUnmount === true;
  useEffect(
    () => () => {
      if (cancelOnUnmount && current.current) void cancelRef.current(client, current.current).catch(() => undefined);
    },
    [client, cancelOnUnmount],
  );

  return { running, progress, start, cancel };
}
