import { FlowrunError, isRetryableError } from '../protocol/errors.js';
import type { EventError } from '../protocol/execution-event.js';
import type { Step } from '../protocol/flow.js';
import { addUsage, emptyUsage, type Usage } from '../protocol/usage.js';
import { evaluateCondition } from './steps/conditional.js';
import { childStepsOf, producesOutput, runStep } from './steps/registry.js';
import type { StepCheckpoint } from './ports.js';
import { PauseRun, type LoopState, type PendingApproval, type PendingToolCall } from './tool-loop-state.js';
import type { EngineDeps, RunFlowRequest, StepContext, StepResult } from './run-context.js';
import { countSteps } from './validate-flow.js';

/** What a paused run stores so that a later resume (in any process) can continue it. */
export interface PauseSnapshot {
  stepId: string;
  stepIndex: number;
  loop: LoopState | null;
  pending: PendingToolCall[];
  approvals: PendingApproval[];
  completedStepIds: string[];
  variables: Record<string, unknown>;
  counters: { successful: number; failed: number; skipped: number };
  usage: Usage;
}

export interface RunOutcome {
  status: 'completed' | 'failed' | 'cancelled' | 'paused';
  pause?: PauseSnapshot;
  finalOutput: unknown;
  output: Record<string, unknown>;
  usage: Usage;
  error: EventError | null;
  durationMs: number;
  successfulSteps: number;
  failedSteps: number;
  skippedSteps: number;
  /** The record's metadata after `autoAppendMetadata`, for the caller to persist. */
  recordMetadata: Record<string, unknown>;
  /** Every step checkpoint of the run, in the order they were committed. */
  steps: StepCheckpoint[];
  /** Filled in by the runner once the run's credits are settled. */
  credits?: { used: number; left: number };
}

/** Thrown inside the run to stop it after a failed step whose errorHandling is `fail`. */
class StopRun extends Error {
  constructor(readonly error: EventError) {
    super(error.message);
  }
}

/**
 * Runs a validated flow to its end, emitting events through `deps.events` and committing each step's result
 * through `deps.checkpoints` before the next step starts. Never throws for step failures: they become
 * `step_error` / `flow_error` events and the outcome's status.
 */
export async function runFlow(deps: EngineDeps, request: RunFlowRequest, signal: AbortSignal): Promise<RunOutcome> {
  const { clock, events } = deps;
  const startedAt = request.startedAt;
  const totalSteps = countSteps(request.flow.steps);
  const resume = request.resume;
  const variables: Record<string, unknown> = { ...(resume?.variables ?? {}) };
  const output: Record<string, unknown> = { ...(resume?.variables ?? {}) };
  const recordMetadata = { ...request.record.metadata };
  const completed = new Set(resume?.completedStepIds ?? []);
  let usage = resume?.usage ?? emptyUsage();
  let finalOutput: unknown = null;
  let lastLoop: StepResult['loop'];
  let index = resume ? resume.stepsRun - 1 : 0;
  let successfulSteps = resume?.counters.successful ?? 0;
  let failedSteps = resume?.counters.failed ?? 0;
  let skippedSteps = resume?.counters.skipped ?? 0;
  const checkpoints: StepCheckpoint[] = [];
  const commit = async (checkpoint: StepCheckpoint): Promise<void> => {
    // Variables are copied: later steps change them, and the checkpoint must keep what was true here.
    const saved = { ...checkpoint, variables: { ...checkpoint.variables } };
    checkpoints.push(saved);
    await deps.checkpoints.saveStep(request.executionId, saved);
  };

  const scope = (): Record<string, unknown> => ({
    ...request.inputs,
    ...variables,
    _record: { id: request.record.id, name: request.record.name, type: request.record.type, metadata: recordMetadata },
    _flow: { id: request.flow.id, name: request.flow.name, versionId: request.flow.versionId ?? null },
    _execution: { id: request.executionId, timestamp: new Date(startedAt).toISOString() },
    messages: formatMessages(request.messages),
    secrets: request.secrets,
  });

  // A resumed approval pause starts with the decisions, as Runtype's approve stream does.
  for (const approval of resume?.approvals ?? []) {
    const decided = resume?.decisions?.[approval.approvalId];
    if (decided)
      events.emit({
        type: 'approval_complete',
        approvalId: approval.approvalId,
        decision: decided.decision,
        resolvedBy: decided.resolvedBy,
        reason: decided.reason,
      });
  }
  if (!resume)
    events.emit({
      type: 'flow_start',
      flowId: request.flow.id,
      flowName: request.flow.name,
      flowVersionId: request.flow.versionId ?? null,
      totalSteps,
      record: { id: request.record.id, name: request.record.name, type: request.record.type, created: request.record.created },
      source: request.source,
    });

  const runSteps = async (steps: Step[]): Promise<void> => {
    for (const step of steps) {
      if (signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled');
      if (completed.has(step.id)) continue; // done before the run paused
      index++;
      const resuming = resume?.pausedStepId === step.id;
      const ref = { stepId: step.id, stepName: step.name, stepType: step.type, index, totalSteps };
      const stepStartedAt = clock.now();
      const skipReason = !step.enabled
        ? 'disabled'
        : step.when !== undefined && !evaluateCondition(step.when, scope())
          ? 'condition_false'
          : null;
      if (skipReason && !resuming) {
        skippedSteps++;
        completed.add(step.id);
        events.emit({ type: 'step_skip', when: step.when ?? 'enabled: false', reason: skipReason, ...ref });
        await commit({
          stepId: step.id,
          stepIndex: ref.index,
          stepType: step.type,
          status: 'skipped',
          result: null,
          error: null,
          usage: null,
          startedAt: stepStartedAt,
          durationMs: 0,
          variables,
        });
        continue;
      }
      if (!resuming) events.emit({ type: 'step_start', outputVariable: step.outputVariable, ...ref });
      const context: StepContext = { deps, request, ref, signal, scope, runSteps, resume: resuming ? resume : undefined };
      let result: StepResult;
      try {
        result = await runWithRetries(step, context);
      } catch (caught) {
        if (signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled');
        if (PauseRun.isInstance(caught)) throw caught;
        const error = toEventError(caught, step.id);
        failedSteps++;
        completed.add(step.id);
        const durationMs = clock.now() - stepStartedAt;
        // Running out of credits stops the run whatever the step's errorHandling: every later model call would be refused too.
        const continued = step.onError === 'continue' && error.code !== 'COST_LIMIT_EXCEEDED';
        events.emit({ type: 'step_error', error, durationMs, continued, ...ref });
        await commit({
          stepId: step.id,
          stepIndex: ref.index,
          stepType: step.type,
          status: 'failed',
          result: null,
          error,
          usage: null,
          startedAt: stepStartedAt,
          durationMs,
          variables,
        });
        if (!continued) throw new StopRun(error);
        continue;
      }
      successfulSteps++;
      completed.add(step.id);
      if (result.usage) usage = addUsage(usage, result.usage);
      if (result.loop) lastLoop = result.loop;
      if (producesOutput(step)) {
        finalOutput = result.result;
        const name = step.outputVariable ?? step.id;
        variables[name] = result.result;
        output[name] = result.result;
        if (request.options.autoAppendMetadata && step.outputVariable) recordMetadata[step.outputVariable] = result.result;
      }
      const durationMs = clock.now() - stepStartedAt;
      // The completion event is queued first: it is committed in the same transaction as the checkpoint.
      events.emit({
        type: 'step_complete',
        result: result.result,
        durationMs,
        usage: result.usage ?? null,
        model: result.model,
        processedPrompt: result.processedPrompt,
        stopReason: result.stopReason,
        unresolvedVariables: result.unresolved,
        ...ref,
      });
      await commit({
        stepId: step.id,
        stepIndex: ref.index,
        stepType: step.type,
        status: 'completed',
        result: result.result,
        error: null,
        usage: result.usage ?? null,
        startedAt: stepStartedAt,
        durationMs,
        variables,
        toolCalls: result.toolCalls,
        responses: result.responses,
      });
    }
  };

  const refOf = (stepId: string) => {
    const step = findStep(request.flow.steps, stepId);
    return { stepId, stepName: step?.name ?? stepId, stepType: step?.type ?? 'prompt', index, totalSteps };
  };

  const finish = (status: RunOutcome['status'], error: EventError | null): RunOutcome => ({
    status,
    finalOutput,
    output,
    usage,
    error,
    durationMs: clock.now() - startedAt,
    successfulSteps,
    failedSteps,
    skippedSteps,
    recordMetadata,
    steps: checkpoints,
  });

  try {
    await runSteps(request.flow.steps);
  } catch (caught) {
    if (PauseRun.isInstance(caught) && !signal.aborted) {
      const iteration = caught.loop?.turns;
      for (const approval of caught.approvals) {
        const { onDenied: _onDenied, ...request } = approval;
        events.emit({ type: 'approval_required', ...request, ...refOf(caught.stepId), iteration });
      }
      for (const call of caught.pending) {
        events.emit({
          type: 'await',
          awaitReason: 'local_tool_required',
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          parameters: call.parameters,
          ...refOf(caught.stepId),
          iteration,
        });
      }
      events.emit({
        type: 'flow_paused',
        reason: caught.approvals.length > 0 ? 'approval_required' : 'local_tool_required',
        pendingToolCalls: caught.pending,
        ...(caught.approvals.length > 0 ? { pendingApprovals: caught.approvals.map((approval) => approval.approvalId) } : {}),
      });
      const outcome = finish('paused', null);
      outcome.usage = caught.loop ? addUsage(usage, caught.loop.usage) : usage;
      outcome.pause = {
        stepId: caught.stepId,
        stepIndex: index,
        loop: caught.loop,
        pending: caught.pending,
        approvals: caught.approvals,
        completedStepIds: [...completed],
        variables: { ...variables },
        counters: { successful: successfulSteps, failed: failedSteps, skipped: skippedSteps },
        usage,
      };
      return outcome;
    }
    const cancelled = signal.aborted;
    const error = caught instanceof StopRun ? caught.error : toEventError(caught, undefined);
    const outcome = finish(cancelled ? 'cancelled' : 'failed', cancelled ? { code: 'CANCELLED', message: 'the run was cancelled' } : error);
    events.emit({ type: 'flow_error', error: outcome.error!, durationMs: outcome.durationMs, usage, cancelled });
    return outcome;
  }
  const outcome = finish('completed', null);
  events.emit({
    type: 'flow_complete',
    durationMs: outcome.durationMs,
    totalSteps,
    successfulSteps,
    failedSteps,
    skippedSteps,
    finalOutput,
    output,
    usage,
    ...(request.kind === 'agent'
      ? {
          agent: {
            stopReason: !lastLoop || lastLoop.stopReason === 'end_turn' ? ('complete' as const) : lastLoop.stopReason,
            iterations: lastLoop?.turns ?? 0,
          },
        }
      : {}),
  });
  return outcome;
}

/**
 * `errorHandling: retry` runs a step up to three times, but only again after an error whose catalogue entry says
 * a retry can help: never after a pause (client tool, approval), a cancellation, or an error that would repeat.
 */
async function runWithRetries(step: Step, context: StepContext): Promise<StepResult> {
  const attempts = step.onError === 'retry' ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await runStep(step, context);
    } catch (error) {
      if (attempt >= attempts || context.signal.aborted || !isRetryableError(error)) throw error;
    }
  }
}

function toEventError(caught: unknown, stepId: string | undefined): EventError {
  if (FlowrunError.isInstance(caught)) return { code: caught.code, message: caught.message, ...(stepId ? { stepId } : {}) };
  return { code: 'STEP_FAILED', message: caught instanceof Error ? caught.message : String(caught), ...(stepId ? { stepId } : {}) };
}

function formatMessages(messages: RunFlowRequest['messages']): string {
  return messages
    .map(
      (message) =>
        `${message.role}: ${typeof message.content === 'string' ? message.content : message.content.map((part) => part.text ?? '').join('')}`,
    )
    .join('\n');
}

function findStep(steps: Step[], id: string): Step | undefined {
  for (const step of steps) {
    if (step.id === id) return step;
    for (const branch of childStepsOf(step)) {
      const found = findStep(branch, id);
      if (found) return found;
    }
  }
  return undefined;
}
