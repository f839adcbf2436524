/** The CLI's option parsing (src/cli/options.ts): node:util parseArgs tokens + the contract's schemas. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { field, parseCommandLine, UsageError, type OptionTable } from '../../src/cli/options';

const table: OptionTable = {
  json: { type: 'boolean', help: 'json' },
  top: { type: 'string', as: 'number', schema: field('noise:flags', 'top'), help: 'top' },
  status: { type: 'string', as: 'list', schema: field('noise:flags', 'status'), help: 'status' },
  ids: { type: 'string', as: 'numbers', schema: field('noise:scan', 'selection', 'imageIds'), help: 'ids' },
  name: { type: 'string', help: 'free text' },
  // the older spelling of a flag, as other branches still write it
  create: { flag: true, help: 'create' },
};

const parse = (...argv: string[]) => parseCommandLine(argv, table);
const refusal = (...argv: string[]) => {
  try {
    parse(...argv);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error('expected a UsageError');
};

describe('parseCommandLine', () => {
  it('splits positionals, flags and values (both spellings), and checks values with the schemas', () => {
    const a = parse('p.parsel', '--json', '--top', '7', '--status=open,fixed', '--ids', '3, 4', '--name', '-x', '--create', '--', '--not-an-option');
    expect(a.positional).toEqual(['p.parsel', '--not-an-option']);
    expect(a.options).toEqual({ json: true, top: '7', status: 'open,fixed', ids: '3, 4', name: '-x', create: true });
    expect(a.values).toEqual({ top: 7, status: ['open', 'fixed'], ids: [3, 4] });
  });

  it('refuses unknown options, including names Object.prototype has, with the known ones', () => {
    for (const o of ['--bogus', '--__proto__', '--constructor', '--hasOwnProperty', '-v']) {
      expect(refusal('p', o)).toBe(`unknown option ${o}; this command's options: --json, --top, --status, --ids, --name, --create, --help`);
    }
  });

  it('names the option in every refusal', () => {
    expect(refusal('--json=1')).toBe('--json takes no value');
    expect(refusal('--create=yes')).toBe('--create takes no value');
    expect(refusal('--top')).toBe('--top needs a value');
    expect(refusal('--top', '--json')).toBe('--top needs a value');
    expect(refusal('--top', '')).toBe('--top must be an integer 1-10000, got ""');
    expect(refusal('--top', '2.5')).toBe('--top must be an integer 1-10000, got "2.5"');
    expect(refusal('--status', 'open,maybe')).toBe('--status: unknown value "maybe"; known: open, fixed, dismissed');
    expect(refusal('--status', ',')).toBe('--status needs at least one value');
    expect(refusal('--ids', '1,0')).toBe('--ids: "0" is not a positive integer');
  });

  it('field() returns the schema of a contract request field, and throws for a field the contract lacks', () => {
    expect(field('noise:flags', 'top').safeParse(5).success).toBe(true);
    expect(field('export:preview', 'spec', 'seed').safeParse(-1).success).toBe(false);
    expect(field('export:preview', 'spec', 'seed')).toBeInstanceOf(z.ZodNumber);
    expect(() => field('noise:flags', 'nope')).toThrow(/noise:flags has no request field nope/);
    expect(() => field('noise:flags', 'top', 'deeper')).toThrow(/no request field top\.deeper/);
  });
});
