/**
 * The CLI's building blocks: command shape, exit codes, running against a project (argument parsing:
 * options.ts).
 * Each command lives in `commands/<name>.ts` and is listed in `commands/index.ts`.
 *
 * Exit codes (stable, for scripts):
 *   0  success
 *   1  internal error (a bug: please report it with the message)
 *   2  usage error (unknown command or option, missing argument)
 *   3  the request was refused: input not found, invalid, already exists, conflict, or the project is
 *      being written by another process (BUSY, after waiting the busy timeout)
 *   4  finished, but some items failed (e.g. `add` could not read some files); details are printed
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParselApi } from '../shared/api/contract';
import type { ErrorCode } from '../shared/api/errors';
import { directClient } from '../main/services/backend';
import type { Backend, BackendOptions } from '../main/services';
import { UsageError, type OptionTable, type ParsedArgs } from './options';

export const EXIT = { ok: 0, internal: 1, usage: 2, refused: 3, partial: 4 } as const;

export { UsageError, field, isFlag, parseCommandLine, type OptionSpec, type OptionTable, type ParsedArgs } from './options';

/** Exit code of each ParselError code (BUSY: another process is writing the project; try again). */
const EXIT_OF_CODE: Record<ErrorCode, number> = {
  BAD_REQUEST: EXIT.usage,
  UNKNOWN_METHOD: EXIT.usage,
  NO_PROJECT: EXIT.refused,
  NOT_FOUND: EXIT.refused,
  CONFLICT: EXIT.refused,
  INVALID_INPUT: EXIT.refused,
  ALREADY_EXISTS: EXIT.refused,
  UNSUPPORTED: EXIT.refused,
  FORBIDDEN: EXIT.refused,
  BUSY: EXIT.refused,
  INTERNAL: EXIT.internal,
};

export function exitCodeOf(code: ErrorCode): number {
  return EXIT_OF_CODE[code];
}

export interface Command {
  summary: string;
  usage: string;
  /** The command's options (options.ts): type, help, and the contract field that checks the value. */
  options: OptionTable;
  run(args: ParsedArgs, ctx: Ctx): Promise<number>;
}

export interface Ctx {
  out: (s: string) => void;
  err: (s: string) => void;
  backend: (mode: 'direct' | 'browser', extra?: Pick<BackendOptions, 'browseRoots'>) => Backend;
  rendererDir: string;
}

export function defaultUserDataDir(): string {
  if (process.env.PARSEL_USER_DATA) return resolve(process.env.PARSEL_USER_DATA);
  // Same folder Electron's app.getPath('userData') uses for an app named "parsel".
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'parsel');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'parsel');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'parsel');
}

/**
 * models/demo of this checkout: two folders up from this module, which is src/cli/command.ts from
 * source and out/cli/parsel.mjs once bundled.
 */
export function defaultDemoModelsDir(): string {
  return resolve(fileURLToPath(new URL('../../models/demo', import.meta.url)));
}

export function need(args: ParsedArgs, n: number, names: string): string[] {
  if (args.positional.length < n) throw new UsageError(`missing argument: ${names}`);
  if (args.positional.length > n) throw new UsageError(`unexpected argument: ${args.positional[n]}`);
  return args.positional;
}

export async function withProject<T>(ctx: Ctx, project: string, fn: (api: ParselApi) => Promise<T>): Promise<T> {
  const backend = ctx.backend('direct');
  try {
    await backend.openProject(project);
    return await fn(directClient(backend.services, backend.bus));
  } finally {
    backend.close();
  }
}

