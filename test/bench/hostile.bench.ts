/**
 * Hostile inputs of issue 15 at full size: time and peak memory to refuse them, against a same-run
 * baseline of what the code did before (uncapped inflate; the ancestors-only folder walk).
 *
 *   npm run bench -- hostile [--depth 17] [--bomb-mb 1536]
 *
 * Prints one line per case. Memory is the process's peak RSS growth (process.resourceUsage().maxRSS),
 * so each capped case runs before its baseline.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, promises as fs } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeflate, inflateSync } from 'node:zlib';
import { decodeBmp } from '../../src/main/formats/bmp';
import { decodePng, parsePngChunks } from '../../src/main/formats/png';
import { walkTree } from '../../src/main/formats/walk';
import { bmpHeader, pngFile, pngHeaderOnly } from '../tooling/bad-inputs';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const DEPTH = arg('depth', 17);
const BOMB_MB = arg('bomb-mb', 1536);

const peakMb = () => process.resourceUsage().maxRSS / 1024;
const ms = (t0: number) => (performance.now() - t0).toFixed(1);

async function deflateZeros(bytes: number): Promise<Buffer> {
  const z = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((r) => z.on('end', r));
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  for (let left = bytes; left > 0; left -= chunk.length) {
    if (!z.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await done;
  return Buffer.concat(out);
}

async function refuse(what: string, f: () => unknown): Promise<void> {
  const m0 = peakMb();
  const t0 = performance.now();
  let result = 'accepted';
  try {
    await f();
  } catch (err) {
    result = `refused: ${(err as Error).message.slice(0, 110)}`;
  }
  console.log(`${what}: ${ms(t0)} ms, peak RSS +${(peakMb() - m0).toFixed(0)} MB, ${result}`);
}

/** The walk dataset.ts did before: follows every link, stops only at a folder already on the path. */
async function ancestorsOnlyWalk(dir: string, ancestors: Set<string> = new Set()): Promise<number> {
  const real = await fs.realpath(dir);
  if (ancestors.has(real)) return 0;
  const next = new Set(ancestors).add(real);
  let files = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const st = e.isSymbolicLink() ? await fs.stat(p).catch(() => null) : e;
    if (st?.isDirectory()) files += await ancestorsOnlyWalk(p, next);
    else if (st?.isFile()) files++;
  }
  return files;
}

function linkTree(top: string, depth: number): void {
  const real = `${top}-real`;
  mkdirSync(top, { recursive: true });
  for (let k = 1; k <= depth; k++) mkdirSync(join(real, `l${k}`), { recursive: true });
  for (let k = 0; k <= depth; k++) {
    const dir = k === 0 ? top : join(real, `l${k}`);
    writeFileSync(join(dir, 'img.png'), 'x');
    if (k < depth) {
      const next = k === 0 ? join(real, 'l1') : join('..', `l${k + 1}`);
      symlinkSync(next, join(dir, 'a'));
      symlinkSync(next, join(dir, 'b'));
    }
  }
}

async function main(): Promise<void> {
  console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; node ${process.version}`);
  const idat = await deflateZeros(BOMB_MB * 1024 * 1024);
  const bomb = pngFile({ width: 64, height: 64, bitDepth: 8, colorType: 0 }, idat);
  console.log(`bomb label: 64×64 8-bit grey, file ${(bomb.length / 1e6).toFixed(2)} MB, inflates to ${BOMB_MB} MiB`);
  await refuse('  capped decodePng (now)', () => decodePng(bomb, 'bomb.png'));
  await refuse('  uncapped inflateSync (before)', () => inflateSync(parsePngChunks(bomb, 'bomb.png').idat).length);
  const rgba16 = pngHeaderOnly({ width: 16384, height: 16384, bitDepth: 16, colorType: 6 });
  await refuse('16-bit RGBA label at 16384²', () => decodePng(rgba16, 'rgba16.png'));
  await refuse('58-byte BMP, 0 bpp, 16000×16000', () => decodeBmp(bmpHeader({ width: 16000, height: 16000, bitsPerPixel: 0 })));

  const root = mkdtempSync(join(tmpdir(), 'parsel-bench-walk-'));
  try {
    // warm-up (module code, first fs calls) so neither walk pays it
    linkTree(join(root, 'warm', 'images'), 3);
    await walkTree(join(root, 'warm', 'images'));
    await ancestorsOnlyWalk(join(root, 'warm', 'images'));
    for (const depth of [12, DEPTH]) {
      const top = join(root, `d${depth}`, 'images');
      linkTree(top, depth);
      let t0 = performance.now();
      const w = await walkTree(top);
      const now = performance.now() - t0;
      let line = `walk, two links per level, depth ${depth}: walkTree ${now.toFixed(1)} ms (${w.files.length} files, ${w.repeats.length} repeats)`;
      if (depth <= 12) {
        t0 = performance.now();
        const n = await ancestorsOnlyWalk(top);
        const before = performance.now() - t0;
        line += `; ancestors-only walk (before) ${before.toFixed(1)} ms (${n} files), ${(before / now).toFixed(0)}× slower`;
      } else line += `; the walk before visits ${2 ** (depth + 1) - 1} paths (not run)`;
      console.log(line);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
