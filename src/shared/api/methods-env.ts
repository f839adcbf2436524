/**
 * The environment check (`env:doctor`, issue 17): what this machine has of what Parsel needs — Node,
 * Electron and its binary, better-sqlite3 for Node and for Electron, sharp/libvips, ONNX Runtime and
 * the execution providers that start here, Chromium for the browser tests, the demo models — each with
 * the reason and the command that fixes it when it is not there. `parsel doctor` and the Home screen's
 * Environment panel only render this answer (src/main/services/doctor.ts makes it).
 */
import { z } from 'zod';
import { method } from './define';

/**
 * `ok`: present and working. `missing`: not installed or not built yet; `fix` installs or builds it.
 * `unavailable`: cannot work on this machine as it is (no GPU adapter, no driver, wrong platform, a build
 * that does not load); `reason` says why, `fix` is set only when one command fixes it.
 */
export const ENV_STATUSES = ['ok', 'missing', 'unavailable'] as const;
export type EnvStatus = (typeof ENV_STATUSES)[number];

/** What a check is needed for. Browser mode and the tests decide `parsel doctor`'s exit code. */
export const ENV_NEEDS = ['browser', 'tests', 'desktop', 'gpu', 'sample'] as const;
export type EnvNeed = (typeof ENV_NEEDS)[number];

export interface EnvCheck {
  /** Stable key: node, electron, electron-binary, sqlite-node, sqlite-electron, sharp, onnxruntime, ep-<provider>, chromium, demo-models. */
  id: string;
  /** What is checked, for people ("Electron binary"). */
  title: string;
  status: EnvStatus;
  /** What was found (versions, paths); for a check that is not ok, what is there of it. */
  detail: string;
  /** Why it is not ok (null when ok). */
  reason: string | null;
  /** The command that fixes it, run in the app's folder (null when ok, or when no single command does). */
  fix: string | null;
  needs: EnvNeed[];
}

export interface EnvReport {
  platform: string;
  arch: string;
  /** The app's folder (where node_modules, .cache and models are). */
  root: string;
  /** 'node' (CLI, browser mode, tests) or 'electron' (the desktop app's main process). */
  runtime: 'node' | 'electron';
  checks: EnvCheck[];
  /** Per need: every check with that need is ok (gpu: at least one GPU provider starts). */
  ready: Record<EnvNeed, boolean>;
}

export const envMethods = {
  'env:doctor': method<EnvReport>()(z.object({}).strict()),
} as const;
