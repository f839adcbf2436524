/** `parsel review-settings`: the project's review settings (when accepting a big flag needs confirmation). */
import { EXIT, need, UsageError, withProject, type Command, type ParsedArgs } from '../command';

/** A share given as 0.05 or 5%: in (0, 1]. */
function shareOpt(args: ParsedArgs, name: string): number | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const pct = s.endsWith('%');
  const n = Number(pct ? s.slice(0, -1) : s) / (pct ? 100 : 1);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new UsageError(`--${name} must be a share in (0, 1] or a percentage in (0%, 100%], got "${s}"`);
  return n;
}

const pct = (v: number) => `${+(v * 100).toFixed(2)} %`;

export const reviewSettingsCommand: Command = {
  summary: "the project's review settings: the share of the image or of its class above which accepting a flag needs confirmation",
  usage: 'parsel review-settings <project.parsel> [--big-image 5%] [--big-part 60%] [--json]',
  options: {
    'big-image': { type: 'string', help: 'a flag covering more than this share of the image needs confirmation (0.05 or 5%; 1 or 100% turns the check off; default 5%)' },
    'big-part': { type: 'string', help: 'a flag covering more than this share of its label class needs confirmation (default 60%)' },
    json: { type: 'boolean', help: 'print as JSON' },
  },
  async run(args, ctx) {
    const [project] = need(args, 1, '<project.parsel>');
    const image = shareOpt(args, 'big-image');
    const part = shareOpt(args, 'big-part');
    return withProject(ctx, project, async (api) => {
      const s =
        image === undefined && part === undefined
          ? await api.call('noise:settings', {})
          : await api.call('noise:setSettings', { ...(image !== undefined && { bigFlagImageShare: image }), ...(part !== undefined && { bigFlagPartShare: part }) });
      if (args.options.json) ctx.out(JSON.stringify(s, null, 2));
      else ctx.out(`accepting a flag needs confirmation above ${pct(s.bigFlagImageShare)} of the image or ${pct(s.bigFlagPartShare)} of its label class`);
      return EXIT.ok;
    });
  },
};
