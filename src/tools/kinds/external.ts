import { runExternalTool } from '../external-tool.js';
import type { ToolKindDefinition } from './tool-kind.js';

/** An external tool: an HTTP request rendered from `config` (`external-tool.ts`). */
export const externalTool: ToolKindDefinition = {
  run: (tool, args, context, deps) =>
    runExternalTool(tool, args, context, {
      policy: deps.policy,
      timeoutMs: deps.http.timeoutMs,
      maxResponseBytes: deps.http.maxResponseBytes,
    }),
};
