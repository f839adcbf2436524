/**
 * Mask codec benchmark: encoded size and encode/decode throughput per encoding and resolution, with
 * PNG via sharp as the baseline, all in one run on the same masks.
 *
 *   npm run bench -- codec            # all sizes (512..4096), ~2-3 minutes
 *   npm run bench -- codec --quick    # 512 and 1024 only
 *   npm run bench -- codec --threshold  # only the rle/raw crossover used by encodeMask
 *
 * MB/s are raw-mask megabytes (width*height bytes, 1e6) per second, median over repeated runs.
 * Figures and conclusions: docs/bench/codec.md.
 */
import os from 'node:os';
import sharp from 'sharp';
import {
  decodeMask,
  encodeMask,
  encodeMaskAs,
  rleDecode,
  rleEncode,
  type EncodeOptions,
} from '../../src/shared/mask/codec';
import { ellipseFace, noiseMask } from './codec-faces';

interface Candidate {
  name: string;
  encode(mask: Uint8Array, size: number): Promise<Uint8Array> | Uint8Array;
  decode(data: Uint8Array, size: number): Promise<Uint8Array> | Uint8Array;
}

function pure(encoding: string, level?: EncodeOptions['level']): Candidate {
  return {
    name: level === undefined ? encoding : `${encoding} L${level}`,
    encode: (mask, size) => encodeMaskAs(mask, size, size, encoding, { level }).data,
    decode: (data, size) => decodeMask({ width: size, height: size, encoding, data }),
  };
}

const autoEncodings = new Map<Uint8Array, string>();
const candidates: Candidate[] = [
  pure('raw1+deflate', 1),
  pure('raw1+deflate', 6),
  pure('up1+deflate', 1),
  pure('up1+deflate', 6),
  pure('rle1+deflate', 1),
  pure('rle1+deflate', 6),
  pure('rle1+deflate', 9),
  {
    name: 'rle1 (no deflate)',
    encode: (mask) => rleEncode(mask),
    decode: (data, size) => rleDecode(data, size * size),
  },
  {
    name: 'encodeMask (auto)',
    encode: (mask, size) => {
      const e = encodeMask(mask, size, size);
      autoEncodings.set(e.data, e.encoding);
      return e.data;
    },
    decode: (data, size) =>
      decodeMask({ width: size, height: size, encoding: autoEncodings.get(data) ?? '?', data }),
  },
  ...[1, 6, 9].map(
    (level): Candidate => ({
      name: `PNG sharp L${level}`,
      encode: async (mask, size) =>
        new Uint8Array(
          await sharp(mask, { raw: { width: size, height: size, channels: 1 } })
            .toColourspace('b-w') // else sharp writes a 3-channel sRGB PNG
            .png({ compressionLevel: level })
            .toBuffer(),
        ),
      decode: async (data) => {
        const { data: px, info } = await sharp(data).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
        if (info.channels !== 1) throw new Error(`PNG decoded with ${info.channels} channels`);
        return new Uint8Array(px.buffer, px.byteOffset, px.length);
      },
    }),
  ),
];

async function timeIt(fn: () => Promise<unknown> | unknown, budgetMs: number): Promise<number> {
  const times: number[] = [];
  const start = performance.now();
  await fn(); // warm-up
  while (times.length < 3 || (performance.now() - start < budgetMs && times.length < 50)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const fmtBytes = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);

/**
 * Where runs stop paying: a 512² face with a growing fraction of pixels replaced by random classes,
 * rle1+deflate against raw1+deflate, and what encodeMask picks (its bound: run stream <= raw/4).
 */
async function thresholdSection(): Promise<void> {
  const size = 512;
  const face = ellipseFace(size, 1);
  const noise = noiseMask(size, 19, 99);
  const pick = noiseMask(size, 256, 98);
  console.log(`## crossover: ${size}x${size} face with a fraction p of pixels replaced by noise`);
  console.log('');
  console.log('| p | run stream / raw | rle1+deflate size | encode ms | raw1+deflate L1 size | encode ms | encodeMask picks |');
  console.log('|---:|---:|---:|---:|---:|---:|---|');
  for (const p of [0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1]) {
    const m = face.slice();
    const cut = Math.round(p * 256);
    for (let i = 0; i < m.length; i++) if (pick[i] < cut || p === 1) m[i] = noise[i];
    const rle = pure('rle1+deflate');
    const raw = pure('raw1+deflate', 1);
    const a = rle.encode(m, size) as Uint8Array;
    const b = raw.encode(m, size) as Uint8Array;
    const ta = await timeIt(() => rle.encode(m, size), 300);
    const tb = await timeIt(() => raw.encode(m, size), 300);
    console.log(
      `| ${p} | ${(rleEncode(m).length / m.length).toFixed(3)} | ${fmtBytes(a.length)} | ${ta.toFixed(1)} | ${fmtBytes(b.length)} | ${tb.toFixed(1)} | ${encodeMask(m, size, size).encoding} |`,
    );
  }
  console.log('');
}

async function main(): Promise<void> {
  if (process.argv.includes('--threshold')) return thresholdSection();
  const quick = process.argv.includes('--quick');
  const sizes = quick ? [512, 1024] : [512, 1024, 2048, 4096];
  const faceSeeds = [1, 2, 3, 4];
  console.log(`# codec benchmark — ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${os.platform()} ${os.arch()}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`);
  console.log('MB/s = raw mask MB (1e6 bytes) per second, median; face rows: totals / means over seeds ' + faceSeeds.join(','));
  console.log('');

  for (const kind of ['face', 'noise'] as const) {
    for (const size of sizes) {
      const masks =
        kind === 'face'
          ? (size >= 4096 ? faceSeeds.slice(0, 2) : faceSeeds).map((s) => ellipseFace(size, s))
          : [noiseMask(size, 19)];
      const raw = size * size;
      const budget = size >= 4096 ? 1500 : 600;
      let runsPerRow = 0;
      for (const m of masks) {
        let r = 1;
        for (let i = 1; i < m.length; i++) if (m[i] !== m[i - 1]) r++;
        runsPerRow += r / size / masks.length;
      }
      console.log(`## ${kind} ${size}x${size} (${masks.length} mask${masks.length > 1 ? 's' : ''}, ${runsPerRow.toFixed(1)} runs/row)`);
      console.log('');
      console.log('| encoding | mean size | ratio to raw | encode MB/s | decode MB/s |');
      console.log('|---|---:|---:|---:|---:|');
      for (const c of candidates) {
        let bytes = 0;
        let encMs = 0;
        let decMs = 0;
        for (const m of masks) {
          const data = await c.encode(m, size);
          const back = await c.decode(data, size);
          if (!equal(back, m)) throw new Error(`${c.name} does not round-trip at ${size}`);
          bytes += data.length;
          encMs += await timeIt(() => c.encode(m, size), budget / masks.length);
          decMs += await timeIt(() => c.decode(data, size), budget / masks.length);
        }
        const n = masks.length;
        const mbs = (ms: number) => ((raw * n) / 1e6 / (ms / 1e3)).toFixed(0);
        console.log(
          `| ${c.name} | ${fmtBytes(Math.round(bytes / n))} | ${((bytes / n / raw) * 100).toFixed(3)}% | ${mbs(encMs)} | ${mbs(decMs)} |`,
        );
      }
      console.log('');
    }
  }
  await thresholdSection();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
