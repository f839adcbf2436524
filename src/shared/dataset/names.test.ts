import { describe, expect, it } from 'vitest';
import { outputNames, unsafeRelativePath } from './names';

describe('export names and relative paths', () => {
  it('refuses absolute paths, .., backslashes and empty segments', () => {
    for (const p of ['/etc/passwd', 'C:/x', 'c:x', '../a', 'a/../../b', 'a/..', 'a\\b', '', 'a//b', './a', 'a/.']) {
      expect(unsafeRelativePath(p), p).not.toBeNull();
    }
    for (const p of ['a', 'train/images/x.jpg', 'a..b/c', '..a/b', 'x.y.z']) expect(unsafeRelativePath(p), p).toBeNull();
  });

  it('makes unique, safe stems; collisions (case-insensitive) get the image id', () => {
    const names = outputNames([
      { imageId: 1, path: 'a/face 1.jpg' },
      { imageId: 2, path: 'b/Face 1.png' },
      { imageId: 3, path: '/abs/x.jpeg' },
      { imageId: 4, path: 'C:\\data\\y.jpg' },
      { imageId: 5, path: 'z/.hidden' },
      { imageId: 6, path: 'émoji😀.jpg' },
    ]);
    expect(names).toEqual(['face_1_1', 'Face_1_2', 'x', 'y', 'hidden', '_moji__']);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
  });
});
