/**
 * A stand-in for models/demo (written by training/): colour-rule ONNX models (onnx-gen.ts) labelling
 * celebamask-hq-a, each with its card beside it, and the demo.json manifest the sample project reads.
 * The models are tiny and their masks are nonsense on faces: what the tests check is the wiring.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getSchema } from '../../src/shared/schema';
import { colourRuleModel } from './onnx-gen';

export const DEMO_MEMBERS = ['snapshot-1.onnx', 'snapshot-2.onnx', 'snapshot-3.onnx'];

export function writeDemoModels(dir: string, opts: { size?: number } = {}): string {
  mkdirSync(dir, { recursive: true });
  const schema = getSchema('celebamask-hq-a');
  const size = opts.size ?? 64;
  DEMO_MEMBERS.forEach((file, k) => {
    // Each snapshot nudges the centroids a little, as snapshots of one training run differ a little.
    const centroids = schema.classes.map((c, j) => c.color.map((v) => v / 255 + ((j + k) % 3) * 0.01) as [number, number, number]);
    writeFileSync(join(dir, file), colourRuleModel({ centroids, inputName: 'input', outputName: 'logits' }));
    const card = { name: `demo snapshot ${k + 1}`, input: { name: 'input', width: size, height: size }, output: { name: 'logits', kind: 'logits' }, labels: 'celebamask-hq-a', expects: 'image' };
    writeFileSync(join(dir, file.replace(/\.onnx$/, '.card.json')), JSON.stringify(card));
  });
  writeFileSync(
    join(dir, 'demo.json'),
    JSON.stringify({ schema: 'celebamask-hq-a', set: { name: 'demo', members: DEMO_MEMBERS, tta: 'flip' }, averaged: 'averaged.onnx', report: 'REPORT.md' }),
  );
  return dir;
}
