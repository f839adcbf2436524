/**
 * The contract's method and event names, without the contract's validators.
 *
 * The sandboxed preload may `require` nothing but `electron`, and electron-vite externalises
 * node_modules dependencies unless told otherwise, so the preload must not import the zod-based table
 * in shared/api/contract.ts. These lists are checked against the contract at compile time (a missing
 * or extra name is a type error) and again in test/unit/ipc.test.ts.
 */
import type { EventName, MethodName } from '../shared/api/contract';

export const PRELOAD_METHOD_NAMES = [
  'app:info',
  'app:recent',
  'app:openSample',
  'schema:list',
  'project:create',
  'project:open',
  'project:close',
  'project:info',
  'image:addFolder',
  'image:list',
  'job:history',
  'image:get',
  'image:setStatus',
  'revision:list',
  'revision:mask',
  'revision:save',
  'revision:sessionSave',
  'revision:finish',
  'revision:settings',
  'revision:setSettings',
  'fs:list',
  'dialog:pick',
  'export:preview',
  'export:run',
  'export:cancel',
  'export:list',
  'import:detect',
  'import:plan',
  'import:run',
  'import:cancel',
  'settings:get',
  'settings:set',
  'models:add',
  'models:list',
  'models:check',
  'models:remove',
  'models:providers',
  'modelSet:create',
  'modelSet:list',
  'prelabel:start',
  'prelabel:cancel',
  'prelabel:resume',
  'job:list',
  'prediction:get',
  'noise:scan',
  'noise:cancel',
  'noise:flags',
  'noise:queue',
  'noise:accept',
  'noise:dismiss',
  'noise:heatmap',
  'noise:pairs',
  'noise:exportProbs',
  'noise:importProbs',
  'noise:reopen',
  'noise:scores',
  'noise:settings',
  'noise:setSettings',
  'metrics:agreement',
  'metrics:stats',
  'metrics:cancel',
  'faceBox:list',
  'faceBox:set',
  'env:doctor',
  'prompt:prepare',
  'prompt:decode',
  'assist:parse',
] as const satisfies readonly MethodName[];

export const PRELOAD_EVENT_NAMES = ['job:progress', 'project:changed'] as const satisfies readonly EventName[];

// Compile-time completeness: every contract name is listed.
type MissingMethods = Exclude<MethodName, (typeof PRELOAD_METHOD_NAMES)[number]>;
type MissingEvents = Exclude<EventName, (typeof PRELOAD_EVENT_NAMES)[number]>;
export const methodListComplete: [MissingMethods] extends [never] ? true : MissingMethods = true;
export const eventListComplete: [MissingEvents] extends [never] ? true : MissingEvents = true;

const methodSet: ReadonlySet<string> = new Set(PRELOAD_METHOD_NAMES);
const eventSet: ReadonlySet<string> = new Set(PRELOAD_EVENT_NAMES);

export function isPreloadMethod(v: unknown): v is MethodName {
  return typeof v === 'string' && methodSet.has(v);
}

export function isPreloadEvent(v: unknown): v is EventName {
  return typeof v === 'string' && eventSet.has(v);
}
