import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';
import { renderTemplate } from '../template.js';

/** `execute-agent`: runs a saved agent on one message as a child execution; its final answer is the output. */
export const runExecuteAgent: StepRunner<StepOf<'execute-agent'>> = async (step, context) => {
  const rendered = renderTemplate(step.config.message, context.scope());
  context.checkVariables(rendered.unresolved);
  const outcome = await context.deps.tools.run(
    {
      id: step.config.agentId,
      name: step.name,
      description: '',
      toolType: 'subagent',
      parametersSchema: {},
      config: { agentId: step.config.agentId },
    },
    { message: rendered.text },
    {
      executionId: context.request.executionId,
      scope: context.request.scope,
      toolCallId: context.deps.ids.next('call'),
      secrets: context.request.secrets,
      signal: context.signal,
      depth: context.request.depth,
    },
  );
  if (!outcome.ok) throw new FlowrunError('STEP_FAILED', `execute-agent step '${step.name}': ${outcome.error.message}`);
  return {
    result: outcome.result,
    unresolved: rendered.unresolved,
    usage: { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: outcome.costUsd },
  };
};
