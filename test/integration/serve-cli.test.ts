/** `parsel serve` on a missing project file (issue 13): a hint how to create it, and `--create`. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/parsel.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parsel-serve-'));
const env = { ...process.env, PARSEL_USER_DATA: join(dir, 'user') };

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('parsel serve', () => {
  it('on a missing project says how to create it and creates nothing', async () => {
    const file = join(dir, 'missing.parsel');
    const r = await run('serve', file);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`no project at ${file}`);
    expect(r.err).toMatch(/add --create/);
    expect(r.err).toContain(`npm run serve -- ${file} --create`);
    expect(existsSync(file)).toBe(false);
    expect((await run('serve', file, '--schema', 'lapa-11')).err).toMatch(/--schema is only used with --create/);
    expect((await run('serve', '--root', join(dir, 'nope'))).err).toMatch(/--root: no such folder/);
  });

  it('--create makes the project (with --schema) and serves it', async () => {
    mkdirSync(join(ROOT, 'out', 'renderer'), { recursive: true });
    const file = join(dir, 'made.parsel');
    const child = spawn(process.execPath, [BIN, 'serve', file, '--create', '--schema', 'lapa-11', '--port', '0', '--root', dir], { cwd: dir, env });
    let out = '';
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no URL printed: ${out}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/token=\S+/.test(out)) {
          clearTimeout(t);
          res();
        }
      });
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    });
    expect(out).toContain(`created ${file} (schema lapa-11)`);
    expect(existsSync(file)).toBe(true);
    await new Promise<void>((res) => {
      child.on('exit', () => res());
      child.kill('SIGTERM');
    });
  }, 60_000);
});
