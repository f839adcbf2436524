/**
 * One image selection (store/image-select.ts) behind the grid, pre-label's filter, the noise scan and
 * metrics: `none` selects images without a split (or source) in every one of them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getSchema } from '../../src/shared/schema';
import { ProjectStore } from '../../src/main/store/project-store';
import { selectImages } from '../../src/main/store/flag-repo';
import { selectMetricsImages } from '../../src/main/services/domains/metrics';

function store(): ProjectStore {
  const s = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'parsel-select-')), 'p.parsel'), getSchema('lapa-11'), 'select');
  const img = (n: number, split: string | null, source: string | null) => ({ path: `${n}.jpg`, sha256: String(n).repeat(64).slice(0, 64), width: 2, height: 2, split, source });
  s.insertImages([img(1, 'train', 'lapa'), img(2, null, null), img(3, 'test', 'lapa'), img(4, null, 'coco'), img(5, 'train', null)]);
  s.setStatus([3, 4], 'done');
  return s;
}

describe('image selection', () => {
  it("'none' selects images without a split or source, alone or with others", () => {
    const s = store();
    const ids = (f: Parameters<ProjectStore['selectImages']>[0]) => s.selectImages(f).map((r) => r.id);
    expect(ids({})).toEqual([1, 2, 3, 4, 5]);
    expect(ids({ split: 'none' })).toEqual([2, 4]);
    expect(ids({ split: ['none', 'test'] })).toEqual([2, 3, 4]);
    expect(ids({ source: 'none' })).toEqual([2, 5]);
    expect(ids({ split: 'train', source: ['none'] })).toEqual([5]);
    expect(ids({ status: ['done'], split: 'none' })).toEqual([4]);
    expect(ids({ ids: [5, 2, 99] })).toEqual([2, 5]);
    expect(s.countImages({ split: 'none' })).toBe(2);
    expect(s.missingImageIds([5, 99, 2, 98])).toEqual([99, 98]);
  });

  it('the grid, the noise scan and metrics select the same images for the same filter', () => {
    const s = store();
    const grid = s.queryImages({ split: 'none', offset: 0, limit: 10 });
    expect([grid.total, grid.items.map((i) => i.id)]).toEqual([2, [2, 4]]);
    expect(s.queryImages({ split: 'train', status: ['unlabeled'], offset: 1, limit: 1 })).toMatchObject({ total: 2, offset: 1, items: [{ id: 5, split: 'train', source: null }] });
    expect(selectImages(s, { split: ['none'] }).map((r) => r.id)).toEqual([2, 4]);
    expect(selectMetricsImages(s, { split: ['none'] }).map((r) => r.id)).toEqual([2, 4]);
    expect(selectMetricsImages(s, { source: ['none'], status: ['unlabeled'] }).map((r) => r.id)).toEqual([2, 5]);
    expect(() => selectMetricsImages(s, { imageIds: [1, 42] })).toThrow(/image 42 does not exist/);
    expect(() => selectImages(s, { imageIds: [1, 42] })).toThrow(/image 42 does not exist/);
    s.close();
  });
});
