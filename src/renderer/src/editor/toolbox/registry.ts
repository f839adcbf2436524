/**
 * The tool registry: every tool the editor offers, in toolbar order. Built-in tools are registered by
 * toolbox/index.ts; a new tool is one module exporting a `ToolDefinition` plus one `registerTool` call
 * there (no change to Editor.tsx). See toolbox/types.ts for the contract.
 */
import type { ToolDefinition } from './types';

const tools = new Map<string, ToolDefinition>();
let version = 0;

export function registerTool(def: ToolDefinition): void {
  if (!/^[a-z][a-z0-9-]*$/.test(def.id)) throw new Error(`tool id "${def.id}" must be lower-case letters, digits and dashes`);
  if (tools.has(def.id)) throw new Error(`a tool "${def.id}" is registered already`);
  for (const t of tools.values()) {
    if (def.action && t.action === def.action) throw new Error(`tools "${t.id}" and "${def.id}" both claim the action ${def.action}`);
  }
  tools.set(def.id, def);
  version++;
}

/** Every registered tool, in registration order. */
export function listTools(): ToolDefinition[] {
  return [...tools.values()];
}

export function getTool(id: string): ToolDefinition | undefined {
  return tools.get(id);
}

/** Changes with every registration (a memo key for what is derived from the list). */
export function registryVersion(): number {
  return version;
}
