/** The import boundaries of docs/ARCHITECTURE.md are enforced by lint: prove each rule fires. */
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: resolve(__dirname, '../..') });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath: resolve(__dirname, '../..', filePath) });
  return res.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer boundaries (lint)', () => {
  const cases: [string, string, RegExp][] = [
    ['src/renderer/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;", /no-restricted-imports: .*Node built-ins/],
    ['src/renderer/src/x.ts', "import fs from 'fs';\nexport const f = fs;", /no-restricted-imports/],
    ['src/renderer/src/x.ts', "import { createBackend } from '../../main/services';\nexport const f = createBackend;", /must not import src\/main/],
    ['src/renderer/src/x.ts', "import Database from 'better-sqlite3';\nexport const d = Database;", /only through the API client/],
    ['src/renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;", /only through the API client/],
    ['src/shared/mask/x.ts', "import { join } from 'node:path';\nexport const j = join;", /Node built-ins/],
    ['src/shared/mask/x.ts', "import { app } from 'electron';\nexport const a = app;", /platform-free/],
    ['src/shared/mask/x.ts', "import { x } from '../../main/store/db';\nexport const y = x;", /must not import src\/main/],
    ['src/shared/mask/x.ts', 'export const n = process.pid;', /no-restricted-globals: .*no platform globals/],
    ['src/shared/mask/x.ts', 'export const b = document.body;', /no-restricted-globals/],
    ['src/main/services/x.ts', "import { App } from '../../renderer/src/App';\nexport const a = App;", /main must not import the renderer/],
    ['src/preload/x.ts', "import Database from 'better-sqlite3';\nexport const d = Database;", /sandboxed preload/],
    ['src/main/services/x.ts', "import sharp from 'sharp';\nexport const s = sharp;", /import sharp from src\/main\/sharp\.ts \(its cache is off\)/],
    ['src/cli/commands/x.ts', "import sharp from 'sharp';\nexport const s = sharp;", /import sharp from src\/main\/sharp\.ts/],
  ];
  // Inside src/main (scripts/eslint-main-layers.mjs): store ← services ← domains ← service table ← server / electron.
  const up = (from: string, to: string) => new RegExp(`parsel/main-layers: ${from} must not import ${to} `);
  cases.push(
    ['src/main/store/x.ts', "import { ProjectPaths } from '../services/paths';\nexport const p = ProjectPaths;", up('store', 'services')],
    ['src/main/store/x.ts', "import type { OpenProject } from '../services/context';\nexport type P = OpenProject;", up('store', 'services')],
    ['src/main/store/x.ts', "export { startWorker } from '../inference/spawn';", up('store', 'services')],
    ['src/main/services/x.ts', "import { faceServices } from './domains/faces';\nexport const f = faceServices;", up('services', 'domains')],
    ['src/main/services/noise/x.ts', "export * from '../domains/noise';", up('services', 'domains')],
    ['src/main/formats/export/x.ts', "import { exportServices } from '../../services/domains/export';\nexport const e = exportServices;", up('services', 'domains')],
    ['src/main/inference/x.ts', "export const m = () => import('../services/domains/models');", up('services', 'domains')],
    ['src/main/services/x.ts', "import type { BackendOptions } from './index';\nexport type O = BackendOptions;", up('services', 'the service table')],
    ['src/main/services/x.ts', "import { createBackend } from '.';\nexport const c = createBackend;", up('services', 'the service table')],
    ['src/main/services/domains/x.ts', "import { createBackend } from '../create';\nexport const c = createBackend;", up('domains', 'the service table')],
    ['src/main/services/domains/x.ts', "import { mediaHandler } from '../../server/media';\nexport const m = mediaHandler;", up('domains', 'server / electron')],
    ['src/main/services/create.ts', "import { bindIpc } from '../ipc';\nexport const b = bindIpc;", up('the service table', 'server / electron')],
    ['src/main/formats/x.ts', "import { startServer } from '../server';\nexport const s = startServer;", up('services', 'server / electron')],
    ['src/main/services/x.ts', "import { storeDb } from '../store/project-store';\nexport const d = storeDb;", /parsel\/main-layers: storeDb \(the raw connection\) is for src\/main\/store only/],
    ['src/main/services/domains/x.ts', "import { ProjectStore, storeDb as raw } from '../../store/project-store';\nexport const d = [raw, ProjectStore];", /storeDb \(the raw connection\)/],
  );
  for (const [file, code, expected] of cases) {
    it(`${file}: ${code.split('\n')[0]}`, async () => {
      const ids = await ruleIds(file, code);
      expect(ids.join('\n')).toMatch(expected);
    });
  }

  it('allows what each layer may use', async () => {
    expect(await ruleIds('src/shared/mask/x.ts', "import { z } from 'zod';\nexport const s = z.string();")).toEqual([]);
    expect(await ruleIds('src/renderer/src/x.ts', "import { getSchema } from '../../shared/schema';\nexport const g = getSchema;")).toEqual([]);
    expect(await ruleIds('src/main/services/x.ts', "import { join } from 'node:path';\nexport const j = join;")).toEqual([]);
    expect(await ruleIds('src/main/services/x.ts', "import sharp from '../sharp';\nexport const s = sharp;")).toEqual([]);
    expect(await ruleIds('src/preload/x.ts', "import { contextBridge } from 'electron';\nexport const c = contextBridge;")).toEqual([]);
    // Downwards and sideways inside src/main.
    for (const [file, code] of [
      ['src/main/server/x.ts', "import { createBackend } from '../services';\nexport const c = createBackend;"],
      ['src/main/services/create.ts', "import { faceServices } from './domains/faces';\nexport const f = faceServices;"],
      ['src/main/services/domains/x.ts', "import { ProjectStore } from '../../store/project-store';\nimport { ProjectPaths } from '../paths';\nexport const a = [ProjectStore, ProjectPaths];"],
      ['src/main/services/domains/x.ts', "import { projectInfo } from './project';\nexport const p = projectInfo;"],
      ['src/main/services/x.ts', "import { writeTx } from '../store/tx';\nimport sharp from '../sharp';\nexport const a = [writeTx, sharp];"],
      ['src/main/formats/x.ts', "import { ProjectStore } from '../store/project-store';\nexport const p = ProjectStore;"],
      ['src/main/store/x.ts', "import { storeDb } from './project-store';\nexport const d = storeDb;"],
      ['src/main/store/x.ts', "import { writeTx } from './tx';\nimport { ParselError } from '../../shared/api/errors';\nexport const a = [writeTx, ParselError];"],
    ]) {
      expect(await ruleIds(file, code), `${file}: ${code}`).toEqual([]);
    }
  });
});
