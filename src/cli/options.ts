/**
 * Command-line options: each command declares a table of options (name → OptionSpec); `parseCommandLine`
 * reads argv with `node:util` parseArgs (its tokens, so that every refusal names the option) and checks
 * each value against the zod schema the option names — in the main the field of the contract's request
 * that the value goes to (`field('noise:scan', 'options', 'bandRadius')`), so the CLI refuses what the
 * service would, with the option's name in the message instead of the request's field path.
 *
 * Adding an option is one line in the command's table: `name: { type: 'string', help, as: 'number',
 * schema: field(...) }`; the command reads the checked value from `args.values[name]`.
 */
import { parseArgs as parseArgv } from 'node:util';
import { z } from 'zod';
import { methods, type MethodName } from '../shared/api/contract';

export class UsageError extends Error {}

export interface OptionSpec {
  /** boolean: a flag (`--json`); string: takes a value (`--top 20` or `--top=20`). */
  type?: 'boolean' | 'string';
  /** The older spelling of `type`, still read: `flag: true` is `type: 'boolean'`, `flag: false` is `type: 'string'`. */
  flag?: boolean;
  help: string;
  /**
   * How the text becomes the value checked by `schema`: a number, a comma-separated list of texts, or
   * a comma-separated list of numbers. Default: the text itself.
   */
  as?: 'number' | 'list' | 'numbers';
  /** Checks (and may convert) the value; usually a field of a contract request (`field`). */
  schema?: z.ZodType;
}

export type OptionTable = Record<string, OptionSpec>;

/** Whether an option is a flag (takes no value). */
export function isFlag(spec: OptionSpec): boolean {
  return spec.type !== undefined ? spec.type === 'boolean' : spec.flag === true;
}

export interface ParsedArgs {
  positional: string[];
  /** What was given, as text (string options) or true (flags). */
  options: Record<string, string | boolean>;
  /** Options with an `as` or a `schema`: the converted value, checked by the schema. */
  values: Record<string, unknown>;
}

/** Optional / default / nullable wrappers removed: the schema of a value that is given. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = cur.unwrap() as z.ZodType;
    else if (cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
    else return cur;
  }
}

/**
 * The schema of one field of a contract method's request: `field('export:preview', 'spec', 'seed')`.
 * Throws (when the command tables load) if the contract has no such field.
 */
export function field(method: MethodName, ...path: string[]): z.ZodType {
  let s: z.ZodType = methods[method].request;
  for (const key of path) {
    const obj = unwrap(s);
    if (!(obj instanceof z.ZodObject) || !Object.prototype.hasOwnProperty.call(obj.shape, key)) {
      throw new Error(`contract ${method} has no request field ${path.join('.')}`);
    }
    s = (obj.shape as Record<string, z.ZodType>)[key];
  }
  return unwrap(s);
}

/** "an integer 0-64", "a number above 0 and at most 1": the range of a number schema, for messages. */
function numberRange(s: z.ZodType): string | null {
  if (!(s instanceof z.ZodNumber)) return null;
  const kind = s.isInt ? 'an integer' : 'a number';
  const bound = (b: number | null) => (b !== null && Number.isFinite(b) && Math.abs(b) < Number.MAX_SAFE_INTEGER ? b : null);
  let min = bound(s.minValue);
  let max = bound(s.maxValue);
  let minIn = min !== null && s.safeParse(min).success;
  let maxIn = max !== null && s.safeParse(max).success;
  // Integers: "above 0" is "at least 1".
  if (s.isInt && min !== null && !minIn) [min, minIn] = [min + 1, true];
  if (s.isInt && max !== null && !maxIn) [max, maxIn] = [max - 1, true];
  if (min !== null && max !== null && minIn && maxIn) return `${kind} ${min}-${max}`;
  const parts = [min !== null ? `${minIn ? 'at least' : 'above'} ${min}` : '', max !== null ? `${maxIn ? 'at most' : 'below'} ${max}` : ''].filter(Boolean);
  if (min === 1 && minIn && s.isInt && max === null) return 'a positive integer';
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

function convert(name: string, spec: OptionSpec, text: string): unknown {
  const list = () => {
    const items = text
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (items.length === 0) throw new UsageError(`--${name} needs at least one value`);
    return items;
  };
  if (spec.as === 'number') return text.trim() === '' ? NaN : Number(text);
  if (spec.as === 'list') return list();
  if (spec.as === 'numbers') return list().map((x) => Number(x));
  return text;
}

/** The text of list item i (`--ids 1,x`: "x", not the NaN it became). */
function itemText(text: string, i: number): string | undefined {
  return text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)[i];
}

/** The refusal of one option's value, in the words of the option. */
function describe(name: string, spec: OptionSpec, text: string, value: unknown, err: z.ZodError): string {
  const schema = spec.schema!;
  const issue = err.issues[0];
  const range = numberRange(schema);
  if (range) return `--${name} must be ${range}, got "${text}"`;
  const element = schema instanceof z.ZodArray ? (schema.element as z.ZodType) : null;
  const elementRange = element ? numberRange(element) : null;
  const at = issue.path.length > 0 && typeof issue.path[0] === 'number' && Array.isArray(value) ? itemText(text, issue.path[0]) : undefined;
  if (elementRange && at !== undefined) return `--${name}: "${at}" is not ${elementRange}`;
  if (issue.code === 'invalid_value') {
    const bad = at !== undefined ? at : value;
    return `--${name}: unknown value "${bad as string}"; known: ${issue.values.map(String).join(', ')}`;
  }
  if (issue.code === 'too_big' && issue.origin === 'array') return `--${name}: at most ${String(issue.maximum)} values`;
  return `--${name}: ${issue.message} (got "${text}")`;
}

/**
 * argv (after the command name) → positionals, options as given, and checked values.
 * Refuses, naming the option: unknown options (also `--__proto__`, `--constructor`: the table is
 * searched for own keys only), a value given to a flag, a missing value, and a value its schema refuses.
 */
export function parseCommandLine(argv: string[], table: OptionTable): ParsedArgs {
  const options: Record<string, { type: 'boolean' | 'string' }> = {};
  for (const [name, spec] of Object.entries(table)) options[name] = { type: isFlag(spec) ? 'boolean' : 'string' };
  const { tokens } = parseArgv({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const positional: string[] = [];
  const given: Record<string, string | boolean> = Object.create(null) as Record<string, string | boolean>;
  const known = () => Object.keys(table).map((k) => `--${k}`).join(', ') || 'none';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'positional') positional.push(t.value);
    else if (t.kind === 'option') {
      const spec = Object.prototype.hasOwnProperty.call(table, t.name) ? table[t.name] : undefined;
      if (!spec) throw new UsageError(`unknown option ${t.rawName}; this command's options: ${known()}, --help`);
      if (isFlag(spec)) {
        if (t.value !== undefined) throw new UsageError(`${t.rawName} takes no value`);
        given[t.name] = true;
      } else {
        // `--top --json`: parseArgs takes "--json" as the value; an option's value never starts with "--".
        if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) throw new UsageError(`${t.rawName} needs a value`);
        given[t.name] = t.value;
      }
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const text = given[name];
    if (typeof text !== 'string' || (!spec.as && !spec.schema)) continue;
    const value = convert(name, spec, text);
    if (!spec.schema) {
      values[name] = value;
      continue;
    }
    const r = spec.schema.safeParse(value);
    if (!r.success) throw new UsageError(describe(name, spec, text, value, r.error));
    values[name] = r.data;
  }
  return { positional, options: { ...given }, values };
}
