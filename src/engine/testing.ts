import type { ExecutionEvent, ExecutionEventBody } from '../protocol/execution-event.js';
import type { RecordData } from '../protocol/record.js';
import type {
  CheckpointStore,
  Clock,
  EventSink,
  Ids,
  ModelGateway,
  ModelRequest,
  ModelStreamPart,
  RecordStore,
  ResolvedTool,
  StepCheckpoint,
  ToolCallContext,
  ToolOutcome,
  ToolRunner,
} from './ports.js';
import type { EngineDeps, RunFlowRequest } from './run-context.js';
import { validateFlowSteps } from './validate-flow.js';

/**
 * In-memory ports for unit tests of the engine: a scripted model, a fixed clock and ids, an array event sink,
 * an in-memory checkpoint store, scripted tools and records. No I/O, no timers: a unit test of a flow runs in
 * microseconds and its every event and checkpoint can be asserted.
 */

/** What the scripted model answers one call with: text (in chunks), tool calls, usage. */
export interface ScriptedTurn {
  chunks?: string[];
  toolCalls?: Array<{ toolCallId: string; toolName: string; input: string }>;
  usage?: { inputTokens: number; outputTokens: number; costUsd?: number };
  /** Throw this instead of answering. */
  error?: Error;
}

export function scriptedModels(
  script: (request: ModelRequest, index: number) => ScriptedTurn,
): ModelGateway & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    requests,
    resolve: (model) =>
      model.startsWith('unknown/')
        ? { ok: false, code: 'UNKNOWN_MODEL', reason: `unknown model ${model}` }
        : { ok: true, provider: 'scripted', modelId: model },
    async *stream(request): AsyncIterable<ModelStreamPart> {
      requests.push(request);
      const turn = script(request, requests.length - 1);
      if (turn.error) throw turn.error;
      for (const text of turn.chunks ?? []) yield { type: 'text-delta', text };
      for (const call of turn.toolCalls ?? []) {
        yield { type: 'tool-input-start', toolCallId: call.toolCallId, toolName: call.toolName };
        yield { type: 'tool-input-delta', toolCallId: call.toolCallId, delta: call.input };
        yield { type: 'tool-call', ...call };
      }
      const usage = turn.usage ?? { inputTokens: 1, outputTokens: 1 };
      yield {
        type: 'finish',
        usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, reasoningTokens: 0, costUsd: usage.costUsd ?? 0 },
        finishReason: turn.toolCalls?.length ? 'tool-calls' : 'stop',
        provider: 'scripted',
        modelId: request.model,
      };
    },
  };
}

export function fixedClock(start = Date.UTC(2026, 10, 22, 12)): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

export function sequentialIds(): Ids {
  let next = 0;
  return { next: (prefix) => `${prefix}_${String(++next).padStart(4, '0')}` };
}

export function arraySink(
  executionId = 'exec_test',
  clock: Clock = fixedClock(),
): EventSink & { events: ExecutionEvent[]; types(): string[] } {
  const events: ExecutionEvent[] = [];
  return {
    events,
    emit(body: ExecutionEventBody) {
      const event = { ...body, executionId, seq: events.length + 1, at: new Date(clock.now()).toISOString() } as ExecutionEvent;
      events.push(event);
      return event;
    },
    types: () => events.map((event) => event.type),
  };
}

export function memoryCheckpoints(): CheckpointStore & { steps: StepCheckpoint[]; loops: Array<{ stepId: string; state: unknown }> } {
  const steps: StepCheckpoint[] = [];
  const loops: Array<{ stepId: string; state: unknown }> = [];
  return {
    steps,
    loops,
    async saveStep(_executionId, checkpoint) {
      steps.push(structuredClone(checkpoint));
    },
    async saveLoop(_executionId, stepId, state) {
      loops.push({ stepId, state: structuredClone(state) });
    },
  };
}

/** Tools answered by `handlers` by tool name; `runScript` by `script`. Calls are recorded. */
export function scriptedTools(
  handlers: Record<string, (args: Record<string, unknown>, context: ToolCallContext) => ToolOutcome | Promise<ToolOutcome>> = {},
  script?: (code: string, variables: Record<string, unknown>) => ToolOutcome,
): ToolRunner & { calls: Array<{ name: string; args: Record<string, unknown> }> } {
  const calls: Array<{ name: string; args: Record<string, unknown> }> = [];
  return {
    calls,
    async run(tool: ResolvedTool, args, context) {
      calls.push({ name: tool.name, args });
      const handler = handlers[tool.name];
      return handler ? handler(args, context) : { ok: false, error: { code: 'TOOL_NOT_FOUND', message: `no scripted tool ${tool.name}` } };
    },
    describeMcpTools: async () => [],
    describeBuiltin: (id) => ({ warning: { code: 'BUILTIN_NOT_CONFIGURED', message: `no built-in ${id} in tests` } }),
    async runScript(code, variables) {
      return script ? script(code, variables) : { ok: false, error: { code: 'SANDBOX_ERROR', message: 'no scripted sandbox' } };
    },
  };
}

export function memoryRecords(initial: RecordData[] = []): RecordStore & { records: RecordData[] } {
  const records = [...initial];
  return {
    records,
    get: async (_scope, id) => records.find((record) => record.id === id) ?? null,
    find: async (_scope, type, name) =>
      records.find((record) => (type === undefined || record.type === type) && (name === undefined || record.name === name)) ?? null,
    async create(_scope, record) {
      const created = { ...record, id: `rec_${records.length + 1}`, created: true };
      records.push(created);
      return created;
    },
    async update(_scope, id, changes) {
      const record = records.find((entry) => entry.id === id);
      if (!record) return null;
      Object.assign(record, changes);
      return record;
    },
    async list(_scope, query) {
      const matching = records
        .filter(
          (record) => (query.type === undefined || record.type === query.type) && (query.name === undefined || record.name === query.name),
        )
        .reverse();
      return { items: matching.slice(query.offset, query.offset + query.limit), total: matching.length };
    },
  };
}

/** Engine deps from in-memory ports; pass any to replace. */
export function testEngine(overrides: Partial<EngineDeps> = {}): EngineDeps & {
  events: ReturnType<typeof arraySink>;
  checkpoints: ReturnType<typeof memoryCheckpoints>;
} {
  const clock = overrides.clock ?? fixedClock();
  return {
    models: scriptedModels(() => ({ chunks: ['ok'] })),
    ids: sequentialIds(),
    tools: scriptedTools(),
    records: memoryRecords(),
    ...overrides,
    clock,
    events: (overrides.events as ReturnType<typeof arraySink>) ?? arraySink('exec_test', clock),
    checkpoints: (overrides.checkpoints as ReturnType<typeof memoryCheckpoints>) ?? memoryCheckpoints(),
  };
}

/** A run request over raw steps (validated as a dispatch would). */
export function testRequest(rawSteps: unknown[], overrides: Partial<RunFlowRequest> = {}): RunFlowRequest {
  const models = {
    resolve: (model: string) => ({ ok: !model.startsWith('unknown/'), provider: 'scripted', modelId: model, reason: 'unknown' }) as never,
  };
  const scope = { tenantId: 'tenant', mode: 'test' as const };
  return {
    executionId: 'exec_test',
    flow: { id: 'flow_test', name: 'Test flow', versionId: null, steps: validateFlowSteps(rawSteps, ['flow', 'steps'], { models }) },
    record: { id: null, name: 'Record', type: 'default', metadata: {}, created: false },
    inputs: {},
    secrets: {},
    messages: [],
    options: {},
    source: 'api',
    startedAt: Date.UTC(2026, 10, 22, 12),
    tools: {},
    clientTools: [],
    depth: 0,
    scope,
    ...overrides,
  };
}

/** The resume state of a run that paused or stopped after `completedStepIds`, with `variables`. */
export function resumeAfter(completedStepIds: string[] = [], variables: Record<string, unknown> = {}) {
  return {
    completedStepIds,
    variables,
    stepsRun: completedStepIds.length + 1,
    pausedStepId: '',
    loop: null,
    pending: [],
    toolOutputs: {},
    messages: [],
    usage: { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: 0 },
    counters: { successful: completedStepIds.length, failed: 0, skipped: 0 },
  };
}
