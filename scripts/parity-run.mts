/**
 * Parsel's side of the architecture parity check (training/parity/parity.py drives it; no Python here).
 *
 *   npx tsx scripts/parity-run.mts images <spec.json>    synthetic faces (src/shared/synth) as PNG
 *   npx tsx scripts/parity-run.mts run <manifest.json>   every export through Parsel, results as .npy
 *
 * `images` spec: { "out": dir, "images": [{ "name", "width", "height", "seed" }] } → <out>/<name>.png.
 *
 * `run` manifest: { "out": dir, "exports": [{ "id", "onnx", "modelImage", "images": [name, png][] }] };
 * the card is `<onnx minus .onnx>.card.json`. Per export it writes under <out>/<id>/:
 *   check.json                 `parsel models check <onnx> --json` (the CLI's own code, in process)
 *   input.npy  (f4 1×3×S×S)    Parsel's input tensor for the model-size image (toTensor, as the runner)
 *   probs_model.npy (f4 K×h×w) softmax of the graph's output at model resolution (softmaxPlanar)
 *   <image>_labels.npy (u1 H×W), <image>_probs.npy (u1 K×H×W)
 *                              InferenceEngine.predict(image, { probs: true }) on the CPU provider:
 *                              resize (sharp), normalise, session.run, softmax, upsample, argmax
 *   <image>_resized.npy (u1 S×S×3)
 *                              the image resized to the model input as the runner does it
 *                              (whole-image cards: resizeToPlacement; face-crop
 *                              cards: sampleFrame of the crop), for the PyTorch side to run the network
 *                              on exactly Parsel's pixels
 * Face-crop cards get one face box covering the whole image.
 * and prints one JSON line per export with timings.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { main as cli } from '../src/cli/index';
import { InferenceEngine, expandBox, loadModelCard, placeImage, type Box } from '../src/main/inference';
import { decodeRgb, resizeToPlacement } from '../src/main/inference/runner';
import { sampleFrame, toTensor } from '../src/main/inference/preprocess';
import { softmaxPlanar, toPlanar } from '../src/main/inference/postprocess';
import { npyHeader, type NpyDescr } from '../src/shared/dataset/npy';
import { getSchema } from '../src/shared/schema';
import { generateFace } from '../src/shared/synth';

function writeNpy(path: string, descr: NpyDescr, shape: number[], data: Float32Array | Uint8Array): void {
  const head = npyHeader(descr, shape);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  writeFileSync(path, out);
}

async function images(specPath: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { out: string; images: { name: string; width: number; height: number; seed: number }[] };
  mkdirSync(spec.out, { recursive: true });
  const schema = getSchema('celebamask-hq-b');
  for (const im of spec.images) {
    const f = generateFace({ seed: im.seed, width: im.width, height: im.height, schema });
    await sharp(f.rgb, { raw: { width: f.width, height: f.height, channels: 3 } }).png().toFile(join(spec.out, `${im.name}.png`));
  }
}

interface ExportItem {
  id: string;
  onnx: string;
  modelImage: string;
  images: [string, string][];
}

async function run(manifestPath: string): Promise<void> {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as { out: string; exports: ExportItem[] };
  for (const e of m.exports) {
    const dir = join(m.out, e.id);
    mkdirSync(dir, { recursive: true });
    const t0 = performance.now();

    // 1. parsel models check <onnx> --json
    let text = '';
    const code = await cli(['models', 'check', e.onnx, '--json'], { out: (s) => (text += s), err: (s) => (text += s) });
    let check: unknown;
    try {
      check = JSON.parse(text);
    } catch {
      check = { ok: false, problems: [text] };
    }
    writeFileSync(join(dir, 'check.json'), JSON.stringify({ exitCode: code, check }, null, 2));

    const card = loadModelCard(e.onnx);
    const spec = card.input;
    const K = getSchema(card.labels).classes.length;

    // 2. Model resolution: Parsel's tensor of the model-size image, the graph, Parsel's softmax.
    const mi = e.images.find(([n]) => n === e.modelImage);
    if (!mi) throw new Error(`${e.id}: model image ${e.modelImage} is not among its images`);
    const img = await decodeRgb(mi[1]);
    if (img.width !== spec.width || img.height !== spec.height) throw new Error(`${e.id}: ${mi[1]} is ${img.width}×${img.height}, the card says ${spec.width}×${spec.height}`);
    const tensor = toTensor(spec, img.rgb, placeImage(spec, img.width, img.height));
    writeNpy(join(dir, 'input.npy'), '<f4', [1, 3, spec.height, spec.width], tensor);
    const session = await ort.InferenceSession.create(e.onnx, { executionProviders: ['cpu'] });
    const outName = card.output.name ?? session.outputNames[0];
    const res = await session.run({ [spec.name]: new ort.Tensor('float32', tensor, [1, 3, spec.height, spec.width]) }, [outName]);
    const out = res[outName];
    const dims = out.dims as number[];
    const [h, w] = card.output.layout === 'NCHW' ? [dims[2], dims[3]] : [dims[1], dims[2]];
    const p = toPlanar((out.data as Float32Array).slice(), card.output.layout, K, h, w);
    if (card.output.kind === 'logits') softmaxPlanar(p, K, h * w);
    writeNpy(join(dir, 'probs_model.npy'), '<f4', [K, h, w], p);
    await session.release();
    const tModel = performance.now() - t0;

    // 3. The engine, end to end, on every image.
    const engine = await InferenceEngine.create({ models: [{ path: e.onnx, card }], providers: ['cpu'] });
    const timings: Record<string, number> = {};
    try {
      for (const [name, png] of e.images) {
        const im = await decodeRgb(png);
        const t1 = performance.now();
        // Face-crop cards: one face box covering the whole image (with crop margin 0 and square false
        // the crop is the image itself, resampled by sampleFrame instead of sharp).
        const face: Box = [0, 0, im.width, im.height];
        const pred = await engine.predict(im, { probs: true, faces: card.expects === 'face' ? [face] : undefined });
        timings[name] = Math.round(performance.now() - t1);
        writeNpy(join(dir, `${name}_labels.npy`), '|u1', [pred.height, pred.width], pred.labels);
        writeNpy(join(dir, `${name}_probs.npy`), '|u1', [pred.classes, pred.height, pred.width], pred.probs!);
        if (card.expects === 'face') {
          const frame = expandBox(face, card.crop.margin, card.crop.square);
          const crop = sampleFrame(im.rgb, im.width, im.height, frame, spec.width, spec.height, spec.padValue);
          writeNpy(join(dir, `${name}_resized.npy`), '|u1', [spec.height, spec.width, 3], crop);
        } else if (im.width !== spec.width || im.height !== spec.height) {
          const p2 = placeImage(spec, im.width, im.height);
          const img = sharp(im.rgb, { raw: { width: im.width, height: im.height, channels: 3 } });
          const px = await resizeToPlacement(img, im.rgb, im.width, im.height, p2, spec.interpolation);
          writeNpy(join(dir, `${name}_resized.npy`), '|u1', [p2.height, p2.width, 3], px);
        }
      }
    } finally {
      await engine.close();
    }
    console.log(JSON.stringify({ id: e.id, checkExit: code, outputDims: dims, modelMs: Math.round(tModel), predictMs: timings }));
  }
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'images' && arg) await images(arg);
else if (mode === 'run' && arg) await run(arg);
else {
  console.error('usage: tsx scripts/parity-run.mts images <spec.json> | run <manifest.json>');
  process.exit(2);
}
