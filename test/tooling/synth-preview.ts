/**
 * Contact sheet of synthetic faces for eyeballing the generator:
 *   npx tsx test/tooling/synth-preview.ts out.png [--schema celebamask-hq-a] [--seed 1] [--size 256]
 *        [--cols 4] [--faces 1|2] [--accessories 0..1] [--noise 0.08]
 * Row 1: images; row 2: masks coloured with the schema's palette (then further row pairs if --rows > 2).
 */
import sharp from 'sharp';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out || out.startsWith('--')) {
    console.error('usage: npx tsx test/tooling/synth-preview.ts out.png [--schema id] [--seed n] [--size px]');
    process.exit(2);
  }
  const schema = getSchema(arg('schema', 'celebamask-hq-a'));
  const seed0 = Number(arg('seed', '1'));
  const size = Number(arg('size', '256'));
  const cols = Number(arg('cols', '4'));
  const pairs = Math.max(1, Math.floor(Number(arg('rows', '2')) / 2));
  const facesArg = arg('faces', 'mixed');
  const accArg = arg('accessories', '');
  const noise = Number(arg('noise', '0.08'));
  const gap = 4;
  const sheetW = cols * size + (cols + 1) * gap;
  const sheetH = pairs * 2 * size + (pairs * 2 + 1) * gap;
  const sheet = new Uint8Array(sheetW * sheetH * 3).fill(255);
  const palette = new Uint8Array(256 * 3).fill(128);
  for (const c of schema.classes) palette.set(c.color, c.index * 3);

  const blit = (src: Uint8Array, col: number, row: number): void => {
    const ox = gap + col * (size + gap);
    const oy = gap + row * (size + gap);
    for (let y = 0; y < size; y++) {
      sheet.set(src.subarray(y * size * 3, (y + 1) * size * 3), ((oy + y) * sheetW + ox) * 3);
    }
  };

  const t0 = performance.now();
  for (let p = 0; p < pairs; p++) {
    for (let c = 0; c < cols; c++) {
      const seed = seed0 + p * cols + c;
      const a = accArg === '' ? undefined : Number(accArg);
      const face = generateFace({
        seed,
        width: size,
        height: size,
        schema,
        noise,
        faces: facesArg === 'mixed' ? (seed % 3 === 0 ? 2 : 1) : facesArg === '2' ? 2 : 1,
        accessories: a === undefined ? undefined : { glasses: a, hat: a, earring: a, necklace: a },
      });
      const col = new Uint8Array(size * size * 3);
      for (let i = 0; i < size * size; i++) col.set(palette.subarray(face.mask[i] * 3, face.mask[i] * 3 + 3), i * 3);
      // landmarks as white dots on the mask view
      for (const f of face.faces) {
        for (const [lx, ly] of f.landmarks) {
          const x = Math.round(lx - 0.5);
          const y = Math.round(ly - 0.5);
          if (x >= 0 && y >= 0 && x < size && y < size) col.set([255, 255, 255], (y * size + x) * 3);
        }
      }
      blit(face.rgb, c, p * 2);
      blit(col, c, p * 2 + 1);
    }
  }
  const ms = performance.now() - t0;
  await sharp(sheet, { raw: { width: sheetW, height: sheetH, channels: 3 } }).png().toFile(out);
  console.log(`wrote ${out} (${pairs * cols} faces, ${schema.id}, ${size}px, ${ms.toFixed(0)} ms)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
