import { defineConfig } from 'vitest/config';

/**
 * Test projects, each runnable alone with `vitest run --project <name>` (`npm run test:unit`, …);
 * `npm test` runs them all. Every *.test.ts belongs to exactly one (test/unit/vitest-projects.test.ts).
 */
export const TEST_PROJECTS = {
  /** Pure code and main-process modules with fakes: no build, no browser, no child process. */
  unit: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/tooling/**/*.test.ts'],
  /** Services, stores, the CLI and the server against real files, ONNX Runtime and child processes. */
  integration: ['test/integration/**/*.test.ts'],
  /** The built app in Chromium (browser mode) and, where its binary exists, Electron. */
  e2e: ['test/e2e/**/*.test.ts'],
} as const;

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    // CI has 2 cores; browser tests each start a Chromium, so keep concurrency modest.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: Object.entries(TEST_PROJECTS).map(([name, include]) => ({ extends: true, test: { name, include: [...include] } })),
  },
});
