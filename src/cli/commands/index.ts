/** Every CLI command, by name, in the order `parsel --help` lists them. */
import type { Command } from '../command';
import { initCommand } from './init';
import { demoCommand } from './demo';
import { addCommand } from './add';
import { infoCommand } from './info';
import { serveCommand } from './serve';
import { importCommand } from './import';
import { exportCommand } from './export';
import { modelsCommand } from './models';
import { prelabelCommand } from './prelabel';
import { scanCommand } from './scan';
import { flagsCommand } from './flags';
import { exportProbsCommand } from './export-probs';
import { importProbsCommand } from './import-probs';
import { agreementCommand } from './agreement';
import { statsCommand } from './stats';
import { averageCommand } from './average';
import { doctorCommand } from './doctor';

export const commands: Record<string, Command> = {
  init: initCommand,
  demo: demoCommand,
  add: addCommand,
  info: infoCommand,
  serve: serveCommand,
  import: importCommand,
  export: exportCommand,
  models: modelsCommand,
  prelabel: prelabelCommand,
  scan: scanCommand,
  flags: flagsCommand,
  'export-probs': exportProbsCommand,
  'import-probs': importProbsCommand,
  agreement: agreementCommand,
  stats: statsCommand,
  average: averageCommand,
  doctor: doctorCommand,
};
