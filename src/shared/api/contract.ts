/**
 * The API contract: one table of methods and one table of events.
 *
 * Every transport (Electron IPC, browser-mode WebSocket, direct calls from the CLI and tests) is bound
 * from these tables, so a method exists everywhere or nowhere. Request payloads are validated at
 * runtime in main with the zod schema given here; responses are typed only (main produces them).
 * The channel of a method is `parsel:<domain>:<action>`, i.e. `parsel:` + its key.
 */
import { z } from 'zod';
import type {
  AddFolderReport,
  AppInfo,
  ImageDetail,
  ImagePage,
  JobProgress,
  LabelSchema,
  MaskPayload,
  ProjectChanged,
  ProjectInfo,
  RecentProject,
  RevisionSummary,
  SampleOpened,
} from './types';
import { IMAGE_SORTS, IMAGE_STATUSES, REVISION_KINDS } from './types';

export const CHANNEL_PREFIX = 'parsel:';

const id = z.number().int().positive();
const path = z.string().min(1, 'path must not be empty').max(4096);
import { encodedMaskSchema } from './mask-schema';
export { encodedMaskSchema };

import { method } from './define';
import { envMethods } from './methods-env';
import { exportMethods } from './methods-export';
import { faceMethods } from './methods-faces';
import { importMethods } from './methods-import';
import { jobMethods } from './methods-jobs';
import { metricsMethods } from './methods-metrics';
import { modelMethods } from './methods-models';
import { noiseMethods } from './methods-noise';
import { revisionMethods } from './methods-revisions';
import { fsMethods } from './methods-fs';
import { promptMethods } from './methods-prompt';
import { assistMethods } from './methods-assist';
import { settingsMethods } from './methods-settings';

const empty = z.object({}).strict();

export const methods = {
  'app:info': method<AppInfo>()(empty),
  'app:recent': method<RecentProject[]>()(empty),
  /** Make (first time) and open the sample project in the user-data folder; see SampleOpened. */
  'app:openSample': method<SampleOpened>()(empty),
  'schema:list': method<LabelSchema[]>()(empty),

  'project:create': method<ProjectInfo>()(
    z.object({ path, schemaId: z.string().min(1).max(64), name: z.string().max(200).optional() }).strict(),
  ),
  'project:open': method<ProjectInfo>()(z.object({ path }).strict()),
  'project:close': method<{ closed: boolean }>()(empty),
  'project:info': method<ProjectInfo>()(empty),

  'image:addFolder': method<AddFolderReport>()(z.object({ folder: path, recursive: z.boolean().default(true) }).strict()),
  'image:list': method<ImagePage>()(
    z
      .object({
        status: z.array(z.enum(IMAGE_STATUSES)).max(IMAGE_STATUSES.length).optional(),
        split: z.string().max(64).optional(),
        /** Case-insensitive substring of the stored path (file name or folder). */
        search: z.string().max(500).optional(),
        sort: z.enum(IMAGE_SORTS).optional(),
        reverse: z.boolean().optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(5000).default(200),
      })
      .strict(),
  ),
  'image:get': method<ImageDetail>()(z.object({ id }).strict()),
  'image:setStatus': method<{ updated: number }>()(
    z.object({ ids: z.array(id).min(1).max(100000), status: z.enum(IMAGE_STATUSES) }).strict(),
  ),

  'revision:list': method<RevisionSummary[]>()(z.object({ imageId: id }).strict()),
  'revision:mask': method<MaskPayload>()(z.object({ revisionId: id }).strict()),
  'revision:save': method<RevisionSummary>()(
    z
      .object({
        imageId: id,
        parentId: id.nullable(),
        kind: z.enum(REVISION_KINDS),
        author: z.string().trim().min(1, 'author must not be empty').max(200),
        note: z.string().max(10000).nullable().default(null),
        mask: encodedMaskSchema,
        /**
         * Append on top of `parentId` without moving the image's head (and without the CONFLICT check):
         * keeps a version set aside in a conflict in the history, where it can be reverted to.
         */
        detached: z.boolean().optional(),
      })
      .strict(),
  ),

  'dialog:pick': method<{ path: string | null }>()(
    z.object({ kind: z.enum(['openProject', 'saveProject', 'folder', 'model']) }).strict(),
  ),
  ...importMethods,
  ...exportMethods,
  ...settingsMethods,
  ...modelMethods,
  ...noiseMethods,
  ...metricsMethods,
  ...faceMethods,
  ...envMethods,
  ...jobMethods,
  ...revisionMethods,
  ...fsMethods,
  ...promptMethods,
  ...assistMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** What a caller passes (defaults may be omitted). */
export type RequestOf<M extends MethodName> = z.input<Methods[M]['request']>;
/** What a service receives after validation (defaults filled in). */
export type ValidatedRequestOf<M extends MethodName> = z.output<Methods[M]['request']>;
export type ResponseOf<M extends MethodName> = Methods[M]['response'];

export const METHOD_NAMES = Object.keys(methods) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

export function channelOf(m: MethodName): string {
  return CHANNEL_PREFIX + m;
}

/** Events main pushes to every connected renderer. */
export interface Events {
  'job:progress': JobProgress;
  'project:changed': ProjectChanged;
}
export type EventName = keyof Events;
export const EVENT_NAMES: EventName[] = ['job:progress', 'project:changed'];

/** The interface every renderer-side client (IPC bridge, WebSocket, direct) implements. */
export interface ParselApi {
  call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}
