/**
 * The ONNX model writer is test tooling (test/tooling/onnx-writer.ts): no production module defines or
 * imports it, and the one model production needs (the doctor's provider probe) is stored as bytes that
 * the writer reproduces exactly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGraphStructure } from '../../src/main/inference/onnx-proto';
import { PROBE_MODEL_BASE64 } from '../../src/main/services/doctor-probes';
import { encodeModel } from '../tooling/onnx-writer';

const root = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts')) out.push(rel);
  }
  return out;
}

describe('the ONNX writer lives with the test tooling', () => {
  it('no production module under src/ defines or uses encodeModel', () => {
    const files = sources('src');
    expect(files.length).toBeGreaterThan(50);
    const hits = files.filter((f) => /function encodeModel\b|\bencodeModel\s*[(,}]|from '[^']*onnx-writer'/.test(readFileSync(join(root, f), 'utf8')));
    expect(hits).toEqual([]);
  });

  it("the doctor's probe model is the writer's one-node Relu model, byte for byte", () => {
    const bytes = encodeModel({
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [1] }],
      outputs: [{ name: 'y', shape: [1] }],
      initializers: [],
      graphName: 'parsel-doctor',
    });
    const stored = new Uint8Array(Buffer.from(PROBE_MODEL_BASE64, 'base64'));
    expect(stored).toEqual(bytes);
    const g = readGraphStructure(stored);
    expect(g.nodes.map((n) => n.op)).toEqual(['Relu']);
    expect([g.inputs, g.outputs]).toEqual([['x'], ['y']]);
  });
});
