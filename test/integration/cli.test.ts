/** The `parsel` command: the built bundle run as a user would, exit codes and messages included. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCliBundle } from '../tooling/cli-bundle';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/parsel.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parsel-cli-'));
const env = { ...process.env, PARSEL_USER_DATA: join(dir, 'user') };

function parsel(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out/cli/parsel.mjs'))) {
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`CLI build failed: ${b.stderr}`);
  }
  mkdirSync(join(dir, 'imgs', 'nested'), { recursive: true });
  for (let i = 0; i < 3; i++) {
    await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 40 * i, g: 100, b: 50 } } })
      .png()
      .toFile(join(dir, 'imgs', i === 2 ? 'nested' : '.', `f${i}.png`));
  }
  writeFileSync(join(dir, 'imgs', 'bad.jpg'), 'definitely not a jpeg');
});

describe('parsel CLI', () => {
  it('prints help and uses usage exit codes', () => {
    const h = parsel('--help');
    expect(h.code).toBe(0);
    for (const c of ['init', 'add', 'info', 'serve']) expect(h.out).toContain(c);
    expect(parsel().code).toBe(2);
    const u = parsel('frobnicate');
    expect(u.code).toBe(2);
    expect(u.err).toContain('unknown command "frobnicate"');
    const ih = parsel('init', '--help');
    expect(ih.code).toBe(0);
    expect(ih.out).toContain('--schema');
    expect(ih.out).toContain('celebamask-hq-a');
    expect(parsel('info').code).toBe(2);
    const opt = parsel('info', 'x.parsel', '--bogus');
    expect(opt.code).toBe(2);
    expect(opt.err).toContain('unknown option --bogus');
  });

  it('refuses unknown options by name with the usage, also names of Object.prototype', () => {
    for (const bad of ['--bogus', '--constructor', '--__proto__', '--toString', '-x']) {
      const r = parsel('info', 'x.parsel', bad);
      expect(r.code, bad).toBe(2);
      expect(r.err).toContain(`parsel info: unknown option ${bad}; this command's options: --json, --help`);
      expect(r.err).toContain('usage: parsel info <project.parsel> [--json]');
    }
    expect(parsel('info', 'x.parsel', '--json=yes').err).toContain('--json takes no value');
    expect(parsel('flags', 'x.parsel', '--top').err).toContain('--top needs a value');
    expect(parsel('flags', 'x.parsel', '--top', '--json').err).toContain('--top needs a value');
  });

  it("checks option values with the contract's schemas, naming the option", () => {
    const cases: [string[], string][] = [
      [['flags', 'x.parsel', '--top', '0'], '--top must be an integer 1-10000, got "0"'],
      [['flags', 'x.parsel', '--image', '-3'], '--image must be a positive integer, got "-3"'],
      [['flags', 'x.parsel', '--status', 'open,shut'], '--status: unknown value "shut"; known: open, fixed, dismissed'],
      [['scan', 'x.parsel', '--model-set', '1', '--match-iou', '0'], '--match-iou must be a number above 0 and at most 1, got "0"'],
      [['scan', 'x.parsel', '--model-set', '1', '--ids', '1,two'], '--ids: "two" is not a positive integer'],
      [['stats', 'x.parsel', '--status', 'done,finished'], '--status: unknown value "finished"; known: unlabeled'],
      [['export', 'x.parsel', 'o', '--format', 'lapa', '--seed', '1.5'], '--seed must be an integer 0-2147483647, got "1.5"'],
      [['export', 'x.parsel', 'o', '--format', 'lapa', '--kind', 'robot'], '--kind: unknown value "robot"; known: import, model, human'],
      [['import', 'x.parsel', 'f', '--on-problem', 'maybe'], '--on-problem: unknown value "maybe"; known: skip, abort'],
      [['models', 'set', 'x.parsel', 's', '1', '--tta', 'mirror'], '--tta: unknown value "mirror"; known: none, flip'],
      [['prelabel', 'x.parsel', '--model', 'm.onnx', '--margin', '5'], '--margin must be a number 0-4, got "5"'],
    ];
    for (const [args, message] of cases) {
      const r = parsel(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(message);
      expect(r.err).toContain(`usage: parsel ${args[0]}`);
    }
  });

  it('--version prints the version of package.json', async () => {
    const r = parsel('--version');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    // A bundle two folders below another package.json (as out/cli is below the app's) reads that one.
    // (Under the repository, so that the bundle's external modules resolve to its node_modules.)
    const app = join(ROOT, 'out', 'test-version-cli');
    rmSync(app, { recursive: true, force: true });
    const { run } = await buildCliBundle(join(app, 'out', 'cli'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'parsel', version: '9.8.7-test' }));
    const v = spawnSync(process.execPath, [run, '--version'], { cwd: dir, env, encoding: 'utf8' });
    expect(v.stdout.trim()).toBe('9.8.7-test');
  });

  it('refuses a __proto__ key in a JSON file the command sends (models check --card) like any unknown key', () => {
    writeFileSync(join(dir, 'evil.card.json'), '{"name": "x", "__proto__": {"labels": "lapa-11"}}');
    const r = parsel('models', 'check', 'nowhere.onnx', '--card', 'evil.card.json');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/card: Unrecognized key: "__proto__"/);
  });

  it('ends quietly with the exit code of the command when the reader of its output goes away (| head -1)', () => {
    // `{ parsel …; echo exit=$? >&3; }`: the exit code of parsel itself, past the pipe; head reads one
    // line and leaves, so later writes (stdout, or stderr with 2>&1) meet a broken pipe.
    // `true` reads nothing and leaves at once, so even the first write (parsel starts in ~0.2 s) meets it.
    const run = (args: string, redirect: string, reader: string) => {
      const cmd = `{ "${process.execPath}" "${BIN}" ${args} ${redirect}; echo "exit=$?" >&3; } 3>&2 | ${reader}`;
      return spawnSync('sh', ['-c', cmd], { cwd: dir, env, encoding: 'utf8' });
    };
    const cases: [string, number][] = [
      ['demo pipe{n}.parsel --count 2 --size 32 --no-models', 0],
      ['info pipe1.parsel --json', 0],
      ['--help', 0],
      ['export --help', 0],
      ['frobnicate', 2],
    ];
    for (const [args, code] of cases) {
      const ways = [
        ['', 'head -1 >/dev/null'],
        ['2>&1', 'head -1 >/dev/null'],
        ['', 'true'],
        ['2>&1', 'true'],
      ];
      for (const [n, [redirect, reader]] of ways.entries()) {
        const r = run(args.replace('{n}', String(n + 1)), redirect, reader);
        expect(r.stderr, `${args} ${redirect} | ${reader}`).toContain(`exit=${code}`);
        expect(r.stderr).not.toMatch(/EPIPE|Error:|at .*\.mjs/);
      }
    }
  });

  it('init creates a project and refuses to overwrite or to use an unknown schema', () => {
    const noSchema = parsel('init', 'p.parsel');
    expect(noSchema.code).toBe(2);
    expect(noSchema.err).toContain('--schema is required');
    const bad = parsel('init', 'p.parsel', '--schema', 'celeba');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown label schema "celeba".*lapa-11/s);
    const ok = parsel('init', 'p.parsel', '--schema', 'lapa-11', '--name', 'My faces');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`created ${join(dir, 'p.parsel')} (schema lapa-11)`);
    const again = parsel('init', 'p.parsel', '--schema', 'lapa-11');
    expect(again.code).toBe(3);
    expect(again.err).toContain('[ALREADY_EXISTS]');
  });

  it('add reports added, duplicates and failures, with exit 4 when some files failed', () => {
    const r = parsel('add', 'p.parsel', 'imgs');
    expect(r.code).toBe(4);
    expect(r.out).toContain('scanned 4, added 3, duplicates 0, failed 1');
    expect(r.err).toMatch(/failed\s+.*bad\.jpg: not a supported image/);
    const j = parsel('add', 'p.parsel', 'imgs', '--json');
    const report = JSON.parse(j.out) as { added: number; duplicates: unknown[]; failed: unknown[] };
    expect(report).toMatchObject({ added: 0 });
    expect(report.duplicates).toHaveLength(3);
    const flat = parsel('add', 'p.parsel', 'imgs/nested', '--no-recursive');
    expect(flat.out).toContain('added 0, duplicates 1');
    expect(flat.code).toBe(0);
  });

  it('info prints counts by status and split, as text or JSON', () => {
    const t = parsel('info', 'p.parsel');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/project\s+My faces/);
    expect(t.out).toMatch(/images\s+3/);
    expect(t.out).toMatch(/unlabeled\s+3/);
    const j = JSON.parse(parsel('info', 'p.parsel', '--json').out) as { counts: { total: number; bySplit: Record<string, number> } };
    expect(j.counts.total).toBe(3);
    expect(j.counts.bySplit).toEqual({ none: 3 });
    const missing = parsel('info', 'missing.parsel');
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('project file not found');
    writeFileSync(join(dir, 'junk.parsel'), 'junk'.repeat(100));
    const junk = parsel('info', 'junk.parsel');
    expect(junk.code).toBe(3);
    expect(junk.err).toMatch(/junk\.parsel.*not a Parsel project|cannot open/);
  });

  it('serve prints a tokenised loopback URL, refuses requests without the token, stops on SIGTERM', async () => {
    mkdirSync(join(ROOT, 'out', 'renderer'), { recursive: true });
    const child = spawn(process.execPath, [BIN, 'serve', 'p.parsel', '--port', '0'], { cwd: dir, env });
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no URL printed: ${out}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+)/.exec(out);
        if (m) {
          clearTimeout(t);
          res(m[1]);
        }
      });
    });
    const u = new URL(url);
    expect(u.hostname).toBe('127.0.0.1');
    expect(u.searchParams.get('token')!.length).toBeGreaterThanOrEqual(32);
    const refused = await fetch(`${u.origin}/media/thumb/1`);
    expect(refused.status).toBe(401);
    const ok = await fetch(`${u.origin}/media/thumb/1`, { headers: { authorization: `Bearer ${u.searchParams.get('token')}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/webp');
    const code = await new Promise<number | null>((res) => {
      child.on('exit', (c) => res(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
