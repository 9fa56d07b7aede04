import { isRunnableLanguage, languageSuggestion } from '../../protocol/script-language.js';
import type { ToolKindDefinition } from './tool-kind.js';

/** A custom tool: `config.code`, JavaScript run in the sandbox with the call's arguments as `parameters`. */
export const customTool: ToolKindDefinition = {
  async run(tool, args, context, deps) {
    const code = tool.config.code;
    if (typeof code !== 'string')
      return { ok: false, error: { code: 'TOOL_CONFIG', message: `custom tool '${tool.name}' has no config.code` } };
    // Saved before languages were checked, or given past validation: refused here too, never run as JavaScript.
    if (!isRunnableLanguage(tool.config.language))
      return { ok: false, error: { code: 'UNSUPPORTED_LANGUAGE', message: `custom tool '${tool.name}': ${languageSuggestion}` } };
    const timeout = typeof tool.config.timeout === 'number' ? tool.config.timeout : undefined;
    const reply = await deps.sandbox.run(
      code,
      { parameters: args, params: args },
      { timeoutMs: timeout, signal: context.signal, tenant: context.scope.tenantId },
    );
    return reply.ok
      ? { ok: true, result: reply.result, costUsd: 0, logs: reply.logs }
      : { ok: false, error: { code: reply.code, message: reply.message }, logs: reply.logs };
  },
};
