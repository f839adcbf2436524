/**
 * `parsel` command line: the same services as the app, called in-process.
 *
 * Exit codes (stable, for scripts):
 *   0  success
 *   1  internal error (a bug: please report it with the message)
 *   2  usage error (unknown command or option, missing argument)
 *   3  the request was refused: input not found, invalid, already exists, conflict
 *   4  finished, but some items failed (e.g. `add` could not read some files); details are printed
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ParselError } from '../shared/api/errors';
import type { ParselApi } from '../shared/api/contract';
import { IMAGE_STATUSES, type ProjectInfo } from '../shared/api/types';
import { SCHEMAS } from '../shared/schema';
import { directClient } from '../main/services/backend';
import { createBackend, type Backend } from '../main/services';

export const EXIT = { ok: 0, internal: 1, usage: 2, refused: 3, partial: 4 } as const;

class UsageError extends Error {}

interface Command {
  summary: string;
  usage: string;
  options: Record<string, { flag: boolean; help: string }>;
  run(args: ParsedArgs, ctx: Ctx): Promise<number>;
}

interface ParsedArgs {
  positional: string[];
  options: Record<string, string | boolean>;
}

interface Ctx {
  out: (s: string) => void;
  err: (s: string) => void;
  backend: (mode: 'direct' | 'browser') => Backend;
  rendererDir: string;
}

export function defaultUserDataDir(): string {
  if (process.env.PARSEL_USER_DATA) return resolve(process.env.PARSEL_USER_DATA);
  // Same folder Electron's app.getPath('userData') uses for an app named "parsel".
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'parsel');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'parsel');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'parsel');
}

function parseArgs(argv: string[], spec: Command['options']): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const o = spec[name];
      if (!o) throw new UsageError(`unknown option --${name}`);
      if (o.flag) {
        if (eq > 0) throw new UsageError(`--${name} takes no value`);
        options[name] = true;
      } else {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
        options[name] = v;
      }
    } else {
      positional.push(a);
    }
  }
  return { positional, options };
}

function need(args: ParsedArgs, n: number, names: string): string[] {
  if (args.positional.length < n) throw new UsageError(`missing argument: ${names}`);
  if (args.positional.length > n) throw new UsageError(`unexpected argument: ${args.positional[n]}`);
  return args.positional;
}

async function withProject<T>(ctx: Ctx, project: string, fn: (api: ParselApi) => Promise<T>): Promise<T> {
  const backend = ctx.backend('direct');
  try {
    await backend.openProject(project);
    return await fn(directClient(backend.services, backend.bus));
  } finally {
    backend.close();
  }
}

function formatCounts(info: ProjectInfo): string {
  const lines = [
    `project  ${info.name}`,
    `file     ${info.path}`,
    `schema   ${info.schemaId}`,
    `created  ${info.createdAt}`,
    `images   ${info.counts.total}`,
    'status',
    ...IMAGE_STATUSES.map((s) => `  ${s.padEnd(12)} ${info.counts.byStatus[s]}`),
    'split',
    ...Object.entries(info.counts.bySplit).map(([k, v]) => `  ${k.padEnd(12)} ${v}`),
  ];
  return lines.join('\n');
}

const commands: Record<string, Command> = {
  init: {
    summary: 'create a new project file',
    usage: 'parsel init <file.parsel> --schema <id> [--name <name>] [--json]',
    options: {
      schema: { flag: false, help: `label schema id: ${SCHEMAS.map((s) => s.id).join(', ')}` },
      name: { flag: false, help: 'display name (default: the file name)' },
      json: { flag: true, help: 'print the project as JSON' },
    },
    async run(args, ctx) {
      const [file] = need(args, 1, '<file.parsel>');
      const schemaId = args.options.schema;
      if (typeof schemaId !== 'string') throw new UsageError('--schema is required');
      const backend = ctx.backend('direct');
      try {
        const api = directClient(backend.services, backend.bus);
        const info = await api.call('project:create', {
          path: file,
          schemaId,
          ...(typeof args.options.name === 'string' ? { name: args.options.name } : {}),
        });
        ctx.out(args.options.json ? JSON.stringify(info, null, 2) : `created ${info.path} (schema ${info.schemaId})`);
        return EXIT.ok;
      } finally {
        backend.close();
      }
    },
  },

  add: {
    summary: 'add a folder of images (recursive; duplicates by content skipped)',
    usage: 'parsel add <project.parsel> <folder> [--no-recursive] [--json]',
    options: {
      'no-recursive': { flag: true, help: 'only the folder itself, not its subfolders' },
      json: { flag: true, help: 'print the report as JSON' },
      quiet: { flag: true, help: 'no progress on stderr' },
    },
    async run(args, ctx) {
      const [project, folder] = need(args, 2, '<project.parsel> <folder>');
      const report = await withProject(ctx, project, async (api) => {
        const off = args.options.quiet
          ? () => {}
          : api.on('job:progress', (p) => {
              if (p.phase === 'adding' && process.stderr.isTTY) process.stderr.write(`\r${p.done}/${p.total} files`);
            });
        try {
          return await api.call('image:addFolder', { folder, recursive: !args.options['no-recursive'] });
        } finally {
          off();
          if (!args.options.quiet && process.stderr.isTTY) process.stderr.write('\n');
        }
      });
      if (args.options.json) {
        ctx.out(JSON.stringify(report, null, 2));
      } else {
        ctx.out(`scanned ${report.scanned}, added ${report.added}, duplicates ${report.duplicates.length}, failed ${report.failed.length}`);
        for (const d of report.duplicates) ctx.out(`duplicate  ${d.path}  (same content as ${d.existingPath})`);
        for (const f of report.failed) ctx.err(`failed     ${f.path}: ${f.reason}`);
      }
      return report.failed.length > 0 ? EXIT.partial : EXIT.ok;
    },
  },

  info: {
    summary: 'counts by status and split',
    usage: 'parsel info <project.parsel> [--json]',
    options: { json: { flag: true, help: 'print as JSON' } },
    async run(args, ctx) {
      const [project] = need(args, 1, '<project.parsel>');
      const info = await withProject(ctx, project, (api) => api.call('project:info', {}));
      ctx.out(args.options.json ? JSON.stringify(info, null, 2) : formatCounts(info));
      return EXIT.ok;
    },
  },

  serve: {
    summary: 'serve the app in a browser on 127.0.0.1 (a URL with a per-launch token is printed)',
    usage: 'parsel serve [project.parsel] [--port <n>] [--host <addr>]',
    options: {
      port: { flag: false, help: 'port (default: any free port)' },
      host: { flag: false, help: 'address to bind (default 127.0.0.1; anything else exposes the app to the network)' },
    },
    async run(args, ctx) {
      if (args.positional.length > 1) throw new UsageError(`unexpected argument: ${args.positional[1]}`);
      const port = args.options.port === undefined ? 0 : Number(args.options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
      const backend = ctx.backend('browser');
      if (args.positional[0]) await backend.openProject(args.positional[0]);
      const { startServer } = await import('../main/server');
      const server = await startServer({
        backend,
        rendererDir: ctx.rendererDir,
        port,
        ...(typeof args.options.host === 'string' ? { host: args.options.host } : {}),
      });
      ctx.out(`Parsel is serving on ${server.origin}\nOpen this URL (it carries this launch's access token):\n  ${server.url}\nPress Ctrl+C to stop.`);
      await new Promise<void>((done) => {
        const stop = () => {
          void server.close().then(() => {
            backend.close();
            done();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return EXIT.ok;
    },
  },
};

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

export async function main(argv: string[], io: Partial<Ctx> = {}): Promise<number> {
  const ctx: Ctx = {
    out: io.out ?? ((s) => process.stdout.write(`${s}\n`)),
    err: io.err ?? ((s) => process.stderr.write(`${s}\n`)),
    backend: io.backend ?? ((mode) => createBackend({ mode, userDataDir: defaultUserDataDir() })),
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
      if (err.code === 'BAD_REQUEST') return EXIT.usage;
      return err.code === 'INTERNAL' ? EXIT.internal : EXIT.refused;
    }
    ctx.err(`parsel ${name}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT.internal;
  }
}
