/** Plain data types that cross the API. No behaviour, no platform imports. */

export const IMAGE_STATUSES = ['unlabeled', 'prelabeled', 'in_progress', 'done', 'reviewed'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export const REVISION_KINDS = ['import', 'model', 'human', 'merge', 'fix'] as const;
export type RevisionKind = (typeof REVISION_KINDS)[number];

export type Rgb = readonly [number, number, number];

export interface LabelClass {
  /** Pixel value in the index mask. */
  index: number;
  /**
   * Canonical part name shared by all schemas (`background`, `skin`, `nose`, `eye_g`, `l_eye`, `r_eye`,
   * `l_brow`, `r_brow`, `l_ear`, `r_ear`, `mouth` (inner mouth), `u_lip`, `l_lip`, `hair`, `hat`,
   * `ear_r`, `neck_l`, `neck`, `cloth`, `beard`, `facewear`). Remaps and the synthetic generator match
   * classes across schemas by this name.
   */
  name: string;
  /** The dataset's own spelling (e.g. `LEFT_BROW`, `left eyebrow`), shown in the UI. */
  title: string;
  color: Rgb;
  /** Index of the mirror partner for flips (left/right), or null. */
  partner: number | null;
  /** Coarse group used by metrics and UI (e.g. `brows`, `eyes`, `mouth`). */
  group: string;
}

export interface LabelSchema {
  id: string;
  name: string;
  description: string;
  classes: LabelClass[];
  /** Value meaning "not labelled / ignore" in masks of this schema (e.g. 255), or null. */
  ignoreIndex: number | null;
  /** Where the definition comes from. */
  source: string;
}

export interface StatusCounts {
  byStatus: Record<ImageStatus, number>;
  bySplit: Record<string, number>;
  total: number;
}

export interface ProjectInfo {
  path: string;
  name: string;
  schemaId: string;
  createdAt: string;
  /** Folder relative image paths are resolved against (the project file's folder). */
  root: string;
  counts: StatusCounts;
  /** The project's ignore value; differs from the built-in schema's when an import gave it one (docs/formats.md). */
  ignoreIndex?: number | null;
}

export interface RecentProject {
  path: string;
  name: string;
  openedAt: string;
  exists: boolean;
}

/**
 * `app:openSample`: the sample project (synthetic faces, some labels corrupted on purpose, the demo
 * models as a model set), made on first use in the user-data folder and opened. While it is being made,
 * `job:progress` events with kind 'sample' and jobId 'sample' report the phases.
 */
export interface SampleOpened {
  project: ProjectInfo;
  /** true when it was made by this call, false when an existing one was opened. */
  created: boolean;
  /** The ground truth of the corrupted labels (ground-truth.json), outside the project. */
  groundTruth: string;
  images: number;
  corrupted: number;
  /** The demo model set's name, or null (then `modelsNote` says why no demo models were found). */
  modelSet: string | null;
  modelsNote: string | null;
}

export interface ImageSummary {
  id: number;
  /** Path as stored: relative to the project root when inside it, else absolute. */
  path: string;
  width: number;
  height: number;
  split: string | null;
  source: string | null;
  status: ImageStatus;
  headRevisionId: number | null;
  /** Image noise score of the latest scan (null: not scanned); filled by `image:list`. */
  noiseScore?: number | null;
  /** When the head revision was written (ISO time; null: no revision); filled by `image:list`. */
  editedAt?: string | null;
}

/**
 * Orders of `image:list` (the project grid). `added`: import order; `name`: file name, then folder;
 * `folder`: folder, then name (both case-insensitive); `status`: the lifecycle order of IMAGE_STATUSES;
 * `noise`: highest noise score first, unscored last; `edited`: latest head revision first, never edited
 * last. `reverse` flips the order (unscored / never edited stay last).
 */
export const IMAGE_SORTS = ['added', 'name', 'folder', 'status', 'noise', 'edited'] as const;
export type ImageSort = (typeof IMAGE_SORTS)[number];

export interface ImageDetail extends ImageSummary {
  sha256: string;
  tags: string[];
  addedAt: string;
}

export interface ImagePage {
  total: number;
  offset: number;
  items: ImageSummary[];
}

export interface AddFolderReport {
  jobId: string;
  scanned: number;
  added: number;
  duplicates: { path: string; existingPath: string }[];
  failed: { path: string; reason: string }[];
}

/**
 * `working`: the autosaved state of an editing session, updated in place until the session ends (image
 * left, explicit save, idle time); `final`: immutable. Rules: docs/ARCHITECTURE.md, "Revisions".
 */
export const REVISION_STATES = ['working', 'final'] as const;
export type RevisionState = (typeof REVISION_STATES)[number];

export interface RevisionSummary {
  /** Internal, project-wide id (API calls name revisions by it). */
  id: number;
  imageId: number;
  /** 1, 2, 3… per image, in the order made: what the UI shows. */
  number: number;
  parentId: number | null;
  schemaId: string;
  author: string;
  kind: RevisionKind;
  state: RevisionState;
  createdAt: string;
  /** When its mask was last written (later than createdAt for a working revision autosaved again). */
  updatedAt: string;
  note: string | null;
  width: number;
  height: number;
  encoding: string;
  byteSize: number;
}

/** `revision:sessionSave` / `revision:finish`: what an editing session's save did. */
export interface SessionSaveResult {
  /**
   * created: a new revision (working, or final when the save finished the session); updated: the
   * session's working revision was rewritten (or finished); unchanged: the mask equals the head, nothing
   * written; discarded: the mask went back to the session's parent, its working revision was removed.
   */
  outcome: 'created' | 'updated' | 'unchanged' | 'discarded';
  /** The revision the saved mask now equals (null: none, the image has no revision). */
  revision: RevisionSummary | null;
  headRevisionId: number | null;
}

/** An encoded index mask as it travels (see `shared/mask/codec`). */
export interface EncodedMask {
  width: number;
  height: number;
  encoding: string;
  data: Uint8Array;
}

export interface MaskPayload extends EncodedMask {
  revisionId: number;
}

export interface AppInfo {
  version: string;
  mode: 'electron' | 'browser' | 'direct';
  capabilities: { nativeDialogs: boolean };
  project: ProjectInfo | null;
}

export interface JobProgress {
  jobId: string;
  kind: string;
  done: number;
  total: number;
  phase: string;
  message?: string;
  /** Items that failed so far (pre-labelling). */
  failed?: number;
  /** Estimated seconds left, from the rate so far (null until it can be estimated). */
  etaSeconds?: number | null;
  /** Execution provider in use ('cuda', 'webgpu', 'cpu', …) and why it is not the first choice. */
  provider?: string;
  warnings?: string[];
  /** Job state when this event was sent ('running', then 'done' / 'cancelled' / 'failed'). */
  status?: string;
}

export interface ProjectChanged {
  reason: 'opened' | 'closed' | 'images-added' | 'revision-saved' | 'status-changed';
  imageIds?: number[];
}
