/**
 * What every domain's services share: options, the event bus, and the open project (if any).
 * Domain modules (`domains/*.ts`) each return their slice of the service table from a context.
 */
import { ParselError } from '../../shared/api/errors';
import type { ProjectStore } from '../store/project-store';
import type { EventBus, ServiceTable } from './backend';
import type { BackendOptions } from './options';
import type { ProjectPaths } from './paths';

export interface OpenProject {
  store: ProjectStore;
  paths: ProjectPaths;
}

export interface ServiceContext {
  readonly opts: BackendOptions;
  readonly bus: EventBus;
  /** The open project, or null. */
  current(): OpenProject | null;
  /** The open project; throws NO_PROJECT when none is open. */
  project(): OpenProject;
  /** Replace the open project (closing the previous one). */
  setCurrent(p: OpenProject | null): void;
}

export function createContext(opts: BackendOptions, bus: EventBus): ServiceContext {
  let current: OpenProject | null = null;
  return {
    opts,
    bus,
    current: () => current,
    project: () => {
      if (!current) throw new ParselError('NO_PROJECT', 'no project is open: create or open one first');
      return current;
    },
    setCurrent: (p) => {
      if (current && current !== p) current.store.close();
      current = p;
    },
  };
}

/** A domain's slice of the service table. */
export type DomainServices<K extends keyof ServiceTable> = Pick<ServiceTable, K>;
