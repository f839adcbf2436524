import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type PngOptions } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePngSync, encodePng, encodePngAsync, filterRows, inflatePngSync, paintNonZero, readColorPng, readIndexPng, samplesToRgb, writeColorPng, writeIndexPng } from '../../src/main/formats/png';

const dir = mkdtempSync(join(tmpdir(), 'parsel-png-'));

function pattern(w: number, h: number, mod = 256): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let i = 0; i < m.length; i++) m[i] = (i * 7 + Math.floor(i / w) * 3) % mod;
  return m;
}

/** The filter heuristic written plainly: every filter in full, the lowest signed-magnitude sum wins, ties to the lower type. */
function referenceFilterTypes(px: Uint8Array, rows: number, rowBytes: number, bpp: number): number[] {
  const paeth = (a: number, b: number, c: number) => {
    const p = a + b - c;
    const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  };
  const types: number[] = [];
  for (let y = 0; y < rows; y++) {
    const sums = [0, 1, 2, 3, 4].map((f) => {
      let sum = 0;
      for (let i = 0; i < rowBytes; i++) {
        const x = px[y * rowBytes + i];
        const a = i >= bpp ? px[y * rowBytes + i - bpp] : 0;
        const b = y > 0 ? px[(y - 1) * rowBytes + i] : 0;
        const c = y > 0 && i >= bpp ? px[(y - 1) * rowBytes + i - bpp] : 0;
        const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f];
        const v = (x - pred) & 255;
        sum += v < 128 ? v : 256 - v;
      }
      return sum;
    });
    types.push(sums.indexOf(Math.min(...sums)));
  }
  return types;
}

describe('png', () => {
  it('row filters follow the min-sum heuristic exactly; the async encoder writes the same bytes', async () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const seen = new Set<number>();
    for (let t = 0; t < 120; t++) {
      const w = 1 + Math.floor(rnd() * 40);
      const h = 1 + Math.floor(rnd() * 30);
      const ch = t % 2 === 0 ? 1 : 3;
      const d = new Uint8Array(w * h * ch);
      const kind = t % 4;
      for (let i = 0; i < d.length; i++) {
        const x = Math.floor(i / ch) % w;
        const y = Math.floor(i / ch / w);
        d[i] = kind === 0 ? Math.floor(rnd() * 256) : kind === 1 ? Math.floor(rnd() * 3) : kind === 2 ? (x * 9 + y * 5) & 255 : x > w / 2 ? 11 : 4;
      }
      const filtered = filterRows(d, h, w * ch, ch);
      const types = Array.from({ length: h }, (_, y) => filtered[y * (w * ch + 1)]);
      expect(types).toEqual(referenceFilterTypes(d, h, w * ch, ch));
      types.forEach((f) => seen.add(f));
      const sync = encodePng(d, w, h, ch);
      expect((await encodePngAsync(d, w, h, ch)).equals(sync)).toBe(true);
      const back = decodePngSync(sync, 't.png');
      expect(Buffer.from(back.samples as Uint8Array).equals(Buffer.from(d))).toBe(true);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]); // every filter type was exercised
  });

  it('index PNG round trip is byte-exact for all 256 values; sharp reads it as 1 channel', async () => {
    const m = pattern(37, 23);
    const p = join(dir, 'a.png');
    await writeIndexPng(p, m, 37, 23);
    const back = await readIndexPng(p);
    expect([back.width, back.height]).toEqual([37, 23]);
    expect(Buffer.from(back.data).equals(Buffer.from(m))).toBe(true);
    const meta = await sharp(p).metadata();
    expect(meta.channels).toBe(1);
    const viaSharp = await sharp(p).toColourspace('b-w').raw().toBuffer();
    expect(viaSharp.equals(Buffer.from(m))).toBe(true);
    // deterministic bytes
    expect(encodePng(m, 37, 23, 1).equals(readFileSync(p))).toBe(true);
  });

  it('reads palette PNGs by index, interlaced files, RGB with equal channels, and low bit depths', async () => {
    const w = 40;
    const h = 30;
    const m = pattern(w, h, 11);
    // palette PNG via sharp: compare indices through the palette colours
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < m.length; i++) rgb.set([m[i] * 20, 255 - m[i] * 20, m[i] * 5], i * 3);
    const pal = join(dir, 'pal.png');
    await sharp(Buffer.from(rgb), { raw: { width: w, height: h, channels: 3 } }).png({ palette: true, colours: 16, dither: 0 }).toFile(pal);
    const idx = await readIndexPng(pal);
    const col = await readColorPng(pal);
    expect(Buffer.from(col.data).equals(Buffer.from(rgb))).toBe(true);
    // every pixel with the same colour has the same index
    const seen = new Map<number, number>();
    for (let i = 0; i < m.length; i++) {
      const prev = seen.get(m[i]);
      if (prev === undefined) seen.set(m[i], idx.data[i]);
      else expect(idx.data[i]).toBe(prev);
    }
    // interlaced grey
    const inter = join(dir, 'inter.png');
    await sharp(Buffer.from(m.map((v) => v * 20)), { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('b-w')
      .png({ progressive: true })
      .toFile(inter);
    const ib = await readIndexPng(inter);
    expect(Array.from(ib.data)).toEqual(Array.from(m.map((v) => v * 20)));
    // RGB with R=G=B
    const grey3 = join(dir, 'grey3.png');
    await writeColorPng(grey3, new Uint8Array(Array.from(m).flatMap((v) => [v, v, v])), w, h);
    expect(Array.from((await readIndexPng(grey3)).data)).toEqual(Array.from(m));
    // 1-bit grey: values are the samples 0/1
    const bin = join(dir, 'bin.png');
    await sharp(Buffer.from(m.map((v) => (v > 5 ? 255 : 0))), { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('b-w')
      .png({ colours: 2, bitdepth: 1 } as PngOptions)
      .toFile(bin);
    const b1 = await readIndexPng(bin);
    const distinct = new Set(b1.data);
    expect([...distinct].every((v) => v === 0 || v === 1 || v === 255)).toBe(true);
  });

  it('errors name the file: colour pixel in an index mask, truncated, corrupt, not a PNG', async () => {
    const p = join(dir, 'col.png');
    await writeColorPng(p, new Uint8Array([0, 0, 0, 255, 0, 0]), 2, 1);
    await expect(readIndexPng(p)).rejects.toThrow(/col\.png: colour PNG is not an index mask: pixel \(1, 0\) is rgb\(255,0,0\)/);
    const good = encodePng(pattern(64, 64), 64, 64, 1);
    const trunc = join(dir, 'trunc.png');
    writeFileSync(trunc, good.subarray(0, good.length - 40));
    await expect(readIndexPng(trunc)).rejects.toThrow(/trunc\.png: truncated PNG/);
    const bad = Buffer.from(good);
    bad.fill(0x55, 60, 80);
    const corrupt = join(dir, 'corrupt.png');
    writeFileSync(corrupt, bad);
    await expect(readIndexPng(corrupt)).rejects.toThrow(/corrupt\.png: (corrupt|truncated) PNG/);
    const notPng = join(dir, 'x.png');
    writeFileSync(notPng, 'hello');
    await expect(readIndexPng(notPng)).rejects.toThrow(/x\.png: not a PNG file/);
    await expect(readIndexPng(join(dir, 'missing.png'))).rejects.toThrow(/missing\.png: cannot read file \(ENOENT\)/);
  });

  it('paintNonZero (fused part-mask path) equals decode-then-paint for every filter, colour type and writer', async () => {
    const w = 97;
    const h = 61;
    const bin = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) bin[y * w + x] = (x - 40) ** 2 + (y - 30) ** 2 < 400 || (y > 50 && x % 7 < 3) ? 255 : 0;
    const files: Buffer[] = [encodePng(bin, w, h, 1), encodePng(new Uint8Array(Array.from(bin).flatMap((v) => [v, v >> 1, 0])), w, h, 3)];
    for (const opts of [{}, { progressive: true }, { palette: true }, { compressionLevel: 9, adaptiveFiltering: true }] as PngOptions[]) {
      files.push(await sharp(Buffer.from(bin), { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').png(opts).toBuffer());
      files.push(await sharp(Buffer.from(Array.from(bin).flatMap((v) => [0, v, 0, 255])), { raw: { width: w, height: h, channels: 4 } }).png(opts).toBuffer());
    }
    for (const [k, f] of files.entries()) {
      const out = new Uint8Array(w * h).fill(3);
      paintNonZero(inflatePngSync(f, `f${k}`), out, 9, `f${k}`);
      const rgb = samplesToRgb(decodePngSync(f, `f${k}`), `f${k}`).data;
      for (let i = 0; i < w * h; i++) {
        const fg = rgb[3 * i] | rgb[3 * i + 1] | rgb[3 * i + 2];
        if (out[i] !== (fg ? 9 : 3)) throw new Error(`file ${k}: pixel ${i} is ${out[i]}, expected ${fg ? 9 : 3}`);
      }
    }
  });
});
