import type { ExecutionEvent, ExecutionEventBody, ExecutionEventType } from '../../../protocol/execution-event.js';

const ref = { stepId: 'step_a', stepName: 'Ask', stepType: 'prompt', index: 1, totalSteps: 2 };
const usage = { inputTokens: 12, outputTokens: 5, reasoningTokens: 0, costUsd: 0.000123 };

/**
 * The encoders' golden events, keyed by internal event type: each type has its own entry (one event, or a few
 * variants of it), so adding a type adds an entry and changes no other. Every type must have one to compile.
 */
const bodies: { [Body in ExecutionEventBody as Body['type']]: Body[] } = {
  flow_start: [
    {
      type: 'flow_start',
      flowId: 'flow_1',
      flowName: 'Golden',
      flowVersionId: 'ver_1',
      totalSteps: 2,
      record: { id: 'rec_1', name: 'R', type: 'default', created: false },
      source: 'api',
    },
  ],
  step_start: [{ type: 'step_start', outputVariable: 'answer', ...ref }],
  custom_event: [{ type: 'custom_event', eventType: 'order.shipped', payload: { orderId: 'ord_1', items: 2 }, ...ref }],
  source: [
    {
      type: 'source',
      toolCallId: 'call_1',
      toolName: 'web_search',
      url: 'https://example.com/otters',
      title: 'Otters',
      snippet: 'Otters hold hands.',
      ...ref,
    },
  ],
  media: [
    {
      type: 'media',
      toolCallId: 'call_1',
      toolName: 'generate_image',
      mediaIndex: 0,
      part: { type: 'media', data: 'iVBORw0KGgo=', mediaType: 'image/png' },
      ...ref,
      iteration: 1,
    },
  ],
  artifact_start: [
    { type: 'artifact_start', artifactId: 'artifact_c1', artifactType: 'markdown', title: 'Report', toolCallId: 'c1', ...ref },
    {
      type: 'artifact_start',
      artifactId: 'artifact_c2',
      artifactType: 'component',
      title: 'Revenue',
      component: 'MetricCard',
      toolCallId: 'c2',
      ...ref,
    },
  ],
  artifact_delta: [{ type: 'artifact_delta', artifactId: 'artifact_c1', delta: '## Summary', ...ref }],
  artifact_update: [
    { type: 'artifact_update', artifactId: 'artifact_c2', component: 'MetricCard', props: { label: 'Revenue', value: '$1.2M' }, ...ref },
  ],
  artifact_complete: [{ type: 'artifact_complete', artifactId: 'artifact_c1', ...ref }],
  warning: [{ type: 'warning', code: 'MCP_UNAVAILABLE', message: "MCP server 'crm' was not offered: connection refused", ...ref }],
  fallback_start: [
    { type: 'fallback_start', fallbackIndex: 0, fallbackType: 'model', model: 'gpt-4o-mini', reason: 'openai returned 503', ...ref },
  ],
  fallback_complete: [{ type: 'fallback_complete', fallbackIndex: 0, fallbackType: 'model', model: 'gpt-4o-mini', ...ref }],
  fallback_exhausted: [
    {
      type: 'fallback_exhausted',
      attempts: 3,
      error: { code: 'PROVIDER_ERROR', message: 'openai returned 503', stepId: 'step_a' },
      ...ref,
    },
  ],
  iteration_start: [{ type: 'iteration_start', maxTurns: 5, totalCostUsd: 0, ...ref, iteration: 1 }],
  turn_start: [{ type: 'turn_start', turnId: 'turn_1', turnIndex: 0, ...ref, iteration: 1 }],
  text_start: [{ type: 'text_start', partId: 'turn_1', ...ref }],
  step_delta: [{ type: 'step_delta', partId: 'turn_1', text: 'Hello', chunkIndex: 1, ...ref }],
  reasoning_start: [{ type: 'reasoning_start', partId: 'turn_1_reasoning', ...ref }],
  reasoning_delta: [{ type: 'reasoning_delta', partId: 'turn_1_reasoning', text: 'thinking', ...ref }],
  reasoning_end: [{ type: 'reasoning_end', partId: 'turn_1_reasoning', ...ref }],
  text_end: [{ type: 'text_end', partId: 'turn_1', text: 'Hello', ...ref }],
  tool_start: [
    { type: 'tool_start', toolCallId: 'call_1', toolName: 'lookup', toolType: 'custom', toolId: 'tool_1', ...ref, iteration: 1 },
    {
      type: 'tool_start',
      toolCallId: 'call_4',
      toolName: 'get_page',
      toolType: 'local',
      toolId: 'get_page',
      origin: 'webmcp',
      pageOrigin: 'https://shop.example.com',
      ...ref,
      iteration: 2,
    },
  ],
  tool_input_delta: [{ type: 'tool_input_delta', toolCallId: 'call_1', delta: '{"q":', ...ref, iteration: 1 }],
  tool_input_complete: [
    {
      type: 'tool_input_complete',
      toolCallId: 'call_1',
      toolName: 'lookup',
      toolId: 'tool_1',
      parameters: { q: 'x' },
      ...ref,
      iteration: 1,
    },
  ],
  tool_result: [
    {
      type: 'tool_result',
      toolCallId: 'call_1',
      toolName: 'lookup',
      toolId: 'tool_1',
      result: { found: true },
      success: true,
      ...ref,
      iteration: 1,
    },
  ],
  tool_delta: [{ type: 'tool_delta', toolCallId: 'call_1', toolName: 'lookup', delta: '{"found":', ...ref, iteration: 1 }],
  tool_complete: [
    {
      type: 'tool_complete',
      toolCallId: 'call_1',
      toolName: 'lookup',
      toolType: 'custom',
      toolId: 'tool_1',
      success: true,
      result: { found: true },
      durationMs: 3,
      costUsd: 0,
      ...ref,
      iteration: 1,
    },
    {
      type: 'tool_complete',
      toolCallId: 'call_2',
      toolName: 'lookup',
      toolType: 'custom',
      toolId: 'tool_1',
      success: false,
      result: null,
      error: 'boom',
      durationMs: 1,
      costUsd: 0,
      ...ref,
      iteration: 1,
    },
  ],
  turn_complete: [
    {
      type: 'turn_complete',
      turnId: 'turn_1',
      turnIndex: 0,
      content: 'Hello',
      usage,
      stopReason: 'end_turn',
      toolCalls: 1,
      ...ref,
      iteration: 1,
    },
  ],
  reflection: [{ type: 'reflection', reflection: 'I found the record; next I will summarise it.', ...ref, iteration: 1 }],
  iteration_complete: [
    {
      type: 'iteration_complete',
      toolCallsMade: 1,
      stopConditionMet: false,
      costUsd: 0.000123,
      runningCostUsd: 0.000123,
      tokens: { input: 12, output: 5 },
      output: 'Hello',
      durationMs: 40,
      ...ref,
      iteration: 1,
    },
  ],
  approval_required: [
    {
      type: 'approval_required',
      approvalId: 'appr_1',
      kind: 'tool',
      toolCallId: 'call_3',
      toolName: 'send',
      toolType: 'external',
      parameters: { to: 'a' },
      description: 'Send it?',
      reason: 'sends mail',
      timeoutMs: 60000,
      ...ref,
      iteration: 2,
    },
  ],
  approval_complete: [{ type: 'approval_complete', approvalId: 'appr_1', decision: 'approved', resolvedBy: 'user' }],
  await: [
    {
      type: 'await',
      awaitReason: 'local_tool_required',
      toolCallId: 'call_4',
      toolName: 'get_page',
      parameters: { url: '/' },
      origin: 'webmcp',
      pageOrigin: 'https://shop.example.com',
      ...ref,
      iteration: 2,
    },
  ],
  flow_paused: [
    {
      type: 'flow_paused',
      reason: 'local_tool_required',
      pendingToolCalls: [
        { toolCallId: 'call_4', toolName: 'get_page', parameters: { url: '/' }, origin: 'webmcp', pageOrigin: 'https://shop.example.com' },
      ],
    },
    { type: 'flow_paused', reason: 'approval_required', pendingToolCalls: [], pendingApprovals: ['appr_1'] },
  ],
  step_complete: [
    {
      type: 'step_complete',
      result: 'Hello',
      durationMs: 20,
      usage,
      model: 'gpt-4o',
      processedPrompt: 'Say hello',
      stopReason: 'end_turn',
      unresolvedVariables: [],
      ...ref,
    },
    {
      type: 'step_complete',
      result: { ok: true },
      durationMs: 1,
      usage: null,
      unresolvedVariables: ['missing'],
      stepId: 'step_b',
      stepName: 'Set',
      stepType: 'set-variable',
      index: 2,
      totalSteps: 2,
    },
  ],
  step_error: [
    {
      type: 'step_error',
      error: { code: 'STEP_FAILED', message: 'it broke', stepId: 'step_b' },
      durationMs: 2,
      continued: false,
      stepId: 'step_b',
      stepName: 'Set',
      stepType: 'set-variable',
      index: 2,
      totalSteps: 2,
    },
  ],
  step_skip: [
    {
      type: 'step_skip',
      when: 'x > 1',
      reason: 'condition_false',
      stepId: 'step_c',
      stepName: 'Skip',
      stepType: 'template',
      index: 2,
      totalSteps: 2,
    },
  ],
  flow_complete: [
    {
      type: 'flow_complete',
      durationMs: 42,
      totalSteps: 2,
      successfulSteps: 2,
      failedSteps: 0,
      skippedSteps: 0,
      finalOutput: 'Hello',
      output: { answer: 'Hello' },
      usage,
      agent: { stopReason: 'end_turn', iterations: 1 },
    },
  ],
  flow_error: [
    {
      type: 'flow_error',
      error: { code: 'PROVIDER_ERROR', message: 'upstream down', stepId: 'step_a' },
      durationMs: 9,
      usage,
      cancelled: false,
    },
    { type: 'flow_error', error: { code: 'CANCELLED', message: 'the run was cancelled' }, durationMs: 9, usage, cancelled: true },
  ],
};

/**
 * Each entry stamped as a run of its own: seq counts from 1 and the clock from 12:00:00 within the entry, so an
 * entry's frames do not depend on the entries around it.
 */
export const goldenEventsByType = Object.fromEntries(
  Object.entries(bodies).map(([type, entry]) => [
    type,
    entry.map(
      (body, index) =>
        ({
          ...body,
          executionId: 'exec_golden',
          seq: index + 1,
          at: `2026-11-22T12:00:${String(index).padStart(2, '0')}.000Z`,
        }) as ExecutionEvent,
    ),
  ]),
) as Record<ExecutionEventType, ExecutionEvent[]>;

/** Every golden event, entry by entry. */
export const goldenEvents: ExecutionEvent[] = Object.values(goldenEventsByType).flat();

export const goldenContext = { flowId: 'flow_1', flowName: 'Golden' };
export const goldenAgent = { id: 'agent_1', name: 'Helper', maxTurns: 5, model: 'gpt-4o' };
