import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { getSchema } from '../../src/shared/schema';
import { generateFace } from '../../src/shared/synth';
import { readIndexPng, writeIndexPng, writeSyntheticFolder } from './dataset';

const root = mkdtempSync(join(tmpdir(), 'parsel-synth-dataset-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeSyntheticFolder / readIndexPng', () => {
  it('writes PNG images and index masks that read back byte-identical (images-masks layout)', async () => {
    const dir = join(root, 'png');
    const schema = getSchema('celebamask-hq-b');
    const out = await writeSyntheticFolder(dir, {
      count: 5,
      width: 96,
      height: 80,
      schemaId: schema.id,
      seed: 40,
      format: 'png',
      synth: { faces: 2 },
    });
    expect(out.images).toHaveLength(5);
    expect(out.masks).toHaveLength(5);
    expect(readdirSync(join(dir, 'images')).sort()).toEqual(out.images.map((p) => basename(p)).sort());
    expect(readdirSync(join(dir, 'masks'))).toHaveLength(5);
    const valid = new Set(schema.classes.map((c) => c.index));
    for (let i = 0; i < 5; i++) {
      const expected = generateFace({ seed: 40 + i, width: 96, height: 80, schema, faces: 2 });
      const mask = await readIndexPng(out.masks[i]);
      expect([mask.width, mask.height]).toEqual([96, 80]);
      expect(Buffer.from(mask.data).equals(Buffer.from(expected.mask))).toBe(true);
      for (const v of mask.data) expect(valid.has(v)).toBe(true);
      const { data, info } = await sharp(out.images[i]).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([96, 80, 3]);
      expect(Buffer.from(data).equals(Buffer.from(expected.rgb))).toBe(true); // PNG is lossless
      expect(out.items[i]).toEqual({ imagePath: out.images[i], maskPath: out.masks[i], seed: 40 + i });
    }
  });

  it('writes JPEG q92 images close to the generated pixels, masks as 1-channel 8-bit PNG (flat layout)', async () => {
    const dir = join(root, 'jpg-flat');
    const out = await writeSyntheticFolder(dir, { count: 3, width: 128, height: 128, schemaId: 'lapa-11', layout: 'flat' });
    expect(out.images.map((p) => basename(p))).toEqual(['synth_00000.jpg', 'synth_00001.jpg', 'synth_00002.jpg']);
    expect(out.masks.map((p) => basename(p))).toEqual(['synth_00000.png', 'synth_00001.png', 'synth_00002.png']);
    for (let i = 0; i < 3; i++) {
      const png = readFileSync(out.masks[i]);
      expect(png[25]).toBe(0); // IHDR colour type 0: greyscale, not RGB
      expect(png[24]).toBe(8); // bit depth
      const meta = await sharp(out.masks[i]).metadata();
      expect(meta.channels).toBe(1);
      expect(meta.depth).toBe('uchar');
      expect(meta.format).toBe('png');
      const jmeta = await sharp(out.images[i]).metadata();
      expect(jmeta.format).toBe('jpeg');
      const expected = generateFace({ seed: i, width: 128, height: 128, schema: getSchema('lapa-11') });
      const { data } = await sharp(out.images[i]).raw().toBuffer({ resolveWithObject: true });
      let err = 0;
      for (let k = 0; k < data.length; k++) err += Math.abs(data[k] - expected.rgb[k]);
      expect(err / data.length).toBeLessThan(8);
      expect(err).toBeGreaterThan(0); // it really is lossy JPEG
    }
  });

  it("names flat PNG masks *_seg.png and writes no masks with masks: 'none'", async () => {
    const flat = await writeSyntheticFolder(join(root, 'png-flat'), {
      count: 2,
      width: 64,
      height: 64,
      schemaId: 'facesynthetics',
      format: 'png',
      layout: 'flat',
    });
    expect(flat.masks.map((p) => basename(p))).toEqual(['synth_00000_seg.png', 'synth_00001_seg.png']);
    const none = await writeSyntheticFolder(join(root, 'none'), {
      count: 2,
      width: 64,
      height: 64,
      schemaId: 'celebamask-hq-a',
      masks: 'none',
    });
    expect(none.masks).toEqual([]);
    expect(none.masksDir).toBeNull();
    expect(existsSync(join(root, 'none', 'masks'))).toBe(false);
    expect(none.images.every((p) => existsSync(p))).toBe(true);
  });

  it('readIndexPng round-trips every byte value and rejects colour PNGs', async () => {
    const w = 32;
    const h = 8;
    const data = new Uint8Array(w * h);
    for (let i = 0; i < data.length; i++) data[i] = i & 255;
    const p = join(root, 'all-values.png');
    await writeIndexPng(p, data, w, h);
    const back = await readIndexPng(p);
    expect(back.width).toBe(w);
    expect(back.height).toBe(h);
    expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);

    const rgbPath = join(root, 'rgb.png');
    await sharp(Buffer.alloc(4 * 4 * 3, 7), { raw: { width: 4, height: 4, channels: 3 } }).png().toFile(rgbPath);
    await expect(readIndexPng(rgbPath)).rejects.toThrow(/single-channel 8-bit index PNG, got 3 channels/);
    await expect(writeIndexPng(join(root, 'bad.png'), new Uint8Array(5), 2, 2)).rejects.toThrow(/5 bytes/);
  });
});
