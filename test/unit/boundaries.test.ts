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
  });
});
