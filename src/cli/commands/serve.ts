import { existsSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { ParselError } from '../../shared/api/errors';
import { directClient } from '../../main/services/backend';
import { SCHEMAS } from '../../shared/schema';
import { EXIT, UsageError, type Command } from '../command';

const DEFAULT_SCHEMA = 'celebamask-hq-a';

export const serveCommand: Command = {
  summary: 'serve the app in a browser on 127.0.0.1 (a URL with a per-launch token is printed)',
  usage: 'parsel serve [project.parsel [--create [--schema <id>]]] [--port <n>] [--host <addr>] [--root <folders>]',
  options: {
    create: { type: 'boolean', help: 'create the project file when it does not exist' },
    schema: { type: 'string', help: `label schema of a project made by --create (default ${DEFAULT_SCHEMA}; ${SCHEMAS.map((x) => x.id).join(', ')})` },
    root: {
      type: 'string',
      help: `folders the browser file picker may show, separated by "${delimiter}" (default: your home folder and the open project's folder)`,
    },
    port: { type: 'string', help: 'port (default: any free port)' },
    host: { type: 'string', help: 'address to bind (default 127.0.0.1; anything else exposes the app to the network)' },
  },
  async run(args, ctx) {
    if (args.positional.length > 1) throw new UsageError(`unexpected argument: ${args.positional[1]}`);
    const port = args.options.port === undefined ? 0 : Number(args.options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
    const roots = typeof args.options.root === 'string' ? args.options.root.split(delimiter).filter(Boolean).map((r) => resolve(r)) : undefined;
    if (roots) for (const r of roots) if (!existsSync(r)) throw new UsageError(`--root: no such folder: ${r}`);
    if (args.options.schema !== undefined && !args.options.create) throw new UsageError('--schema is only used with --create');
    const file = args.positional[0];
    if (file && !existsSync(resolve(file)) && !args.options.create) {
      throw new ParselError(
        'NOT_FOUND',
        `no project at ${resolve(file)}. To create it, add --create (and --schema <id>, default ${DEFAULT_SCHEMA}): ` +
          `parsel serve ${file} --create, or from a checkout: npm run serve -- ${file} --create`,
      );
    }
    const backend = ctx.backend('browser', roots ? { browseRoots: roots } : {});
    if (file && !existsSync(resolve(file))) {
      const schemaId = typeof args.options.schema === 'string' ? args.options.schema : DEFAULT_SCHEMA;
      const info = await directClient(backend.services, backend.bus).call('project:create', { path: file, schemaId });
      ctx.out(`created ${info.path} (schema ${info.schemaId})`);
    } else if (file) await backend.openProject(file);
    const { startServer } = await import('../../main/server');
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
};
