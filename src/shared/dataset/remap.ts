/**
 * Label remaps between schemas, applied at export (e.g. CelebAMask-HQ-19 → LaPa-11).
 *
 * Rules (docs/export.md):
 *   1. A source class goes to the target class with the same canonical `name`.
 *   2. Explicit overrides win: `{ sourceName: targetName }` or `{ sourceName: 'ignore' }`.
 *   3. A source class with no target of that name (and no override) goes to the ignore index.
 *   4. The source schema's own ignore value (e.g. FaceSynthetics 255) goes to the ignore index.
 *   5. The ignore index is 0-255 and must not be a target class index (that would silently merge
 *      unmatched parts into a real class: send them there with explicit overrides instead).
 * Application is a 256-entry lookup table; a mask value the source schema does not define is an error
 * naming the value, never silently mapped.
 *
 * Pure TypeScript (no Node, no DOM).
 */
import type { LabelSchema } from '../api/types';

export const IGNORE_TARGET = 'ignore';

export interface RemapSpec {
  /** Target schema id (resolved by the caller). */
  target: string;
  /** Value written for pixels whose class has no target. */
  ignoreIndex: number;
  /** Source class name → target class name or 'ignore'. */
  overrides?: Record<string, string>;
}

export class RemapError extends Error {}

export interface RemapEntry {
  from: number;
  fromName: string;
  /** Target value (a class index, or the ignore index). */
  to: number;
  /** Target class name, or 'ignore'. */
  toName: string;
  /** How the entry was decided. */
  rule: 'same-name' | 'override' | 'no-target' | 'source-ignore';
}

export interface Remap {
  source: string;
  target: string;
  ignoreIndex: number;
  /** 256 entries; -1 where the source schema defines no class (a mask value there is an error). */
  lut: Int16Array;
  entries: RemapEntry[];
  /** Target classes that no source class maps to (they can never appear in the export). */
  unreachable: string[];
  overrides: Record<string, string>;
  /** Source classes with a left/right partner (matched by name like every class: no side is swapped). */
  sided: string[];
}

/** What a remap does with sides, for the preview, the CLI and the manifest (FORMATS.md "Side naming"). */
export function sidesNote(sided: readonly string[]): string | null {
  if (sided.length === 0) return null;
  return (
    `left/right classes (${sided.join(', ')}) go to the class of the same name: no side is swapped. ` +
    "Whether a dataset's left is the subject's or the viewer's is not verified for FaceSynthetics and LaPa (docs/formats.md, Sides)"
  );
}

function namesOf(schema: LabelSchema, role: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of schema.classes) {
    const prev = m.get(c.name);
    if (prev !== undefined) {
      throw new RemapError(
        `${role} schema ${schema.id} is ambiguous: class name "${c.name}" is used by indices ${prev} and ${c.index}`,
      );
    }
    m.set(c.name, c.index);
  }
  return m;
}

/** Build a remap from `source` to `target`; throws RemapError with a specific message when invalid. */
export function buildRemap(source: LabelSchema, target: LabelSchema, ignoreIndex: number, overrides: Record<string, string> = {}): Remap {
  if (!Number.isInteger(ignoreIndex) || ignoreIndex < 0 || ignoreIndex > 255) {
    throw new RemapError(`ignore index must be an integer 0-255, got ${ignoreIndex}`);
  }
  const srcNames = namesOf(source, 'source');
  const dstNames = namesOf(target, 'target');
  const clash = target.classes.find((c) => c.index === ignoreIndex);
  if (clash) {
    throw new RemapError(
      `ignore index ${ignoreIndex} is class "${clash.name}" in target schema ${target.id}; choose a value no class uses ` +
        `(e.g. 255), or send classes to "${clash.name}" with explicit overrides`,
    );
  }
  for (const [from, to] of Object.entries(overrides)) {
    if (!srcNames.has(from)) {
      throw new RemapError(
        `override "${from}=${to}": "${from}" is not a class of source schema ${source.id} (classes: ${[...srcNames.keys()].join(', ')})`,
      );
    }
    if (to !== IGNORE_TARGET && !dstNames.has(to)) {
      throw new RemapError(
        `override "${from}=${to}": "${to}" is not a class of target schema ${target.id} (classes: ${[...dstNames.keys()].join(', ')}, or "ignore")`,
      );
    }
  }
  const lut = new Int16Array(256).fill(-1);
  const entries: RemapEntry[] = [];
  for (const c of source.classes) {
    const o = overrides[c.name];
    let to: number;
    let toName: string;
    let rule: RemapEntry['rule'];
    if (o !== undefined) {
      rule = 'override';
      toName = o;
      to = o === IGNORE_TARGET ? ignoreIndex : (dstNames.get(o) as number);
    } else if (dstNames.has(c.name)) {
      rule = 'same-name';
      toName = c.name;
      to = dstNames.get(c.name) as number;
    } else {
      rule = 'no-target';
      toName = IGNORE_TARGET;
      to = ignoreIndex;
    }
    lut[c.index] = to;
    entries.push({ from: c.index, fromName: c.name, to, toName, rule });
  }
  if (source.ignoreIndex !== null) {
    if (lut[source.ignoreIndex] !== -1) {
      throw new RemapError(`source schema ${source.id}: ignore value ${source.ignoreIndex} is also a class index`);
    }
    lut[source.ignoreIndex] = ignoreIndex;
    entries.push({ from: source.ignoreIndex, fromName: IGNORE_TARGET, to: ignoreIndex, toName: IGNORE_TARGET, rule: 'source-ignore' });
  }
  const reached = new Set(entries.map((e) => e.to));
  const unreachable = target.classes.filter((c) => !reached.has(c.index)).map((c) => c.name);
  const sided = source.classes.filter((c) => c.partner !== null).map((c) => c.name);
  return { source: source.id, target: target.id, ignoreIndex, lut, entries, unreachable, overrides: { ...overrides }, sided };
}

/** Identity "remap" for exports without one: every defined value maps to itself. */
export function identityRemap(schema: LabelSchema): Remap {
  const lut = new Int16Array(256).fill(-1);
  const entries: RemapEntry[] = [];
  for (const c of schema.classes) {
    lut[c.index] = c.index;
    entries.push({ from: c.index, fromName: c.name, to: c.index, toName: c.name, rule: 'same-name' });
  }
  if (schema.ignoreIndex !== null) {
    lut[schema.ignoreIndex] = schema.ignoreIndex;
    entries.push({ from: schema.ignoreIndex, fromName: IGNORE_TARGET, to: schema.ignoreIndex, toName: IGNORE_TARGET, rule: 'source-ignore' });
  }
  return { source: schema.id, target: schema.id, ignoreIndex: schema.ignoreIndex ?? -1, lut, entries, unreachable: [], overrides: {}, sided: [] };
}

/** Apply a remap; returns a new mask. Throws RemapError naming the first undefined value and its pixel. */
export function applyRemap(remap: Remap, mask: Uint8Array, width: number): Uint8Array {
  const lut8 = new Uint8Array(256);
  const badv = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    lut8[v] = remap.lut[v] < 0 ? 0 : remap.lut[v];
    badv[v] = remap.lut[v] < 0 ? 1 : 0;
  }
  const out = new Uint8Array(mask.length);
  let anyBad = 0;
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i];
    anyBad |= badv[v];
    out[i] = lut8[v];
  }
  if (anyBad) {
    let bad = 0;
    while (!badv[mask[bad]]) bad++;
    throw new RemapError(
      `mask value ${mask[bad]} (first at x=${bad % width}, y=${Math.floor(bad / width)}) is not a class of schema ${remap.source}`,
    );
  }
  return out;
}

/** Plain-JSON description of a remap for the manifest. */
export interface RemapDescription {
  source: string;
  target: string;
  ignoreIndex: number;
  overrides: Record<string, string>;
  table: RemapEntry[];
  unreachable: string[];
  /** How left/right classes were mapped (by name), or null when the source has none. */
  sides: string | null;
}

export function describeRemap(r: Remap): RemapDescription {
  return {
    source: r.source,
    target: r.target,
    ignoreIndex: r.ignoreIndex,
    overrides: r.overrides,
    table: r.entries.map((e) => ({ ...e })),
    unreachable: [...r.unreachable],
    sides: sidesNote(r.sided),
  };
}

/**
 * Parse `src=dst,src2=ignore` (CLI / UI text) into overrides; refuses duplicates (ambiguous) and
 * malformed pairs with the offending text.
 */
export function parseOverrides(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1 || part.indexOf('=', eq + 1) >= 0) {
      throw new RemapError(`override "${part}" must be source=target (or source=ignore)`);
    }
    const from = part.slice(0, eq).trim();
    const to = part.slice(eq + 1).trim();
    if (Object.prototype.hasOwnProperty.call(out, from) && out[from] !== to) {
      throw new RemapError(`override for "${from}" is ambiguous: both "${out[from]}" and "${to}"`);
    }
    out[from] = to;
  }
  return out;
}
