/**
 * `parsel` command line: the same services as the app, called in-process. Commands are in
 * `commands/`; exit codes are documented in `command.ts`.
 */
import { resolve } from 'node:path';
import { ParselError } from '../shared/api/errors';
import { createBackend } from '../main/services';
import { EXIT, UsageError, exitCodeOf, defaultDemoModelsDir, defaultUserDataDir, parseArgs, type Command, type Ctx } from './command';
import { commands } from './commands';

export { EXIT, defaultUserDataDir };

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
    'Run `parsel <command> --help` for a command\'s options.',
    'Exit codes: 0 ok, 1 internal error, 2 usage error, 3 refused (not found / invalid / exists / conflict), 4 partial.',
  ].join('\n');
}

function commandHelp(name: string, c: Command): string {
  const opts = Object.entries(c.options).map(([k, o]) => `  --${k}${o.flag ? '' : ' <value>'}\n      ${o.help}`);
  return [`parsel ${name} — ${c.summary}`, '', `usage: ${c.usage}`, '', 'options:', ...opts, '  --help\n      this text'].join('\n');
}

/**
 * Lines to stdout that stop quietly when the reader goes away (`parsel flags --all | head`): the
 * broken pipe is not an error of the command, which finishes normally.
 */
function stdoutLines(): (s: string) => void {
  let gone = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') gone = true;
    else throw err;
  });
  return (s) => {
    if (!gone && !process.stdout.destroyed) process.stdout.write(`${s}\n`);
  };
}

export async function main(argv: string[], io: Partial<Ctx> = {}): Promise<number> {
  const ctx: Ctx = {
    out: io.out ?? stdoutLines(),
    err: io.err ?? ((s) => process.stderr.write(`${s}\n`)),
    backend: io.backend ?? ((mode) => createBackend({ mode, userDataDir: defaultUserDataDir(), sampleModelsDir: defaultDemoModelsDir() })),
    rendererDir: io.rendererDir ?? resolve('out/renderer'),
  };
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.out(helpText());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version') {
    ctx.out('0.1.0');
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
    return await cmd.run(parseArgs(rest, cmd.options), ctx);
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
