import { resolveAgentSpec } from '../engine/agent.js';
import type { ResolvedTool, ToolCallContext, ToolOutcome } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import { executeRun, type WorkerDeps } from './execute-run.js';
import { childToolOutcome, parentOf } from './run-builder.js';
import { getAgent } from '../store/agents-repository.js';
import { prepareRun } from './prepare-run.js';

/**
 * A `subagent` tool (and the `execute-agent` step): an isolated child agent, saved (`config.agentId`) or inline
 * (`config.agent`), gets the call's `message` (or its arguments as JSON) as its only user message; its final
 * answer is the tool result and its cost rolls up to the caller. `config.allowedTools` narrows its tools.
 */
export async function runAgentTool(
  deps: WorkerDeps,
  tool: ResolvedTool,
  args: Record<string, unknown>,
  context: ToolCallContext,
): Promise<ToolOutcome> {
  try {
    const config = tool.config as { agentId?: string; agent?: Record<string, unknown>; allowedTools?: string[] };
    let raw: Record<string, unknown> | undefined = config.agent;
    let agentId = typeof config.agent?.id === 'string' ? config.agent.id : deps.ids.next('agent');
    if (config.agentId) {
      const stored = await getAgent(deps.db, context.scope, config.agentId);
      if (!stored) return { ok: false, error: { code: 'NOT_FOUND', message: `agent ${config.agentId} not found` } };
      raw = stored.definition;
      agentId = stored.id;
    }
    if (!raw)
      return { ok: false, error: { code: 'TOOL_CONFIG', message: `sub-agent tool '${tool.name}' needs config.agentId or config.agent` } };
    const spec = resolveAgentSpec({ id: agentId, raw, path: 'agent', models: deps.models });
    if (config.allowedTools) {
      const stepConfig = spec.step.config as { tools: Record<string, unknown> };
      const allowed = new Set(config.allowedTools);
      stepConfig.tools.toolIds = ((stepConfig.tools.toolIds as string[] | undefined) ?? []).filter((id) => allowed.has(id));
      stepConfig.tools.runtimeTools = ((stepConfig.tools.runtimeTools as Array<{ name: string }> | undefined) ?? []).filter((entry) =>
        allowed.has(entry.name),
      );
    }
    const message = typeof args.message === 'string' ? args.message : typeof args.task === 'string' ? args.task : JSON.stringify(args);
    const executionId = deps.ids.next('exec');
    const { job } = await prepareRun(deps, {
      executionId,
      scope: context.scope,
      flow: { kind: 'steps', flow: { id: null, name: spec.name, versionId: null }, rawSteps: [spec.step] },
      validation: { at: ['agent'], conversation: false },
      record: { id: null, name: spec.name, type: 'agent', metadata: {}, created: false },
      inputs: {},
      secrets: context.secrets,
      messages: [{ role: 'user', content: message }],
      source: 'subagent',
      kind: 'agent',
      agent: { id: spec.id, name: spec.name, maxTurns: spec.maxTurns, ...(spec.model ? { model: spec.model } : {}) },
      storedInput: { agent: config.agentId ? { agentId: config.agentId } : raw, messages: [{ role: 'user', content: message }] },
      dialect: 'runtype',
      parent: parentOf(context, deps.meters),
      credits: { promptChars: 0 },
    });
    const outcome = await executeRun(deps, job, context.signal);
    return childToolOutcome(outcome, `agent ${spec.name}`, 'AGENT_FAILED', executionId);
  } catch (error) {
    return { ok: false, error: { code: FlowrunError.isInstance(error) ? error.code : 'AGENT_FAILED', message: (error as Error).message } };
  }
}
