/**
 * What a backend is built from and what it offers the transports (services layer: context.ts reads the
 * options; index.ts, the service table's entry, re-exports both).
 */
import type { ProjectInfo } from '../../shared/api/types';
import type { EventBus, ServiceTable } from './backend';
import type { EnvProbes } from './doctor';
import type { MediaSource } from './media';

export interface BackendOptions {
  mode: 'electron' | 'browser' | 'direct';
  /** Folder for app-level state: recent projects list, settings. */
  userDataDir: string;
  /** Native file dialogs; only Electron has them. Without it `dialog:pick` answers UNSUPPORTED. */
  pickPath?: (kind: 'openProject' | 'saveProject' | 'folder' | 'model') => Promise<string | null>;
  /** Path of a better-sqlite3 binary built for Electron's ABI (see scripts/electron-native.mjs). */
  sqliteNativeBinding?: string;
  version?: string;
  /** What `env:doctor` reads of the machine (default: the real one, doctor-probes.ts); tests simulate. */
  envProbes?: EnvProbes;
  /**
   * Folder of the demo models (demo.json + the models it names) that `app:openSample` registers in the
   * sample project: models/demo of the checkout. Unset: the sample project is made without models.
   */
  sampleModelsDir?: string;
  /**
   * Folders `fs:list` (the browser-mode picker) may list. Default: the home folder and the open
   * project's folder. `parsel serve --root` sets them.
   */
  browseRoots?: string[];
}

export interface Backend {
  readonly services: ServiceTable;
  readonly bus: EventBus;
  readonly media: MediaSource;
  /** Open a project directly (e.g. `parsel serve <project>`). */
  openProject(path: string): Promise<ProjectInfo>;
  /** Close the open project and release the database. */
  close(): void;
}
