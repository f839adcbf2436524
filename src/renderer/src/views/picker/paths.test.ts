import { describe, expect, it } from 'vitest';
import { dirOf, isAbsolutePath, joinPath, resolveTyped } from './paths';

describe('typed paths', () => {
  it('tells absolute paths on every platform', () => {
    for (const p of ['/home/a', 'C:\\data', 'c:/data', '\\\\srv\\share\\x']) expect(isAbsolutePath(p)).toBe(true);
    for (const p of ['faces.parsel', './x', '../x', 'data\\x', '~/x']) expect(isAbsolutePath(p)).toBe(false);
  });

  it('resolves a relative path against the base shown, never above its root', () => {
    expect(resolveTyped('faces.parsel', '/home/ann/projects')).toBe('/home/ann/projects/faces.parsel');
    expect(resolveTyped(' ./a/./b/ ', '/home/ann')).toBe('/home/ann/a/b');
    expect(resolveTyped('../shared/x', '/home/ann')).toBe('/home/shared/x');
    expect(resolveTyped('../../../../x', '/home/ann')).toBe('/x');
    expect(resolveTyped('data\\f.parsel', 'C:\\Users\\ann')).toBe('C:\\Users\\ann\\data\\f.parsel');
    expect(resolveTyped('/abs/f.parsel', '/home/ann')).toBe('/abs/f.parsel');
    expect(resolveTyped('   ', '/home/ann')).toBe('');
  });

  it('dirOf and joinPath', () => {
    expect(dirOf('/home/ann/f.parsel')).toBe('/home/ann');
    expect(dirOf('/f.parsel')).toBe('/');
    expect(dirOf('C:\\f.parsel')).toBe('C:\\');
    expect(joinPath('/home/ann', 'x')).toBe('/home/ann/x');
    expect(joinPath('/', 'x')).toBe('/x');
    expect(joinPath('C:\\Users', 'x')).toBe('C:\\Users\\x');
  });
});
