/**
 * `parsel` command line: the same services as the app, called in-process. Commands are in
 * `commands/`; exit codes are documented in `command.ts`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParselError } from '../shared/api/errors';
import { createBackend } from '../main/services';
import { EXIT, UsageError, exitCodeOf, defaultDemoModelsDir, defaultUserDataDir, isFlag, parseCommandLine, type Command, type Ctx } from './command';
import { commands } from './commands';

export { EXIT, defaultUserDataDir };

/**
 * The version in this checkout's package.json: two folders up from this module (src/cli/index.ts from
 * source, out/cli/parsel.mjs once bundled).
 */
export function packageVersion(): string {
  const file = fileURLToPath(new URL('../../package.json', import.meta.url));
  const v = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
  if (typeof v !== 'string' || v === '') throw new Error(`${file} has no "version"`);
  return v;
}

function helpText(): string {
  const w = Math.max(...Object.keys(commands).map((k) => k.length));
  return [
    'parsel — build and clean face-parsing datasets',
    '',
    'usage: parsel <command> [arguments] [options]',
    '',
    'commands:',
    ...Object.entries(commands).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`),
    '',
    'Run `parsel <command> --help` for a command\'s options. `--verbose` (any command): ONNX Runtime\'s own messages and raw provider errors.',
    'Exit codes: 0 ok, 1 internal error, 2 usage error, 3 refused (not found / invalid / exists / conflict), 4 partial.',
  ].join('\n');
}

function commandHelp(name: string, c: Command): string {
  const opts = Object.entries(c.options).map(([k, o]) => `  --${k}${isFlag(o) ? '' : ' <value>'}\n      ${o.help}`);
  return [`parsel ${name} — ${c.summary}`, '', `usage: ${c.usage}`, '', 'options:', ...opts, '  --help\n      this text'].join('\n');
}

/** Streams whose reader went away (`parsel … | head -1`), and the streams already watched. */
const gone = new WeakSet<NodeJS.WritableStream>();
const watched = new WeakSet<NodeJS.WritableStream>();

/**
 * Lines to stdout or stderr that stop quietly when the reader goes away: a broken pipe is not an
 * error of the command, which finishes normally (exit 0 when it succeeds), as Unix tools do. Watching
 * the stream also covers direct writes (progress on stderr): without an 'error' listener, the EPIPE of
 * any write is an uncaught exception (a stack trace and exit 1).
 */
export function quietLines(stream: NodeJS.WriteStream): (s: string) => void {
  if (!watched.has(stream)) {
    watched.add(stream);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') gone.add(stream);
      else throw err;
    });
  }
  return (s) => {
    if (!gone.has(stream) && !stream.destroyed) stream.write(`${s}\n`);
  };
}

export async function main(argv: string[], io: Partial<Ctx> = {}): Promise<number> {
  const stdoutLines = quietLines(process.stdout);
  const stderrLines = quietLines(process.stderr);
  const ctx: Ctx = {
    // Both streams are watched even where io replaces them: commands write progress to stderr directly.
    out: io.out ?? stdoutLines,
    err: io.err ?? stderrLines,
    backend: io.backend ?? ((mode, extra) => createBackend({ mode, userDataDir: defaultUserDataDir(), sampleModelsDir: defaultDemoModelsDir(), ...extra })),
    rendererDir: io.rendererDir ?? resolve('out/renderer'),
  };
  // Global: ONNX Runtime's own messages and the raw provider errors (ort-log.ts); read by the workers too.
  if (argv.includes('--verbose')) {
    process.env.PARSEL_VERBOSE = '1';
    argv = argv.filter((a) => a !== '--verbose');
  }
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.out(helpText());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version') {
    ctx.out(packageVersion());
    return EXIT.ok;
  }
  const cmd = commands[name];
  if (!cmd) {
    ctx.err(`parsel: unknown command "${name}"\n\n${helpText()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.out(commandHelp(name, cmd));
    return EXIT.ok;
  }
  try {
    return await cmd.run(parseCommandLine(rest, cmd.options), ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.err(`parsel ${name}: ${err.message}\nusage: ${cmd.usage}`);
      return EXIT.usage;
    }
    if (err instanceof ParselError) {
      ctx.err(`parsel ${name}: ${err.message} [${err.code}]`);
      return exitCodeOf(err.code);
    }
    ctx.err(`parsel ${name}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT.internal;
  }
}
