import type { AgentExecuteRequest, DispatchRequest, ExecutionDetail, ShuttleRunRequest } from '@flowrun/client';

/** How a run is started again, as it was started: a dispatch, an agent's execute, or a PromptShuttle run. */
export type RunAgain =
  | { kind: 'dispatch'; body: DispatchRequest }
  | { kind: 'agent'; agentId: string; body: AgentExecuteRequest }
  | { kind: 'shuttle'; flowId: string; body: ShuttleRunRequest };

type Input = Record<string, unknown> & { options?: Record<string, unknown>; agent?: { agentId?: string } };

/**
 * The request that runs `execution` again with what it was given (`input`): the same flow (a stored flow by id, so
 * its current version), record, inputs and options, or the same agent and messages, or the same template parameters.
 * How the answer comes back (`streamResponse`) is the caller's.
 */
export function runAgainRequest(execution: Pick<ExecutionDetail, 'kind' | 'dialect' | 'flowId' | 'agent' | 'input'>): RunAgain {
  const { streamResponse: _stream, ...input } = (execution.input ?? {}) as Input & { streamResponse?: unknown };
  const agentId = input.agent?.agentId ?? execution.agent?.id;
  if (execution.kind === 'agent' && agentId) {
    const { agent: _agent, ...body } = input;
    return { kind: 'agent', agentId, body: body as AgentExecuteRequest };
  }
  if (execution.dialect === 'shuttle' && execution.flowId)
    return { kind: 'shuttle', flowId: execution.flowId, body: input as ShuttleRunRequest };
  const { streamResponse: _optionStream, ...options } = input.options ?? {};
  return { kind: 'dispatch', body: { ...input, options } as DispatchRequest };
}
