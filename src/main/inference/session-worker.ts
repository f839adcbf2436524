/**
 * Session worker: owns the onnxruntime sessions and does nothing but `session.run`, which blocks its
 * thread. The pipeline worker (worker.ts) meanwhile decodes, normalises and post-processes other items
 * on another core. Protocol:
 *   in:  { type: 'init', models: string[], providers?, intraOpThreads? } | { type: 'run', id, model, input, dims, tensor, outputs } | { type: 'close' }
 *   out: { type: 'ready', sessions: SessionReport[] } | { type: 'init-error', message }
 *      | { type: 'out', id, outs: { data, dims }[] (one per requested output), ms } | { type: 'err', id, message } | { type: 'closed' }
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { TensorInfo } from './inspect';
import { createSession } from './providers';
import type { ProviderName } from './types';

export interface SessionReport {
  provider: string;
  warnings: string[];
  intraOpThreads: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

type InMsg =
  | { type: 'init'; models: string[]; providers?: ProviderName[]; intraOpThreads?: number }
  | { type: 'run'; id: number; model: number; input: string; dims: number[]; tensor: Float32Array; outputs: string[] }
  | { type: 'close' };

const port = parentPort;
if (!port) throw new Error('session-worker.ts must run in a worker thread');
const sessions: ort.InferenceSession[] = [];
/** Runs one after another, so each run's time is its own. */
let queue: Promise<void> = Promise.resolve();

const info = (m: ort.InferenceSession.ValueMetadata): TensorInfo =>
  m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] };

port.on('message', (msg: InMsg) => {
  if (msg.type === 'init') {
    (async () => {
      const reports: SessionReport[] = [];
      try {
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
        port.postMessage({ type: 'ready', sessions: reports });
      } catch (e) {
        port.postMessage({ type: 'init-error', message: e instanceof Error ? e.message : String(e) });
      }
    })();
  } else if (msg.type === 'run') {
    queue = queue.then(async () => {
      try {
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
        const buffers = outs.map((o) => o.data.buffer as ArrayBuffer);
        try {
          port.postMessage({ type: 'out', id: msg.id, outs, ms }, new Set(buffers).size === buffers.length ? buffers : []);
        } catch {
          port.postMessage({ type: 'out', id: msg.id, outs, ms });
        }
      } catch (e) {
        port.postMessage({ type: 'err', id: msg.id, message: e instanceof Error ? e.message : String(e) });
      }
    });
  } else if (msg.type === 'close') {
    (async () => {
      for (const s of sessions) await s.release();
      sessions.length = 0;
      port.postMessage({ type: 'closed' });
    })();
  }
});
