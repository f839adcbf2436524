import { EXIT, UsageError, type Command } from '../command';

export const serveCommand: Command = {
  summary: 'serve the app in a browser on 127.0.0.1 (a URL with a per-launch token is printed)',
  usage: 'parsel serve [project.parsel] [--port <n>] [--host <addr>]',
  options: {
    port: { type: 'string', help: 'port (default: any free port)' },
    host: { type: 'string', help: 'address to bind (default 127.0.0.1; anything else exposes the app to the network)' },
  },
  async run(args, ctx) {
    if (args.positional.length > 1) throw new UsageError(`unexpected argument: ${args.positional[1]}`);
    const port = args.options.port === undefined ? 0 : Number(args.options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
    const backend = ctx.backend('browser');
    if (args.positional[0]) await backend.openProject(args.positional[0]);
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
