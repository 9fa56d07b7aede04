import { runBuiltin } from '../builtin-tools.js';
import type { ToolKindDefinition } from './tool-kind.js';

/** A built-in tool (`builtin:<id>`: web search, fetch, image generation; `builtin-tools.ts`). */
export const builtinTool: ToolKindDefinition = {
  run: (tool, args, context, deps) => runBuiltin(tool, args, context, deps.builtinSettings, deps.policy),
};
