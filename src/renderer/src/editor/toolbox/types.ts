/**
 * The editor's tool contract (in the manner of tldraw's StateNode tools and Excalidraw's tool types,
 * much smaller). A tool is a module that exports a `ToolDefinition` and is registered once
 * (`registerTool`, toolbox/registry.ts; the built-in tools are listed in toolbox/index.ts). The editor
 * knows no tool by name: it hands pointer events on the stage, keys and the overlay canvas to the
 * active tool, shows its cursor, its toolbar options (`Options`) and its DOM layer (`Layer`), and makes
 * a "select this tool" action of its `action` id (shortcut keys come from the user's settings).
 *
 * Lifecycle: `create()` is called once per editor instance (state such as a half-drawn polygon lives
 * in the returned object); `deactivate` runs when another tool is chosen and must drop any gesture in
 * progress; the pointer is up whenever a key or toolbar button switches tools.
 *
 * Coordinates: `ctx.toImage(event)` gives image pixels (pixel (i, j) covers [i, i+1) × [j, j+1)).
 * Panning (middle button, Space + drag) and the wheel are handled by the editor before any tool sees
 * the event. Painting never re-renders React: edit `ctx.core` and call `ctx.redraw()` for the overlay.
 */
import type { ComponentType } from 'react';
import type { LabelClass } from '../../../../shared/api/types';
import type { BrushShape } from '../../../../shared/mask/paint';
import type { RendererClient } from '../../api/client';
import type { EditorCore } from '../core';
import type { EditorPrefs, PrefsStore } from '../prefs';
import type { Selection } from '../tools';
import type { View } from '../viewport';

export interface Point {
  x: number;
  y: number;
}

/** What the editor lends a tool while it handles an event. */
export interface ToolContext {
  /** The open image and the API client (model-assisted tools call the backend with them). */
  readonly imageId: number;
  readonly client: RendererClient;
  /** The mask being edited (index map, history, locks). */
  readonly core: EditorCore;
  /** The editor's preferences (current class, brush, modes…): `prefs.get()`, `prefs.set({...})`. */
  readonly prefs: PrefsStore;
  /** The brush size / shape in effect (the user's choice, else the settings' defaults). */
  brush(): { size: number; shape: BrushShape };
  view(): View;
  /** A pointer / mouse event's position in image pixels. */
  toImage(e: { clientX: number; clientY: number }): Point;
  /** Keeps the pointer's moves and release coming to the stage while it is outside. */
  capture(pointerId: number): void;
  /** Asks for the overlay canvas to be redrawn on the next animation frame. */
  redraw(): void;
  selection(): Selection | null;
  setSelection(s: Selection | null): void;
  /** Makes the class of the pixel at image point (x, y) the current class (nothing outside the image). */
  pick(x: number, y: number): void;
  /** Shows a short message over the stage (e.g. why a tool did nothing, or a backend error). */
  notify(message: string): void;
}

/** Screen-space drawing helpers for `drawOverlay` (crisp 1-device-pixel lines at any zoom). */
export interface OverlayPainter {
  readonly ctx: CanvasRenderingContext2D;
  readonly dpr: number;
  readonly view: View;
  /** Image point under the cursor, or null when the cursor is off the stage. */
  readonly pointer: Point | null;
  /** Panning or Space held: tools show no cursor preview. */
  readonly panning: boolean;
  /** Image x / y → screen, snapped to device pixels. */
  sx(x: number): number;
  sy(y: number): number;
  /** Starts a path through image points [x0, y0, x1, y1, …] offset by (ox, oy). */
  path(points: ArrayLike<number>, ox: number, oy: number, close: boolean): void;
  /** Strokes the current path black with a white dash over it (visible on any photo). */
  twoTone(dash?: number): void;
}

/** A tool's live part, one per editor instance. Every handler is optional. */
export interface Tool {
  /** Primary-button press on the stage (not Space / middle: those pan). */
  onPointerDown?(e: PointerEvent, ctx: ToolContext): void;
  onPointerMove?(e: PointerEvent, ctx: ToolContext): void;
  /** Release or cancel of any pointer (check that it is yours). */
  onPointerUp?(e: PointerEvent, ctx: ToolContext): void;
  onDoubleClick?(e: MouseEvent, ctx: ToolContext): void;
  /** Keys while the tool is active, before the shortcut table: return true when handled. */
  onKeyDown?(e: KeyboardEvent, ctx: ToolContext): boolean;
  /** Escape: drops a gesture in progress; false when there was none (Escape then goes on). */
  cancel?(ctx: ToolContext): boolean;
  /** True while a gesture holds the pointer (a stroke): leaving the stage keeps the cursor state. */
  busy?(): boolean;
  /** Another tool is chosen: drop any state in progress. */
  deactivate?(ctx: ToolContext): void;
  /** Draws the tool's preview / in-progress outline on the overlay canvas (already cleared). */
  drawOverlay?(p: OverlayPainter, ctx: ToolContext): void;
}

export interface ToolOptionsProps {
  prefs: EditorPrefs;
  store: PrefsStore;
  classes: readonly LabelClass[];
  brush: { size: number; shape: BrushShape };
  selection: Selection | null;
  /** Title with the first key of a shortcut action, e.g. "Round brush (S)". */
  titleWithKey(title: string, action: string): string;
  keyOf(action: string): string | undefined;
  /** Runs a shortcut action (actions.ts) as its key would. */
  run(action: string): void;
}

export interface ToolLayerProps {
  imageId: number;
  /** Image size in pixels; null until loaded. */
  size: { w: number; h: number } | null;
  /** This tool is the active tool. */
  active: boolean;
  getView: () => View;
  /** The project's label classes (colours and names), when known. */
  classes?: readonly LabelClass[];
}

export interface ToolDefinition {
  /** Stable id: stored in the preferences, shown as the stage's `data-tool`. */
  id: string;
  /** Button label. */
  title: string;
  /** Shortcut action that selects the tool (an id of shared/settings.ts SHORTCUT_ACTIONS). */
  action?: string;
  /** CSS cursor over the stage; 'none' when the tool draws its own preview. Default: the stage's. */
  cursor?: string;
  create(): Tool;
  /** Toolbar options shown while the tool is active. */
  Options?: ComponentType<ToolOptionsProps>;
  /** A DOM layer over the stage, mounted whatever the active tool (`active` says if it is this one). */
  Layer?: ComponentType<ToolLayerProps>;
  /** The selection options (reassign) belong to this tool: shown with it even without a selection. */
  selects?: boolean;
}
