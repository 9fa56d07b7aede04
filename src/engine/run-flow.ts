import { delay } from '../protocol/delay.js';
import { FlowrunError, isRetryableError } from '../protocol/errors.js';
import type { EventError, ExecutionEventBody } from '../protocol/execution-event.js';
import type { Step, StepFallback } from '../protocol/flow.js';
import { addUsage, emptyUsage, type Usage } from '../protocol/usage.js';
import { evaluateCondition } from './steps/conditional.js';
import { childStepsOf, producesOutput, runStep, walkSteps } from './steps/registry.js';
import type { StepCheckpoint } from './ports.js';
import { PauseRun, type LoopState, type PendingApproval, type PendingToolCall } from './tool-loop-state.js';
import type { EngineDeps, RunFlowRequest, StepContext, StepResult } from './run-context.js';
import { userMessageVariables } from './user-message.js';
import { countSteps } from './validate-flow.js';
import { missingVariables, missingVariablesError, missingVariableWarnings, optionalOutputsOf } from './unresolved-variables.js';
import { ignoredFieldWarnings, unknownKeyWarnings } from './unknown-config-keys.js';

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
  finalOutput?: unknown;
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
  /** The warning events of this leg of the run (a missing `{{variable}}`, an unknown config key, an unreachable MCP server). */
  warnings: RunWarning[];
}

/** A warning as the run's result lists it: the event without its type. */
export type RunWarning = Omit<Extract<ExecutionEventBody, { type: 'warning' }>, 'type'>;

/** Thrown inside the run to stop it after a failed step whose errorHandling is `fail`. */
class StopRun extends Error {
  constructor(readonly error: EventError) {
    super(error.message);
  }
}

/** What a run accumulates as its steps go: variables, outputs, counters, usage and the committed checkpoints. */
interface FlowRun {
  deps: EngineDeps;
  request: RunFlowRequest;
  signal: AbortSignal;
  totalSteps: number;
  variables: Record<string, unknown>;
  output: Record<string, unknown>;
  recordMetadata: Record<string, unknown>;
  completed: Set<string>;
  usage: Usage;
  finalOutput: unknown;
  lastLoop: StepResult['loop'];
  index: number;
  counters: { successful: number; failed: number; skipped: number };
  checkpoints: StepCheckpoint[];
  /** How deep in branches and loops the step running now is (0: a step of the flow itself). */
  nesting: number;
  warnings: RunWarning[];
  /** Outputs of steps that may not run: a `{{name}}` of one is empty on purpose, not a warning. */
  optionalOutputs: Set<string>;
}

/**
 * Runs a validated flow to its end, emitting events through `deps.events` and committing each step's result
 * through `deps.checkpoints` before the next step starts. Never throws for step failures: they become
 * `step_error` / `flow_error` events and the outcome's status.
 */
export async function runFlow(deps: EngineDeps, request: RunFlowRequest, signal: AbortSignal): Promise<RunOutcome> {
  const run = startFlowRun(deps, request, signal);
  try {
    await runSteps(run, request.flow.steps);
  } catch (caught) {
    if (PauseRun.isInstance(caught) && !signal.aborted) return pauseOutcome(run, caught);
    return failureOutcome(run, caught);
  }
  return completionOutcome(run);
}

/** The run's state, resumed where a pause or a crash left it; a fresh run announces itself with flow_start. */
function startFlowRun(engineDeps: EngineDeps, request: RunFlowRequest, signal: AbortSignal): FlowRun {
  const resume = request.resume;
  const warnings: RunWarning[] = [];
  const deps = { ...engineDeps, events: collectWarnings(engineDeps.events, warnings) };
  const run: FlowRun = {
    deps,
    request,
    signal,
    totalSteps: countSteps(request.flow.steps),
    variables: { ...(resume?.variables ?? {}) },
    output: { ...(resume?.variables ?? {}) },
    recordMetadata: { ...request.record.metadata },
    completed: new Set(resume?.completedStepIds ?? []),
    usage: resume?.usage ?? emptyUsage(),
    finalOutput: resume?.finalOutput ?? null,
    lastLoop: undefined,
    index: resume ? resume.stepsRun - 1 : 0,
    counters: {
      successful: resume?.counters.successful ?? 0,
      failed: resume?.counters.failed ?? 0,
      skipped: resume?.counters.skipped ?? 0,
    },
    checkpoints: [],
    nesting: 0,
    warnings,
    optionalOutputs: optionalOutputsOf(request.flow.steps),
  };
  // A resumed approval pause starts with the decisions, as Runtype's approve stream does.
  for (const approval of resume?.approvals ?? []) {
    const decided = resume?.decisions?.[approval.approvalId];
    // A wait's wake-up is no decision anyone made: the step itself says it woke.
    if (decided && approval.kind !== 'wait')
      deps.events.emit({
        type: 'approval_complete',
        approvalId: approval.approvalId,
        decision: decided.decision,
        resolvedBy: decided.resolvedBy,
        reason: decided.reason,
      });
  }
  if (!resume)
    deps.events.emit({
      type: 'flow_start',
      flowId: request.flow.id,
      flowName: request.flow.name,
      flowVersionId: request.flow.versionId ?? null,
      totalSteps: run.totalSteps,
      record: { id: request.record.id, name: request.record.name, type: request.record.type, created: request.record.created },
      source: request.source,
    });
  if (!resume) for (const warning of ignoredFieldWarnings(request.options.ignoredFields)) deps.events.emit(warning);
  return run;
}

/**
 * What templates and expressions of a step see: the record's metadata, the last user message, inputs, variables so
 * far, and the `_record`, `_flow`, `_execution`, `_user` objects.
 */
function scopeOf(run: FlowRun): Record<string, unknown> {
  const { request } = run;
  return {
    // Runtype's examples read a record's metadata by name too (`{{input}}` for `record.metadata.input`): the lowest
    // precedence, so an input, a step's output or a system name of the same name wins.
    ...run.recordMetadata,
    ...userMessageVariables(request.messages),
    ...request.inputs,
    ...run.variables,
    _record: { id: request.record.id, name: request.record.name, type: request.record.type, metadata: run.recordMetadata },
    // Flowrun has tenants, not users: the tenant whose key started the run.
    _user: { id: request.scope.tenantId },
    _flow: { id: request.flow.id, name: request.flow.name, versionId: request.flow.versionId ?? null },
    _execution: { id: request.executionId, timestamp: new Date(request.startedAt).toISOString() },
    messages: formatMessages(request.messages),
    secrets: request.secrets,
  };
}

/** Commits a step's checkpoint; variables are copied, since later steps change them. */
async function commit(run: FlowRun, checkpoint: Omit<StepCheckpoint, 'variables'>): Promise<void> {
  const saved = { ...checkpoint, variables: { ...run.variables } };
  run.checkpoints.push(saved);
  const steps = run.request.flow.steps;
  const last = checkpoint.status === 'completed' && steps[steps.length - 1]?.id === checkpoint.stepId && run.nesting === 0;
  await run.deps.checkpoints.saveStep(run.request.executionId, saved, { last });
}

async function runSteps(run: FlowRun, steps: Step[]): Promise<void> {
  for (const step of steps) {
    if (run.signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled');
    if (run.completed.has(step.id)) continue; // done before the run paused
    await runOneStep(run, step);
  }
}

/** Runs a step's child steps (a branch, a loop's pass): their checkpoints are not the flow's last. */
async function nested<T>(run: FlowRun, work: () => Promise<T>): Promise<T> {
  run.nesting++;
  try {
    return await work();
  } finally {
    run.nesting--;
  }
}

/** One pass of a loop's steps: they leave `completed` (they ran in the pass before), the bindings are set, they run. */
async function runIteration(run: FlowRun, steps: Step[], bindings: Record<string, unknown>): Promise<unknown> {
  walkSteps(steps, (step) => run.completed.delete(step.id));
  Object.assign(run.variables, bindings);
  const [before, marker] = [run.finalOutput, Symbol('no output')];
  run.finalOutput = marker;
  try {
    await runSteps(run, steps);
    return run.finalOutput === marker ? null : run.finalOutput;
  } finally {
    if (run.finalOutput === marker) run.finalOutput = before;
  }
}

type StepRefOf = { stepId: string; stepName: string; stepType: string; index: number; totalSteps: number };

async function runOneStep(run: FlowRun, step: Step): Promise<void> {
  const { deps, request } = run;
  run.index++;
  const resuming = request.resume?.pausedStepId === step.id;
  const ref: StepRefOf = { stepId: step.id, stepName: step.name, stepType: step.type, index: run.index, totalSteps: run.totalSteps };
  const startedAt = deps.clock.now();
  const skipReason = !step.enabled
    ? 'disabled'
    : step.when !== undefined && !evaluateCondition(step.when, scopeOf(run))
      ? 'condition_false'
      : null;
  if (skipReason && !resuming) return skipStep(run, step, ref, skipReason, startedAt);
  if (!resuming) {
    deps.events.emit({ type: 'step_start', outputVariable: step.outputVariable, ...ref });
    for (const warning of unknownKeyWarnings(step)) deps.events.emit({ ...warning, ...ref });
  }
  const context: StepContext = {
    deps,
    request,
    ref,
    signal: run.signal,
    scope: () => scopeOf(run),
    runSteps: (steps) => nested(run, () => runSteps(run, steps)),
    runIteration: (steps, bindings) => nested(run, () => runIteration(run, steps, bindings)),
    resume: resuming ? request.resume : undefined,
    checkVariables: (unresolved) => {
      if (!request.options.strictVariables) return;
      const missing = missingVariables(unresolved, scopeOf(run), run.optionalOutputs);
      if (missing.length > 0) throw missingVariablesError(step, missing);
    },
  };
  let result: StepResult;
  try {
    result = await runWithRetries(step, context);
    // Runners without side effects leave the strict check to here.
    context.checkVariables(result.unresolved);
  } catch (caught) {
    if (run.signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled');
    if (PauseRun.isInstance(caught)) throw caught;
    return failStep(run, step, ref, caught, startedAt);
  }
  await completeStep(run, step, ref, result, startedAt);
}

async function skipStep(
  run: FlowRun,
  step: Step,
  ref: StepRefOf,
  reason: 'disabled' | 'condition_false',
  startedAt: number,
): Promise<void> {
  run.counters.skipped++;
  run.completed.add(step.id);
  run.deps.events.emit({ type: 'step_skip', when: step.when ?? 'enabled: false', reason, ...ref });
  await commit(run, {
    stepId: step.id,
    stepIndex: ref.index,
    stepType: step.type,
    status: 'skipped',
    result: null,
    error: null,
    usage: null,
    startedAt,
    durationMs: 0,
  });
}

async function failStep(run: FlowRun, step: Step, ref: StepRefOf, caught: unknown, startedAt: number): Promise<void> {
  const error = toEventError(caught, step.id);
  run.counters.failed++;
  run.completed.add(step.id);
  const durationMs = run.deps.clock.now() - startedAt;
  // Running out of credits stops the run whatever the step's errorHandling: every later model call would be refused too.
  const continued = step.onError === 'continue' && error.code !== 'COST_LIMIT_EXCEEDED';
  run.deps.events.emit({ type: 'step_error', error, durationMs, continued, ...ref });
  await commit(run, {
    stepId: step.id,
    stepIndex: ref.index,
    stepType: step.type,
    status: 'failed',
    result: null,
    error,
    usage: null,
    startedAt,
    durationMs,
  });
  if (!continued) throw new StopRun(error);
}

async function completeStep(run: FlowRun, step: Step, ref: StepRefOf, result: StepResult, startedAt: number): Promise<void> {
  run.counters.successful++;
  run.completed.add(step.id);
  if (result.usage) run.usage = addUsage(run.usage, result.usage);
  if (result.loop) run.lastLoop = result.loop;
  if (producesOutput(step)) {
    run.finalOutput = result.result;
    const name = step.outputVariable ?? step.id;
    run.variables[name] = result.result;
    run.output[name] = result.result;
    if (run.request.options.autoAppendMetadata && step.outputVariable) run.recordMetadata[step.outputVariable] = result.result;
  }
  const durationMs = run.deps.clock.now() - startedAt;
  // Warnings before the completion, which is queued before the checkpoint: all commit in one transaction.
  const missing = missingVariables(result.unresolved, scopeOf(run), run.optionalOutputs);
  for (const warning of missingVariableWarnings(step, missing)) run.deps.events.emit({ ...warning, ...ref });
  run.deps.events.emit({
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
  await commit(run, {
    stepId: step.id,
    stepIndex: ref.index,
    stepType: step.type,
    status: 'completed',
    result: result.result,
    error: null,
    usage: result.usage ?? null,
    startedAt,
    durationMs,
    toolCalls: result.toolCalls,
    responses: result.responses,
  });
}

function finish(run: FlowRun, status: RunOutcome['status'], error: EventError | null): RunOutcome {
  return {
    status,
    finalOutput: run.finalOutput,
    output: run.output,
    usage: run.usage,
    error,
    durationMs: run.deps.clock.now() - run.request.startedAt,
    successfulSteps: run.counters.successful,
    failedSteps: run.counters.failed,
    skippedSteps: run.counters.skipped,
    recordMetadata: run.recordMetadata,
    steps: run.checkpoints,
    warnings: run.warnings,
  };
}

/** The event sink, keeping a copy of every warning for the run's result. */
function collectWarnings(events: EngineDeps['events'], warnings: RunWarning[]): EngineDeps['events'] {
  return {
    emit: (event) => {
      if (event.type === 'warning') {
        const { type: _type, ...warning } = event;
        warnings.push(warning);
      }
      return events.emit(event);
    },
  };
}

/** A pause (client tools, approvals): say what is awaited, then keep what a later resume needs. */
function pauseOutcome(run: FlowRun, caught: PauseRun): RunOutcome {
  const { events } = run.deps;
  const step = findStep(run.request.flow.steps, caught.stepId);
  const ref = {
    stepId: caught.stepId,
    stepName: step?.name ?? caught.stepId,
    stepType: step?.type ?? 'prompt',
    index: run.index,
    totalSteps: run.totalSteps,
  };
  const iteration = caught.loop?.turns;
  const wait = caught.approvals.find((approval) => approval.kind === 'wait');
  for (const approval of caught.approvals) {
    const { onDenied: _onDenied, ...approvalRequest } = approval;
    if (approval.kind !== 'wait') events.emit({ type: 'approval_required', ...approvalRequest, ...ref, iteration });
  }
  for (const call of caught.pending) {
    events.emit({
      type: 'await',
      awaitReason: 'local_tool_required',
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      parameters: call.parameters,
      ...(call.origin ? { origin: call.origin } : {}),
      ...(call.pageOrigin ? { pageOrigin: call.pageOrigin } : {}),
      ...ref,
      iteration,
    });
  }
  events.emit({
    type: 'flow_paused',
    reason: wait ? 'wait' : caught.approvals.length > 0 ? 'approval_required' : 'local_tool_required',
    pendingToolCalls: caught.pending,
    ...(wait ? { wait: { stepId: caught.stepId, wakeAt: String(wait.parameters?.wakeAt) } } : {}),
    ...(caught.approvals.length > 0 && !wait ? { pendingApprovals: caught.approvals.map((approval) => approval.approvalId) } : {}),
  });
  const outcome = finish(run, 'paused', null);
  outcome.usage = caught.loop ? addUsage(run.usage, caught.loop.usage) : run.usage;
  outcome.pause = {
    stepId: caught.stepId,
    stepIndex: run.index,
    loop: caught.loop,
    pending: caught.pending,
    approvals: caught.approvals,
    completedStepIds: [...run.completed],
    finalOutput: run.finalOutput,
    variables: { ...run.variables },
    counters: { ...run.counters },
    usage: run.usage,
  };
  return outcome;
}

function failureOutcome(run: FlowRun, caught: unknown): RunOutcome {
  const cancelled = run.signal.aborted;
  const error = caught instanceof StopRun ? caught.error : toEventError(caught, undefined);
  const outcome = finish(
    run,
    cancelled ? 'cancelled' : 'failed',
    cancelled ? { code: 'CANCELLED', message: 'the run was cancelled' } : error,
  );
  run.deps.events.emit({ type: 'flow_error', error: outcome.error!, durationMs: outcome.durationMs, usage: run.usage, cancelled });
  return outcome;
}

function completionOutcome(run: FlowRun): RunOutcome {
  const outcome = finish(run, 'completed', null);
  const { lastLoop } = run;
  run.deps.events.emit({
    type: 'flow_complete',
    durationMs: outcome.durationMs,
    totalSteps: run.totalSteps,
    successfulSteps: run.counters.successful,
    failedSteps: run.counters.failed,
    skippedSteps: run.counters.skipped,
    finalOutput: run.finalOutput,
    output: run.output,
    usage: run.usage,
    ...(run.request.kind === 'agent'
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
  if (step.onError === 'fallback') return runWithFallbacks(step, context);
  const attempts = step.onError === 'retry' ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await runStep(step, context);
    } catch (error) {
      if (attempt >= attempts || context.signal.aborted || !isRetryableError(error)) throw error;
    }
  }
}

/**
 * `errorHandling: {onError: fallback, fallbacks, triggers}`: when the step fails (trigger `error`, the default)
 * or answers nothing (trigger `empty-output`), its fallbacks are tried in order — run again, run on another
 * model, or answer with a fixed message — each announced with `fallback_start` and, when it works,
 * `fallback_complete`; `fallback_exhausted` when none did. Every attempt's cost stays in the step's usage.
 */
async function runWithFallbacks(step: Step, context: StepContext): Promise<StepResult> {
  const fallbacks = step.fallbacks ?? [];
  const triggers = step.fallbackTriggers ?? ['error'];
  const { events } = context.deps;
  let spent: Usage | null = null;
  let failure: unknown = null;
  for (let index = -1; index < fallbacks.length; index++) {
    const fallback = index >= 0 ? fallbacks[index]! : null;
    if (fallback) {
      const model = fallback.type === 'model' ? { model: fallback.model } : {};
      const reason = failure === null ? 'the step answered nothing' : toEventError(failure, step.id).message;
      events.emit({ type: 'fallback_start', fallbackIndex: index, fallbackType: fallback.type, ...model, reason, ...context.ref });
      if (fallback.delay) await delay(fallback.delay, context.signal);
    }
    let result: StepResult;
    try {
      result =
        fallback?.type === 'message' ? { result: fallback.message, unresolved: [] } : await runStep(withFallback(step, fallback), context);
    } catch (error) {
      const final = error instanceof PauseRun || context.signal.aborted || !triggers.includes('error');
      if (final || (FlowrunError.isInstance(error) && ['CANCELLED', 'COST_LIMIT_EXCEEDED'].includes(error.code))) throw error;
      failure = error;
      continue;
    }
    if (triggers.includes('empty-output') && isEmptyOutput(result.result)) {
      if (result.usage) spent = spent ? addUsage(spent, result.usage) : result.usage;
      failure = null;
      continue;
    }
    if (fallback) {
      const model = fallback.type === 'model' ? { model: fallback.model } : {};
      events.emit({ type: 'fallback_complete', fallbackIndex: index, fallbackType: fallback.type, ...model, ...context.ref });
    }
    return spent ? { ...result, usage: addUsage(spent, result.usage ?? emptyUsage()) } : result;
  }
  const error = failure ?? new FlowrunError('MODEL_OUTPUT_INVALID', `step '${step.name}' answered nothing, on every fallback`);
  events.emit({ type: 'fallback_exhausted', attempts: fallbacks.length + 1, error: toEventError(error, step.id), ...context.ref });
  throw error;
}

/** The step as a fallback runs it: on the fallback's model (a prompt step), or unchanged (a retry). */
function withFallback(step: Step, fallback: StepFallback | null): Step {
  if (fallback?.type !== 'model' || step.type !== 'prompt') return step;
  const { model, temperature, maxTokens } = fallback;
  return {
    ...step,
    config: {
      ...step.config,
      model,
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
    },
  };
}

function isEmptyOutput(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function toEventError(caught: unknown, stepId: string | undefined): EventError {
  // A nested step (a branch's, a loop pass's) failed and stopped its parent: the parent fails with its error's code.
  if (caught instanceof StopRun) return { code: caught.error.code, message: caught.error.message, ...(stepId ? { stepId } : {}) };
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
