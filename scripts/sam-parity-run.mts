/**
 * Parsel's side of the SAM parity check (training/parity/sam_parity.py drives it; no Python here).
 *
 *   npx tsx scripts/sam-parity-run.mts <manifest.json>
 *
 * manifest: { out, decoders: [onnx, …] (each with <name>.card.json beside it), images: [{ name, png,
 * width, height, prompts: [{ points: [{x, y, positive}], box: {x0, y0, x1, y1} | null }] }] }.
 * Writes under <out>/<image>/:
 *   input.npy (f4 1×3×1024×1024)   the encoder input as the prompt worker builds it (resizeToPlacement + encoderTensor)
 *   embedding.npy (f4 …)           the embedding the worker cached on disk (read back from the cache file)
 *   p<j>_coords.npy (f4 N×2)       the decoder points Parsel feeds for prompt j (promptPoints)
 *   d<d>_p<j>_masks.npy (u1 M×H×W) decoder d's candidates for prompt j, full size, in Parsel's order
 *   d<d>_p<j>.json                 their indices, scores, areas, decodeMs
 * and prints one JSON line: `parsel models check` of each decoder, encode and decode times.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { main as cli } from '../src/cli/index';
import { parsePromptableCard, type PromptableCard } from '../src/shared/models/card';
import { npyHeader, type NpyDescr } from '../src/shared/dataset/npy';
import { PromptEngine } from '../src/main/inference/prompt-engine';
import { decodeEmbedding, encoderPlacement, encoderTensor, promptPoints } from '../src/main/inference/prompt-core';
import { resizeToPlacement } from '../src/main/inference/runner';
import { sha256File } from '../src/main/services/model-check';
import type { PromptBox, PromptPoint } from '../src/shared/api/methods-prompt';

interface Manifest {
  out: string;
  decoders: string[];
  images: { name: string; png: string; width: number; height: number; prompts: { points: PromptPoint[]; box: PromptBox | null }[] }[];
}

function writeNpy(path: string, descr: NpyDescr, shape: number[], data: Float32Array | Uint8Array): void {
  const head = npyHeader(descr, shape);
  const out = new Uint8Array(head.length + data.byteLength);
  out.set(head, 0);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), head.length);
  writeFileSync(path, out);
}

async function check(onnx: string): Promise<unknown> {
  let text = '';
  const code = await cli(['models', 'check', onnx, '--json'], { out: (s) => (text += s), err: () => undefined });
  const c = JSON.parse(text) as { ok: boolean; problems: string[] };
  return { onnx, code, ok: c.ok, problems: c.problems };
}

async function main(): Promise<void> {
  const m = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Manifest;
  const checks: unknown[] = [];
  const times: Record<string, number[]> = { encodeMs: [], decodeMs: [] };
  for (const [d, dec] of m.decoders.entries()) {
    checks.push(await check(dec));
    const raw = JSON.parse(readFileSync(dec.replace(/\.onnx$/, '.card.json'), 'utf8')) as Record<string, unknown>;
    const parsed = parsePromptableCard(raw);
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const card: PromptableCard = parsed.card;
    card.encoder.file = join(dec, '..', card.encoder.file);
    card.encoder.sha256 = await sha256File(card.encoder.file);
    const engine = await PromptEngine.create({ encoder: card.encoder.file, decoder: dec, card, providers: ['cpu'] });
    try {
      for (const im of m.images) {
        const dir = join(m.out, im.name);
        mkdirSync(dir, { recursive: true });
        const cacheFile = join(dir, 'embedding.emb');
        const e = await engine.embed(im.name, { path: im.png }, cacheFile);
        if (e.encodeMs !== null) times.encodeMs.push(e.encodeMs);
        if (d === 0) {
          const { data, info } = await sharp(im.png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
          const p = encoderPlacement(card, info.width, info.height);
          const rgb = await resizeToPlacement(sharp(im.png), new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, { left: 0, top: 0, width: p.width, height: p.height }, card.encoder.interpolation);
          writeNpy(join(dir, 'input.npy'), '<f4', [1, 3, card.encoder.size, card.encoder.size], encoderTensor(card, rgb, p));
          const emb = decodeEmbedding(new Uint8Array(readFileSync(cacheFile)), card.encoder.sha256, card.encoder.outputs);
          if (!emb) throw new Error(`${cacheFile}: not readable back`);
          writeNpy(join(dir, 'embedding.npy'), '<f4', emb.tensors[0].dims, emb.tensors[0].data);
        }
        for (const [j, pr] of im.prompts.entries()) {
          const pts = promptPoints(card, im.width, im.height, pr.points, pr.box);
          if (d === 0) writeNpy(join(dir, `p${j}_coords.npy`), '<f4', [pts.n, 2], pts.coords);
          const r = await engine.decode(im.name, pr.points, pr.box);
          times.decodeMs.push(r.decodeMs);
          const all = new Uint8Array(r.candidates.length * im.width * im.height);
          r.candidates.forEach((c, k) => {
            const o = k * im.width * im.height;
            for (let y = 0; y < c.h; y++) for (let x = 0; x < c.w; x++) all[o + (c.y + y) * im.width + c.x + x] = c.bits[y * c.w + x];
          });
          writeNpy(join(dir, `d${d}_p${j}_masks.npy`), '|u1', [r.candidates.length, im.height, im.width], all);
          writeFileSync(join(dir, `d${d}_p${j}.json`), JSON.stringify({ decodeMs: r.decodeMs, candidates: r.candidates.map((c) => ({ index: c.index, score: c.score, area: c.area })) }));
        }
      }
    } finally {
      await engine.close();
    }
  }
  const med = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
  console.log(JSON.stringify({ checks, encodeMs: times.encodeMs.map(Math.round), decodeMsMedian: med(times.decodeMs) }));
}

await main();
