/**
 * Session worker: owns the onnxruntime sessions and does nothing but `session.run`, which blocks its
 * thread. The pipeline worker (worker.ts) meanwhile decodes, normalises and post-processes other items
 * on another core. Protocol: worker-rpc.ts, requests
 *   { type: 'init', models: string[], providers?, intraOpThreads? } → SessionReport[]
 *   { type: 'run', model, input, dims, tensor, outputs } → { outs: { data, dims }[] (one per requested output), ms }
 *   { type: 'close' }
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { TensorInfo } from './inspect';
import { createSession } from './providers';
import type { ProviderName } from './types';
import { ownBuffers, serve, withTransfer } from './worker-rpc';

export interface SessionReport {
  provider: string;
  warnings: string[];
  intraOpThreads: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

type InMsg =
  | { id: number; type: 'init'; models: string[]; providers?: ProviderName[]; intraOpThreads?: number }
  | { id: number; type: 'run'; model: number; input: string; dims: number[]; tensor: Float32Array; outputs: string[] }
  | { id: number; type: 'close' };

export interface RunReply {
  outs: { data: Float32Array; dims: number[] }[];
  ms: number;
}

const port = parentPort;
if (!port) throw new Error('session-worker.ts must run in a worker thread');
const sessions: ort.InferenceSession[] = [];
/** Runs one after another, so each run's time is its own. */
let queue: Promise<unknown> = Promise.resolve();

const info = (m: ort.InferenceSession.ValueMetadata): TensorInfo =>
  m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] };

serve<InMsg>(port, async (msg) => {
  if (msg.type === 'init') {
    const reports: SessionReport[] = [];
    for (const path of msg.models) {
      const s = await createSession(path, { providers: msg.providers, intraOpThreads: msg.intraOpThreads });
      sessions.push(s.session);
      reports.push({
        provider: s.provider,
        warnings: s.warnings,
        intraOpThreads: s.intraOpThreads,
        inputs: s.session.inputMetadata.map(info),
        outputs: s.session.outputMetadata.map(info),
      });
    }
    return reports;
  }
  if (msg.type === 'run') {
    const run = queue.then(async () => {
      const s = sessions[msg.model];
      const t0 = performance.now();
      const out = await s.run({ [msg.input]: new ort.Tensor('float32', msg.tensor, msg.dims) }, msg.outputs);
      const ms = performance.now() - t0;
      const outs = msg.outputs.map((name) => {
        const v = out[name];
        let data = v.data as Float32Array;
        // Transfer when the buffer is ours alone; otherwise copy once.
        if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
        return { data, dims: [...v.dims] };
      });
      return withTransfer<RunReply>({ outs, ms }, ownBuffers(...outs.map((o) => o.data)));
    });
    queue = run.catch(() => undefined);
    return run;
  }
  for (const s of sessions) await s.release();
  sessions.length = 0;
  return null;
});
