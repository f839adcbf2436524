/** The prediction cache module (other domains read it): round trip, replace on re-run, shape and encoding checks. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getSchema } from '../../src/shared/schema';
import { deflateProbs, readPrediction, writePrediction, PROBS_ENCODING } from '../../src/main/services/predictions';
import { ProjectStore, storeDb } from '../../src/main/store/project-store';

const dir = mkdtempSync(join(tmpdir(), 'parsel-predictions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prediction cache', () => {
  it('round-trips, replaces on a re-run, and refuses wrong shapes and unknown encodings', async () => {
    const store = ProjectStore.create(join(dir, 'p.parsel'), getSchema('lapa-11'), 'p');
    try {
      const [img] = store.insertImages([{ path: 'a.png', sha256: 'a'.repeat(64), width: 5, height: 3 }]);
      const now = new Date().toISOString();
      storeDb(store).prepare("INSERT INTO model(id, name, path, sha256, card, added_at) VALUES (1, 'm', '/m.onnx', 'x', '{}', ?)").run(now);
      storeDb(store).prepare("INSERT INTO model_set(id, name, members, created_at) VALUES (7, 's', '[1]', ?)").run(now);
      expect(readPrediction(store, img, 7)).toBeNull();

      const K = 11;
      const probs = Uint8Array.from({ length: K * 15 }, (_, i) => (i * 37) % 256);
      const row = { imageId: img, modelSetId: 7, imageSha256: 'a'.repeat(64), width: 5, height: 3, classes: K, provider: 'cpu' };
      writePrediction(store, row, { probs });
      const got = readPrediction(store, img, 7)!;
      expect(got).toMatchObject({ width: 5, height: 3, classes: K, provider: 'cpu', imageSha256: 'a'.repeat(64) });
      expect(Buffer.from(got.probs).equals(Buffer.from(probs))).toBe(true);

      // A re-run replaces the row (deflated off the main thread this time).
      const again = probs.map((v) => 255 - v);
      writePrediction(store, { ...row, provider: 'cuda' }, { deflated: await deflateProbs(again), rawLength: again.length });
      const second = readPrediction(store, img, 7)!;
      expect(second.provider).toBe('cuda');
      expect(Buffer.from(second.probs).equals(Buffer.from(again))).toBe(true);
      expect(storeDb(store).prepare('SELECT count(*) AS n, encoding FROM prediction').get()).toEqual({ n: 1, encoding: PROBS_ENCODING });

      expect(() => writePrediction(store, row, { probs: probs.subarray(1) })).toThrow(`prediction for image ${img}: probs has 164 values, expected K*H*W = 11*3*5 = 165`);
      expect(() => writePrediction(store, { ...row, classes: 1 }, { probs })).toThrow(/bad class count 1/);
      storeDb(store).prepare("UPDATE prediction SET encoding = 'f16planes'").run();
      expect(() => readPrediction(store, img, 7)).toThrow(`prediction of image ${img} by model set 7 has encoding "f16planes"; this version reads "${PROBS_ENCODING}"`);
    } finally {
      store.close();
    }
  });
});
