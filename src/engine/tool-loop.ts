import { FlowrunError } from '../protocol/errors.js';
import type { ToolsConfig } from '../protocol/flow.js';
import { addUsage, emptyUsage, type Usage } from '../protocol/usage.js';
import { streamModelTurn, turnRecord, type TurnOutcome } from './model-turn.js';
import type { ModelMessage, ModelRequest, ResolvedTool, ToolCallRequest } from './ports.js';
import type { StepContext, ToolCallRecord } from './run-context.js';
import { triageToolCalls } from './tool-call-triage.js';
import { startIteration } from './tool-loop-iteration.js';
import { loopStop, toolChoiceFor, turnLimits, type LoopStop } from './tool-loop-limits.js';
import { resumeToolLoop } from './tool-loop-resume.js';
import { PauseRun, pageToolOrigin, type LoopState, type TurnRecord } from './tool-loop-state.js';
import { reflect } from './tool-reflection.js';

export interface LoopOutcome {
  text: string;
  usage: Usage;
  modelId: string;
  finishReason: TurnOutcome['finishReason'];
  hitLimit: boolean;
  records: ToolCallRecord[];
  /** Why the loop ended, in agent terms. */
  stopReason: LoopStop['stopReason'];
  turns: number;
  responses: TurnRecord[];
}

export interface ToolLoopOptions {
  /** The request of every model turn, but for what the loop sets: the messages, the tools and the tool choice. */
  request: Omit<ModelRequest, 'tools' | 'toolChoice' | 'messages'>;
  /** The conversation before the first turn; a resumed loop continues its stored one instead. */
  messages: ModelMessage[];
  tools: ResolvedTool[];
  config: ToolsConfig;
  context: StepContext;
  /** The step the loop belongs to: what a pause and the loop's journal are keyed by. */
  stepId: string;
  streamOutput: boolean;
  fallbackModels?: string[];
}

/** What the loop's parts share while it runs. */
interface ToolLoop {
  state: LoopState;
  tools: Map<string, ResolvedTool>;
  config: ToolsConfig;
  context: StepContext;
  stepId: string;
}

/**
 * The tool loop of a prompt step or agent: call the model; run the tools it asks for (concurrently or in
 * order); send the results back; repeat until it answers in plain text. It never runs more than
 * `maxToolCalls` calls: past the limit, each call gets a result saying so and the model is asked to answer
 * without tools. A client (local) tool pauses the run with the loop's state.
 */
export async function runToolLoop(options: ToolLoopOptions): Promise<LoopOutcome> {
  const { request, config, context, stepId } = options;
  const tools = new Map(options.tools.map((tool) => [tool.name, tool]));
  const toolTypes = new Map(
    options.tools.map((tool) => [tool.name, { toolType: tool.toolType, toolId: tool.id, ...pageToolOrigin(tool.config) }]),
  );
  const specs = options.tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parametersSchema }));
  const resume = context.resume?.pausedStepId === stepId ? context.resume : undefined;
  const state = resume?.loop ? structuredClone(resume.loop) : freshLoopState(options.messages);
  state.responses ??= [];
  const loop: ToolLoop = { state, tools, config, context, stepId };
  if (resume) await resumeToolLoop({ state, resume, tools, context });
  // A turn journaled before the crash whose tools had not all answered: run them now, with the ids the model gave
  // (so external calls repeat their Idempotency-Key), instead of asking the model again.
  const unanswered = unansweredTurn(state);
  if (unanswered) await answerCalls(loop, unanswered);
  for (;;) {
    if (context.signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled');
    state.turns++;
    const iteration = startIteration(state, config, context);
    const limits = turnLimits(config, state);
    const turn = await streamModelTurn(
      {
        ...request,
        messages: state.messages,
        tools: specs.length > 0 && config.toolCallStrategy !== 'none' ? specs : undefined,
        toolChoice: toolChoiceFor({ config, state, tools, limitReached: limits.limitReached }),
      },
      context,
      { streamOutput: options.streamOutput, toolTypes, turnIndex: state.turns - 1, fallbackModels: options.fallbackModels },
    );
    state.usage = addUsage(state.usage, turn.usage);
    state.responses.push(turnRecord(turn));
    const stop = loopStop({ turn, limits, config, state });
    if (stop) {
      iteration.complete(turn, true);
      return loopOutcome(state, turn, stop);
    }
    state.messages.push({ role: 'assistant', content: turn.text, toolCalls: turn.toolCalls });
    // The model's answer is journaled before any tool runs: a crash from here on resumes with this same turn.
    await context.deps.checkpoints.saveLoop(context.request.executionId, stepId, state);
    await answerCalls(loop, turn.toolCalls);
    iteration.complete(turn, false);
    if (config.reflection && state.turns % config.reflection.interval === 0) await reflect(request, state, context);
  }
}

/** Runs a turn's tool calls; pauses for client tools and approvals, else journals the results for the next turn. */
async function answerCalls({ state, tools, config, context, stepId }: ToolLoop, calls: ToolCallRequest[]): Promise<void> {
  const results = await triageToolCalls({ calls, tools, config, state, context });
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

function loopOutcome(state: LoopState, turn: TurnOutcome, { stopReason, hitLimit }: LoopStop): LoopOutcome {
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
