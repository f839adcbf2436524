/**
 * WCAG AA contrast of the theme's text / background token pairs, read from the CSS itself
 * (src/renderer/src/theme.css), in the dark and the light theme: 4.5:1 for text, 3:1 for the borders
 * and focus rings that identify a control. Also: the app's own style sheets (styles.css and the views'
 * CSS) use tokens, not colour literals, so a colour cannot skip the theme (canvas overlays and class
 * colours are data, drawn by the editor, and not checked here).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..', '..', 'src', 'renderer', 'src');
const css = readFileSync(join(SRC, 'theme.css'), 'utf8');

/** `--name: #rrggbb;` declarations of the block opened by `selector {`. */
function tokens(selector: string): Map<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`theme.css has no block ${selector}`);
  const body = css.slice(start, css.indexOf('}', start));
  const out = new Map<string, string>();
  for (const m of body.matchAll(/(--[a-z0-9-]+):\s*([^;]+);/g)) out.set(m[1], m[2].trim());
  return out;
}

const dark = tokens(':root');
const light = new Map([...dark, ...tokens(":root[data-theme='light']")]);

function rgb(value: string, name: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(value);
  if (!m) throw new Error(`${name} is "${value}": the contrast check needs #rrggbb`);
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function luminance([r, g, b]: [number, number, number]): number {
  const f = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

export function contrast(a: [number, number, number], b: [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const SURFACES = ['--bg', '--bg-1', '--bg-2', '--bg-3'];
/** [foreground, background, minimum ratio, what it is]. */
const PAIRS: [string, string, number, string][] = [
  ...SURFACES.map((bg): [string, string, number, string] => ['--fg', bg, 4.5, 'body text']),
  ...SURFACES.map((bg): [string, string, number, string] => ['--fg-dim', bg, 4.5, 'secondary text']),
  ...['--bg', '--bg-1', '--bg-2'].map((bg): [string, string, number, string] => ['--fg-faint', bg, 4.5, 'hints']),
  ...['--bg', '--bg-1', '--bg-2'].map((bg): [string, string, number, string] => ['--accent', bg, 4.5, 'links']),
  ...['--danger', '--warn', '--ok'].flatMap((fg) => ['--bg', '--bg-1'].map((bg): [string, string, number, string] => [fg, bg, 4.5, 'status text'])),
  ['--fg', '--bg-hover', 4.5, 'hovered button'],
  ['--fg', '--accent-dim', 4.5, 'pressed toggle / primary button'],
  ['--fg', '--accent-dim-hover', 4.5, 'hovered primary button'],
  ['--on-accent', '--accent', 4.5, 'active tab count, running job'],
  ['--on-warn', '--warn-bg', 4.5, 'warning banner'],
  ['--on-ok', '--ok-bg', 4.5, 'done job'],
  ['--on-danger', '--danger-strong', 4.5, 'failed job'],
  ...['--status-prelabeled', '--status-in-progress', '--status-done', '--status-reviewed'].map(
    (bg): [string, string, number, string] => ['--on-status', bg, 4.5, 'grid status badge'],
  ),
  ['--status-unlabeled', '--badge-bg', 4.5, 'unlabeled badge'],
  ['--field-line', '--bg', 3, 'input border'],
  ['--accent', '--bg', 3, 'focus ring, selected cell'],
  ['--accent', '--bg-1', 3, 'focus ring on panels'],
];

describe.each([
  ['dark', dark],
  ['light', light],
])('%s theme', (_name, t) => {
  it.each(PAIRS)('%s on %s ≥ %s:1 (%s)', (fg, bg, min) => {
    const a = t.get(fg);
    const b = t.get(bg);
    expect(a, `${fg} missing`).toBeDefined();
    expect(b, `${bg} missing`).toBeDefined();
    const ratio = contrast(rgb(a!, fg), rgb(b!, bg));
    expect(ratio, `${fg} ${a} on ${bg} ${b}: ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(min);
  });
});

describe('theme tokens', () => {
  it('the light theme overrides every surface and text colour', () => {
    const own = tokens(":root[data-theme='light']");
    for (const k of [...SURFACES, '--fg', '--fg-dim', '--fg-faint', '--accent', '--danger', '--warn', '--ok', '--line']) {
      expect(own.has(k), k).toBe(true);
      expect(own.get(k), k).not.toBe(dark.get(k));
    }
  });

  it('the contrast formula matches known values', () => {
    expect(contrast([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 5);
    expect(contrast([119, 119, 119], [255, 255, 255])).toBeCloseTo(4.48, 2);
  });

  it('styles.css and the views’ style sheets use theme tokens, not colour literals', () => {
    const files = [join(SRC, 'styles.css')];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.css')) files.push(join(d, e.name));
      }
    };
    walk(join(SRC, 'views'));
    const offenders: string[] = [];
    for (const f of files) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // A literal as a var() fallback is allowed (the token wins).
          const bare = line.replace(/var\(--[a-z0-9-]+,[^)]*\)/gi, '');
          if (/#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(/i.test(bare)) offenders.push(`${f.slice(SRC.length + 1)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
