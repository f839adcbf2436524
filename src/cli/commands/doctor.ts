import type { EnvCheck, EnvNeed, EnvReport } from '../../shared/api/methods-env';
import { directClient } from '../../main/services/backend';
import { EXIT, need, type Command } from '../command';

const NEED_LABEL: Record<EnvNeed, string> = {
  browser: 'browser mode',
  tests: 'tests',
  desktop: 'desktop app',
  gpu: 'GPU inference',
  sample: 'demo models',
};

/** One line per check: status, what, then what was found — or why not and the command that fixes it. */
export function formatCheck(c: EnvCheck, titleWidth: number): string {
  const text = c.status === 'ok' ? c.detail : `${c.reason ?? ''}${c.fix ? `  → fix: ${c.fix}` : ''}`;
  return `${c.status.padEnd(11)} ${c.title.padEnd(titleWidth)}  ${text}`;
}

export function formatReport(r: EnvReport): string {
  const w = Math.max(...r.checks.map((c) => c.title.length));
  const ready = (Object.keys(NEED_LABEL) as EnvNeed[]).map((n) => `${NEED_LABEL[n]}: ${r.ready[n] ? 'ready' : n === 'gpu' ? 'no (CPU only)' : 'not ready'}`);
  return [
    `parsel doctor — ${r.platform} ${r.arch}, ${r.root}`,
    ...r.checks.map((c) => formatCheck(c, w)),
    '',
    ready.join(' · '),
  ].join('\n');
}

export const doctorCommand: Command = {
  summary: 'what this machine has of what Parsel needs, and the command that fixes each missing piece',
  usage: 'parsel doctor [--json]',
  options: {
    json: {
      type: 'boolean',
      help:
        'print the report as JSON. Exit code: 0 when browser mode and the tests have everything they need ' +
        '(desktop, GPU and demo lines may still be missing), 4 when something they need is missing or does not work',
    },
  },
  async run(args, ctx) {
    need(args, 0, '');
    const backend = ctx.backend('direct');
    let report: EnvReport;
    try {
      report = await directClient(backend.services, backend.bus).call('env:doctor', {});
    } finally {
      backend.close();
    }
    // One write: a reader that stops early (`| head`) then gets whole lines and no broken pipe mid-report.
    ctx.out(args.options.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.ready.browser && report.ready.tests ? EXIT.ok : EXIT.partial;
  },
};
