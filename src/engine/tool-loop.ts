import { parseJsonBounded } from '../protocol/json-depth.js';
import { FlowrunError } from '../protocol/errors.js';
import type { ToolsConfig } from '../protocol/flow.js';
import { addUsage, emptyUsage, type Usage } from '../protocol/usage.js';
import { streamModelTurn, turnRecord, type TurnOutcome } from './model-turn.js';
import type { ModelMessage, ModelRequest, ResolvedTool, ToolCallRequest, ToolChoice } from './ports.js';
import type { ResumeState, StepContext, ToolCallRecord } from './run-context.js';
import { runToolWithEvents } from './run-tool.js';
import {
  PauseRun,
  pageToolOrigin,
  type LoopState,
  type PendingApproval,
  type PendingToolCall,
  type TurnRecord,
} from './tool-loop-state.js';

export interface LoopOutcome {
  text: string;
  usage: Usage;
  modelId: string;
  finishReason: TurnOutcome['finishReason'];
  hitLimit: boolean;
  records: ToolCallRecord[];
  /** Why the loop ended, in agent terms. */
  stopReason: 'end_turn' | 'max_turns' | 'max_cost';
  turns: number;
  responses: TurnRecord[];
}

/**
 * The tool loop of a prompt step or agent: call the model; run the tools it asks for (concurrently or in
 * order); send the results back; repeat until it answers in plain text. It never runs more than
 * `maxToolCalls` calls: past the limit, each call gets a result saying so and the model is asked to answer
 * without tools. A client (local) tool pauses the run with the loop's state.
 */
export async function runToolLoop(
  base: Omit<ModelRequest, 'tools' | 'toolChoice' | 'messages'>,
  initialMessages: ModelMessage[],
  tools: ResolvedTool[],
  config: ToolsConfig,
  context: StepContext,
  options: { streamOutput: boolean; stepId: string; fallbackModels?: string[] },
): Promise<LoopOutcome> {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const toolTypes = new Map(tools.map((tool) => [tool.name, { toolType: tool.toolType, toolId: tool.id, ...pageToolOrigin(tool.config) }]));
  const specs = tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parametersSchema }));
  const resume = context.resume?.pausedStepId === options.stepId ? context.resume : undefined;
  const state = resume?.loop ? structuredClone(resume.loop) : freshLoopState(initialMessages);
  state.responses ??= [];
  if (resume) await applyResume(state, resume, byName, context);
  // A turn journaled before the crash whose tools had not all answered: run them now, with the ids the model gave
  // (so external calls repeat their Idempotency-Key), instead of asking the model again.
  const unanswered = unansweredTurn(state);
  if (unanswered) await answerCalls(state, unanswered, byName, config, context, options.stepId);
  for (;;) {
    if (context.signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled');
    state.turns++;
    const iteration = startIteration(state, config, context);
    const lastTurn = config.maxTurns !== undefined && state.turns >= config.maxTurns;
    const limitReached = state.toolCallsMade >= config.maxToolCalls || lastTurn;
    const turn = await streamModelTurn(
      {
        ...base,
        messages: state.messages,
        tools: specs.length > 0 && config.toolCallStrategy !== 'none' ? specs : undefined,
        toolChoice: toolChoiceFor(config, state, byName, limitReached),
      },
      context,
      { streamOutput: options.streamOutput, toolTypes, turnIndex: state.turns - 1, fallbackModels: options.fallbackModels },
    );
    state.usage = addUsage(state.usage, turn.usage);
    state.responses.push(turnRecord(turn));
    const end = (stopReason: LoopOutcome['stopReason'], hitLimit: boolean) => {
      iteration.complete(turn, true);
      return loopOutcome(state, turn, stopReason, hitLimit);
    };
    if (turn.toolCalls.length === 0 || config.toolCallStrategy === 'none')
      return end(lastTurn && turn.toolCalls.length > 0 ? 'max_turns' : 'end_turn', false);
    // The model asked for tools after being told it may not: stop here rather than loop.
    if (limitReached) return end(lastTurn ? 'max_turns' : 'end_turn', true);
    if (config.maxCost !== undefined && state.usage.costUsd >= config.maxCost) return end('max_cost', true);
    state.messages.push({ role: 'assistant', content: turn.text, toolCalls: turn.toolCalls });
    // The model's answer is journaled before any tool runs: a crash from here on resumes with this same turn.
    await context.deps.checkpoints.saveLoop(context.request.executionId, options.stepId, state);
    await answerCalls(state, turn.toolCalls, byName, config, context, options.stepId);
    iteration.complete(turn, false);
    if (config.reflection && state.turns % config.reflection.interval === 0) await reflect(base, state, context);
  }
}

const reflectionPrompt =
  'Before you go on: in one or two sentences, reflect on your progress so far. What have you learned, and what will you do next?';

/**
 * An agent's reflection (`loopConfig.enableReflection`): after an iteration that used tools, the model is asked,
 * without tools, to assess its progress; its answer streams as `agent_reflection` and its cost counts. The
 * conversation is not changed by it: the next turn sees the same messages.
 */
async function reflect(base: Omit<ModelRequest, 'tools' | 'toolChoice' | 'messages'>, state: LoopState, context: StepContext) {
  let text = '';
  for await (const part of context.deps.models.stream({
    ...base,
    messages: [...state.messages, { role: 'user', content: reflectionPrompt }],
  })) {
    if (part.type === 'text-delta') text += part.text;
    if (part.type === 'finish') state.usage = addUsage(state.usage, part.usage);
  }
  context.deps.events.emit({ type: 'reflection', reflection: text.trim(), ...context.ref, iteration: state.turns });
}

/**
 * One iteration of the loop (a model turn and the tools it asked for), announced with the loop's running cost:
 * Runtype's agent_iteration_start / agent_iteration_complete.
 */
function startIteration(state: LoopState, config: ToolsConfig, context: StepContext) {
  const { events, clock } = context.deps;
  const started = clock.now();
  const costBefore = state.usage.costUsd;
  const iteration = state.turns;
  const maxTurns = config.maxTurns ?? 0;
  events.emit({ type: 'iteration_start', maxTurns, totalCostUsd: costBefore, ...context.ref, iteration });
  return {
    complete(
      turn: { text: string; toolCalls: unknown[]; usage: { inputTokens: number; outputTokens: number } },
      stopConditionMet: boolean,
    ) {
      events.emit({
        type: 'iteration_complete',
        toolCallsMade: turn.toolCalls.length,
        stopConditionMet,
        costUsd: Math.round((state.usage.costUsd - costBefore) * 1e9) / 1e9,
        runningCostUsd: state.usage.costUsd,
        tokens: { input: turn.usage.inputTokens, output: turn.usage.outputTokens },
        output: turn.text,
        durationMs: clock.now() - started,
        ...context.ref,
        iteration,
      });
    },
  };
}

/** Runs a turn's tool calls; pauses for client tools and approvals, else journals the results for the next turn. */
async function answerCalls(
  state: LoopState,
  calls: ToolCallRequest[],
  byName: Map<string, ResolvedTool>,
  config: ToolsConfig,
  context: StepContext,
  stepId: string,
): Promise<void> {
  const results = await runCalls(calls, byName, config, state, context);
  if (results.pending.length > 0 || results.approvals.length > 0) {
    state.settled = results.settled;
    throw new PauseRun(stepId, state, results.pending, results.approvals);
  }
  state.messages.push({ role: 'tool', results: results.settled });
  await context.deps.checkpoints.saveLoop(context.request.executionId, stepId, state);
}

/** The tool calls of the last turn when the journal holds the model's answer but not yet the tools' results. */
function unansweredTurn(state: LoopState): ToolCallRequest[] | null {
  const last = state.messages.at(-1);
  if (!last || last.role !== 'assistant' || !('toolCalls' in last) || last.toolCalls.length === 0) return null;
  return last.toolCalls;
}

function freshLoopState(messages: ModelMessage[]): LoopState {
  return { messages: [...messages], toolCallsMade: 0, perTool: {}, usage: emptyUsage(), turns: 0, records: [], responses: [], settled: [] };
}

function loopOutcome(state: LoopState, turn: TurnOutcome, stopReason: LoopOutcome['stopReason'], hitLimit: boolean): LoopOutcome {
  return {
    text: turn.text,
    usage: state.usage,
    modelId: turn.modelId,
    finishReason: hitLimit ? 'tool-calls' : turn.finishReason,
    hitLimit,
    records: state.records,
    stopReason,
    turns: state.turns,
    responses: state.responses ?? [],
  };
}

/** None past the limit (or by strategy), a required tool not yet called, `required` before the first call, else auto. */
function toolChoiceFor(config: ToolsConfig, state: LoopState, byName: Map<string, ResolvedTool>, limitReached: boolean): ToolChoice {
  if (limitReached || config.toolCallStrategy === 'none') return 'none';
  const missingRequired = Object.entries(config.perToolLimits).find(
    ([name, limit]) => limit.required && (state.perTool[name] ?? 0) === 0 && byName.has(name),
  );
  if (missingRequired) return { toolName: missingRequired[0] };
  return config.toolCallStrategy === 'required' && state.toolCallsMade === 0 ? 'required' : 'auto';
}

/**
 * Continues a paused loop: the client's outputs join the results of the server calls of the paused turn;
 * approved calls run now, denied (and timed-out) ones get a refusal the model is told about.
 */
async function applyResume(state: LoopState, resume: ResumeState, byName: Map<string, ResolvedTool>, context: StepContext): Promise<void> {
  const answers: LoopState['settled'] = resume.pending.map((call) => ({
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    output: resume.toolOutputs[call.toolCallId] ?? null,
    isError: false,
  }));
  for (const approval of resume.approvals ?? []) {
    if (approval.kind !== 'tool' || !approval.toolCallId) continue;
    answers.push(await decidedCall(state, approval, resume.decisions?.[approval.approvalId], byName, context));
  }
  if (answers.length > 0 || state.settled.length > 0) state.messages.push({ role: 'tool', results: [...state.settled, ...answers] });
  for (const call of resume.pending)
    state.records.push({
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      toolType: 'local',
      success: true,
      durationMs: 0,
      costUsd: 0,
    });
  state.settled = [];
  if (resume.messages.length > 0) state.messages.push(...resume.messages);
}

/** The result of a call that waited for approval: run now if approved, else a refusal (or a step failure, if configured). */
async function decidedCall(
  state: LoopState,
  approval: PendingApproval,
  decided: NonNullable<ResumeState['decisions']>[string] | undefined,
  byName: Map<string, ResolvedTool>,
  context: StepContext,
): Promise<LoopState['settled'][number]> {
  const toolCallId = approval.toolCallId!;
  const tool = byName.get(approval.toolName ?? '');
  if (decided?.decision === 'approved' && tool) {
    const run = await runToolWithEvents(tool, approval.parameters ?? {}, toolCallId, context);
    state.records.push(run.record);
    return { toolCallId, toolName: tool.name, output: run.result, isError: !run.record.success };
  }
  const why =
    decided?.decision === 'timeout'
      ? 'no one approved it in time'
      : `the approver denied it${decided?.reason ? `: ${decided.reason}` : ''}`;
  if (approval.onDenied === 'fail') throw new FlowrunError('STEP_FAILED', `tool '${approval.toolName}' was not approved: ${why}`);
  state.records.push({
    toolCallId,
    toolName: approval.toolName ?? 'tool',
    toolType: approval.toolType ?? 'unknown',
    success: false,
    durationMs: 0,
    costUsd: 0,
  });
  return { toolCallId, toolName: approval.toolName ?? 'tool', output: { error: `This tool call was not run: ${why}.` }, isError: true };
}

interface CallResults {
  settled: LoopState['settled'];
  pending: PendingToolCall[];
  approvals: PendingApproval[];
}

function needsApproval(config: ToolsConfig, toolName: string): boolean {
  const require = config.approval?.require;
  return require === true || (Array.isArray(require) && require.includes(toolName));
}

async function runCalls(
  calls: ToolCallRequest[],
  byName: Map<string, ResolvedTool>,
  config: ToolsConfig,
  state: LoopState,
  outer: StepContext,
): Promise<CallResults> {
  const context: StepContext = { ...outer, ref: { ...outer.ref, iteration: state.turns } };
  const pending: PendingToolCall[] = [];
  const approvals: PendingApproval[] = [];
  const jobs: Array<() => Promise<LoopState['settled'][number]>> = [];
  for (const call of calls) {
    const tool = byName.get(call.toolName);
    const parsed = parseArguments(call.input);
    const emitInput = (parameters: Record<string, unknown>) =>
      context.deps.events.emit({
        type: 'tool_input_complete',
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        toolId: tool?.id ?? call.toolName,
        parameters,
        ...context.ref,
      });
    // Every call counts toward the limit, whether it runs or is refused.
    const overall = state.toolCallsMade >= config.maxToolCalls;
    const perToolMax = config.perToolLimits[call.toolName]?.maxCalls;
    const overTool = perToolMax !== undefined && (state.perTool[call.toolName] ?? 0) >= perToolMax;
    state.toolCallsMade++;
    state.perTool[call.toolName] = (state.perTool[call.toolName] ?? 0) + 1;
    if (!tool) {
      emitInput(parsed.ok ? parsed.value : {});
      jobs.push(async () => refuse(call, context, state, `there is no tool named '${call.toolName}'`));
      continue;
    }
    if (!parsed.ok) {
      emitInput({});
      jobs.push(async () => refuse(call, context, state, `the arguments are not valid JSON: ${parsed.error}`, tool));
      continue;
    }
    emitInput(parsed.value);
    if (overall || overTool) {
      const message = overall
        ? `tool call limit reached (maxToolCalls ${config.maxToolCalls}); answer with what you have, without calling tools`
        : `'${call.toolName}' may be called at most ${perToolMax} times; answer without calling it again`;
      jobs.push(async () => refuse(call, context, state, message, tool));
      continue;
    }
    if (tool.toolType === 'local') {
      pending.push({ toolCallId: call.toolCallId, toolName: call.toolName, parameters: parsed.value, ...pageToolOrigin(tool.config) });
      continue;
    }
    if (needsApproval(config, tool.name)) {
      const requestReason = config.approval?.requestReason;
      approvals.push({
        approvalId: context.deps.ids.next('appr'),
        kind: 'tool',
        toolCallId: call.toolCallId,
        toolName: tool.name,
        toolType: tool.toolType,
        parameters: parsed.value,
        description: `The assistant wants to run '${tool.name}'${tool.description ? ` (${tool.description})` : ''}`,
        ...(typeof requestReason === 'string' ? { reason: requestReason } : {}),
        ...(config.approval?.timeout ? { timeoutMs: config.approval.timeout } : {}),
        onDenied: config.approval?.onDenied ?? 'refuse',
      });
      continue;
    }
    jobs.push(() => execute(call, tool, parsed.value, context, state));
  }
  const settled = config.parallelCalls ? await Promise.all(jobs.map((job) => job())) : await sequential(jobs);
  return { settled, pending, approvals };
}

async function sequential<T>(jobs: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  for (const job of jobs) results.push(await job());
  return results;
}

async function execute(call: ToolCallRequest, tool: ResolvedTool, args: Record<string, unknown>, context: StepContext, state: LoopState) {
  const run = await runToolWithEvents(tool, args, call.toolCallId, context);
  state.records.push(run.record);
  if (run.record.costUsd > 0)
    state.usage = addUsage(state.usage, { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: run.record.costUsd });
  return { toolCallId: call.toolCallId, toolName: tool.name, output: run.result, isError: !run.record.success };
}

function refuse(call: ToolCallRequest, context: StepContext, state: LoopState, message: string, tool?: ResolvedTool) {
  const result = { error: message };
  context.deps.events.emit({
    type: 'tool_result',
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    toolId: tool?.id ?? call.toolName,
    result,
    success: false,
    ...context.ref,
  });
  context.deps.events.emit({
    type: 'tool_complete',
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    toolType: tool?.toolType ?? 'unknown',
    toolId: tool?.id ?? call.toolName,
    success: false,
    result,
    error: message,
    durationMs: 0,
    costUsd: 0,
    ...context.ref,
  });
  state.records.push({
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    toolType: tool?.toolType ?? 'unknown',
    success: false,
    durationMs: 0,
    costUsd: 0,
  });
  return { toolCallId: call.toolCallId, toolName: call.toolName, output: result, isError: true };
}

function parseArguments(input: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  try {
    const value: unknown = parseJsonBounded(input || '{}', 'the arguments');
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'expected a JSON object' };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
