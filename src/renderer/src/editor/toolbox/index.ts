/**
 * The built-in tools, registered in toolbar order. A new tool: write its module (toolbox/types.ts
 * explains the contract), import it here and register it; give it a shortcut action in
 * shared/settings.ts (SHORTCUT_ACTIONS, ACTION_TITLES, defaultShortcuts) if it has a key.
 */
import { modelBrushTool, reparseTool } from './assist';
import { brushTool, eraserTool } from './brush';
import { faceBoxTool } from './faceBox';
import { fillTool, pickTool } from './fill';
import { polygonTool } from './polygon';
import { promptTool } from './prompt';
import { getTool, registerTool } from './registry';
import { lassoTool, rectTool } from './selection';

for (const t of [brushTool, eraserTool, fillTool, polygonTool, pickTool, lassoTool, rectTool, faceBoxTool, promptTool, modelBrushTool, reparseTool]) {
  if (!getTool(t.id)) registerTool(t);
}

export { getTool, listTools, registerTool, registryVersion } from './registry';
export type { OverlayPainter, Point, Tool, ToolContext, ToolDefinition, ToolLayerProps, ToolOptionsProps } from './types';
