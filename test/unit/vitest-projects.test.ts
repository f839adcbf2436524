/**
 * The vitest projects behind `npm run test:unit` / `test:integration` / `test:e2e`: every `--project`
 * a package.json script names exists, and every test file of the repository is in exactly one project
 * (so `npm test`, which runs them all, runs each file once and no file is left out).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import config, { TEST_PROJECTS } from '../../vitest.config';

const root = join(__dirname, '..', '..');

/** `a/**\/*.test.ts` → a RegExp over repository-relative paths with `/` separators. */
function globToRegExp(glob: string): RegExp {
  const re = glob
    .split(/(\*\*\/|\*)/)
    .map((part) => (part === '**/' ? '(?:.*/)?' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`);
}

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...testFiles(rel));
    else if (e.name.endsWith('.test.ts')) out.push(rel);
  }
  return out;
}

describe('vitest projects', () => {
  it('defines every project a package.json script runs', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const named = Object.values(scripts).flatMap((s) => [...s.matchAll(/--project[ =](\S+)/g)].map((m) => m[1]));
    expect(named.length).toBeGreaterThan(0);
    const projects = (config.test?.projects ?? []) as { test?: { name?: string } }[];
    const defined = projects.map((p) => p.test?.name);
    for (const n of named) expect(defined, `a script runs --project ${n}`).toContain(n);
    expect(scripts['test:unit']).toBe('vitest run --project unit');
  });

  it('puts each test file in exactly one project', () => {
    const files = [...testFiles('src'), ...testFiles('test')].map((f) => relative(root, join(root, f)).split('\\').join('/'));
    expect(files).toContain('test/unit/vitest-projects.test.ts');
    const globs = Object.entries(TEST_PROJECTS).flatMap(([name, gs]) => gs.map((g) => ({ name, re: globToRegExp(g) })));
    for (const f of files) {
      const owners = new Set(globs.filter((g) => g.re.test(f)).map((g) => g.name));
      expect([...owners], f).toHaveLength(1);
    }
    expect(globToRegExp('test/unit/**/*.test.ts').test('test/unit/a/b.test.ts')).toBe(true);
    expect(globToRegExp('test/unit/**/*.test.ts').test('test/unitx/b.test.ts')).toBe(false);
  });
});
