import type { ToolCallContext, ToolOutcome } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import { executeRun, type WorkerDeps } from './execute-run.js';
import { childToolOutcome, parentOf } from './run-builder.js';
import { getFlow } from '../store/flows-repository.js';
import { prepareRun } from './prepare-run.js';

/**
 * A `flow` tool: runs the tenant's stored flow (its current version) with the call's arguments as its inputs
 * and as its (virtual) record's metadata, as a child execution of the calling run. The result is the child
 * flow's final output.
 */
export async function runFlowTool(
  deps: WorkerDeps,
  flowId: string,
  args: Record<string, unknown>,
  context: ToolCallContext,
): Promise<ToolOutcome> {
  const stored = await getFlow(deps.db, context.scope, flowId);
  if (!stored) return { ok: false, error: { code: 'NOT_FOUND', message: `flow ${flowId} not found` } };
  try {
    const executionId = deps.ids.next('exec');
    const { job } = await prepareRun(deps, {
      executionId,
      scope: context.scope,
      flow: {
        kind: 'steps',
        flow: { id: stored.id, name: stored.name, versionId: stored.versionId },
        rawSteps: stored.definition.steps ?? [],
      },
      validation: { at: ['flow', 'steps'] },
      record: { id: null, name: stored.name, type: 'tool-call', metadata: args, created: false },
      inputs: args,
      secrets: context.secrets,
      messages: [],
      source: 'tool',
      storedInput: { flow: { id: stored.id }, inputs: args },
      dialect: 'runtype',
      parent: parentOf(context, deps.meters),
      credits: { promptChars: 0 },
    });
    const outcome = await executeRun(deps, job, context.signal);
    return childToolOutcome(outcome, `flow ${stored.name}`, 'FLOW_FAILED', executionId);
  } catch (error) {
    return { ok: false, error: { code: FlowrunError.isInstance(error) ? error.code : 'FLOW_FAILED', message: (error as Error).message } };
  }
}
