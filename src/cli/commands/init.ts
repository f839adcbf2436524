import { directClient } from '../../main/services/backend';
import { SCHEMAS } from '../../shared/schema';
import { EXIT, UsageError, need, type Command } from '../command';

export const initCommand: Command = {
  summary: 'create a new project file',
  usage: 'parsel init <file.parsel> --schema <id> [--name <name>] [--json]',
  options: {
    schema: { type: 'string', help: `label schema id: ${SCHEMAS.map((s) => s.id).join(', ')}` },
    name: { type: 'string', help: 'display name (default: the file name)' },
    json: { type: 'boolean', help: 'print the project as JSON' },
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
};
